"""CUB-200-2011 from ``train_filelist.txt`` / ``test_filelist.txt`` (``<path under images/> <label>``).

Those two files are not in the official release. When they are absent they are derived in memory from
the official ``images.txt``, ``image_class_labels.txt`` and ``train_test_split.txt`` (label = class - 1,
5,994 train / 5,794 test); ``python -m datasets.prepare cub DIR`` writes them to disk.
"""
from __future__ import annotations

from pathlib import Path

from common.errors import UserError
from datasets.loaders._files import MissingData, require_dir
from datasets.source import FileSource

OFFICIAL_FILES = ('images.txt', 'image_class_labels.txt', 'train_test_split.txt')


def _read_id_table(path: Path) -> dict[int, str]:
    """``<id> <value>`` lines as {id: value}."""
    table = {}
    for line in path.read_text().splitlines():
        if line.strip():
            key, value = line.split(maxsplit=1)
            table[int(key)] = value.strip()
    return table


def official_file_lists(root: Path) -> dict[str, list[tuple[str, int]]]:
    """{'train': [(relpath, label)], 'test': [...]} from the official metadata, in image-id order."""
    missing = [n for n in OFFICIAL_FILES if not (root / n).is_file()]
    if missing:
        raise MissingData(f'neither train_filelist.txt/test_filelist.txt nor the official '
                          f'{", ".join(missing)} found in {root}')
    images, labels, is_train = (_read_id_table(root / n) for n in OFFICIAL_FILES)
    lists: dict[str, list[tuple[str, int]]] = {'train': [], 'test': []}
    for image_id in sorted(images):
        if image_id not in labels or image_id not in is_train:
            raise UserError(f'CUB: image id {image_id} of images.txt has no class or split entry in {root}')
        mode = 'train' if is_train[image_id] == '1' else 'test'
        lists[mode].append((images[image_id], int(labels[image_id]) - 1))
    return lists


def read_file_list(path: Path) -> list[tuple[str, int]]:
    entries = []
    for line in path.read_text().splitlines():
        if line.strip():
            rel, label = line.rsplit(maxsplit=1)
            entries.append((rel.strip(), int(label)))
    return entries


def load_cub(root: Path, mode: str) -> FileSource:
    image_dir = require_dir(root / 'images', 'image folder')
    list_path = root / f'{mode}_filelist.txt'
    derived = not list_path.is_file()
    entries = official_file_lists(root)[mode] if derived else read_file_list(list_path)
    source = FileSource([str(image_dir / rel) for rel, _ in entries], [label for _, label in entries])
    if derived:
        source.notes = (f'{list_path.name} absent: split derived from the official train_test_split.txt '
                        f'(write the lists with: python -m datasets.prepare cub {root})',)
    return source
