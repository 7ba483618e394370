"""One setting's reward: render its set, pre-train a backbone on it, score the backbone on every task."""
from __future__ import annotations

import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from common.errors import UserError
from engine.checkpoint import load_checkpoint_file
from engine.config import ClassifierConfig
from engine.run_classifier import build_model, run as run_engine, seed_everything
from generator.generator import Generator
from generator.generator_params import GenParams, grid_index, is_grid_setting
from rewards.config import BuildConfig, knn_config, pretrain_config
from rewards.version import PIPELINE_VERSION
from rewards.task_bank import TaskBank


def build_knn_backbone(cfg: BuildConfig, backbone_path: str, seed: int | None = None) -> tuple[nn.Module, ClassifierConfig]:
    """The engine's kNN model (pooled-feature backbone; weights from ``backbone_path`` or a random init with
    ``seed``, default the first of ``cfg.run_seeds()``)."""
    seed = cfg.run_seeds()[0] if seed is None else seed
    kcfg = knn_config(cfg, backbone_path, seed)
    seed_everything(seed)
    return build_model(kcfg, 0), kcfg


def mean_rewards(per_seed: list[dict[str, float]]) -> dict[str, float]:
    """Task-wise mean of several runs' rewards."""
    return {task: sum(r[task] for r in per_seed) / len(per_seed) for task in per_seed[0]}


def _without_resume(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != 'RESUME'}


def checkpoint_epochs(path: Path, want: ClassifierConfig) -> int:
    """Epochs finished by a pre-training checkpoint of the config ``want`` (0 when absent, unreadable, or left by
    a run with other pre-training settings: such a file is deleted, a later run must not trust it)."""
    if not path.is_file():
        return 0
    try:
        ckpt = load_checkpoint_file(path)
    except UserError:
        path.unlink(missing_ok=True)
        return 0
    saved = ckpt.get('config') if isinstance(ckpt, dict) else None
    mine = json.loads(json.dumps(want))
    if not isinstance(saved, dict) or _without_resume(saved) != _without_resume(mine):
        path.unlink(missing_ok=True)
        return 0
    return int(ckpt.get('epoch', -1)) + 1


class SettingRunner:
    """Renders, pre-trains and scores settings in one process (renderer and task images are kept)."""

    def __init__(self, cfg: BuildConfig, render_progress: bool = False):
        self.cfg = cfg
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
            os.environ.setdefault('LP_NUM_THREADS', str(cfg.threads))   # Mesa llvmpipe render threads
        self.work = Path(cfg.work_dir)
        self.generator = Generator(self.work / 'sets', backend=cfg.backend, library=cfg.library_view(),
                                   screen_size=cfg.size, output_size=cfg.size, seed=cfg.gen_seed,
                                   progress=render_progress)
        self._bank: TaskBank | None = None
        self._progress = render_progress

    @property
    def bank(self) -> TaskBank:
        if self._bank is None:
            self._bank = TaskBank(self.cfg.tasks, self.cfg.size, progress=self._progress)
        return self._bank

    def close(self) -> None:
        self.generator.close()

    def random_init_rewards(self) -> dict[str, float]:
        """Rewards of randomly initialised backbones (the mean over the reward's seeds, as a setting's reward)."""
        return mean_rewards([self.bank.knn_rewards(*build_knn_backbone(self.cfg, '', seed))
                             for seed in self.cfg.run_seeds()])

    def pretrain_dir(self, seed: int, tuple_str: str) -> Path:
        """The checkpoint folder of one pre-training run (named by its seed: runs of one work_dir share seeds)."""
        return self.work / 'pretrain' / f'seed{seed}' / tuple_str

    def run(self, tuple_str: str) -> tuple[dict[str, float], dict[str, Any]]:
        """Rewards of one setting on every task, and a record of what it cost."""
        cfg, params = self.cfg, GenParams.from_tuple_str(tuple_str)
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        images_dir = self.generator.gen_data(params, cfg.num_imgs)
        seconds['render'] = time.perf_counter() - t0
        seconds['pretrain'] = seconds['knn'] = 0.0
        per_seed: list[dict[str, float]] = []
        for seed in cfg.run_seeds():   # a finished run's checkpoint is kept until the setting is recorded
            save_dir = self.pretrain_dir(seed, tuple_str)
            ckpt = save_dir / 'checkpoint.pth.tar'
            t0 = time.perf_counter()
            done = checkpoint_epochs(ckpt, pretrain_config(cfg, images_dir, save_dir, None, seed))
            if done < cfg.epochs:
                run_engine(pretrain_config(cfg, images_dir, save_dir, ckpt if done else None, seed), debug=True)
            seconds['pretrain'] += time.perf_counter() - t0
            t0 = time.perf_counter()
            per_seed.append(self.bank.knn_rewards(*build_knn_backbone(cfg, str(ckpt), seed)))
            seconds['knn'] += time.perf_counter() - t0
        rewards = mean_rewards(per_seed)
        num_images = sum(1 for _ in images_dir.rglob('*.jpg'))
        record = {'seconds': {k: round(v, 2) for k, v in seconds.items()}, 'num_images': num_images,
                  'finished': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'host': platform.node(),
                  'pipeline_version': PIPELINE_VERSION,
                  'grid_index': grid_index(params) if is_grid_setting(params) else None}
        if len(per_seed) > 1:   # the runs behind the mean, for the seed spread of every setting
            record['seed_rewards'] = {str(s): r for s, r in zip(cfg.run_seeds(), per_seed)}
        return rewards, record

    def clean(self, tuple_str: str) -> None:
        """Delete what ``--clean`` says once the setting's rewards are recorded (never before)."""
        if self.cfg.clean in ('checkpoints', 'all'):
            for seed in self.cfg.run_seeds():
                shutil.rmtree(self.pretrain_dir(seed, tuple_str), ignore_errors=True)
        if self.cfg.clean in ('sets', 'all'):
            shutil.rmtree(self.generator.dataset_path(GenParams.from_tuple_str(tuple_str)), ignore_errors=True)
