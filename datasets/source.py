"""Image sources: the full list of a dataset's images and labels, before any split.

A source knows how many images it has, their integer labels (``targets``) in index order, and how to
load image ``idx`` as PIL RGB. Label reading never decodes images, so splits are computed from metadata.
"""
from __future__ import annotations

import bisect
import os
from typing import Sequence

import numpy as np
from PIL import Image

from datasets.image import array_to_rgb, open_rgb


class ImageSource:
    """Base class: ``targets`` (int64, one per image) and ``load(idx) -> PIL RGB``."""

    targets: np.ndarray
    classes: list[str] | None = None
    notes: tuple[str, ...] = ()  # facts about the data on disk worth reporting (skipped rows, file used)

    def __len__(self) -> int:
        return len(self.targets)

    def load(self, idx: int) -> Image.Image:
        raise NotImplementedError

    def describe(self, idx: int) -> str:
        """Where image ``idx`` comes from (a path, or file plus row), for messages."""
        return f'item {idx}'


class FileSource(ImageSource):
    """Images stored one per file."""

    def __init__(self, paths: Sequence[str], targets: Sequence[int], classes: list[str] | None = None):
        if len(paths) != len(targets):
            raise ValueError('paths and targets differ in length')
        self.paths = [os.fspath(p) for p in paths]
        self.targets = np.asarray(targets, dtype=np.int64).reshape(-1)
        self.classes = classes

    def load(self, idx: int) -> Image.Image:
        return open_rgb(self.paths[idx])

    def describe(self, idx: int) -> str:
        return self.paths[idx]


class ArraySource(ImageSource):
    """Images held in memory as an N x H x W (grey) or N x H x W x 3 uint8 array."""

    def __init__(self, images: np.ndarray, targets: Sequence[int], classes: list[str] | None = None,
                 origin: str = 'array'):
        if len(images) != len(targets):
            raise ValueError('images and targets differ in length')
        self.images = images
        self.targets = np.asarray(targets, dtype=np.int64).reshape(-1)
        self.classes = classes
        self.origin = origin

    def load(self, idx: int) -> Image.Image:
        return array_to_rgb(self.images[idx])

    def describe(self, idx: int) -> str:
        return f'{self.origin}[{idx}]'


class HDF5Source(ImageSource):
    """Images read lazily from an HDF5 dataset (N x H x W x 3 uint8); the file is opened per process."""

    def __init__(self, path: str | os.PathLike, key: str, targets: Sequence[int], bgr: bool = False,
                 classes: list[str] | None = None):
        self.path = os.fspath(path)
        self.key = key
        self.bgr = bgr
        self.targets = np.asarray(targets, dtype=np.int64).reshape(-1)
        self.classes = classes
        self._file = None
        self._pid = None

    def _images(self):
        # h5py handles must not be shared across processes: a forked DataLoader worker reopens the file.
        if self._file is None or self._pid != os.getpid():
            import h5py
            self._file, self._pid = h5py.File(self.path, 'r'), os.getpid()
        return self._file[self.key]

    def load(self, idx: int) -> Image.Image:
        arr = np.asarray(self._images()[idx])
        if self.bgr:
            arr = arr[..., ::-1]
        return array_to_rgb(arr)

    def describe(self, idx: int) -> str:
        return f'{self.path}:{self.key}[{idx}]'

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_file'] = state['_pid'] = None
        return state


class ConcatSource(ImageSource):
    """Several sources back to back; part k's labels are shifted by ``offsets[k]``."""

    def __init__(self, parts: Sequence[ImageSource], offsets: Sequence[int]):
        self.parts = list(parts)
        self.starts = np.cumsum([0] + [len(p) for p in self.parts]).tolist()
        self.targets = np.concatenate([p.targets + off for p, off in zip(self.parts, offsets)]).astype(np.int64)
        self.classes = None

    def _locate(self, idx: int) -> tuple[ImageSource, int]:
        k = bisect.bisect_right(self.starts, idx) - 1
        return self.parts[k], idx - self.starts[k]

    def load(self, idx: int) -> Image.Image:
        part, local = self._locate(idx)
        return part.load(local)

    def describe(self, idx: int) -> str:
        part, local = self._locate(idx)
        return part.describe(local)
