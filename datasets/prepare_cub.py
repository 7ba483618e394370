"""Write CUB's ``train_filelist.txt`` / ``test_filelist.txt`` from the official split files.

    python -m datasets.prepare_cub /path/to/downstream/data/CUB_data/CUB_200_2011
"""
from __future__ import annotations

import argparse
from pathlib import Path

from common.cli import run_cli
from common.errors import UserError
from common.io import atomic_write_text
from datasets.loaders.cub import official_file_lists


def write_cub_file_lists(root: str | Path) -> dict[str, int]:
    """Write both lists atomically into ``root``; returns {'train': n, 'test': n}."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f'CUB folder not found: {root}')
    lists = official_file_lists(root)
    for mode, entries in lists.items():
        atomic_write_text(root / f'{mode}_filelist.txt', ''.join(f'{rel} {label}\n' for rel, label in entries))
    return {mode: len(entries) for mode, entries in lists.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='the CUB_200_2011 folder holding images.txt and images/')
    args = parser.parse_args()
    counts = write_cub_file_lists(args.root)
    print(f'wrote {args.root}/train_filelist.txt ({counts["train"]}) and test_filelist.txt ({counts["test"]})')


if __name__ == '__main__':
    run_cli(main)
