"""Head outputs <-> simulation settings: exploration noise, sampling, argmax, grid indices, GenParams."""
from __future__ import annotations

from typing import Sequence

import torch

from generator.generator_params import DEFAULTS, GRID_FIELDS, GenParams, grid_bit, grid_params


def add_exploration_noise(probs: torch.Tensor, eps: float) -> torch.Tensor:
    """Move ``eps`` of probability from each head's argmax option to the other options (equally).

    The shift is a constant, so gradients still flow through ``probs`` (as in the original).
    """
    n = probs.shape[-1]
    with torch.no_grad():
        shift = torch.full_like(probs, eps / (n - 1))
        shift.scatter_(-1, probs.argmax(-1, keepdim=True), -eps)
    return probs + shift


def exploration_eps(base: float, epoch: int, noise_red_epoch: int) -> float:
    """The original's schedule: eps = EXPL_NOISE / ceil((epoch + 1) / NOISE_RED_EPOCH)."""
    return base / -(-(epoch + 1) // noise_red_epoch)


def sample_choices(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One option per head drawn from ``probs`` (B, H, K) -> (B, H) long."""
    flat = probs.detach().reshape(-1, probs.shape[-1]).clamp_min(0)
    return torch.multinomial(flat, 1, generator=generator).view(probs.shape[:-1])


class SettingCodec:
    """Maps the heads' option indices (B, H) to the paper's grid index 0..255 and back.

    Heads are in sorted key order; the materials head's options 0/1 mean materials 1/3. Grid fields
    without a head keep their GenParams default.
    """

    def __init__(self, head_names: Sequence[str]):
        self.head_names = list(head_names)
        unknown = [h for h in self.head_names if h not in GRID_FIELDS]
        if unknown:
            raise ValueError(f'heads {unknown} are not grid fields; allowed: {list(GRID_FIELDS)}')
        self.bit_weights = torch.tensor([1 << (7 - GRID_FIELDS.index(h)) for h in self.head_names])
        base = 0
        for i, f in enumerate(GRID_FIELDS):
            if f not in self.head_names:
                base += grid_bit(f, DEFAULTS[f]) << (7 - i)
        self.base_index = base
        # the head options that produce each grid index (only exact for indices reachable by the heads)
        idx = torch.arange(256)
        self.index_to_choice = torch.stack([(idx // w) % 2 for w in self.bit_weights.tolist()], dim=1)

    def to_index(self, choices: torch.Tensor) -> torch.Tensor:
        return (choices * self.bit_weights.to(choices.device)).sum(-1) + self.base_index

    def to_choices(self, index: torch.Tensor) -> torch.Tensor:
        return self.index_to_choice.to(index.device)[index]

    def to_params(self, choices: torch.Tensor) -> list[GenParams]:
        return [grid_params(int(i)) for i in self.to_index(choices.cpu())]

    def to_tuple_strs(self, choices: torch.Tensor) -> list[str]:
        return [gp.get_tuple_str() for gp in self.to_params(choices)]

    def tuple_str_to_choices(self, tuple_str: str) -> torch.Tensor:
        gp = GenParams.from_tuple_str(tuple_str)
        return torch.tensor([grid_bit(h, gp[h]) for h in self.head_names])
