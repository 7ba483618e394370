"""The torch Dataset every loader returns: an image source, the split's indices, and the item form."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch.utils.data

from datasets.source import ImageSource


class SplitDataset(torch.utils.data.Dataset):
    """Images ``source[indices[i]]`` as ``(img, label)``, or ``(img, label, i)`` with ``with_index``.

    ``i`` is the position in this dataset (0..len-1): the row of the kNN feature bank. The underlying
    source index of item ``i`` is ``indices[i]``. ``targets`` holds the labels of this split only and
    ``num_classes`` the classifier size (from ``configs/datasets.yaml`` for registered datasets).
    """

    def __init__(self, source: ImageSource, indices: Sequence[int] | None = None,
                 transform: Callable | None = None, with_index: bool = False,
                 num_classes: int | None = None, name: str = '', split: str = ''):
        self.source = source
        self.indices = (np.arange(len(source), dtype=np.int64) if indices is None
                        else np.asarray(indices, dtype=np.int64).reshape(-1))
        self.targets = source.targets[self.indices]
        if num_classes is None:
            num_classes = int(source.targets.max()) + 1 if len(source) else 0
        self.num_classes = int(num_classes)
        self.classes = source.classes
        self.transform = transform
        self.with_index = with_index
        self.name = name
        self.split = split

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        n = len(self.indices)
        if not -n <= i < n:
            raise IndexError(f'index {i} out of range for {self.name or "dataset"} of length {n}')
        i = int(i) % n
        img = self.source.load(int(self.indices[i]))
        if self.transform is not None:
            img = self.transform(img)
        label = int(self.targets[i])
        return (img, label, i) if self.with_index else (img, label)

    def subset(self, positions: Sequence[int], split: str | None = None) -> 'SplitDataset':
        """The items at ``positions`` of this dataset, renumbered 0..len-1, same transform and item form."""
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        return SplitDataset(self.source, self.indices[positions], self.transform, self.with_index,
                            self.num_classes, self.name, self.split if split is None else split)

    def describe(self, i: int) -> str:
        """Where item ``i`` comes from (file path or array row)."""
        return self.source.describe(int(self.indices[i]))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(name={self.name!r}, split={self.split!r}, len={len(self)}, '
                f'num_classes={self.num_classes}, with_index={self.with_index})')
