"""Controller checkpoints: ``{'model': state_dict, 'epoch', 'config', 'head_names', 'train_tasks', 'train_vecs', ...}``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from common.errors import UserError
from common.io import atomic_torch_save, load_tensors
from controller.model import ControllerModel


def save_checkpoint(path: str | Path, model: ControllerModel, epoch: int, config: dict[str, Any],
                    train_tasks: list[str], train_vecs: torch.Tensor) -> Path:
    return atomic_torch_save(path, {
        'model': {k: v.detach().cpu() for k, v in model.state_dict().items()},
        'epoch': int(epoch),
        'optimizer': None,   # the controller is cheap to retrain; only the weights are kept
        'lr_scheduler': None,
        'config': config,
        'head_names': list(model.head_names),
        'in_dim': int(model.in_dim),
        'hidden': int(model.backbone[0].out_features),
        'train_tasks': list(train_tasks),
        'train_vecs': train_vecs.detach().float().cpu(),
    })


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load safely (``weights_only=True``); accepts the original's ``{'cont_state_dict': ...}`` files too."""
    path = Path(path)
    ckpt = load_tensors(path, 'controller checkpoint')
    if isinstance(ckpt, dict) and 'model' not in ckpt and 'cont_state_dict' in ckpt:
        ckpt = {'model': ckpt['cont_state_dict']}
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get('model'), dict):
        raise UserError(f'controller checkpoint {str(path)!r} has no "model" state dict')
    return ckpt


def load_weights(model: ControllerModel, state: dict[str, torch.Tensor], path: str | Path = '') -> None:
    """Copy weights into ``model``; the input-normalisation buffers default to identity when absent."""
    state = dict(state)
    for k in ('in_shift', 'in_scale'):
        state.setdefault(k, getattr(model, k).new_zeros(model.in_dim) if k == 'in_shift'
                         else getattr(model, k).new_ones(model.in_dim))
    own = model.state_dict()
    bad = [k for k in own if k not in state or state[k].shape != own[k].shape]
    extra = [k for k in state if k not in own]
    if bad or extra:
        k = (bad or extra)[0]
        got = tuple(state[k].shape) if k in state else 'missing'
        want = tuple(own[k].shape) if k in own else 'not in this model'
        raise UserError(f'controller checkpoint {str(path)!r} does not fit this model: {k} is {got}, '
                        f'expected {want} (different task DB dimension, hidden size or heads?)')
    model.load_state_dict(state)


def model_from_checkpoint(ckpt: dict[str, Any], path: str | Path = '') -> ControllerModel:
    """Build the ControllerModel a checkpoint of this project describes."""
    if 'head_names' not in ckpt:
        raise UserError(f'controller checkpoint {str(path)!r} lacks head_names/in_dim (an original-format '
                        f'file: use it with train_controller.py MODEL_LOAD_PATH and EVAL_ONLY True)')
    model = ControllerModel(ckpt['in_dim'], ckpt['hidden'], ckpt['head_names'])
    load_weights(model, ckpt['model'], path)
    return model.eval()
