"""The build configuration of a reward table: what decides a reward (its scale) and the engine configs it makes."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common.errors import UserError
from common.validate import check_choice, check_root_dir
from datasets import list_datasets
from datasets.catalog import EMBEDDED_TASKS
from engine.config import ClassifierConfig, build_config
from engine.knn import KNN_FEATURE_MODES
from generator.backends import backend_class
from generator.generator import Generator, check_num_imgs
from rewards.classes import CLASS_PICKS, ClassSubset, make_library

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / 'configs'
DEFAULT_TASKS = EMBEDDED_TASKS
CLEAN_CHOICES = ('none', 'checkpoints', 'sets', 'all')
# BuildConfig fields that do not change a reward (may differ between runs that fill the same table).
RUN_ONLY_FIELDS = ('work_dir', 'output', 'threads', 'clean', 'progress', 'tasks')
# The committed table's pre-training: the original's pt_default.yaml without mixup/cutmix, AutoAugment, drop-path
# and label smoothing. At 10 epochs this lifts the settings' spread from 1.03x to 1.42x the seed spread
# (bench/reward_signal.py, docs/mini_task2sim.md); with all of them on, 1000 images do not separate the settings.
LIGHT_AUG_OVERRIDES = ('MIXUP', '0.0', 'CUTMIX', '0.0', 'AUTO_AUGMENT', "''", 'DROP_PATH_RATE', '0.0', 'SMOOTHING', '0.0')


@dataclass
class BuildConfig:
    """Everything that determines the rewards (the sidecar records it; a resumed run must match it)."""

    work_dir: str = 'expts/reward_db'
    output: str = 'controller_db/reward_db.json'
    tasks: list[str] = field(default_factory=lambda: list(DEFAULT_TASKS))
    # synthetic sets
    num_classes: int = 10
    class_pick: str = 'spread'          # spread: K classes evenly spaced over the library; first: the first K
    num_imgs: int = 1000
    size: int = 32
    gen_seed: int = 0
    backend: str = 'gl'
    library: str = 'procedural'
    # pre-training (engine, configs/pt_default.yaml + these overrides)
    model: str = 'resnet18'
    epochs: int = 10
    warmup_epochs: int = 1
    batch_size: int = 64
    lr: float = 1e-3
    train_seed: int = 0
    seeds_per_reward: int = 1           # a reward = the mean 5-NN accuracy of this many pre-training runs
    engine_overrides: list[str] = field(default_factory=lambda: list(LIGHT_AUG_OVERRIDES))   # KEY VALUE pairs
    # evaluation (configs/knn_defaults.yaml: 5-NN, batch 128, T = 0.07)
    knn_k: int = 5
    knn_features: str = 'eval'          # engine KNN_FEATURES: eval | original (train mode, as the original)
    # execution
    threads: int = 1
    clean: str = 'checkpoints'
    progress: bool = True

    def scale(self) -> dict[str, Any]:
        """The fields that change a reward: two runs may fill one table only when these match."""
        return {k: v for k, v in asdict(self).items() if k not in RUN_ONLY_FIELDS}

    def run_seeds(self) -> list[int]:
        """The pre-training seeds behind one reward: train_seed picks a disjoint group of seeds_per_reward seeds
        (train_seed * m .. train_seed * m + m - 1), so the tables of train seeds 0, 1, 2 are independent repeats."""
        m = self.seeds_per_reward
        return list(range(self.train_seed * m, self.train_seed * m + m))

    def library_view(self) -> ClassSubset:
        """The object library restricted to the table's classes."""
        return make_library(self.library, self.num_classes, self.class_pick)


