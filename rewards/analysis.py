"""Analyses of a reward table (the mini Task2Sim): task split, reading the project's tables, baselines,
per-field effects, completing a partial table, training the controller on it.

Used by ``scripts/demo.py`` and ``scripts/mini_task2sim_report.py``. Every number comes from the
project's own ``controller_db/reward_db.json`` (+ sidecar) and ``task_db/*.pt``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from common.errors import UserError
from common.io import sidecar_path
from controller.config import ControllerConfig
from controller.reward_db import load_reward_db
from controller.task_db import load_task_db
from controller.task_db import task_vectors as tv
from controller.train_controller import run_controller
from generator.generator_params import GRID_FIELDS, GenParams, all_grid_params, grid_bits
from rewards.store import recorded_scale

REPO = Path(__file__).resolve().parents[1]
REWARD_DB = REPO / 'controller_db' / 'reward_db.json'
CONTROLLER_CONFIG = REPO / 'configs' / 'controller_default.yaml'
TASK_DB = REPO / 'task_db' / 'efficientnet_lite0_8_tasks.pt'
# Class subsets of Digits and MNIST are their own tasks (as in the Task2Vec paper). Held out: one subset
# of each digit source and the only face task, so a held-out task has related and unrelated seen tasks.
SEEN_TASKS = ['Digits', 'Digits0to4', 'MNIST', 'MNIST5to9', 'Textures']
HELD_OUT_TASKS = ['Digits5to9', 'MNIST0to4', 'LFWFaces']
GRID = [gp.get_tuple_str() for gp in all_grid_params()]
ALL_VARIED = '1_1_1_1_1_3_0_1_1'


def pooled_sd(groups: Sequence[Sequence[float]]) -> float:
    """Seed spread of rewards: the pooled standard deviation of several groups (one setting's rewards under
    different training seeds each), sqrt(sum (n - 1) var / sum (n - 1)). Unlike the mean of the groups' sds,
    it is not biased low with few seeds (the mean sd of 3 seeds is 0.89 sigma)."""
    num = sum((len(g) - 1) * float(np.var(g, ddof=1)) for g in groups if len(g) > 1)
    dof = sum(len(g) - 1 for g in groups if len(g) > 1)
    return float(np.sqrt(num / dof)) if dof else float('nan')


def mean_sd(groups: Sequence[Sequence[float]]) -> float:
    """The mean of the groups' standard deviations: the seed spread of the reports before the pooled form."""
    sds = [float(np.std(g, ddof=1)) for g in groups if len(g) > 1]
    return float(np.mean(sds)) if sds else float('nan')


