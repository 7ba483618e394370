"""KaoKore v1.1: label = 4*gender + status, split by the ``set`` column."""
from __future__ import annotations

from pathlib import Path

from datasets.loaders._files import column, file_names, read_csv, require_dir, require_file, skipped_note
from datasets.source import FileSource

GENDERS = ['male', 'female']
STATUSES = ['noble', 'warrior', 'incarnation', 'commoner']
CLASSES = [f'{g}-{s}' for g in GENDERS for s in STATUSES]


def load_kaokore(root: Path, mode: str) -> FileSource:
    """Rows with set == mode; images that failed to download (missing files) are left out."""
    csv_path = require_file(root / 'labels.csv', 'label file')
    image_dir = require_dir(root / 'images_256', 'image folder')
    present = file_names(image_dir)
    header, rows = read_csv(csv_path)
    c_img, c_gender, c_status, c_set = (column(header, c, csv_path) for c in ('image', 'gender', 'status', 'set'))
    paths, targets, skipped = [], [], 0
    for row in rows:
        if row[c_set].strip() != mode:
            continue
        if row[c_img] not in present:
            skipped += 1
            continue
        paths.append(str(image_dir / row[c_img]))
        targets.append(4 * int(row[c_gender]) + int(row[c_status]))
    source = FileSource(paths, targets, CLASSES)
    source.notes = skipped_note(skipped, 'labels.csv')
    return source
