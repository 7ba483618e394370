"""The golden check of the reward pipeline: catches a change of rewards that did not bump PIPELINE_VERSION.

``golden_summary()`` renders the all-varied setting with the table's classes (80 images of 32 px),
pre-trains a ResNet-18 on them for one epoch and scores it on LFWFaces (both kNN modes), and summarises the
first eval-transformed images of every embedded task, all on one CPU thread;
``rewards/golden.json`` holds the summary of the current version and ``tests/test_reward_fingerprint.py``
compares the two. After a deliberate change, bump ``rewards.version.PIPELINE_VERSION`` and rewrite the file:

    python -m rewards.golden --write
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

from common.cli import ArgumentParser, run_cli
from common.io import atomic_write_json
from datasets import build_dataset
from datasets.catalog import EMBEDDED_TASKS
from datasets.transforms import build_eval_transform
from engine.run_classifier import run as run_engine
from generator.generator_params import GenParams
from models.backbone import features_of
from rewards.config import BuildConfig, pretrain_config
from rewards.runner import SettingRunner, build_knn_backbone
from rewards.version import PIPELINE_VERSION

GOLDEN_PATH = Path(__file__).with_name('golden.json')
GOLDEN_SETTING = '1_1_1_1_1_3_0_1_1'   # every field on: every sampling path is used
# how far a recomputed summary may drift (float noise of another machine) before it counts as a change
TOLERANCES = {'image_means': 0.05, 'train_loss': 1e-2, 'features': 2e-2, 'knn': 3.4, 'task_images': 1e-4}


def golden_summary(work_dir: str | Path | None = None) -> dict[str, Any]:
    """Measured outputs of the whole reward pipeline at a tiny scale (about 15 s on one CPU thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # one thread: the same float order on every machine
    try:
        with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
            cfg = BuildConfig(work_dir=str(Path(tmp) / 'work'), output=str(Path(tmp) / 'unused.json'),
                              tasks=['LFWFaces'], num_imgs=80, epochs=1, warmup_epochs=0, batch_size=16,
                              engine_overrides=[], progress=False, threads=1)
            runner = SettingRunner(cfg)
            try:
                images_dir = runner.generator.gen_data(GenParams.from_tuple_str(GOLDEN_SETTING), cfg.num_imgs)
                files = sorted(images_dir.rglob('*.jpg'))
                means = [float(np.asarray(Image.open(f).convert('RGB'), dtype=np.float64).mean()) for f in files]
                save = Path(tmp) / 'pretrain'
                out = run_engine(pretrain_config(cfg, images_dir, save, None), debug=True)
                backbone, kcfg = build_knn_backbone(cfg, str(save / 'checkpoint.pth.tar'))
                probe = runner.bank.images[:16]
                with torch.no_grad():
                    feats = features_of(backbone.eval(), probe)
                rewards = runner.bank.knn_rewards(backbone, kcfg)
                kcfg.defrost()
                kcfg.KNN_FEATURES = 'original'
                rewards_original = runner.bank.knn_rewards(backbone, kcfg)
            finally:
                runner.close()
    finally:
        torch.set_num_threads(threads)
    return {'pipeline_version': PIPELINE_VERSION, 'setting': GOLDEN_SETTING, 'num_images': len(files),
            'image_means': [round(m, 4) for m in means], 'train_loss': round(float(out['train']['loss']), 6),
            'features': [round(float(v), 6) for v in (feats.mean(), feats.std(), feats.abs().max())],
            'knn': {k: round(v, 4) for k, v in rewards.items()},
            'knn_original': {k: round(v, 4) for k, v in rewards_original.items()},
            'task_images': task_image_stats(cfg.size)}


def task_image_stats(size: int, per_split: int = 64) -> dict[str, list[float]]:
    """Mean and standard deviation of the first eval-transformed images of every embedded task's splits
    (covers the loaders, their split order and the eval transform)."""
    tf = build_eval_transform(size)
    out = {}
    for task in EMBEDDED_TASKS:
        stats = []
        for split in ('train', 'test'):
            ds = build_dataset(task, split, tf)
            x = torch.stack([ds[i][0] for i in range(min(per_split, len(ds)))])
            stats += [round(float(x.mean()), 5), round(float(x.std()), 5)]
        out[task] = stats
    return out


def compare(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Differences beyond TOLERANCES between two golden summaries (empty: the same pipeline)."""
    diffs = []
    for key in ('pipeline_version', 'setting', 'num_images'):
        if got[key] != want[key]:
            diffs.append(f'{key}: {got[key]!r} != {want[key]!r}')
    if diffs:
        return diffs
    for key in ('image_means', 'features'):
        gap = float(np.max(np.abs(np.asarray(got[key]) - np.asarray(want[key]))))
        if gap > TOLERANCES[key]:
            diffs.append(f'{key}: max difference {gap:.4g} > {TOLERANCES[key]}')
    if abs(got['train_loss'] - want['train_loss']) > TOLERANCES['train_loss']:
        diffs.append(f'train_loss: {got["train_loss"]} != {want["train_loss"]}')
    for key in ('knn', 'knn_original'):
        for task, acc in want[key].items():
            if abs(got[key].get(task, -100.0) - acc) > TOLERANCES['knn']:
                diffs.append(f'{key} {task}: {got[key].get(task)} != {acc}')
    for task, stats in want['task_images'].items():
        gap = float(np.max(np.abs(np.asarray(got['task_images'].get(task, [np.inf] * 4)) - np.asarray(stats))))
        if gap > TOLERANCES['task_images']:
            diffs.append(f'task_images {task}: max difference {gap:.4g} > {TOLERANCES["task_images"]}')
    return diffs


def read_golden(path: Path = GOLDEN_PATH) -> dict[str, Any]:
    return json.loads(path.read_text())


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = ArgumentParser(description='Compute the golden summary of the reward pipeline; compare with '
                                   'rewards/golden.json, or --write it (after bumping rewards.version.PIPELINE_VERSION).')
    p.add_argument('--write', action='store_true')
    args = p.parse_args(argv)
    got = golden_summary()
    if args.write:
        atomic_write_json(GOLDEN_PATH, got, indent=1)
        print(f'wrote {GOLDEN_PATH} (pipeline version {PIPELINE_VERSION})')
        return got
    diffs = compare(got, read_golden())
    if diffs:
        print('\n'.join(diffs))
        print(f'the pipeline does not match {GOLDEN_PATH}: bump rewards.version.PIPELINE_VERSION if the change is '
              f'meant to alter rewards, then rerun with --write')
        sys.exit(1)
    print(f'the pipeline matches {GOLDEN_PATH} (version {PIPELINE_VERSION})')
    return got


if __name__ == '__main__':
    run_cli(main)