def load_repeats(folder: Path, scale: dict | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{training seed: table} of the seed-repeat tables ``reward_db_seed<k>.json`` in ``folder``. With ``scale``
    (a table's recorded scale), a repeat whose sidecar records another scale (other than its train_seed) is
    refused: its rewards would not be repeats of that table."""
    files = sorted(f for f in Path(folder).glob('reward_db_seed*.json')
                   if re.fullmatch(r'reward_db_seed\d+\.json', f.name))
    out = {}
    for f in files:
        if scale is not None:
            mine = recorded_scale(_read_sidecar(f)) or {}
            diff = sorted(k for k in set(mine) | set(scale) if k != 'train_seed' and mine.get(k) != scale.get(k))
            if diff:
                raise UserError(f'seed repeat {f} was built at another scale than the reward table ({", ".join(diff)} '
                                f'differ); give the repeats of this table')
        out[f.stem[len('reward_db_seed'):]] = load_reward_db(f)
    return out


def _read_sidecar(path: Path) -> dict:
    meta = sidecar_path(path)
    return json.loads(meta.read_text()) if meta.is_file() else {}


def load_table(path: str | Path = REWARD_DB) -> tuple[dict[str, dict[str, float]], dict]:
    """The reward table and its sidecar (``<stem>.meta.json``); a clear error when absent."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f'reward table {path} does not exist; build it with python controller_db/build_reward_db.py')
    meta_path = sidecar_path(path)
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return json.loads(path.read_text()), meta


def measured(table: dict[str, dict[str, float]], tasks: Sequence[str]) -> list[str]:
    """Grid settings (grid order) that have a reward for every one of ``tasks``."""
    return [ts for ts in GRID if all(ts in table.get(t, {}) for t in tasks)]


def field_bits(tuple_strs: Sequence[str]) -> np.ndarray:
    """(n, 8) 0/1 matrix of the grid fields (GRID_FIELDS order; materials 3 -> 1, 1 -> 0)."""
    return np.asarray([grid_bits(GenParams.from_tuple_str(ts)) for ts in tuple_strs], dtype=np.float64)


def rewards_matrix(table: dict, tasks: Sequence[str], settings: Sequence[str]) -> np.ndarray:
    return np.asarray([[table[t][s] for s in settings] for t in tasks], dtype=np.float64)


def field_effects(rewards: np.ndarray, settings: Sequence[str]) -> np.ndarray:
    """(tasks, 8) mean reward with the field on minus with it off (over the given settings)."""
    bits = field_bits(settings).astype(bool)
    return np.stack([rewards[:, bits[:, j]].mean(1) - rewards[:, ~bits[:, j]].mean(1)
                     for j in range(len(GRID_FIELDS))], axis=1)


def complete_table(table: dict, tasks: Sequence[str]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """All 256 grid rewards per task: measured values where they exist, else a per-task least-squares fit of
    intercept + the 8 main effects on the measured settings. Returns (table, imputed settings)."""
    have = measured(table, tasks)
    need = 2 * len(GRID_FIELDS)   # the first 16 of the balanced order: main effects orthogonal
    if len(have) < need:
        raise UserError(f'only {len(have)} settings are measured for all of {list(tasks)}; at least '
                        f'{need} are needed to fill the rest of the grid')
    x_have = np.hstack([np.ones((len(have), 1)), field_bits(have)])
    x_all = np.hstack([np.ones((len(GRID), 1)), field_bits(GRID)])
    missing = [ts for ts in GRID if ts not in have]
    out: dict[str, dict[str, float]] = {}
    for t in tasks:
        y = np.asarray([table[t][s] for s in have])
        coef, *_ = np.linalg.lstsq(x_have, y, rcond=None)
        pred = x_all @ coef
        out[t] = {ts: (float(table[t][ts]) if ts in table[t] else float(pred[i])) for i, ts in enumerate(GRID)}
    return out, missing


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def task_vectors(task_db_path: str | Path, tasks: Sequence[str]) -> np.ndarray:
    return tv(load_task_db(task_db_path), list(tasks), 'task').double().numpy()


def baseline_choices(table: dict, seen: Sequence[str], held_out: Sequence[str], vecs_seen: np.ndarray,
                     vecs_held: np.ndarray) -> dict[str, dict]:
    """Per held-out task, the settings each baseline picks (from measured settings only) and their rewards.

    best single = best mean over the seen tasks; nearest seen = the best setting of the seen task with the
    most similar Task2Vec embedding; ceiling = the task's own best measured setting; mean = over measured.
    """
    have = measured(table, list(seen) + list(held_out))
    seen_r = rewards_matrix(table, seen, have)
    best_single = have[int(seen_r.mean(0).argmax())]
    nearest = cosine(vecs_held, vecs_seen).argmax(1)
    out = {}
    for i, t in enumerate(held_out):
        r = dict(zip(have, rewards_matrix(table, [t], have)[0]))
        near = seen[int(nearest[i])]
        near_best = have[int(rewards_matrix(table, [near], have)[0].argmax())]
        ceiling = max(r, key=r.get)
        out[t] = {'mean_over_settings': float(np.mean(list(r.values()))),
                  'all_varied': r.get(ALL_VARIED),
                  'best_single_seen': r[best_single], 'best_single_setting': best_single,
                  'nearest_seen_task': near, 'nearest_seen_setting': near_best, 'nearest_seen': r[near_best],
                  'ceiling': r[ceiling], 'ceiling_setting': ceiling, 'num_settings': len(have)}
    return out


def train_controller(table_path: Path, task_db: Path, out: Path, epochs: int, seen: Sequence[str],
                     held_out: Sequence[str], seed: int = 2, progress: bool = True) -> dict:
    """The project's default controller (configs/controller_default.yaml) on ``seen``; predictions for ``held_out``."""
    cfg = ControllerConfig(str(CONTROLLER_CONFIG), [
        'TASK_DB_PATHS', [str(task_db)], 'REWARD_DB_PATH', str(table_path), 'PROBE', 'efficientnet_lite0',
        'TRAIN_TASKS', list(seen), 'TEST_TASKS', list(held_out), 'SAVE_DIR', str(out), 'SEED', seed, 'USE_PBAR', progress,
        'NUM_EPOCHS', epochs, 'LR_DECAY_EPOCH', max(1, epochs // 2), 'LOG_INTERVAL', max(1, epochs // 5)])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # the controller MLP is tiny: one thread is fastest (docs/controller.md)
    try:
        return run_controller(cfg, debug=True)
    finally:
        torch.set_num_threads(threads)
