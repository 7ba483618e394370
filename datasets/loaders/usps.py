"""USPS digits from the libsvm-format ``usps.bz2`` (train) / ``usps.t.bz2`` (test), as torchvision reads them."""
from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np

from datasets.loaders._files import require_file
from datasets.source import ArraySource


def load_usps(root: Path, mode: str) -> ArraySource:
    """Each line: ``label 1:v1 ... 256:v256`` with label 1..10 and v in [-1, 1]; images 16x16 grey."""
    path = require_file(root / ('usps.bz2' if mode == 'train' else 'usps.t.bz2'), f'{mode} file')
    with bz2.open(path, 'rt') as f:
        rows = [line.split() for line in f if line.strip()]
    values = np.asarray([[tok.split(':')[-1] for tok in r[1:]] for r in rows], dtype=np.float32)
    images = ((values.reshape(-1, 16, 16) + 1) / 2 * 255).astype(np.uint8)
    labels = np.asarray([int(float(r[0])) - 1 for r in rows], dtype=np.int64)
    return ArraySource(images, labels, [str(d) for d in range(10)], origin=str(path))
