"""DeepWeeds: 9 classes (8 weed species + Negative) from labels.csv."""
from __future__ import annotations

from pathlib import Path

from datasets.loaders._files import column, file_names, read_csv, require_dir, require_file, skipped_note
from datasets.source import FileSource

CLASSES = ['Chinee apple', 'Lantana', 'Parkinsonia', 'Parthenium', 'Prickly acacia', 'Rubber vine',
           'Siam weed', 'Snake weed', 'Negative']


def load_deepweeds(root: Path, mode: str) -> FileSource:
    """Columns Filename and Label (0-8) of labels.csv, in file order; missing images are skipped."""
    csv_path = require_file(root / 'labels.csv', 'label file')
    image_dir = require_dir(root / 'images', 'image folder')
    present = file_names(image_dir)
    header, rows = read_csv(csv_path)
    c_file, c_label = column(header, 'Filename', csv_path), column(header, 'Label', csv_path)
    paths, targets, skipped = [], [], 0
    for row in rows:
        if row[c_file] not in present:
            skipped += 1
            continue
        paths.append(str(image_dir / row[c_file]))
        targets.append(int(row[c_label]))
    source = FileSource(paths, targets, CLASSES)
    source.notes = skipped_note(skipped, 'labels.csv')
    return source
