"""Bring common download formats into the layouts the loaders read (links, not copies, by default).

    python -m datasets.prepare cub DATA/CUB_data/CUB_200_2011          # write {train,test}_filelist.txt
    python -m datasets.prepare chestx-kaggle KAGGLE_DIR DATA/chest_xray  # images_*/images/* -> images_resized/
    python -m datasets.prepare resisc45 FLAT_DIR DATA/Resisc45          # flat <class>_<nnn>.jpg -> class folders
    python -m datasets.prepare cropdisease PLANTVILLAGE_DIR DATA/CropDiseases   # 80/20 per-class split

A new output folder is built under a temporary name and renamed when complete, so an interrupted run
never leaves a folder that looks finished. ``--copy`` copies files instead of symlinking them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_text
from datasets.folder import scan_image_folder
from datasets.image import is_image_file
from datasets.loaders.cub import official_file_lists

CROPDISEASE_TEST_FRACTION = 0.2


def write_cub_file_lists(root: str | Path) -> dict[str, int]:
    """Write CUB's ``train_filelist.txt`` / ``test_filelist.txt`` from the official split (label = class - 1)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f'CUB folder not found: {root}')
    lists = official_file_lists(root)
    for mode, entries in lists.items():
        atomic_write_text(root / f'{mode}_filelist.txt', ''.join(f'{rel} {label}\n' for rel, label in entries))
    return {mode: len(entries) for mode, entries in lists.items()}


def _build(dst: Path, pairs: Iterable[tuple[Path, Path]], copy: bool) -> int:
    """Create ``dst`` holding ``(source file, path relative to dst)`` pairs, atomically by rename."""
    dst = Path(dst)
    if dst.exists():
        raise UserError(f'output folder already exists: {dst} (remove it or choose another)')
    tmp = dst.with_name(f'.{dst.name}.partial')
    if tmp.exists():
        shutil.rmtree(tmp)
    n = 0
    for src, rel in pairs:
        out = tmp / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if copy:
            shutil.copy2(src, out)
        else:
            os.symlink(os.path.abspath(src), out)
        n += 1
    if n == 0:
        raise UserError(f'no input images found for {dst}')
    os.replace(tmp, dst)
    return n


def chestx_from_kaggle(src: str | Path, dst: str | Path, copy: bool = False) -> int:
    """Kaggle nih-chest-xrays: ``images_0xx/images/*.png`` into one flat ``images_resized/`` plus the CSV."""
    src = Path(src)
    csv = src / 'Data_Entry_2017.csv'
    if not csv.is_file():
        raise UserError(f'not the Kaggle NIH ChestX-ray14 folder: {csv} not found')
    pngs = sorted(p for p in src.glob('images*/images/*.png'))
    pairs = [(csv, Path('Data_Entry_2017.csv'))] + [(p, Path('images_resized') / p.name) for p in pngs]
    return _build(Path(dst), pairs, copy) - 1


def resisc45_from_flat(src: str | Path, dst: str | Path, copy: bool = False) -> int:
    """NWPU-RESISC45 flattened by ``unrar e``: ``<class_name>_<nnn>.jpg`` back into ``<class_name>/``."""
    src = Path(src)
    if not src.is_dir():
        raise UserError(f'folder not found: {src}')
    files = sorted(p for p in src.rglob('*') if p.is_file() and is_image_file(p.name) and '_' in p.stem)
    return _build(Path(dst), [(p, Path(p.stem.rsplit('_', 1)[0]) / p.name) for p in files], copy)


def cropdisease_split(src: str | Path, dst: str | Path, copy: bool = False,
                      test_fraction: float = CROPDISEASE_TEST_FRACTION) -> dict[str, int]:
    """Raw PlantVillage class folders into ``train/`` and ``test/`` (seeded per-class split, RandomState(0)).

    The CD-FSL archive the original used is already split; this split is ours and differs from it.
    """
    source = scan_image_folder(src)
    rng = np.random.RandomState(0)
    pairs, counts = [], {'train': 0, 'test': 0}
    for label, cls in enumerate(source.classes):
        idxs = np.flatnonzero(source.targets == label).tolist()
        rng.shuffle(idxs)
        cut = int((1 - test_fraction) * len(idxs))
        for k, idx in enumerate(idxs):
            mode = 'train' if k < cut else 'test'
            path = Path(source.paths[idx])
            pairs.append((path, Path(mode) / cls / path.relative_to(Path(src) / cls)))
            counts[mode] += 1
    _build(Path(dst), pairs, copy)
    return counts


COMMANDS: dict[str, Callable] = {
    'chestx-kaggle': chestx_from_kaggle, 'resisc45': resisc45_from_flat, 'cropdisease': cropdisease_split,
}


def main(argv: list[str] | None = None) -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('cub', help='write CUB train/test file lists').add_argument('root')
    for name in COMMANDS:
        p = sub.add_parser(name, help=COMMANDS[name].__doc__.splitlines()[0])
        p.add_argument('src')
        p.add_argument('dst')
        p.add_argument('--copy', action='store_true', help='copy files instead of symlinking')
    args = parser.parse_args(argv)
    if args.command == 'cub':
        counts = write_cub_file_lists(args.root)
        print(f'wrote {args.root}/train_filelist.txt ({counts["train"]}) and test_filelist.txt ({counts["test"]})')
    else:
        counts = COMMANDS[args.command](args.src, args.dst, args.copy)
        text = ', '.join(f'{k} {v}' for k, v in counts.items()) if isinstance(counts, dict) else str(counts)
        print(f'{args.command}: {text} images -> {args.dst}')


if __name__ == '__main__':
    run_cli(main)
