"""The project's own task DB of the embedded tasks: Task2Vec (Monte-Carlo Fisher) with the offline probe.

    python scripts/build_task_db.py                                   # 8 embedded tasks -> task_db/efficientnet_lite0_8_tasks.pt
    python scripts/build_task_db.py --tasks Digits MNIST --max_images 2000 --fisher_samples 10000 --input_size 224

Each task's train split is cut to a class-balanced, seeded subset of at most ``--max_images`` images
(so the feature cache and classifier fit see every class), then ``controller.task2vec.task2vec`` runs
on it. The DB is rewritten atomically after every task (an interrupted run keeps what it finished and
skips it next time); a sidecar ``<stem>.meta.json`` records the probe, sizes, seed and versions.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from common.errors import UserError
from common.io import atomic_write_json

DEFAULT_TASKS = ('Digits', 'Digits0to4', 'Digits5to9', 'MNIST', 'MNIST0to4', 'MNIST5to9', 'LFWFaces', 'Textures')


def balanced_subset(labels: np.ndarray, max_images: int, seed: int) -> list[int]:
    """At most ``max_images`` indices, as equal per class as the class sizes allow, in a seeded random order."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picked: list[int] = []
    depth = 0
    while len(picked) < max_images and any(depth < len(ix) for ix in by_class):
        for ix in by_class:
            if depth < len(ix) and len(picked) < max_images:
                picked.append(int(ix[depth]))
        depth += 1
    return sorted(picked)


def main(argv: Sequence[str] | None = None) -> None:
    import torch
    from torch.utils.data import Subset

    from controller.task2vec import PROBES, Task2VecConfig, dataset_labels, task2vec
    from controller.task_db import load_task_db, save_task_db
    from datasets import build_dataset, list_datasets
    from datasets.transforms import build_eval_transform
    from models.probes import build_probe

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tasks', nargs='+', default=list(DEFAULT_TASKS))
    p.add_argument('--output', default='task_db/efficientnet_lite0_8_tasks.pt')
    p.add_argument('--probe', default='efficientnet_lite0', choices=sorted(PROBES))
    p.add_argument('--probe_weights', default='')
    p.add_argument('--input_size', type=int, default=112)
    p.add_argument('--max_images', type=int, default=700, help='train images per task (class-balanced subset)')
    p.add_argument('--fisher_samples', type=int, default=512)
    p.add_argument('--classifier_samples', type=int, default=2000, help='class-balanced samples per classifier epoch')
    p.add_argument('--batch_size', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=0, help='torch threads (0 = default)')
    p.add_argument('--overwrite', action='store_true')
    args = p.parse_args(argv)
    known = list_datasets()
    bad = [t for t in args.tasks if t not in known]
    if bad:
        raise UserError(f'unknown task(s) {bad}; allowed: {", ".join(known)}')
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    out = Path(args.output)
    meta_path = out.with_name(out.stem + '.meta.json')
    db = load_task_db(out) if out.is_file() else {}
    tf = build_eval_transform(args.input_size)
    cfg = Task2VecConfig(fisher_samples=args.fisher_samples, batch_size=args.batch_size,
                         classifier_samples=args.classifier_samples)
    probe = None
    info = {}
    for task in args.tasks:
        if task in db and not args.overwrite:
            print(f'{task}: already in {out}, skipped (--overwrite to recompute)')
            continue
        ds = build_dataset(task, 'train', tf)
        keep = balanced_subset(dataset_labels(ds), args.max_images, args.seed)
        sub = Subset(ds, keep)
        sub.num_classes = ds.num_classes
        probe = probe or build_probe(args.probe, weights=args.probe_weights)
        t0 = time.perf_counter()
        db[task] = task2vec(probe, sub, seed=args.seed, cfg=cfg, num_classes=int(ds.num_classes))
        info[task] = {'train_images': len(ds), 'used_images': len(keep), 'seconds': round(time.perf_counter() - t0, 1)}
        save_task_db(out, db)
        print(f'{task}: {db[task]["hessian"].numel()}-dim embedding from {len(keep)} images '
              f'({info[task]["seconds"]} s) -> {out}', flush=True)
    import platform

    import timm
    old = {}
    if meta_path.is_file():
        import json
        old = json.loads(meta_path.read_text()).get('tasks', {})
    atomic_write_json(meta_path, {
        'probe': args.probe, 'input_size': args.input_size, 'max_images': args.max_images,
        'fisher_samples': args.fisher_samples, 'classifier_samples': args.classifier_samples,
        'classifier_epochs': cfg.classifier_epochs, 'batch_size': args.batch_size, 'seed': args.seed,
        'method': 'montecarlo', 'tasks': {**old, **info},
        'versions': {'python': platform.python_version(), 'torch': torch.__version__, 'timm': timm.__version__}},
        indent=1, sort_keys=True)


if __name__ == '__main__':
    from common.cli import run_cli
    run_cli(main)
