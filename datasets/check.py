"""Check downloaded datasets against the spec: image counts per split and classes, then decode a sample.

    python -m datasets.check EuroSAT DTD            # or --all; --data-root DIR overrides $TASK2SIM_DATA_ROOT

Exit status: 0 all match, 1 a count differs from the spec, 2 a dataset is missing or unreadable.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from datasets.catalog import CATALOG
from datasets.registry import build_dataset, load_config

APPROX_TOLERANCE = 0.10  # spec counts marked approximate may differ by this fraction


@dataclass
class CheckResult:
    name: str
    line: str
    mismatch: bool


def _compare(found: int, expected: int | None, approx: bool) -> tuple[str, bool]:
    """'found (expected X)' text and whether it is a mismatch."""
    if expected is None:
        return f'{found}', False
    if approx:
        bad = abs(found - expected) > APPROX_TOLERANCE * expected
        return f'{found} (expected ~{expected})', bad
    return f'{found} (expected {expected})', found != expected


def check_dataset(name: str, data_root: str | None = None, config_path: str | None = None,
                  decode: int = 4) -> CheckResult:
    """Load both splits of ``name``; raises UserError when missing or unreadable."""
    train = build_dataset(name, 'train', data_root=data_root, config_path=config_path)
    test = build_dataset(name, 'test', data_root=data_root, config_path=config_path)
    info = CATALOG.get(name)
    approx = info.approx if info else False
    parts, mismatch = [], False
    for split, ds, exp in (('train', train, info and info.train), ('test', test, info and info.test)):
        text, bad = _compare(len(ds), exp, approx)
        parts.append(f'{split} {text}{" MISMATCH" if bad else ""}')
        mismatch |= bad
    present = len(np.unique(np.concatenate([train.targets, test.targets])))
    text, bad = _compare(present, info and info.classes, False)
    parts.append(f'classes {text}{" MISMATCH" if bad else ""}, num_class {train.num_classes}')
    mismatch |= bad
    if len(np.intersect1d(train.indices, test.indices)) and info and info.seeded:
        parts.append('train/test OVERLAP')
        mismatch = True
    rng = np.random.default_rng(0)
    for ds in (train, test):
        for i in rng.choice(len(ds), size=min(decode, len(ds)), replace=False):
            ds[int(i)]  # raises UserError naming the file if it cannot be decoded
    if decode:
        parts.append(f'decoded {min(decode, len(train)) + min(decode, len(test))} samples')
    notes = dict.fromkeys(n for ds in (train, test) for n in ds.source.notes)
    line = f'{name}: ' + '; '.join(parts) + ('' if mismatch else '  OK')
    return CheckResult(name, ''.join([line] + [f'\n  note ({name}): {n}' for n in notes]), mismatch)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(description='Check downstream datasets against the expected counts.')
    parser.add_argument('names', nargs='*', help='dataset names from configs/datasets.yaml')
    parser.add_argument('--all', action='store_true', help='check every dataset in the yaml')
    parser.add_argument('--data-root', default=None,
                        help='replaces /path/to/downstream/data (else $TASK2SIM_DATA_ROOT)')
    parser.add_argument('--config', default=None, help='dataset yaml (default configs/datasets.yaml)')
    parser.add_argument('--decode', type=int, default=4, help='images decoded per split as a read test')
    args = parser.parse_args(argv)
    if args.decode < 0:
        raise UserError(f'--decode={args.decode} is invalid; allowed: 0 (no read test) or more images per split')
    names = list(load_config(args.config)) if args.all else args.names
    if not names:
        raise UserError('name at least one dataset (or --all); see configs/datasets.yaml')
    status = 0
    for name in names:
        try:
            result = check_dataset(name, args.data_root, args.config, args.decode)
        except UserError as e:
            print(f'error: {e}', file=sys.stderr)
            status = 2
            continue
        print(result.line, flush=True)
        if result.mismatch:
            status = max(status, 1)
    return status


if __name__ == '__main__':
    run_cli(lambda: sys.exit(main()))
