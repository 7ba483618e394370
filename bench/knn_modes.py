"""kNN feature modes side by side: the original's train-mode features against eval-mode features.

Pre-trains the first N settings of the balanced order with S training seeds at the committed table's scale
(``controller_db/build_reward_db.py`` defaults), scores every checkpoint on the embedded tasks in both
``--knn_features`` modes, and prints per task: the reward difference (original - eval), the rank
correlation of settings between the two modes, and in each mode the seed noise (per-seed standard
deviation, from seed-to-seed differences), the spread of the settings and the seed-to-seed rank correlation.
Resumable: every (mode, seed) table is a reward table that the builder extends.

    python -m bench.knn_modes                                  # 16 settings x 2 seeds (about 40 min on 2 cores)
    python -m bench.knn_modes --settings 4 --seeds 0 1 --num_imgs 200 --epochs 1 --out bench_out/knn_quick
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from scipy.stats import spearmanr

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_json, atomic_write_text
from rewards.build import build
from rewards.config import BuildConfig
from rewards.settings import balanced_order
from engine.knn import KNN_FEATURE_MODES
from generator.generator_params import grid_params


def table_path(out: Path, mode: str, seed: int) -> Path:
    return out / f'rewards_{mode}_seed{seed}.json'


def run_tables(out: Path, settings: list[str], seeds: Sequence[int], scale: dict[str, Any], workers: int,
               threads: int) -> None:
    """Fill one reward table per (seed, mode); the second mode reuses the first mode's checkpoints."""
    for seed in seeds:
        for mode in KNN_FEATURE_MODES:
            cfg = BuildConfig(work_dir=str(out / 'work'), output=str(table_path(out, mode, seed)),
                              train_seed=seed, knn_features=mode, clean='none', threads=threads, **scale)
            build(cfg, settings, workers=workers, allow_code_change=True)


def _seed_noise(a: np.ndarray) -> float:
    """Per-seed standard deviation of a setting's reward, from seeds x settings rewards."""
    if a.shape[0] < 2:
        return float('nan')
    return float(np.sqrt(np.mean(np.var(a, axis=0, ddof=1))))


def _rank_corr(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float('nan')
    return float(spearmanr(x, y).statistic)


def analyse(out: Path, settings: list[str], seeds: Sequence[int], tasks: Sequence[str]) -> dict[str, Any]:
    """Per-task figures; every table must hold every setting."""
    r: dict[str, np.ndarray] = {}   # mode -> [seed, task, setting]
    for mode in KNN_FEATURE_MODES:
        rows = []
        for seed in seeds:
            table = json.loads(table_path(out, mode, seed).read_text())
            rows.append([[table[t][s] for s in settings] for t in tasks])
        r[mode] = np.asarray(rows, dtype=float)
    per_task = {}
    for ti, task in enumerate(tasks):
        e, o = r['eval'][:, ti], r['original'][:, ti]
        row: dict[str, Any] = {
            'diff_mean': float(np.mean(o - e)), 'diff_sd': float(np.std(o - e, ddof=1)),
            'rank_corr_modes': float(np.nanmean([_rank_corr(e[i], o[i]) for i in range(len(seeds))])),
        }
        for mode, a in (('eval', e), ('original', o)):
            noise = _seed_noise(a)
            spread = float(np.std(a.mean(axis=0), ddof=1))
            row[mode] = {'mean': float(a.mean()), 'seed_noise': noise, 'setting_spread': spread,
                         'spread_over_noise': spread / noise if noise > 0 else float('nan'),
                         'rank_corr_seeds': _rank_corr(a[0], a[1]) if len(seeds) > 1 else float('nan')}
        per_task[task] = row
    summary = {k: float(np.nanmean([per_task[t][k] for t in tasks])) for k in ('diff_mean', 'rank_corr_modes')}
    for mode in KNN_FEATURE_MODES:
        summary[mode] = {k: float(np.nanmean([per_task[t][mode][k] for t in tasks]))
                         for k in ('mean', 'seed_noise', 'setting_spread', 'spread_over_noise', 'rank_corr_seeds')}
    return {'settings': settings, 'seeds': list(seeds), 'tasks': list(tasks), 'per_task': per_task,
            'mean_over_tasks': summary}


def markdown(res: dict[str, Any], command: str) -> str:
    lines = [f'`{command}`: {len(res["settings"])} settings (balanced order) x seeds {res["seeds"]}; '
             'reward = 5-NN top-1 (%); noise = per-seed sd; spread = sd over settings of the seed mean.', '',
             '| task | original - eval | rank corr. modes | eval: mean / noise / spread / seed rank corr. '
             '| original: mean / noise / spread / seed rank corr. |', '|---|---|---|---|---|']

    def cells(d: dict[str, float]) -> str:
        return (f'{d["mean"]:.2f} / {d["seed_noise"]:.2f} / {d["setting_spread"]:.2f} / '
                f'{d["rank_corr_seeds"]:.2f}')
    for task, row in res['per_task'].items():
        lines.append(f'| {task} | {row["diff_mean"]:+.2f} ± {row["diff_sd"]:.2f} | {row["rank_corr_modes"]:.2f} | '
                     f'{cells(row["eval"])} | {cells(row["original"])} |')
    m = res['mean_over_tasks']
    lines.append(f'| **mean** | {m["diff_mean"]:+.2f} | {m["rank_corr_modes"]:.2f} | {cells(m["eval"])} | '
                 f'{cells(m["original"])} |')
    lines += ['', f'spread / noise (mean over tasks): eval {m["eval"]["spread_over_noise"]:.2f}, '
              f'original {m["original"]["spread_over_noise"]:.2f}']
    return '\n'.join(lines) + '\n'


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='bench_out/knn_modes')
    p.add_argument('--settings', type=int, default=16, help='the first N settings of the balanced order')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--num_imgs', type=int, default=BuildConfig.num_imgs)
    p.add_argument('--epochs', type=int, default=BuildConfig.epochs)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args(argv)
    if not 1 <= args.settings <= 256:
        raise UserError(f'--settings {args.settings} is invalid; allowed: 1..256')
    if len(set(args.seeds)) != len(args.seeds):
        raise UserError(f'--seeds {args.seeds} repeats a seed; give distinct seeds')
    out = Path(args.out)
    settings = [grid_params(i).get_tuple_str() for i in balanced_order()[:args.settings]]
    scale = {'num_imgs': args.num_imgs, 'epochs': args.epochs,
             'warmup_epochs': min(BuildConfig.warmup_epochs, args.epochs)}
    run_tables(out, settings, args.seeds, scale, args.workers, args.threads)
    res = analyse(out, settings, args.seeds, BuildConfig().tasks)
    res['scale'] = dataclasses.asdict(BuildConfig(**scale))
    command = 'python -m bench.knn_modes ' + ' '.join(argv if argv is not None else [])
    atomic_write_json(out / 'knn_modes.json', res, indent=1)
    text = markdown(res, command.strip())
    atomic_write_text(out / 'knn_modes.md', text)
    print(text)
    return res


if __name__ == '__main__':
    run_cli(main)
