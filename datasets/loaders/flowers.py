"""Oxford Flowers-102: train = trnid + valid, test = tstid (DATASETS.md 3, Flowers102)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from common.errors import UserError
from datasets.loaders._files import MissingData, require_dir, require_file
from datasets.source import FileSource


def _split_file(root: Path) -> Path:
    """The original opens splits.mat; the official name is setid.mat, accepted as well."""
    for name in ('splits.mat', 'setid.mat'):
        if (root / name).is_file():
            return root / name
    raise MissingData(f'split file not found: {root / "splits.mat"} (the official setid.mat is accepted too)')


def load_flowers(root: Path, mode: str) -> FileSource:
    """Image id k (1-based) is the k-th sorted jpg; label = imagelabels[k-1] - 1."""
    import scipy.io
    image_dir = require_dir(root / 'jpg', 'image folder')
    files = sorted(n for n in os.listdir(image_dir) if n.lower().endswith('.jpg') and not n.startswith('.'))
    labels = scipy.io.loadmat(require_file(root / 'imagelabels.mat', 'label file'))['labels'].reshape(-1)
    split_path = _split_file(root)
    split = scipy.io.loadmat(split_path)
    keys = ['trnid', 'valid'] if mode == 'train' else ['tstid']
    ids = np.concatenate([split[k].reshape(-1) for k in keys]).astype(np.int64)
    if len(labels) != len(files) or ids.max() > len(files) or ids.min() < 1:
        raise UserError(f'Flowers102: {image_dir} holds {len(files)} jpg files but imagelabels.mat has '
                        f'{len(labels)} labels and {split_path.name} ids up to {ids.max()}')
    paths = [str(image_dir / files[k - 1]) for k in ids]
    source = FileSource(paths, labels[ids - 1].astype(np.int64) - 1)
    if split_path.name != 'splits.mat':
        source.notes = (f'split ids read from {split_path.name} (the original expects the same file as splits.mat)',)
    return source
