"""ImageFolder with optional indices: ``root/<class>/**/<image>``, classes sorted and numbered 0..K-1."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from common.errors import UserError
from datasets.dataset import SplitDataset
from datasets.image import is_image_file
from datasets.source import FileSource


def _walk_images(folder: str) -> list[str]:
    """Image files under ``folder`` (recursive, symlinks followed), in torchvision ImageFolder order."""
    found: list[tuple[str, list[str]]] = []
    stack = [folder]
    while stack:
        d = stack.pop()
        names = []
        with os.scandir(d) as it:
            for e in it:
                if e.name.startswith('.'):
                    continue
                if e.is_dir(follow_symlinks=True):
                    stack.append(e.path)
                elif is_image_file(e.name):
                    names.append(e.name)
        found.append((d, sorted(names)))
    found.sort(key=lambda t: t[0])
    return [os.path.join(d, n) for d, names in found for n in names]


def scan_image_folder(root: str | os.PathLike) -> FileSource:
    """List ``root``'s class folders and their images once (no decoding).

    Hidden entries (names starting with '.') are ignored. A missing root, a root without class folders
    and a class folder without images each raise UserError naming the path.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise UserError(f'image folder not found: {root} (expected {root}/<class>/<image files>)')
    with os.scandir(root) as it:
        classes = sorted(e.name for e in it if e.is_dir(follow_symlinks=True) and not e.name.startswith('.'))
    if not classes:
        raise UserError(f'no class folders in {root} (expected {root}/<class>/<image files>)')
    paths: list[str] = []
    targets: list[int] = []
    for label, cls in enumerate(classes):
        files = _walk_images(os.path.join(root, cls))
        if not files:
            raise UserError(f'class folder {os.path.join(root, cls)} holds no image files '
                            f'(extensions: .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp)')
        paths.extend(files)
        targets.extend([label] * len(files))
    return FileSource(paths, targets, classes)


def build_image_folder(path: str | os.PathLike, transform: Callable | None = None,
                       with_index: bool = False) -> SplitDataset:
    """An ImageFolder dataset at ``path`` with items ``(img, label)`` or ``(img, label, i)``; has ``.classes``."""
    source = scan_image_folder(path)
    return SplitDataset(source, None, transform, with_index, num_classes=len(source.classes),
                        name=Path(path).name, split='')
