"""Render one synthetic dataset given its tuple string, e.g. ``--tuple_str 1_0_1_1_1_1_0_1_0``.

    python generator/gen_from_tuple_str.py --root_dir out/sets --tuple_str 1_0_1_1_1_1_0_1_0 --num_imgs 40000
    python -m generator.gen_from_tuple_str ... --workers 4            # 4 local processes
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run by path from the repository root

import argparse

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from generator.generator_params import GenParams
from generator.launch import add_generation_args, generate_and_print


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tuple_str', required=True, nargs='+',
                   help='GenParams values in the order ' + ' '.join(GenParams.get_keys()))
    add_generation_args(p)
    return p


def main(argv: list[str] | None = None) -> list[str]:
    args = build_parser().parse_args(argv)
    try:
        params = [GenParams.from_tuple_str(t) for t in args.tuple_str]
    except ValueError as e:
        raise UserError(str(e)) from e
    return generate_and_print(args, params)


if __name__ == '__main__':
    run_cli(main)
