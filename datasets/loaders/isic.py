"""ISIC 2018 Task 3 (HAM10000): 7 classes from the one-hot ground-truth CSV."""
from __future__ import annotations

from pathlib import Path

from common.errors import UserError
from datasets.loaders._files import file_names, read_csv, require_dir, require_file, skipped_note
from datasets.source import FileSource

CLASSES = ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC']
GT_CSV = 'ISIC2018_Task3_Training_GroundTruth/ISIC2018_Task3_Training_GroundTruth.csv'


def load_isic(root: Path, mode: str) -> FileSource:
    """Label = position of the non-zero one-hot column; rows whose image is missing are skipped."""
    csv_path = require_file(root / GT_CSV, 'ground-truth CSV')
    image_dir = require_dir(root / 'ISIC2018_Input_Resized', 'image folder')
    present = file_names(image_dir)
    _, rows = read_csv(csv_path)
    paths, targets, skipped = [], [], 0
    for row in rows:
        onehot = [float(v) for v in row[1:1 + len(CLASSES)]]
        hot = [k for k, v in enumerate(onehot) if v != 0]
        if len(hot) != 1:
            raise UserError(f'{csv_path}: row for {row[0]} is not one-hot over {", ".join(CLASSES)}')
        name = row[0].strip() + '.jpg'
        if name not in present:
            skipped += 1
            continue
        paths.append(str(image_dir / name))
        targets.append(hot[0])
    source = FileSource(paths, targets, CLASSES)
    source.notes = skipped_note(skipped, 'the ground-truth CSV')
    return source
