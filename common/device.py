"""Device names: one check and one resolution for every part ('' = cuda when available, else cpu)."""
from __future__ import annotations

import torch

from common.errors import UserError


def check_device_name(name: str, key: str = 'DEVICE') -> str:
    """'' , 'cpu', 'cuda' or 'cuda:N'; anything else is one UserError naming ``key``."""
    if name not in ('', 'cpu') and not str(name).startswith('cuda'):
        raise UserError(f'{key}={name!r} is invalid; allowed: "", "cpu", "cuda", "cuda:N"')
    return name


def resolve_device(name: str, key: str = 'DEVICE') -> torch.device:
    """The torch device for a checked name; a CUDA name without CUDA is one UserError."""
    check_device_name(name, key)
    if name:
        if name.startswith('cuda') and not torch.cuda.is_available():
            raise UserError(f'{key}={name!r} requested but CUDA is not available; use "" or "cpu"')
        return torch.device(name)
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
