"""The pick a user gets for a new task: the ensemble's averaged head probabilities, shrunk to the best
fixed setting when the task is far from every training task (ENSEMBLE, SHRINK_COS)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from common.errors import UserError
from controller.config import config_to_dict
from controller.evaluate import head_probs
from controller.model import ControllerModel
from controller.policy import SettingCodec
from controller.task_db import cosine_matrix


def ensemble_head_probs(members: Sequence[ControllerModel], vecs: torch.Tensor) -> torch.Tensor:
    """(N, heads, options): the members' head probabilities averaged."""
    return torch.stack([head_probs(m, vecs) for m in members]).mean(0)


def max_cosine(vecs: torch.Tensor, train_vecs: torch.Tensor) -> torch.Tensor:
    """(N,) each task's largest cosine similarity to a training task."""
    return cosine_matrix(vecs, train_vecs).max(1).values.float()


def shrink_to_fixed(index: torch.Tensor, max_cos: torch.Tensor, fixed_index: int,
                    shrink_cos: float | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(picks, fell_back): tasks whose max cosine is below ``shrink_cos`` get ``fixed_index``."""
    if shrink_cos is None:
        return index, torch.zeros_like(index, dtype=torch.bool)
    fell_back = max_cos < float(shrink_cos)
    return torch.where(fell_back, torch.full_like(index, fixed_index), index), fell_back


def resolve_shrink_cos(setting: float | str | None, train_vecs: torch.Tensor,
                       train_rewards: torch.Tensor | None = None) -> float | None:
    """The gate's cosine: a number as given; ``auto`` = the largest cosine between two training tasks
    whose best settings differ.

    With ``auto`` the controller's pick is used only for a task closer to a training task than any two
    training tasks that disagree on their best setting: above that similarity, the training data never
    showed neighbours wanting different settings. Without such a pair: always the controller.
    """
    if setting != 'auto':
        return None if setting is None else float(setting)
    if train_rewards is None:
        raise ValueError('SHRINK_COS auto needs the training rewards')
    best = train_rewards.argmax(1)
    top = float(cosine_matrix(train_vecs).masked_fill(best.unsqueeze(0) == best.unsqueeze(1), -2.0).max())
    return top if top > -2.0 else -1.0   # no disagreeing pair (the diagonal always agrees)


def recommended_picks(probs: torch.Tensor, codec: SettingCodec, max_cos: torch.Tensor, fixed_index: int,
                      shrink_cos: float | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Grid indices of the recommended settings and which of them are the fixed fallback."""
    return shrink_to_fixed(codec.to_index(probs.argmax(-1)), max_cos, fixed_index, shrink_cos)


def method_name(ensemble: int, reward_norm: str, shrink: float | str | None, shrink_cos: float | None = None) -> str:
    """A one-line description of what a configuration recommends (``shrink``: the SHRINK_COS setting)."""
    name = f'controller argmax ({"single model" if ensemble == 1 else f"ensemble of {ensemble}"}'
    name += f', rewards {reward_norm})' if reward_norm != 'none' else ')'
    if shrink == 'auto':
        name += (', best fixed setting unless a training task is closer than any two training tasks with '
                 'different best settings'
                 + (f' (cosine >= {shrink_cos:.3f})' if shrink_cos is not None else ''))
    elif shrink is not None:
        name += (f', best fixed setting when no training task has cosine >= {float(shrink):g}'
                 if float(shrink) <= 1.0 else ', always the best fixed setting')
    return name


# keys that do not change what a member learns from a given table (paths, task lists, logging, ensemble
# size and gate, which act after training)
_NOT_LEARNING = ('SEED', 'TASK_DB_PATHS', 'REWARD_DB_PATH', 'SAVE_DIR', 'MODEL_LOAD_PATH', 'EVAL_ONLY',
                 'TRAIN_TASKS', 'TEST_TASKS', 'CKPT_SAVE_INTERVAL', 'USE_PBAR', 'PROJECT', 'EXPT_NAME',
                 'DEVICE', 'SAVE_PLOTS', 'LOG_INTERVAL', 'PROBE', 'ENSEMBLE', 'SHRINK_COS')


def member_key(cfg: Mapping[str, Any]) -> str:
    """A short hash of the configuration keys that shape one trained member (matches benchmark rows)."""
    keys = {k: v for k, v in config_to_dict(cfg).items() if k not in _NOT_LEARNING}
    return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:16]


DEFAULT_REPORTS = tuple(Path(__file__).resolve().parents[1] / 'docs' / f'controller_transfer_{t}.json'
                        for t in ('paper', 'own'))


def loo_measurement(transfer: Mapping[str, Any], reports: Sequence[str | Path] = DEFAULT_REPORTS) -> dict | None:
    """The leave-one-task-out figure of this configuration on this reward table, from benchmark results.

    A row matches when the report was measured on the same table and task vectors (fingerprint), with
    members of the same configuration (member key, epochs), the same ensemble size and gate. None when
    no report has it. The default reports may be absent; a report named explicitly must exist and be one.
    """
    for path in reports:
        path = Path(path)
        if not path.is_file():
            if path in DEFAULT_REPORTS:
                continue
            raise UserError(f'transfer report {str(path)!r} does not exist (bench/controller_transfer.py writes '
                            f'transfer.json)')
        try:
            report = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise UserError(f'transfer report {str(path)!r} is not valid JSON: {e}') from None
        if not (isinstance(report, dict) and isinstance(report.get('rows'), dict)
                and report.get('best_fixed_rule') in report['rows']):
            raise UserError(f'transfer report {str(path)!r} is not a bench/controller_transfer.py transfer.json')
        if report.get('table_fingerprint') != transfer.get('table_fingerprint'):
            continue
        best = report['rows'][report['best_fixed_rule']]
        for name, row in report['rows'].items():
            if (row.get('member_key') == transfer.get('member_key') and row.get('ensemble') == transfer.get('ensemble')
                    and row.get('shrink_cos') == transfer.get('shrink_rule', transfer.get('shrink_cos'))
                    and row.get('epoch') == transfer.get('num_epochs')):
                return {'report': path.name, 'row': name, 'mean': row['mean'], 'sd': row['sd'],
                        'best_fixed_rule': report['best_fixed_rule'], 'best_fixed_mean': best['mean'],
                        'gain': row['mean'] - best['mean']}
    return None
