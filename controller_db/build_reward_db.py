"""Build the project's own reward DB: render each setting, pre-train a backbone on it, 5-NN on each task.

    python controller_db/build_reward_db.py                                   # all 256 settings, 8 embedded tasks
    python controller_db/build_reward_db.py --settings 0-15 --workers 2       # grid indices 0..15, two processes
    python controller_db/build_reward_db.py --settings 1_1_1_1_1_3_0_1_1 --train_seed 1 \
        --output controller_db/seed_repeats/reward_db_seed1.json             # one setting, another training seed
    python controller_db/build_reward_db.py --submitit --workers 32 --cluster slurm --partition gpu

The pipeline is the ``rewards`` package (this file is its command line). Per setting: ``generator.Generator``
renders the set (embedded renderer by default), the engine (``engine.run_classifier.run`` with
``configs/pt_default.yaml`` and the size overrides) pre-trains the backbone, and the engine's kNN
(``engine.knn``) scores it on every task. The output JSON
``{task: {tuple_str: 5-NN accuracy in percent}}`` and its sidecar ``<output stem>.meta.json`` (sizes,
seeds, versions, per-setting timings, random-init accuracies) are rewritten atomically, under a file
lock, after every setting. A killed run loses at most the setting in progress: rerun the same command
and it skips finished settings and reuses the rendered images and the last checkpoint.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))   # run by path from the repository root

import argparse
import logging
from typing import Any, Sequence

from common.cli import ArgumentParser, run_cli
from engine.knn import KNN_FEATURE_MODES
from rewards.build import build
from rewards.classes import CLASS_PICKS
from rewards.config import CLEAN_CHOICES, BuildConfig
from rewards.settings import ORDERS, parse_settings


def build_parser() -> argparse.ArgumentParser:
    d = BuildConfig()
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--settings', nargs='+', default=['all'],
                   help='"all" (default), grid indices, ranges like 0-15, or tuple strings')
    p.add_argument('--order', default='balanced', choices=ORDERS,
                   help='balanced: every prefix of 16/32/64/128 settings is a balanced fractional factorial; '
                        'grid: index order')
    p.add_argument('--max_settings', type=int, default=None, help='stop after this many new settings')
    p.add_argument('--tasks', nargs='+', default=list(d.tasks), help='downstream tasks (datasets registry names)')
    p.add_argument('--output', default=d.output, help='reward table JSON (sidecar: <stem>.meta.json)')
    p.add_argument('--work_dir', default=d.work_dir, help='rendered sets and checkpoints')
    g = p.add_argument_group('synthetic sets')
    g.add_argument('--num_classes', type=int, default=d.num_classes)
    g.add_argument('--class_pick', default=d.class_pick, choices=CLASS_PICKS)
    g.add_argument('--num_imgs', type=int, default=d.num_imgs)
    g.add_argument('--size', type=int, default=d.size, help='render size = pre-training and kNN input size')
    g.add_argument('--gen_seed', type=int, default=d.gen_seed)
    g.add_argument('--backend', default=d.backend)
    g.add_argument('--library', default=d.library)
    g = p.add_argument_group('pre-training and evaluation')
    g.add_argument('--model', default=d.model)
    g.add_argument('--epochs', type=int, default=d.epochs)
    g.add_argument('--warmup_epochs', type=int, default=d.warmup_epochs)
    g.add_argument('--batch_size', type=int, default=d.batch_size)
    g.add_argument('--lr', type=float, default=d.lr)
    g.add_argument('--train_seed', type=int, default=d.train_seed,
                   help='with --seeds_per_reward m, the reward averages pre-training seeds train_seed*m .. +m-1')
    g.add_argument('--seeds_per_reward', type=int, default=d.seeds_per_reward,
                   help='pre-training runs (seeds) averaged into one reward (variance reduction); checkpoints are '
                        'named by seed, so give concurrent builds of other --seeds_per_reward their own --work_dir')
    g.add_argument('--engine_override', nargs='*', default=list(d.engine_overrides), metavar='KEY VALUE',
                   help='engine config overrides for pre-training; they replace the default (light augmentation: '
                        f'{" ".join(d.engine_overrides)}); give the flag alone for the original full augmentation')
    g.add_argument('--knn_k', type=int, default=d.knn_k)
    g.add_argument('--knn_features', default=d.knn_features, choices=KNN_FEATURE_MODES,
                   help='kNN features: eval (BatchNorm running stats, complete bank) or original (train mode, '
                        'shuffled drop_last bank, drop-path on: what the original computes)')
    g = p.add_argument_group('execution')
    g.add_argument('--threads', type=int, default=d.threads, help='torch / llvmpipe threads per process')
    g.add_argument('--clean', default=d.clean, choices=CLEAN_CHOICES,
                   help='delete checkpoints and/or rendered sets once a setting is scored')
    g.add_argument('--workers', type=int, default=1, help='parallel processes (or array tasks with --submitit)')
    g.add_argument('--submitit', action='store_true')
    g.add_argument('--cluster', default=None, choices=['slurm', 'local', 'debug'])
    g.add_argument('--job_dir', default=None)
    g.add_argument('--timeout', type=int, default=24 * 60, help='minutes per array task')
    g.add_argument('--partition', default=None)
    g.add_argument('--no_progress', action='store_true')
    g.add_argument('--allow_code_change', action='store_true',
                   help='extend a table although the generator/engine/models/datasets/configs sources changed')
    return p


def config_from_args(args: argparse.Namespace) -> BuildConfig:
    return BuildConfig(work_dir=args.work_dir, output=args.output, tasks=list(args.tasks),
                       num_classes=args.num_classes, class_pick=args.class_pick, num_imgs=args.num_imgs,
                       size=args.size, gen_seed=args.gen_seed, backend=args.backend, library=args.library,
                       model=args.model, epochs=args.epochs, warmup_epochs=args.warmup_epochs,
                       batch_size=args.batch_size, lr=args.lr, train_seed=args.train_seed,
                       seeds_per_reward=args.seeds_per_reward,
                       engine_overrides=list(args.engine_override), knn_k=args.knn_k,
                       knn_features=args.knn_features, threads=args.threads,
                       clean=args.clean, progress=not args.no_progress)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(name)s %(message)s')
    cfg = config_from_args(args)
    settings = parse_settings(args.settings, args.order)
    summary = build(cfg, settings, workers=args.workers, submitit=args.submitit, cluster=args.cluster,
                    job_dir=args.job_dir, timeout=args.timeout, partition=args.partition,
                    max_settings=args.max_settings, allow_code_change=args.allow_code_change)
    if summary['todo'] == 0:
        print(f"nothing to do: all {summary['requested']} requested settings are in {summary['output']} "
              f"({summary['finished_total']} settings there); sidecar {summary['sidecar']}")
    else:
        print(f"{summary['finished_total']} settings in {summary['output']} (this run: {summary['todo']} to do, "
              f"{summary['already_finished']} of the {summary['requested']} requested were already there); "
              f"sidecar {summary['sidecar']}")
    return summary


if __name__ == '__main__':
    run_cli(main)