def pretrain_config(cfg: BuildConfig, images_dir: Path, save_dir: Path, resume: Path | None,
                    seed: int | None = None) -> ClassifierConfig:
    """The engine config of a setting's pre-training with ``seed`` (default: the first of ``cfg.run_seeds()``;
    the original's pt_default.yaml, scaled down)."""
    over: dict[str, Any] = {
        'MODEL': cfg.model, 'DATA_DIR': str(images_dir), 'SAVE_DIR': str(save_dir), 'INPUT_SIZE': cfg.size,
        'MAX_EPOCHS': cfg.epochs, 'WARMUP_EPOCHS': cfg.warmup_epochs, 'BATCH_SIZE': cfg.batch_size, 'LR': cfg.lr,
        'SEED': cfg.run_seeds()[0] if seed is None else seed, 'NUM_WORKERS': 0, 'LOG_LEVEL': 1, 'CKPT_SAVE_INTERVAL': cfg.epochs + 1,
        'LR_STEP_ON_UPDATES': True,   # the committed table's small CPU runs: LR per update (README)
    }
    if resume is not None:
        over['RESUME'] = str(resume)
    return build_config([CONFIG_DIR / 'pt_default.yaml'], over, cfg.engine_overrides)


def knn_config(cfg: BuildConfig, backbone_path: str, seed: int | None = None) -> ClassifierConfig:
    """The engine config of the kNN reward of the run with ``seed`` (the original's knn_defaults.yaml at the
    table's size)."""
    return build_config([CONFIG_DIR / 'knn_defaults.yaml'], {
        'MODEL': cfg.model, 'INPUT_SIZE': cfg.size, 'NUM_NEIGHBORS': [cfg.knn_k],
        'SEED': cfg.run_seeds()[0] if seed is None else seed,
        'KNN_FEATURES': cfg.knn_features, 'BACKBONE_PATH': backbone_path})


def engine_configs(cfg: BuildConfig) -> dict[str, Any]:
    """The full engine configs used (pre-training and kNN), as the sidecar records them."""
    pcfg = pretrain_config(cfg, Path('<work_dir>/sets/dataset_<tuple_str>/images'),
                           Path('<work_dir>/pretrain/<tuple_str>'), None)
    return {'pretrain': json.loads(json.dumps(pcfg)), 'knn': json.loads(json.dumps(knn_config(cfg, '<checkpoint>')))}


def validate(cfg: BuildConfig) -> None:
    known = list_datasets()
    bad = [t for t in cfg.tasks if t not in known]
    if bad or not cfg.tasks:
        raise UserError(f'unknown task(s) {bad or "(none given)"}; allowed: {", ".join(known)}')
    check_choice('--clean', cfg.clean, CLEAN_CHOICES)
    check_choice('--knn_features', cfg.knn_features, KNN_FEATURE_MODES)
    check_choice('--class_pick', cfg.class_pick, CLASS_PICKS)
    check_num_imgs(cfg.num_imgs, '--num_imgs')
    for name in ('size', 'epochs', 'batch_size', 'knn_k', 'num_classes', 'seeds_per_reward'):
        if getattr(cfg, name) < 1:
            raise UserError(f'--{name} {getattr(cfg, name)} is invalid; it must be >= 1')
    if not 0 <= cfg.warmup_epochs <= cfg.epochs:
        raise UserError(f'--warmup_epochs {cfg.warmup_epochs} is invalid; allowed: 0..--epochs ({cfg.epochs})')
    if not (cfg.lr > 0 and math.isfinite(cfg.lr)):
        raise UserError(f'--lr {cfg.lr} is invalid; it must be > 0')
    out = Path(cfg.output)
    if out.is_dir():
        raise UserError(f'--output {cfg.output!r} is a folder; give a .json file path')
    check_root_dir(out.parent, 'the --output folder')
    check_root_dir(Path(cfg.work_dir), '--work_dir')
    backend_class(cfg.backend)
    Generator(Path(cfg.work_dir) / 'sets', backend=cfg.backend, library=cfg.library_view(), screen_size=cfg.size,
              output_size=cfg.size, seed=cfg.gen_seed).plan(cfg.num_imgs)
    engine_configs(cfg)   # the engine refuses a bad MODEL or override here, before anything is written
