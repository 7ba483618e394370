"""Datasets that are plain class folders (torchvision ImageFolder layout)."""
from __future__ import annotations

from pathlib import Path

from common.errors import UserError
from datasets.folder import scan_image_folder
from datasets.loaders._files import require_dir
from datasets.source import FileSource


def load_folder(root: Path, mode: str) -> FileSource:
    """The whole of ``root`` as one ImageFolder (seeded-split datasets: EuroSAT, Sketch, Resisc45, AID)."""
    return scan_image_folder(require_dir(root, 'class-folder root'))


def load_train_test_folders(root: Path, mode: str) -> FileSource:
    """``root/train`` and ``root/test`` ImageFolders (CropDisease, ChestXPneumonia, user folders)."""
    return scan_image_folder(require_dir(root / mode, f'{mode} class-folder root'))


def load_fmd(root: Path, mode: str) -> FileSource:
    """FMD: ``root`` must hold the 10 material folders directly (not ``image/`` + ``mask/``)."""
    require_dir(root, 'FMD class-folder root')
    if (root / 'image').is_dir() and (root / 'mask').is_dir():
        raise UserError(f'FMD: {root} holds image/ and mask/; point FMD at {root / "image"} '
                        f'(or move the 10 material folders of image/ up one level)')
    return scan_image_folder(root)


def load_cactus(root: Path, mode: str) -> FileSource:
    """CactusAerial: training_set/training_set for train, validation_set/validation_set otherwise."""
    sub = 'training_set' if mode == 'train' else 'validation_set'
    return scan_image_folder(require_dir(root / sub / sub, f'{mode} class-folder root'))
