"""ControllerModel: task vector -> MLP -> one 2-way softmax head per predicted simulation parameter."""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


class ControllerModel(nn.Module):
    """Linear(D->H) -> ReLU -> Linear(H->H) -> ReLU, then ``Linear(H->2) -> Softmax`` per head.

    Parameter names match the original (``backbone.0``, ``backbone.2``, ``heads.<param>.0``); heads are
    kept in sorted key order. Buffers ``in_shift``/``in_scale`` hold an optional input standardisation
    (zeros/ones = the original's plain L2-normalised input).
    """

    def __init__(self, in_dim: int, hidden: int, head_names: Sequence[str], num_options: int = 2):
        super().__init__()
        self.head_names = sorted(head_names)
        self.num_options = num_options
        self.backbone = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.heads = nn.ModuleDict({k: nn.Sequential(nn.Linear(hidden, num_options), nn.Softmax(dim=1))
                                    for k in self.head_names})
        self.register_buffer('in_shift', torch.zeros(in_dim))
        self.register_buffer('in_scale', torch.ones(in_dim))

    @property
    def in_dim(self) -> int:
        return self.backbone[0].in_features

    def reset_parameters(self, generator: torch.Generator, head_gain: float = 1.0) -> 'ControllerModel':
        """PyTorch's default Linear init (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), drawn from ``generator``."""
        with torch.no_grad():
            for name, m in self.named_modules():
                if isinstance(m, nn.Linear):
                    bound = 1.0 / math.sqrt(m.in_features)
                    gain = head_gain if name.startswith('heads.') else 1.0
                    m.weight.uniform_(-bound, bound, generator=generator).mul_(gain)
                    m.bias.uniform_(-bound, bound, generator=generator).mul_(gain)
        return self

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """L2-normalised task vectors -> the first layer's input (identity for the original model)."""
        x = F.normalize(x, dim=1)
        return F.normalize((x - self.in_shift) / self.in_scale, dim=1)

    def forward_preprocessed(self, z: torch.Tensor) -> torch.Tensor:
        """Head probabilities (B, num_heads, num_options) for already preprocessed inputs."""
        h = self.backbone(z)
        w = torch.cat([self.heads[k][0].weight for k in self.head_names])
        b = torch.cat([self.heads[k][0].bias for k in self.head_names])
        logits = F.linear(h, w, b).view(z.shape[0], len(self.head_names), self.num_options)
        return torch.softmax(logits, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_preprocessed(self.preprocess(x))


def set_input_norm(model: ControllerModel, mode: str, train_vecs: torch.Tensor, eps: float = 1e-3) -> None:
    """Fit the input normalisation on the seen tasks' L2-normalised vectors.

    ``l2``: none beyond L2 (original); ``center``: subtract the seen tasks' mean vector;
    ``standardize``: also divide each dimension by its std over the seen tasks (floored at eps * max std).
    """
    x = F.normalize(train_vecs.to(model.in_shift), dim=1)
    model.in_shift.zero_()
    model.in_scale.fill_(1.0)
    if mode == 'l2':
        return
    model.in_shift.copy_(x.mean(dim=0))
    if mode == 'standardize' and len(x) > 1:
        std = x.std(dim=0, unbiased=False)
        model.in_scale.copy_(std.clamp_min(eps * std.max().clamp_min(1e-12)))
