"""The two splitting rules of the original: the seeded per-class split and the SPLIT_FRAC carve-out."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch.utils.data

from common.errors import UserError

SPLIT_FRACTION = 0.7  # hard-coded in the original's prep_datasets (opt.split_fraction)


def seeded_class_split(targets: Sequence[int], fraction: float = SPLIT_FRACTION,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-class split of indices 0..len(targets)-1 (DATASETS.md 1.3); returns (train, test) indices.

    Classes are visited in order of first appearance; one RandomState(seed) shuffles each class's index
    list in turn; the first ``int(fraction * n)`` (Python float arithmetic) go to train. Both outputs are
    grouped by class in that same order.
    """
    by_label: dict[int, list[int]] = {}
    for idx, label in enumerate(np.asarray(targets).tolist()):
        by_label.setdefault(label, []).append(idx)
    rng = np.random.RandomState(seed)
    train: list[int] = []
    test: list[int] = []
    for idxs in by_label.values():
        rng.shuffle(idxs)
        cut = int(fraction * len(idxs))
        train.extend(idxs[:cut])
        test.extend(idxs[cut:])
    return np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64)


def carve_positions(n: int, frac: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Global (not per-class) carve-out: RandomState(seed) shuffles range(n); first int(n*frac) are train."""
    if not 0.0 < float(frac) < 1.0:
        raise UserError(f'SPLIT_FRAC must be a fraction strictly between 0 and 1, got {frac!r}')
    order = list(range(n))
    np.random.RandomState(seed).shuffle(order)
    cut = int(n * frac)
    return np.asarray(order[:cut], dtype=np.int64), np.asarray(order[cut:], dtype=np.int64)


DATA_DIR_SPLIT_SEED = 44  # the original's np.random.seed(44) for SPLIT_FRAC with DATA_DIR


def carve_positions_per_class(targets: Sequence[int], frac: float,
                              seed: int = DATA_DIR_SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """The original's SPLIT_FRAC split of a DATA_DIR train folder: per class, in class order 0..C-1.

    One RandomState(seed) permutes each class's positions in turn; the first int(frac * n) of each
    class are train, the rest validation; both are concatenated class by class.
    """
    if not 0.0 < float(frac) < 1.0:
        raise UserError(f'SPLIT_FRAC must be a fraction strictly between 0 and 1, got {frac!r}')
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    rng = np.random.RandomState(seed)
    positions = np.arange(len(targets))
    train, val = [], []
    for c in range(int(targets.max()) + 1 if len(targets) else 0):
        perm = rng.permutation(positions[targets == c])
        cut = int(frac * len(perm))
        train.append(perm[:cut])
        val.append(perm[cut:])
    cat = (lambda parts: np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64))
    return cat(train), cat(val)


def carve_train_val(dataset, frac: float, seed: int = 0, per_class: bool = False):
    """Split a training dataset into (train_part, val_part) for SPLIT_FRAC (DATASETS.md 1.5).

    ``per_class``: the original's rule for a DATA_DIR folder (``carve_positions_per_class``, seed 44);
    otherwise its rule for named datasets (one global permutation, ``seed``). Item forms are
    preserved; with indices, positions are renumbered 0..len-1 within each part.
    """
    if per_class:
        targets = getattr(dataset, 'targets', None)
        if targets is None:
            raise UserError('SPLIT_FRAC with DATA_DIR needs a dataset with class targets')
        train_pos, val_pos = carve_positions_per_class(targets, frac)
    else:
        train_pos, val_pos = carve_positions(len(dataset), frac, seed)
    if hasattr(dataset, 'subset'):
        return dataset.subset(train_pos, split='train'), dataset.subset(val_pos, split='val')
    return PositionSubset(dataset, train_pos), PositionSubset(dataset, val_pos)


class PositionSubset(torch.utils.data.Dataset):
    """Fallback view for datasets without ``subset``: items of ``dataset`` at ``positions``.

    A third tuple element (the position index) is replaced by the position within this view.
    """

    def __init__(self, dataset, positions: Sequence[int]):
        self.dataset = dataset
        self.positions = np.asarray(positions, dtype=np.int64)
        targets = getattr(dataset, 'targets', None)
        self.targets = None if targets is None else np.asarray(targets, dtype=np.int64)[self.positions]
        self.num_classes = getattr(dataset, 'num_classes', None)

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, j: int):
        item = self.dataset[int(self.positions[j])]
        if isinstance(item, tuple) and len(item) >= 3:
            return (item[0], item[1], int(j) % len(self)) + tuple(item[3:])
        return item
