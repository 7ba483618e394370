"""Task DB I/O: ``{task: {'hessian': 1-D tensor, 'scale': 1-D tensor}}`` .pt files, and the CLI that writes them.

Example (offline probe, embedded tasks)::

    python controller/task_db.py --datasets Digits MNIST --output task_db/efficientnet_lite0_2_tasks.pt
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_torch_save, load_tensors
from common.validate import check_root_dir
from controller.task_embedding import (EmbeddingSettings, check_can_add, data_dir_spec, embed_named_datasets,
                                       write_settings)
from datasets import list_datasets
from datasets.catalog import EMBEDDED_TASKS
from models.probes import PROBES

TaskDB = dict[str, dict[str, torch.Tensor]]


def load_task_db(paths: str | Path | Iterable[str | Path]) -> TaskDB:
    """Merge one or more task DB files (tensors only, loaded with ``weights_only=True``)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    db: TaskDB = {}
    for path in paths:
        path = Path(path)
        loaded = load_tensors(path, 'task DB', 'set TASK_DB_PATHS / --task_db; docs/controller.md says where '
                                               "the paper's files go")
        if not isinstance(loaded, dict):
            raise UserError(f'task DB {str(path)!r} must hold {{task: {{"hessian", "scale"}}}}')
        for task, entry in loaded.items():
            if not isinstance(entry, dict) or 'hessian' not in entry:
                raise UserError(f'task {task!r} in task DB {str(path)!r} lacks a "hessian" tensor')
            hess = torch.as_tensor(entry['hessian']).float().flatten()
            scale = torch.as_tensor(entry.get('scale', torch.ones_like(hess))).float().flatten()
            if scale.shape != hess.shape:
                raise UserError(f'task {task!r} in {str(path)!r}: scale has {scale.numel()} values, '
                                f'hessian {hess.numel()}')
            db[str(task)] = {'hessian': hess, 'scale': scale}
    dims = {v['hessian'].numel() for v in db.values()}
    if len(dims) > 1:
        raise UserError(f'task DB files {[str(p) for p in paths]} mix embedding sizes {sorted(dims)} '
                        f'(different probes?)')
    return db


def task_dim(db: TaskDB) -> int:
    return next(iter(db.values()))['hessian'].numel()


def task_vectors(db: TaskDB, tasks: Sequence[str], role: str = 'task') -> torch.Tensor:
    """(len(tasks), D) raw embeddings hessian / scale (the model L2-normalises them)."""
    missing = [t for t in tasks if t not in db]
    if missing:
        raise UserError(f'{role} {missing[0]!r} is not in the task DB; tasks there: {sorted(db)}')
    if not tasks:
        return torch.zeros(0, task_dim(db))
    return torch.stack([db[t]['hessian'] / db[t]['scale'] for t in tasks])


def save_task_db(path: str | Path, db: TaskDB) -> Path:
    clean = {t: {'hessian': v['hessian'].detach().float().cpu().contiguous(),
                 'scale': v['scale'].detach().float().cpu().contiguous()} for t, v in db.items()}
    return atomic_torch_save(path, clean)


def cosine_matrix(vecs: torch.Tensor, other: torch.Tensor | None = None) -> torch.Tensor:
    a = torch.nn.functional.normalize(vecs.double(), dim=1)
    b = a if other is None else torch.nn.functional.normalize(other.double(), dim=1)
    return a @ b.T


