"""PACS (HDF5 release): PacsC = cartoon, PacsS = sketch; test mode reads ``<domain>_val.hdf5``."""
from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from common.errors import UserError
from datasets.loaders._files import require_file
from datasets.source import HDF5Source

CLASSES = ['dog', 'elephant', 'giraffe', 'guitar', 'horse', 'house', 'person']


def load_pacs(root: Path, mode: str, domain: str) -> HDF5Source:
    """Images stored BGR (reversed to RGB on load), labels 1-7 (shifted to 0-6)."""
    import h5py
    path = require_file(root / f'{domain}_{"train" if mode == "train" else "val"}.hdf5', f'{mode} file')
    with h5py.File(path, 'r') as f:
        if 'images' not in f or 'labels' not in f:
            raise UserError(f'{path}: expected HDF5 datasets "images" and "labels", found {sorted(f.keys())}')
        labels = np.asarray(f['labels']).astype(np.int64).reshape(-1) - 1
    return HDF5Source(path, 'images', labels, bgr=True, classes=CLASSES)


load_pacs_cartoon = partial(load_pacs, domain='cartoon')
load_pacs_sketch = partial(load_pacs, domain='sketch')
