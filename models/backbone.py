"""Backbones from timm, the downstream head, and the model of each engine mode."""
from __future__ import annotations

import timm
import torch
from torch import nn

from common.errors import UserError


def check_model_name(name: str) -> str:
    """A timm architecture name, else one UserError with close names."""
    if not timm.is_model(name):
        close = timm.list_models(f'*{name.split("_")[0]}*')[:8] if name else []
        raise UserError(f'unknown MODEL {name!r}; timm names such as {", ".join(close) or "resnet50, resnet18"}')
    return name


def create_backbone(name: str, num_classes: int, drop_rate: float = 0.0,
                    drop_path_rate: float = 0.0) -> nn.Module:
    """A timm model with a classifier of ``num_classes`` outputs (0 = pooled features only)."""
    check_model_name(name)
    kwargs = {'num_classes': num_classes, 'drop_rate': drop_rate}
    if drop_path_rate:
        kwargs['drop_path_rate'] = drop_path_rate
    try:
        return timm.create_model(name, pretrained=False, **kwargs)
    except TypeError:  # architectures without stochastic depth
        kwargs.pop('drop_path_rate', None)
        return timm.create_model(name, pretrained=False, **kwargs)


def classifier_prefix(model: nn.Module) -> str:
    """Name of the model's classifier module (``fc`` for ResNet, ``head`` for ViT, ...)."""
    name = model.default_cfg.get('classifier', 'fc') if hasattr(model, 'default_cfg') else 'fc'
    return name if isinstance(name, str) else name[0]


class DownstreamHead(nn.Sequential):
    """Dropout -> BatchNorm1d(affine=False) -> Linear, the original's linear/finetune head."""

    def __init__(self, num_features: int, num_classes: int, drop: float = 0.2):
        super().__init__(nn.Dropout(drop), nn.BatchNorm1d(num_features, affine=False),
                         nn.Linear(num_features, num_classes))


class DownstreamClassifier(nn.Module):
    """A pooled-feature backbone followed by the downstream head; ``frozen`` keeps the backbone in eval mode."""

    def __init__(self, backbone: nn.Module, num_classes: int, drop: float = 0.2, frozen: bool = False):
        super().__init__()
        self.backbone = backbone
        self.head = DownstreamHead(backbone.num_features, num_classes, drop)
        self.frozen = frozen
        if frozen:
            for p in self.backbone.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True) -> 'DownstreamClassifier':
        super().train(mode)
        if self.frozen:
            self.backbone.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.frozen:
            with torch.no_grad():
                feats = self.backbone(x)
        else:
            feats = self.backbone(x)
        return self.head(feats)


def features_of(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Global-pooled backbone features of any engine model (pre-training classifier or downstream one)."""
    if isinstance(model, DownstreamClassifier):
        return model.backbone(x)
    return model.forward_head(model.forward_features(x), pre_logits=True)
