"""NIH ChestX-ray14: single-finding images of 7 classes (DATASETS.md 3, ChestX)."""
from __future__ import annotations

from pathlib import Path

from datasets.loaders._files import file_names, read_csv, require_dir, require_file, skipped_note
from datasets.source import FileSource

CLASSES = ['Atelectasis', 'Cardiomegaly', 'Effusion', 'Infiltration', 'Mass', 'Nodule', 'Pneumothorax']


def load_chestx(root: Path, mode: str) -> FileSource:
    """Rows of Data_Entry_2017.csv with exactly one finding among CLASSES whose PNG is present."""
    csv_path = require_file(root / 'Data_Entry_2017.csv', 'label file')
    image_dir = require_dir(root / 'images_resized', 'flat image folder')
    present = file_names(image_dir)
    label_of = {c: i for i, c in enumerate(CLASSES)}
    _, rows = read_csv(csv_path)
    paths, targets, skipped = [], [], 0
    for row in rows:
        name, findings = row[0].strip(), row[1].strip().split('|')
        if len(findings) == 1 and findings[0] in label_of:
            if name not in present:
                skipped += 1
                continue
            paths.append(str(image_dir / name))
            targets.append(label_of[findings[0]])
    source = FileSource(paths, targets, CLASSES)
    source.notes = skipped_note(skipped, 'Data_Entry_2017.csv')
    return source
