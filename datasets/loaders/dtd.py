"""Describable Textures (r1.0.1), official split 1: train = train1 + val1, test = test1."""
from __future__ import annotations

import os
from pathlib import Path

from common.errors import UserError
from datasets.loaders._files import require_dir, require_file
from datasets.source import FileSource


def load_dtd(root: Path, mode: str) -> FileSource:
    """Label = index of the path's class folder in the sorted listing of images/ (hidden files ignored)."""
    image_dir = require_dir(root / 'images', 'image folder')
    classes = sorted(n for n in os.listdir(image_dir) if not n.startswith('.'))
    label_of = {c: i for i, c in enumerate(classes)}
    lists = ['train1.txt', 'val1.txt'] if mode == 'train' else ['test1.txt']
    paths, targets = [], []
    for name in lists:
        list_path = require_file(root / 'labels' / name, 'split file')
        for line in list_path.read_text().splitlines():
            rel = line.strip()
            if not rel:
                continue
            cls = rel.split('/')[0]
            if cls not in label_of:
                raise UserError(f'{list_path}: {rel!r} names class {cls!r}, which is not a folder of {image_dir}')
            paths.append(str(image_dir / rel))
            targets.append(label_of[cls])
    return FileSource(paths, targets, classes)
