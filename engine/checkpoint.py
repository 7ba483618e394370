"""Checkpoints: atomic saves, resume, and backbone loading (every key but the classifier)."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from torch import nn

from common.errors import UserError, first_line
from common.io import atomic_torch_save, load_tensors

log = logging.getLogger(__name__)


def save_checkpoint(path: str | Path, model: nn.Module, optimizer=None, lr_scheduler=None,
                    scaler=None, epoch: int = 0, **extra: Any) -> Path:
    """Write ``{'model', 'epoch', 'optimizer', 'lr_scheduler', 'scaler', ...}`` atomically."""
    state = {'model': unwrap(model).state_dict(), 'epoch': int(epoch)}
    for key, obj in (('optimizer', optimizer), ('lr_scheduler', lr_scheduler), ('scaler', scaler)):
        if obj is not None:
            state[key] = obj.state_dict()
    state.update(extra)
    return atomic_torch_save(path, state)


def copy_checkpoint(src: str | Path, dst: str | Path) -> None:
    """Keep a numbered copy (CKPT_SAVE_INTERVAL) without ever exposing a partial file."""
    dst = Path(dst)
    tmp = dst.with_name(f'.{dst.name}.tmp')
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def load_checkpoint_file(path: str | Path) -> dict:
    return load_tensors(path, 'checkpoint')


def unwrap(model: nn.Module) -> nn.Module:
    return model.module if hasattr(model, 'module') else model


def resume(path: str | Path, model: nn.Module, optimizer=None, lr_scheduler=None, scaler=None) -> int:
    """Restore model, optimizer, scheduler and scaler; return the epoch to start from."""
    ckpt = load_checkpoint_file(path)
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get('model'), dict):
        raise UserError(f'RESUME={str(path)!r} is not a training checkpoint of this engine (no "model" state dict); '
                        f'to start from its weights use BACKBONE_PATH')
    try:
        unwrap(model).load_state_dict(ckpt['model'])
        for key, obj in (('optimizer', optimizer), ('lr_scheduler', lr_scheduler), ('scaler', scaler)):
            if obj is not None and key in ckpt:
                obj.load_state_dict(ckpt[key])
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        raise UserError(f'RESUME={str(path)!r} does not fit this run (another MODEL, class count or optimizer?): '
                        f'{first_line(e)[:200]}') from None
    return int(ckpt.get('epoch', -1)) + 1


def load_backbone(backbone: nn.Module, path: str | Path, classifier: str = 'fc', allow_partial: bool = False) -> list[str]:
    """Copy every tensor of a checkpoint except the classifier into ``backbone``; return the keys loaded.

    A checkpoint that fills only part of the backbone is refused unless ``allow_partial``."""
    ckpt = load_checkpoint_file(path)
    state = ckpt.get('model', ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise UserError(f'checkpoint {str(path)!r} holds no state dict')
    state = {k.removeprefix('module.'): v for k, v in state.items()}
    state = {k: v for k, v in state.items()
             if not (k == classifier or k.startswith(classifier + '.'))}
    own = backbone.state_dict()
    loadable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not loadable:
        raise UserError(f'checkpoint {str(path)!r} shares no weights with the backbone '
                        f'(is MODEL the architecture it was trained with?)')
    missing = [k for k in own if k not in loadable]
    if missing and not allow_partial:
        raise UserError(f'BACKBONE_PATH={str(path)!r} fills {len(loadable)} of the backbone\'s {len(own)} tensors '
                        f'({len(missing)} missing or of another shape, e.g. {missing[0]!r}): is MODEL the '
                        f'architecture it was trained with? Set ALLOW_PARTIAL_LOAD True if a partial load is intended')
    if missing:
        log.warning('backbone keys not in %s: %s', path, missing[:10])
    backbone.load_state_dict(loadable, strict=False)
    return sorted(loadable)
