"""Omniglot evaluation alphabets as torchvision lays them out (``omniglot-py/images_evaluation``)."""
from __future__ import annotations

import os
from pathlib import Path

from datasets.loaders._files import require_dir
from datasets.source import FileSource


def _subdirs(d: Path) -> list[str]:
    return sorted(n for n in os.listdir(d) if (d / n).is_dir() and not n.startswith('.'))


def load_omniglot(root: Path, mode: str) -> FileSource:
    """Label = character index in torchvision's flat list (sorted alphabets, then sorted characters)."""
    base = require_dir(root / 'omniglot-py' / 'images_evaluation', 'extracted images_evaluation folder')
    paths, targets, classes = [], [], []
    for alphabet in _subdirs(base):
        for character in _subdirs(base / alphabet):
            folder = base / alphabet / character
            label = len(classes)
            classes.append(f'{alphabet}/{character}')
            for name in sorted(n for n in os.listdir(folder) if n.endswith('.png')):
                paths.append(str(folder / name))
                targets.append(label)
    return FileSource(paths, targets, classes)
