"""How a task DB's embeddings were made (its sidecar ``<stem>.meta.json``), and embedding a dataset the same way.

A new task's Task2Vec vector is only comparable with a DB's vectors when it is computed with the
same probe, image size, image subset and sample counts; ``EmbeddingSettings`` carries them from the
task DB builder to the controller checkpoint to ``predict.py``.
"""
from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import timm
import torch
from torch.utils.data import Dataset, Subset

from common.device import resolve_device
from common.errors import UserError
from common.io import atomic_write_json, sidecar_path
from controller.task2vec import Task2VecConfig, dataset_labels, task2vec
from datasets import build_dataset
from datasets.folder import build_image_folder
from datasets.transforms import build_eval_transform
from models.probes import PROBES, ProbeNetwork, build_probe


@dataclass(frozen=True)
class EmbeddingSettings:
    """The Task2Vec settings of a task DB; the defaults are the paper's (whole train split, 224 px, 10k samples)."""
    probe: str = 'resnet18'
    input_size: int = 224
    max_images: int | None = None        # class-balanced seeded subset of the train split (None: all of it)
    fisher_samples: int = 10000
    classifier_samples: int = 10000
    classifier_epochs: int = 10
    batch_size: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        for key in ('input_size', 'fisher_samples', 'classifier_samples', 'classifier_epochs', 'batch_size'):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f'Task2Vec setting {key}={value!r} is invalid; allowed: an integer >= 1')
        if self.max_images is not None and (isinstance(self.max_images, bool) or not isinstance(self.max_images, int)
                                            or self.max_images < 1):
            raise UserError(f'Task2Vec setting max_images={self.max_images!r} is invalid; allowed: an integer >= 1 '
                            f'(or none for the whole train split)')
        if self.probe not in PROBES:
            raise UserError(f'Task2Vec setting probe={self.probe!r} is invalid; allowed: {sorted(PROBES)}')

    @classmethod
    def from_mapping(cls, meta: Mapping[str, Any]) -> 'EmbeddingSettings':
        """From a sidecar or checkpoint entry; keys it does not know are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in meta.items() if k in names})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def task2vec_config(self) -> Task2VecConfig:
        return Task2VecConfig(fisher_samples=self.fisher_samples, batch_size=self.batch_size,
                              classifier_epochs=self.classifier_epochs, classifier_samples=self.classifier_samples)


def read_settings(task_db: str | Path) -> EmbeddingSettings | None:
    """The settings recorded beside a task DB file, or None when it has no sidecar (e.g. the paper's files)."""
    meta = sidecar_path(task_db)
    if not meta.is_file():
        return None
    try:
        return EmbeddingSettings.from_mapping(json.loads(meta.read_text()))
    except (json.JSONDecodeError, TypeError, AttributeError) as e:
        raise UserError(f'task DB sidecar {str(meta)!r} is not a settings mapping: {e}') from None


def common_settings(task_dbs: Iterable[str | Path]) -> EmbeddingSettings | None:
    """The settings shared by all the given task DB files; None when none of them records any.

    Files with different recorded settings hold vectors that are not comparable: a UserError.
    """
    found = {str(p): s for p in task_dbs if (s := read_settings(p)) is not None}
    if len(set(found.values())) > 1:
        raise UserError(f'task DB files {sorted(found)} were embedded with different settings: '
                        f'{[s.as_dict() for s in found.values()]}')
    return next(iter(found.values()), None)


def check_can_add(task_db: str | Path, present: Iterable[str], settings: EmbeddingSettings, adding: Iterable[str],
                  overwrite: bool = False) -> None:
    """Refuse to put vectors made with ``settings`` into a task DB whose other vectors were made differently.

    ``present``: the tasks already in the file; ``adding``: those about to be (re)computed. A DB without
    a sidecar (e.g. the paper's files) or with other settings only accepts a rewrite of all its tasks.
    """
    present, adding = set(present), set(adding)
    kept = present - adding if overwrite else present
    if not kept:
        return
    old = read_settings(task_db)
    if old == settings:
        return
    what = 'records no settings (no sidecar)' if old is None else f'was embedded with {old.as_dict()}'
    raise UserError(f'task DB {str(task_db)!r} {what}; these settings ({settings.as_dict()}) would make '
                    f'vectors not comparable with its tasks {sorted(kept)}: use another output file, or '
                    f'--overwrite all of them')


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


def embed_dataset(probe: ProbeNetwork, dataset: Dataset, settings: EmbeddingSettings,
                  device: torch.device | str = 'cpu', show_progress: bool = True) -> tuple[dict[str, torch.Tensor], int]:
    """(``{'hessian', 'scale'}``, images used): Task2Vec of ``dataset`` (already at settings.input_size).

    ``max_images`` keeps a class-balanced seeded subset, in index order (all of a smaller dataset).
    """
    num_classes = int(getattr(dataset, 'num_classes', 0) or 0) or None
    if settings.max_images is not None and len(dataset) > settings.max_images:
        dataset = Subset(dataset, balanced_subset(dataset_labels(dataset), settings.max_images, settings.seed))
    cfg = settings.task2vec_config()
    cfg.show_progress = show_progress
    return task2vec(probe, dataset, seed=settings.seed, cfg=cfg, device=device, num_classes=num_classes), len(dataset)


def data_dir_spec(spec: str) -> tuple[str, str]:
    """(task name, folder) of a ``[NAME=]PATH`` image-folder argument (the name defaults to the folder's)."""
    name, _, path = spec.partition('=') if '=' in spec else (Path(spec).name, '', spec)
    return name, path


def embed_named_datasets(settings: EmbeddingSettings, names: Sequence[str] = (), data_dirs: Sequence[str] = (),
                         probe_weights: str = '', device: str = '', skip: Iterable[str] = ()
                         ) -> Iterator[tuple[str, dict[str, torch.Tensor], dict[str, int]]]:
    """(name, embedding, image counts) of registered datasets' train splits and ImageFolders (``[NAME=]PATH``)."""
    dev = resolve_device(device, '--device')
    transform = build_eval_transform(input_size=settings.input_size)
    jobs = [(n, (lambda n=n: build_dataset(n, split='train', transform=transform))) for n in names]
    for spec in data_dirs:
        name, path = data_dir_spec(spec)
        if not Path(path).is_dir():
            raise UserError(f'image folder {path!r} does not exist')
        jobs.append((name, (lambda p=path: build_image_folder(p, transform))))
    net = None
    skip = set(skip)
    for name, make in jobs:
        if name in skip:
            print(f'{name}: already in the task DB, skipped (use --overwrite to recompute)')
            continue
        ds = make()
        net = net or build_probe(settings.probe, weights=probe_weights)
        entry, used = embed_dataset(net, ds, settings, dev)
        yield name, entry, {'train_images': len(ds), 'used_images': used}


def write_settings(task_db: str | Path, settings: EmbeddingSettings, tasks_info: Mapping[str, Any]) -> Path:
    """Write (merge) the sidecar of ``task_db``: the settings, per-task image counts and timings, versions."""
    meta = sidecar_path(task_db)
    old: dict[str, Any] = {}
    if meta.is_file():
        try:
            old = json.loads(meta.read_text()).get('tasks', {})
        except (json.JSONDecodeError, AttributeError):
            old = {}
    return atomic_write_json(meta, {**settings.as_dict(), 'method': 'montecarlo', 'tasks': {**old, **tasks_info},
                                    'versions': {'python': platform.python_version(), 'torch': torch.__version__,
                                                 'timm': timm.__version__}}, indent=1, sort_keys=True)
