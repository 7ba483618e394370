"""Render the paper's 256 synthetic datasets (or a slice of them).

Set i (0..255) has 8 bits, MSB first: pose_rot, pose_scale, lighting_intensity, lighting_color,
lighting_dir, blur, backgr, materials (materials = 2*bit + 1); pose_cam = 0.
``--start_idx/--end_idx`` pick a range of set indices; ``--num_nodes/--idx`` split that range into
contiguous chunks of ceil(n / num_nodes) sets and run chunk ``idx`` (the original's rule; its default
of 5 nodes made a plain run render only sets 0-51, here the default is 1 node: all of them);
``--workers`` and ``--submitit`` then shard the chosen sets' images.

    python generator/generate_256_sets.py --root_dir out/sets --num_imgs 40000
    python generator/generate_256_sets.py --root_dir out/sets --num_nodes 8 --idx $SLURM_ARRAY_TASK_ID
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run by path from the repository root

import argparse

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from generator.generator_params import GenParams, grid_params
from generator.launch import add_generation_args, generate_and_print


def node_chunk(start: int, end: int, num_nodes: int, idx: int) -> range:
    """Chunk ``idx`` of ``range(start, end)`` cut into pieces of ceil(n / num_nodes), as the original.

    The original's rule: node ``idx`` takes ``[idx * c, min(n, (idx + 1) * c))`` with
    ``c = ceil(n / num_nodes)``, so 256 sets over 5 nodes are [0, 52) ... [208, 256) and trailing
    nodes can get less, or nothing (e.g. 5 sets over 4 nodes: 2, 2, 1, 0).
    """
    n = end - start
    size = -(-n // num_nodes)
    lo = start + min(n, idx * size)
    hi = start + min(n, (idx + 1) * size)
    return range(lo, hi)


def selected_params(start_idx: int, end_idx: int, num_nodes: int, idx: int) -> list[GenParams]:
    if not 0 <= start_idx <= end_idx <= 256:
        raise UserError(f'--start_idx={start_idx} --end_idx={end_idx} are invalid; '
                        f'need 0 <= start_idx <= end_idx <= 256')
    if num_nodes < 1 or not 0 <= idx < num_nodes:
        raise UserError(f'--idx={idx} is invalid for --num_nodes={num_nodes}; allowed: 0..{num_nodes - 1}')
    return [grid_params(i) for i in node_chunk(start_idx, end_idx, num_nodes, idx)]


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--start_idx', type=int, default=0)
    p.add_argument('--end_idx', type=int, default=256)
    p.add_argument('--num_nodes', type=int, default=1)
    p.add_argument('--idx', type=int, default=0)
    add_generation_args(p)
    return p


def main(argv: list[str] | None = None) -> list[str]:
    args = build_parser().parse_args(argv)
    params = selected_params(args.start_idx, args.end_idx, args.num_nodes, args.idx)
    print(f'{len(params)} set(s): {params[0].get_tuple_str() if params else "-"} .. '
          f'{params[-1].get_tuple_str() if params else "-"}')
    return generate_and_print(args, params)


if __name__ == '__main__':
    run_cli(main)
