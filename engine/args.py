"""The engine CLI (the original's flags) and turning it into a ClassifierConfig."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from common.cli import ArgumentParser
from common.errors import UserError
from common.io import load_yaml_mapping
from common.config import merge_overrides, merge_yaml, set_value
from engine.config import ClassifierConfig, validate

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
BEST_HPS = {'linear': CONFIG_DIR / 'lineval_best_hps.yaml', 'finetune': CONFIG_DIR / 'finetune_best_hps.yaml'}


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(description='Pre-train or evaluate a classifier (Task2Sim engine).')
    p.add_argument('--debug', action='store_true', help='no wandb')
    p.add_argument('--quick', action='store_true', help='cut each dataset to 32 batches')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0)
    p.add_argument('--dist_url', default='env://')
    p.add_argument('--world_size', type=int, default=1)
    p.add_argument('--cfg-yml', '--cfg_yml', dest='cfg_yml', action='append', default=[],
                   help='YAML config(s) merged in order over the defaults')
    p.add_argument('--cfg-override', '--cfg_override', dest='cfg_override', nargs='+', default=[],
                   metavar='KEY VALUE', help='KEY VALUE pairs merged last')
    p.add_argument('--best-hps', action='store_true',
                   help="apply the original's best LR/BATCH_SIZE/WD for DATASET (linear/finetune)")
    return p


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, ClassifierConfig]:
    """Parse the CLI; unknown ``--KEY=VALUE`` args become config overrides (for sweep tools)."""
    args, unknown = build_parser().parse_known_args(argv)
    extra: list[str] = []
    for item in unknown:
        if not (item.startswith('--') and '=' in item):
            raise UserError(f'unrecognised argument {item!r}; config overrides are --KEY=VALUE '
                            f'or --cfg-override KEY VALUE')
        key, value = item[2:].split('=', 1)
        extra += [key, value]
    cfg = ClassifierConfig()
    for path in args.cfg_yml:
        merge_yaml(cfg, path)
    merge_overrides(cfg, list(args.cfg_override) + extra)
    if args.best_hps:
        apply_best_hps(cfg)
    return args, validate(cfg)


def apply_best_hps(cfg: ClassifierConfig) -> ClassifierConfig:
    """Merge the per-task best hyper-parameters of the original (linear / finetune)."""
    path = BEST_HPS.get(cfg.DOWNSTREAM_EVAL)
    if path is None:
        raise UserError(f'--best-hps needs DOWNSTREAM_EVAL linear or finetune, got {cfg.DOWNSTREAM_EVAL!r}')
    table = load_yaml_mapping(path, 'best hyper-parameter table')
    if cfg.DATASET not in table:
        raise UserError(f'no best hyper-parameters for DATASET={cfg.DATASET!r}; known: {", ".join(sorted(table))}')
    for k, v in table[cfg.DATASET].items():
        set_value(cfg, k, v)
    return cfg
