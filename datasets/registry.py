"""Dataset registry backed by ``configs/datasets.yaml``: name -> (data_path, num_class) -> loader.

The data root of all yaml paths is set once: ``data_root=`` argument, else the environment variable
``TASK2SIM_DATA_ROOT``; it replaces the placeholder prefix ``/path/to/downstream/data`` of every path.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from common.errors import UserError
from common.io import load_yaml_mapping
from datasets.catalog import CATALOG, GENERIC_LOADERS, DatasetInfo
from datasets.dataset import SplitDataset
from datasets.loaders._files import MissingData
from datasets.source import ConcatSource, ImageSource
from datasets.split import seeded_class_split

DATA_ROOT_ENV = 'TASK2SIM_DATA_ROOT'
PLACEHOLDER_ROOT = '/path/to/downstream/data'
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / 'configs' / 'datasets.yaml'
SPLITS = ('train', 'test')


def load_config(config_path: str | os.PathLike | None = None) -> dict[str, dict]:
    """The dataset yaml as {name: {'data_path': str, 'num_class': int, ...}}, validated."""
    path = Path(config_path) if config_path is not None else DEFAULT_CONFIG
    cfg = load_yaml_mapping(path, 'dataset config')
    for name, entry in cfg.items():
        if not isinstance(entry, dict) or 'data_path' not in entry or 'num_class' not in entry:
            raise UserError(f'{path}: entry {name!r} needs data_path and num_class')
        if not isinstance(entry['num_class'], int) or entry['num_class'] < 1:
            raise UserError(f'{path}: {name}.num_class must be a positive integer, got {entry["num_class"]!r}')
        if '-' in str(name) or '_' in str(name):
            raise UserError(f'{path}: dataset name {name!r} may not contain "-" or "_" (they join/split names)')
    return cfg


def list_datasets(config_path: str | os.PathLike | None = None) -> list[str]:
    """Names in the dataset yaml, in file order (the 20 Task2Sim tasks, then the embedded tasks)."""
    return list(load_config(config_path))


def _entry(name: str, cfg: dict[str, dict]) -> dict:
    if name not in cfg:
        raise UserError(f'unknown dataset {name!r}; allowed: {", ".join(cfg)} (or several joined with "-")')
    return cfg[name]


def get_num_classes(name: str, config_path: str | os.PathLike | None = None) -> int:
    """``num_class`` from the yaml; for ``A-B`` the sum over the parts."""
    cfg = load_config(config_path)
    return sum(int(_entry(part, cfg)['num_class']) for part in name.split('-'))


def resolve_data_path(data_path: str, data_root: str | os.PathLike | None = None) -> Path:
    """Replace the yaml placeholder prefix by ``data_root`` (argument, else $TASK2SIM_DATA_ROOT)."""
    root = data_root if data_root not in (None, '') else os.environ.get(DATA_ROOT_ENV) or None
    data_path = str(data_path)
    if root is not None and (data_path == PLACEHOLDER_ROOT or data_path.startswith(PLACEHOLDER_ROOT + '/')):
        return Path(os.path.expanduser(os.fspath(root))) / data_path[len(PLACEHOLDER_ROOT):].strip('/')
    return Path(os.path.expanduser(data_path))


def dataset_info(name: str, entry: dict) -> DatasetInfo:
    """The loader of a yaml entry: its own ``loader:`` key (a generic loader) or the built-in one."""
    loader = entry.get('loader')
    if loader is not None:
        if loader not in GENERIC_LOADERS:
            raise UserError(f'dataset {name}: unknown loader {loader!r}; allowed: {", ".join(GENERIC_LOADERS)}')
        return GENERIC_LOADERS[loader]
    if name not in CATALOG:
        raise UserError(f'dataset {name}: no built-in loader; add "loader: folder_seeded" (one class-folder '
                        f'tree, seeded 0.7 split) or "loader: folder_train_test" to its yaml entry')
    return CATALOG[name]


def _missing_message(name: str, err: Exception, info: DatasetInfo, path: Path) -> str:
    hint = f'dataset {name}: {err}. Expected under {path}: {info.layout}. Download: {info.source}.'
    if str(path).startswith(PLACEHOLDER_ROOT):
        hint += f' Set {DATA_ROOT_ENV}=<folder holding your downloads> (it replaces {PLACEHOLDER_ROOT}).'
    return hint


def load_split(name: str, split: str, entry: dict, data_root: str | os.PathLike | None = None
               ) -> tuple[ImageSource, np.ndarray | None, DatasetInfo]:
    """One dataset's image source and the indices of ``split`` in it (None = all of it)."""
    info = dataset_info(name, entry)
    path = resolve_data_path(entry['data_path'], data_root)
    try:
        source = info.load(path, split)
    except MissingData as e:
        raise UserError(_missing_message(name, e, info, path)) from None
    except UserError as e:
        raise UserError(f'dataset {name}: {e}') from None
    if len(source) == 0:
        raise UserError(f'dataset {name}: no {split} images found under {path} (expected: {info.layout})')
    num_class = int(entry['num_class'])
    if source.targets.min() < 0 or source.targets.max() >= num_class:
        raise UserError(f'dataset {name}: labels {source.targets.min()}..{source.targets.max()} found under '
                        f'{path}, but num_class is {num_class}')
    indices = None
    if info.seeded:
        train, test = seeded_class_split(source.targets)
        indices = train if split == 'train' else test
    return source, indices, info


def build_dataset(name: str, split: str, transform: Callable | None = None, with_index: bool = False,
                  data_root: str | os.PathLike | None = None,
                  config_path: str | os.PathLike | None = None) -> SplitDataset:
    """The ``split`` ('train' or 'test') of dataset ``name`` (``A-B`` concatenates, shifting labels).

    Items are ``(img, label)``, or ``(img, label, i)`` with ``with_index`` (i = position 0..len-1;
    the underlying index is ``dataset.indices[i]``). ``.targets`` and ``.num_classes`` are set.
    """
    if split not in SPLITS:
        raise UserError(f'unknown split {split!r} for dataset {name}; allowed: {", ".join(SPLITS)}')
    cfg = load_config(config_path)
    names = name.split('-')
    entries = [_entry(part, cfg) for part in names]
    parts = [load_split(part, split, entry, data_root) for part, entry in zip(names, entries)]
    num_classes = [int(e['num_class']) for e in entries]
    if len(parts) == 1:
        source, indices, _ = parts[0]
    else:
        offsets = np.cumsum([0] + num_classes[:-1]).tolist()
        source = ConcatSource([p[0] for p in parts], offsets)
        indices = np.concatenate([
            (np.arange(len(src)) if idx is None else idx) + start
            for (src, idx, _), start in zip(parts, source.starts)])
    return SplitDataset(source, indices, transform, with_index, sum(num_classes), name, split)
