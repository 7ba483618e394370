"""Small file helpers for loaders: required paths (clear errors) and one-pass folder listings."""
from __future__ import annotations

import csv
import os
from pathlib import Path

from common.errors import UserError


class MissingData(UserError):
    """A file or folder a dataset needs is not on disk; the registry adds the dataset name and source."""


def require_dir(path: Path, what: str = 'folder') -> Path:
    if not path.is_dir():
        raise MissingData(f'{what} not found: {path}')
    return path


def require_file(path: Path, what: str = 'file') -> Path:
    if not path.is_file():
        raise MissingData(f'{what} not found: {path}')
    return path


def file_names(folder: Path) -> set[str]:
    """Names of the regular files directly in ``folder`` (one directory listing, no per-file stat)."""
    with os.scandir(folder) as it:
        return {e.name for e in it if not e.name.startswith('.')}


def skipped_note(skipped: int, table: str) -> tuple[str, ...]:
    """A note for rows whose image file is missing (the original skips them too)."""
    return (f'{skipped} rows of {table} have no image file on disk (left out)',) if skipped else ()


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (blank lines dropped)."""
    with open(path, newline='', encoding='utf-8-sig') as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows:
        raise UserError(f'empty CSV file: {path}')
    return rows[0], rows[1:]


def column(header: list[str], name: str, path: Path) -> int:
    """Index of column ``name`` in a CSV header, or UserError listing the columns present."""
    stripped = [h.strip() for h in header]
    if name not in stripped:
        raise UserError(f'{path}: no column {name!r} (columns: {", ".join(stripped)})')
    return stripped.index(name)
