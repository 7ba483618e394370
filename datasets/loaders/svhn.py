"""SVHN cropped digits from the official ``{train,test}_32x32.mat`` (label 10 means digit 0)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from datasets.loaders._files import require_file
from datasets.source import ArraySource


def load_svhn(root: Path, mode: str) -> ArraySource:
    import scipy.io
    path = require_file(root / f'{mode}_32x32.mat', f'{mode} file')
    mat = scipy.io.loadmat(path)
    images = np.ascontiguousarray(np.transpose(mat['X'], (3, 0, 1, 2)))  # 32x32x3xN -> Nx32x32x3
    labels = mat['y'].astype(np.int64).reshape(-1)
    labels[labels == 10] = 0
    return ArraySource(images, labels, [str(d) for d in range(10)], origin=str(path))
