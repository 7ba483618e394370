"""Reward DB I/O: JSON ``{task: {tuple_str: accuracy}}`` -> a (tasks x 256) tensor in grid-index order."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from types import MappingProxyType
from typing import Sequence

import numpy as np
import torch

from common.errors import UserError
from common.io import load_json
from generator.generator_params import all_grid_params


def load_reward_db(path: str | Path) -> dict[str, dict[str, float]]:
    db = load_json(path, 'reward DB', 'JSON {task: {tuple_str: accuracy}}')
    if not isinstance(db, dict) or not all(isinstance(v, dict) for v in db.values()):
        raise UserError(f'reward DB {str(path)!r} must map task -> {{tuple_str: accuracy}}')
    for task, row in db.items():
        for setting, value in row.items():
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or not 0.0 <= value <= 100.0:
                raise UserError(f'reward DB {str(path)!r}: task {task!r} setting {setting!r} has reward {value!r}; '
                                f'allowed: a finite accuracy in percent, 0 to 100')
    return db


def reward_table(reward_db: dict[str, dict[str, float]], tasks: Sequence[str]) -> torch.Tensor:
    """Rewards (len(tasks), 256) float64, column i = the paper's grid setting i; errors name what is missing."""
    keys = [gp.get_tuple_str() for gp in all_grid_params()]
    rows = []
    for t in tasks:
        if t not in reward_db:
            raise UserError(f'task {t!r} has no rewards in the reward DB; tasks there: {sorted(reward_db)}')
        missing = [k for k in keys if k not in reward_db[t]]
        if missing:
            raise UserError(f'task {t!r} lacks rewards for {len(missing)} of the 256 grid settings '
                            f'in the reward DB, e.g. {missing[0]!r}')
        rows.append([float(reward_db[t][k]) for k in keys])
    return torch.tensor(rows, dtype=torch.float64).reshape(len(tasks), 256)


def _zscore(r: torch.Tensor) -> torch.Tensor:
    return (r - r.mean(1, keepdim=True)) / r.std(1, keepdim=True).clamp_min(1e-12)


def _rank(r: torch.Tensor) -> torch.Tensor:
    """Each task's settings ranked 0 (worst) .. 1 (best); ties share their mean rank."""
    lt = (r.unsqueeze(2) > r.unsqueeze(1)).sum(2).to(r.dtype)
    eq = (r.unsqueeze(2) == r.unsqueeze(1)).sum(2).to(r.dtype)
    return (lt + (eq - 1) / 2) / max(r.shape[1] - 1, 1)


REWARD_NORMALISERS = MappingProxyType({'none': lambda r: r, 'zscore': _zscore, 'rank': _rank})


def normalise_rewards(rewards: torch.Tensor, mode: str) -> torch.Tensor:
    """Per-task (row-wise) normalisation of a (tasks x settings) table; monotone, so each task's best is kept."""
    if mode not in REWARD_NORMALISERS:
        raise UserError(f'reward normalisation {mode!r} is invalid; allowed: {sorted(REWARD_NORMALISERS)}')
    return REWARD_NORMALISERS[mode](rewards)


def table_fingerprint(tasks: Sequence[str], rewards: torch.Tensor, vecs: torch.Tensor | None = None) -> str:
    """sha256 of the task names, their reward rows and (optionally) their task vectors, in task-name order.

    Rewards to 1e-6, vectors L2-normalised to 1e-6: which table (and embeddings) a result was measured on.
    """
    order = sorted(range(len(tasks)), key=lambda i: tasks[i])
    h = hashlib.sha256(json.dumps([tasks[i] for i in order]).encode())
    h.update(np.round(rewards.double().cpu().numpy()[order], 6).astype('<f8').tobytes())
    if vecs is not None:
        unit = torch.nn.functional.normalize(vecs.double().cpu(), dim=1).numpy()[order]
        h.update(np.round(unit, 6).astype('<f8').tobytes())
    return h.hexdigest()