# ``--preset embedded``: this project's own task DB of the 8 embedded tasks (docs/mini_task2sim.md): the
# offline EfficientNet-Lite0 probe at 112 px, at most 700 class-balanced train images per task, 512 Fisher
# samples, 2,000 classifier samples per epoch. Any flag given explicitly overrides a preset value.
PRESETS: dict[str, dict[str, Any]] = {
    'embedded': {'output': 'task_db/efficientnet_lite0_8_tasks.pt', 'probe': 'efficientnet_lite0', 'input_size': 112,
                 'max_images': 700, 'max_samples': 512, 'classifier_samples': 2000, 'device': 'cpu',
                 'datasets': list(EMBEDDED_TASKS)},
}
TASK_FLAGS = ('--datasets', '--tasks', '--data_dirs')


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = ArgumentParser(add_help=False)
    pre.add_argument('--preset', default=None, choices=sorted(PRESETS))
    preset = pre.parse_known_args(argv)[0].preset
    p = ArgumentParser(description='Compute Task2Vec embeddings of named datasets (or image folders) '
                                            'and write a task DB .pt file with its settings sidecar.')
    p.add_argument('--datasets', '--tasks', nargs='*', default=[], help='dataset names known to datasets.build_dataset')
    p.add_argument('--data_dirs', nargs='*', default=[], help='ImageFolder paths; the task name is NAME=PATH or the folder name')
    p.add_argument('--output', default=None, help='task DB file to write (merged into it when it exists)')
    p.add_argument('--probe', default='efficientnet_lite0', choices=sorted(PROBES))
    p.add_argument('--probe_weights', default='', help='local ImageNet weights file for the probe (resnet18)')
    p.add_argument('--input_size', type=int, default=224)
    p.add_argument('--max_images', type=int, default=0,
                   help='class-balanced seeded subset of each train split (0: all images, the original)')
    p.add_argument('--max_samples', '--fisher_samples', type=int, default=10000,
                   help='Fisher samples per task (original: 10000)')
    p.add_argument('--classifier_samples', type=int, default=10000, help='class-balanced samples per classifier epoch')
    p.add_argument('--batch_size', type=int, default=64)
    p.add_argument('--classifier_epochs', type=int, default=10)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='', help='"" = cuda when available, else cpu')
    p.add_argument('--threads', type=int, default=0, help='torch threads (0 = default)')
    p.add_argument('--overwrite', action='store_true', help='recompute tasks already in --output')
    p.add_argument('--preset', default=None, choices=sorted(PRESETS),
                   help="a set of defaults: 'embedded' = this project's DB of the 8 embedded tasks")
    if preset:
        values = dict(PRESETS[preset])
        if any(a.split('=')[0] in TASK_FLAGS for a in argv):   # tasks named: the preset's list does not apply
            values.pop('datasets')
        p.set_defaults(**values)
    args = p.parse_args(argv)
    if not args.output:
        raise UserError('--output is required (a task DB .pt file), or use --preset embedded')
    if not args.datasets and not args.data_dirs:
        raise UserError('name at least one task with --datasets NAME ... or --data_dirs [NAME=]PATH ...')
    known = list_datasets()
    bad = [t for t in args.datasets if t not in known]
    if bad:
        raise UserError(f'unknown dataset(s) {bad}; allowed: {", ".join(known)}')
    if args.max_images < 0:
        raise UserError(f'--max_images={args.max_images} is invalid; allowed: 0 (all images) or >= 1')
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    settings = EmbeddingSettings(probe=args.probe, input_size=args.input_size, max_images=args.max_images or None,
                                 fisher_samples=args.max_samples, classifier_samples=args.classifier_samples,
                                 classifier_epochs=args.classifier_epochs, batch_size=args.batch_size, seed=args.seed)
    out = Path(args.output)
    if out.is_dir():
        raise UserError(f'--output {args.output!r} is a folder; give a .pt file path')
    check_root_dir(out.parent, 'the --output folder')
    db = load_task_db(out) if out.is_file() else {}
    names = list(args.datasets) + [data_dir_spec(d)[0] for d in args.data_dirs]
    check_can_add(out, db, settings, names, args.overwrite)
    t0 = time.perf_counter()
    for name, entry, counts in embed_named_datasets(
            settings, names=args.datasets, data_dirs=args.data_dirs, probe_weights=args.probe_weights,
            device=args.device, skip=set() if args.overwrite else set(db)):
        seconds = round(time.perf_counter() - t0, 1)
        db[name] = entry
        # the sidecar first: a DB file never holds vectors its sidecar does not describe
        write_settings(out, settings, {name: {**counts, 'seconds': seconds}})
        save_task_db(out, db)  # after every task, so an interrupted run keeps what it finished
        print(f'{name}: {entry["hessian"].numel()}-dim embedding from {counts["used_images"]} images '
              f'({seconds} s) -> {out}', flush=True)
        t0 = time.perf_counter()


if __name__ == '__main__':
    run_cli(main)
