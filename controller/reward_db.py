"""Reward DB I/O: JSON ``{task: {tuple_str: accuracy}}`` -> a (tasks x 256) tensor in grid-index order."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch

from common.errors import UserError
from generator.generator_params import all_grid_params


def load_reward_db(path: str | Path) -> dict[str, dict[str, float]]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f'reward DB {str(path)!r} does not exist (JSON {{task: {{tuple_str: accuracy}}}})')
    try:
        with open(path) as f:
            db = json.load(f)
    except json.JSONDecodeError as e:
        raise UserError(f'reward DB {str(path)!r} is not valid JSON: {e}') from None
    if not isinstance(db, dict) or not all(isinstance(v, dict) for v in db.values()):
        raise UserError(f'reward DB {str(path)!r} must map task -> {{tuple_str: accuracy}}')
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
