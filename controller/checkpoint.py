"""Controller checkpoints: ``{'model': state_dict, 'epoch', 'config', 'head_names', 'train_tasks', 'train_vecs', ...}``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from common.errors import UserError
from common.io import atomic_torch_save, load_tensors
from controller.model import ControllerModel


def save_checkpoint(path: str | Path, members: ControllerModel | Sequence[ControllerModel], epoch: int,
                    config: dict[str, Any], train_tasks: list[str], train_vecs: torch.Tensor,
                    transfer: dict[str, Any] | None = None) -> Path:
    """Tensors-only checkpoint; ``model`` is the first member, ``members`` all of them (an ensemble).

    ``transfer``: what the recommended pick needs besides the weights (best fixed setting, gate, the
    reward table's fingerprint, the task DB's embedding settings), see train_controller.run_controller.
    """
    members = [members] if isinstance(members, ControllerModel) else list(members)
    states = [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in members]
    first = members[0]
    return atomic_torch_save(path, {
        'model': states[0],
        'members': states,
        'epoch': int(epoch),
        'optimizer': None,   # the controller is cheap to retrain; only the weights are kept
        'lr_scheduler': None,
        'config': config,
        'head_names': list(first.head_names),
        'in_dim': int(first.in_dim),
        'hidden': int(first.backbone[0].out_features),
        'train_tasks': list(train_tasks),
        'train_vecs': train_vecs.detach().float().cpu(),
        'transfer': dict(transfer or {}),
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


def member_states(ckpt: dict[str, Any]) -> list[dict[str, torch.Tensor]]:
    """The state dicts of every ensemble member (one for single-model and original-format checkpoints)."""
    states = ckpt.get('members')
    return list(states) if isinstance(states, (list, tuple)) and states else [ckpt['model']]


def models_from_checkpoint(ckpt: dict[str, Any], path: str | Path = '') -> list[ControllerModel]:
    """Build the ensemble members a checkpoint of this project describes."""
    if 'head_names' not in ckpt:
        raise UserError(f'controller checkpoint {str(path)!r} lacks head_names/in_dim (an original-format '
                        f'file: use it with train_controller.py MODEL_LOAD_PATH and EVAL_ONLY True)')
    models = []
    for state in member_states(ckpt):
        model = ControllerModel(ckpt['in_dim'], ckpt['hidden'], ckpt['head_names'])
        load_weights(model, state, path)
        models.append(model.eval())
    return models
