"""Build the project's own reward DB: render each setting, pre-train a backbone on it, 5-NN on each task.

    python controller_db/build_reward_db.py                                   # all 256 settings, 8 embedded tasks
    python controller_db/build_reward_db.py --settings 0-15 --workers 2       # grid indices 0..15, two processes
    python controller_db/build_reward_db.py --settings 1_1_1_1_1_3_0_1_1 --train_seed 1 \
        --output controller_db/seed_repeats/reward_db_seed1.json             # one setting, another training seed
    python controller_db/build_reward_db.py --submitit --workers 32 --cluster slurm --partition gpu

Per setting: ``generator.Generator`` renders the set (embedded renderer by default), the engine
(``engine.run_classifier.run`` with ``configs/pt_default.yaml`` and the size overrides) pre-trains the
backbone, and the engine's kNN (``engine.knn``) scores it on every task. The output JSON
``{task: {tuple_str: 5-NN accuracy in percent}}`` and its sidecar ``<output stem>.meta.json`` (sizes,
seeds, versions, per-setting timings, random-init accuracies) are rewritten atomically, under a file
lock, after every setting. A killed run loses at most the setting in progress: rerun the same command
and it skips finished settings and reuses the rendered images and the last checkpoint.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))   # run by path from the repository root

import argparse
import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import platform
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.procs import die_with_parent
from common.io import atomic_write_json, sidecar_path
from common.validate import check_root_dir
from engine.knn import KNN_FEATURE_MODES
from generator.backends import backend_class
from generator.generator_params import GRID_FIELDS, GenParams, grid_params

log = logging.getLogger('reward_db')

REPO = Path(__file__).resolve().parents[1]
# The embedded real tasks (datasets issue): class subsets of Digits and MNIST count as their own tasks.
DEFAULT_TASKS = ('Digits', 'Digits0to4', 'Digits5to9', 'MNIST', 'MNIST0to4', 'MNIST5to9', 'LFWFaces', 'Textures')
CLEAN_CHOICES = ('none', 'checkpoints', 'sets', 'all')
ORDERS = ('balanced', 'grid')
CLASS_PICKS = ('spread', 'first')
# The configs whose contents decide a reward (part of the code fingerprint).
FINGERPRINT_CONFIGS = ('pt_default.yaml', 'knn_defaults.yaml', 'datasets.yaml')
# BuildConfig fields that do not change a reward (may differ between runs that fill the same table).
RUN_ONLY_FIELDS = ('work_dir', 'output', 'threads', 'clean', 'progress', 'tasks')


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
    epochs: int = 5
    warmup_epochs: int = 1
    batch_size: int = 64
    lr: float = 1e-3
    train_seed: int = 0
    engine_overrides: list[str] = field(default_factory=list)
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


# -- settings ------------------------------------------------------------------------------------------

def grid_index(params: GenParams) -> int:
    """Inverse of ``grid_params``: the paper's index (0..255) of a grid setting."""
    bits = [(int(params['materials']) - 1) // 2 if f == 'materials' else int(params[f]) for f in GRID_FIELDS]
    if params['pose_cam'] != 0 or params['materials'] not in (1, 3):
        raise UserError(f'setting {params.get_tuple_str()} is not one of the 256 grid settings '
                        f'(pose_cam must be 0 and materials 1 or 3)')
    return sum(b << (7 - i) for i, b in enumerate(bits))


def balanced_order() -> list[int]:
    """Grid indices in an order whose every prefix of 16, 32, 64, 128 settings is a regular fractional
    factorial of resolution IV (2^(8-4), 2^(8-3), ...): each field is on in half of the prefix and main
    effects are balanced against each other, so a partly built table is already an unbiased sample."""
    out = []
    for c in range(256):
        a = [(c >> j) & 1 for j in range(8)]          # a counter, low bits first
        f = a[:4] + [a[1] ^ a[2] ^ a[3] ^ a[4], a[0] ^ a[2] ^ a[3] ^ a[5],
                     a[0] ^ a[1] ^ a[2] ^ a[6], a[0] ^ a[1] ^ a[3] ^ a[7]]
        out.append(sum(b << (7 - i) for i, b in enumerate(f)))
    return out


def parse_settings(items: Sequence[str], order: str = 'balanced') -> list[str]:
    """``all``, grid indices (``5``), inclusive ranges (``0-15``) or tuple strings -> tuple strings, no repeats."""
    if order not in ORDERS:
        raise UserError(f'--order {order!r} is invalid; allowed: {", ".join(ORDERS)}')
    indices: list[int] = []
    extra: list[str] = []
    for item in items or ['all']:
        item = str(item).strip()
        if item == 'all':
            indices += range(256)
        elif item.isdigit() or (item.count('-') == 1 and all(p.isdigit() for p in item.split('-'))):
            lo, _, hi = item.partition('-')
            lo_i, hi_i = int(lo), int(hi or lo)
            if not 0 <= lo_i <= hi_i <= 255:
                raise UserError(f'setting range {item!r} is invalid; allowed: grid indices 0..255 (e.g. 0-15)')
            indices += range(lo_i, hi_i + 1)
        else:
            try:
                extra.append(GenParams.from_tuple_str(item).get_tuple_str())
            except ValueError as e:
                raise UserError(f'setting {item!r} is invalid: use "all", a grid index 0..255, a range '
                                f'like 0-15, or a tuple string; {e}') from None
    wanted = set(indices)
    ranked = balanced_order() if order == 'balanced' else list(range(256))
    out = [grid_params(i).get_tuple_str() for i in ranked if i in wanted]
    for ts in extra:
        if ts not in out:
            out.append(ts)
    return out


# -- the object classes of the synthetic sets ----------------------------------------------------------

class ClassSubset:
    """A view of an object library restricted to some of its classes (everything else is delegated)."""

    def __init__(self, library: Any, classes: Sequence[str], label: str):
        self._library, self._classes = library, list(classes)
        self.name = f'{library.name}[{label}]'

    def classes(self) -> list[str]:
        return list(self._classes)

    def __getattr__(self, item: str) -> Any:
        return getattr(self._library, item)


def make_library(cfg: BuildConfig) -> ClassSubset:
    """The library view of ``cfg``: ``spread`` picks K classes evenly over every class the library can hold
    (for ``procedural``: all of its shape programs, not only its default first 100)."""
    from generator.library import create_library
    if cfg.library == 'procedural':
        from generator.library.procedural_classes import SHAPES
        lib = create_library(cfg.library, classes=len(SHAPES))
    else:
        lib = create_library(cfg.library)
    classes = list(lib.classes())
    k = cfg.num_classes
    if not 1 <= k <= len(classes):
        raise UserError(f'--num_classes {k} is invalid; library {cfg.library!r} has {len(classes)} classes')
    if cfg.class_pick == 'spread':
        picked = [classes[(i * len(classes)) // k] for i in range(k)]
    elif cfg.class_pick == 'first':
        picked = classes[:k]
    else:
        raise UserError(f'--class_pick {cfg.class_pick!r} is invalid; allowed: {", ".join(CLASS_PICKS)}')
    return ClassSubset(lib, picked, f'{cfg.class_pick}{k}')


# -- downstream tasks: eval tensors cached once per process ---------------------------------------------

class TaskBank:
    """Eval-transformed images of every task's train and test split; identical images are embedded once."""

    def __init__(self, tasks: Sequence[str], input_size: int, progress: bool = False):
        import torch

        from datasets import build_dataset
        from datasets.transforms import build_eval_transform
        tf = build_eval_transform(input_size)
        rows: dict[bytes, int] = {}
        images: list[torch.Tensor] = []
        self.splits: dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]] = {}
        self.num_classes: dict[str, int] = {}
        self.sizes: dict[str, dict[str, int]] = {}
        from tqdm import tqdm
        for task in tqdm(tasks, desc='loading tasks', disable=not progress, leave=False):
            self.splits[task] = {}
            for split in ('train', 'test'):
                ds = build_dataset(task, split, tf)
                idx, labels = [], []
                for i in range(len(ds)):
                    x, y = ds[i]
                    key = hashlib.blake2b(x.numpy().tobytes(), digest_size=16).digest()
                    if key not in rows:
                        rows[key] = len(images)
                        images.append(x)
                    idx.append(rows[key])
                    labels.append(int(y))
                self.splits[task][split] = (torch.tensor(idx), torch.tensor(labels))
                self.sizes.setdefault(task, {})[split] = len(ds)
                self.num_classes[task] = int(ds.num_classes)
        self.images = torch.stack(images)

    def knn_rewards(self, backbone, k: int, batch_size: int = 128, temperature: float = 0.07,
                    device: Any = 'cpu', mode: str = 'eval', seed: int = 0) -> dict[str, float]:
        """k-NN top-1 accuracy (percent) of ``backbone`` on every task, with the engine's kNN.

        ``eval`` embeds every distinct image once; ``original`` (train-mode features, engine.knn) runs each
        task's training bank and test split as the original's separate per-task jobs do.
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        from engine.knn import extract_features, knn_classify, knn_features, knn_loader
        from models.backbone import features_of
        device = torch.device(device)
        out = {}
        if mode == 'eval':
            n = len(self.images)
            data = TensorDataset(self.images, torch.zeros(n, dtype=torch.long), torch.arange(n))
            loader = DataLoader(data, batch_size=batch_size, shuffle=False, num_workers=0)
            feats, _, _ = extract_features(backbone, loader, device, n, features_fn=features_of, log_enabled=False)
        for task, sp in self.splits.items():
            (tr_i, tr_y), (te_i, te_y) = sp['train'], sp['test']
            if mode == 'eval':
                banks = feats[tr_i], tr_y, feats[te_i], te_y
            else:
                sets = [TensorDataset(self.images[i], y, torch.arange(len(y))) for i, y in ((tr_i, tr_y), (te_i, te_y))]
                loaders = [knn_loader(ds, batch_size, mode, bank=j == 0, seed=seed) for j, ds in enumerate(sets)]
                banks = knn_features(backbone, *loaders, mode, device, seed, len(tr_y), len(te_y), features_of,
                                     log_enabled=False)[:4]
            acc = knn_classify(*banks, [k], self.num_classes[task], temperature)
            out[task] = float(acc[k])
        return out


# -- one setting ---------------------------------------------------------------------------------------

def pretrain_args(cfg: BuildConfig, images_dir: Path, save_dir: Path, resume: Path | None) -> list[str]:
    """Engine CLI arguments of the pre-training job (the original's pt_default.yaml, scaled down)."""
    over = ['MODEL', cfg.model, 'DATA_DIR', str(images_dir), 'SAVE_DIR', str(save_dir),
            'INPUT_SIZE', str(cfg.size), 'MAX_EPOCHS', str(cfg.epochs), 'WARMUP_EPOCHS', str(cfg.warmup_epochs),
            'BATCH_SIZE', str(cfg.batch_size), 'LR', str(cfg.lr), 'SEED', str(cfg.train_seed),
            'NUM_WORKERS', '0', 'LOG_LEVEL', '1', 'CKPT_SAVE_INTERVAL', str(cfg.epochs + 1),
            'LR_STEP_ON_UPDATES', 'True']   # the committed table's small CPU runs: LR per update (README)
    if resume is not None:
        over += ['RESUME', str(resume)]
    return ['--debug', '--cfg-yml', str(REPO / 'configs' / 'pt_default.yaml'),
            '--cfg-override', *over, *cfg.engine_overrides]


def knn_args(cfg: BuildConfig, backbone_path: str) -> list[str]:
    return ['--debug', '--cfg-yml', str(REPO / 'configs' / 'knn_defaults.yaml'), '--cfg-override',
            'MODEL', cfg.model, 'INPUT_SIZE', str(cfg.size), 'NUM_NEIGHBORS', f'[{cfg.knn_k}]',
            'SEED', str(cfg.train_seed), 'KNN_FEATURES', cfg.knn_features, 'BACKBONE_PATH', backbone_path]


def build_knn_backbone(cfg: BuildConfig, backbone_path: str):
    """The engine's kNN model (pooled-feature backbone; weights from ``backbone_path`` or a seeded random init)."""
    from engine.args import parse_args
    from engine.run_classifier import build_model, seed_everything
    _, kcfg = parse_args(knn_args(cfg, backbone_path))
    seed_everything(cfg.train_seed)
    return build_model(kcfg, 0), kcfg


def checkpoint_epochs(path: Path) -> int:
    """Epochs finished by a pre-training checkpoint (0 when absent or unreadable)."""
    if not path.is_file():
        return 0
    from engine.checkpoint import load_checkpoint_file
    try:
        return int(load_checkpoint_file(path).get('epoch', -1)) + 1
    except UserError:
        path.unlink(missing_ok=True)   # a file a later run must not trust
        return 0


class SettingRunner:
    """Renders, pre-trains and scores settings in one process (renderer and task images are kept)."""

    def __init__(self, cfg: BuildConfig, render_progress: bool = False):
        import torch
        self.cfg = cfg
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
            os.environ.setdefault('LP_NUM_THREADS', str(cfg.threads))   # Mesa llvmpipe render threads
        from generator.generator import Generator
        self.work = Path(cfg.work_dir)
        self.generator = Generator(self.work / 'sets', backend=cfg.backend, library=make_library(cfg),
                                   screen_size=cfg.size, output_size=cfg.size, seed=cfg.gen_seed,
                                   progress=render_progress)
        self._bank: TaskBank | None = None
        self._progress = render_progress
        self.code_sha256 = code_fingerprint()

    @property
    def bank(self) -> TaskBank:
        if self._bank is None:
            self._bank = TaskBank(self.cfg.tasks, self.cfg.size, progress=self._progress)
        return self._bank

    def close(self) -> None:
        self.generator.close()

    def random_init_rewards(self) -> dict[str, float]:
        backbone, kcfg = build_knn_backbone(self.cfg, '')
        return self.bank.knn_rewards(backbone, self.cfg.knn_k, kcfg.BATCH_SIZE, kcfg.KNN_TEMPERATURE,
                                     mode=kcfg.KNN_FEATURES, seed=self.cfg.train_seed)

    def run(self, tuple_str: str) -> tuple[dict[str, float], dict[str, Any]]:
        """Rewards of one setting on every task, and a record of what it cost."""
        from engine.args import parse_args
        from engine.run_classifier import run as run_engine
        cfg, params = self.cfg, GenParams.from_tuple_str(tuple_str)
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        images_dir = self.generator.gen_data(params, cfg.num_imgs)
        seconds['render'] = time.perf_counter() - t0
        save_dir = self.work / 'pretrain' / f'seed{cfg.train_seed}' / tuple_str
        ckpt = save_dir / 'checkpoint.pth.tar'
        t0 = time.perf_counter()
        done = checkpoint_epochs(ckpt)
        if done < cfg.epochs:
            _, pcfg = parse_args(pretrain_args(cfg, images_dir, save_dir, ckpt if done else None))
            run_engine(pcfg, debug=True)
            logging.getLogger().setLevel(logging.WARNING)   # the engine reconfigures logging
        seconds['pretrain'] = time.perf_counter() - t0
        t0 = time.perf_counter()
        backbone, kcfg = build_knn_backbone(cfg, str(ckpt))
        rewards = self.bank.knn_rewards(backbone, cfg.knn_k, kcfg.BATCH_SIZE, kcfg.KNN_TEMPERATURE,
                                        mode=kcfg.KNN_FEATURES, seed=cfg.train_seed)
        seconds['knn'] = time.perf_counter() - t0
        num_images = sum(1 for _ in images_dir.rglob('*.jpg'))
        record = {'seconds': {k: round(v, 2) for k, v in seconds.items()}, 'num_images': num_images,
                  'finished': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'host': platform.node(),
                  'code_sha256': self.code_sha256,
                  'grid_index': grid_index(params) if params['pose_cam'] == 0 and params['materials'] in (1, 3) else None}
        return rewards, record

    def clean(self, tuple_str: str) -> None:
        """Delete what ``--clean`` says once the setting's rewards are recorded (never before)."""
        if self.cfg.clean in ('checkpoints', 'all'):
            shutil.rmtree(self.work / 'pretrain' / f'seed{self.cfg.train_seed}' / tuple_str, ignore_errors=True)
        if self.cfg.clean in ('sets', 'all'):
            shutil.rmtree(self.generator.dataset_path(GenParams.from_tuple_str(tuple_str)), ignore_errors=True)


# -- the table on disk ---------------------------------------------------------------------------------

def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise UserError(f'{path} is a folder; give a .json file path') from None
    except json.JSONDecodeError as e:
        raise UserError(f'{path} is not valid JSON ({e}); it was not written by this tool') from None
    if not isinstance(data, dict):
        raise UserError(f'{path} holds a JSON {type(data).__name__}, not the object of a reward table; it was not '
                        f'written by this tool (choose another --output)')
    return data


class RewardStore:
    """The output table and its sidecar; every update is a locked read-merge-write (atomic rename)."""

    def __init__(self, cfg: BuildConfig):
        self.cfg = cfg
        self.path = Path(cfg.output)
        self.meta_path = sidecar_path(self.path)
        self.lock_path = self.path.with_name(f'.{self.path.name}.lock')

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, 'a') as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def table(self) -> dict[str, dict[str, float]]:
        return _read_json(self.path)

    def meta(self) -> dict[str, Any]:
        return _read_json(self.meta_path)

    def finished(self, tasks: Sequence[str] | None = None) -> set[str]:
        """Settings that have a reward for every one of ``tasks`` (default: the configured tasks)."""
        table = self.table()
        tasks = list(tasks or self.cfg.tasks)
        if not all(t in table for t in tasks):
            return set()
        return set.intersection(*(set(table[t]) for t in tasks))

    def check_compatible(self) -> None:
        """Refuse to mix rewards measured at another scale (sizes, seeds, epochs, ...) into one table."""
        old = self.meta().get('build', {}).get('scale')
        if old is None:
            if self.path.is_file() and self.table():
                raise UserError(f'{self.path} has rewards but no sidecar {self.meta_path.name}; it was not '
                                f'built by this tool (choose another --output)')
            return
        new = self.cfg.scale()
        diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if diff and not any(self.table().values()):   # no reward yet: an earlier run failed before its first
            self.reset()
            return
        if diff:
            got = ', '.join(f'{k}={old.get(k)!r} (now {new.get(k)!r})' for k in diff)
            raise UserError(f'{self.path} was built with different settings: {got}; rerun with the same '
                            f'options to extend it, or choose another --output')

    def reset(self) -> None:
        """Forget a table that holds no reward (its sidecar describes a run that never finished a setting)."""
        with self.locked():
            self.meta_path.unlink(missing_ok=True)
            self.path.unlink(missing_ok=True)

    def check_same_code(self, classes: list[str], code: str, allow_code_change: bool) -> None:
        """Refuse to extend a table made with other object classes, or (unless allowed) other code."""
        build = self.meta().get('build', {})
        if build.get('classes') is not None and build['classes'] != classes:
            raise UserError(f'{self.path} was built with the object classes {build["classes"]}; this run would use '
                            f'{classes} (has the object library changed?); choose another --output')
        old = build.get('versions', {}).get('code_sha256')
        if old is not None and old != code and not allow_code_change:
            raise UserError(f'{self.path} was built with other generator/engine/models/datasets/config sources '
                            f'(sha256 {old[:12]}..., now {code[:12]}...): rewards would not be comparable. Use '
                            f'another --output, or --allow_code_change to extend it anyway (recorded per setting)')

    def write_header(self, extra: dict[str, Any]) -> None:
        with self.locked():
            meta = self.meta()
            meta.setdefault('settings', {})
            if 'build' in meta:   # keep the first run's versions; later runs are recorded per setting
                extra = {**extra, 'versions': meta['build'].get('versions', extra.get('versions'))}
            meta['build'] = {'scale': self.cfg.scale(), **extra}
            meta.setdefault('created', time.strftime('%Y-%m-%dT%H:%M:%S%z'))
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)
            if not self.path.is_file():
                atomic_write_json(self.path, {t: {} for t in self.cfg.tasks}, indent=1, sort_keys=True)

    def update_meta(self, **values: Any) -> None:
        with self.locked():
            meta = self.meta()
            for k, v in values.items():
                if isinstance(v, dict) and isinstance(meta.get(k), dict):
                    meta[k].update(v)
                else:
                    meta[k] = v
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)

    def record(self, tuple_str: str, rewards: dict[str, float], info: dict[str, Any]) -> None:
        with self.locked():
            table = self.table()
            for task, acc in rewards.items():
                table.setdefault(task, {})[tuple_str] = round(float(acc), 4)
            meta = self.meta()
            meta.setdefault('settings', {})[tuple_str] = info
            meta['num_settings'] = len(self.finished_in(table))
            meta['updated'] = time.strftime('%Y-%m-%dT%H:%M:%S%z')
            # the table first: a kill between the two writes leaves a reward without its timing, never the reverse
            atomic_write_json(self.path, table, indent=1, sort_keys=True)
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)

    def finished_in(self, table: dict[str, dict[str, float]]) -> set[str]:
        if not all(t in table for t in self.cfg.tasks):
            return set()
        return set.intersection(*(set(table[t]) for t in self.cfg.tasks))


# -- jobs ----------------------------------------------------------------------------------------------

@dataclass
class RewardJob:
    """One process's share of the settings (picklable for multiprocessing and submitit)."""

    cfg: BuildConfig
    tuple_strs: list[str]
    max_settings: int | None = None

    def __call__(self, bar: Any = None) -> list[str]:
        logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(name)s %(message)s')
        store = RewardStore(self.cfg)
        runner = SettingRunner(self.cfg)
        done: list[str] = []
        try:
            for ts in self.tuple_strs:
                if self.max_settings is not None and len(done) >= self.max_settings:
                    break
                if ts in store.finished():
                    continue
                rewards, info = runner.run(ts)
                store.record(ts, rewards, info)
                runner.clean(ts)
                done.append(ts)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f'{ts}: ' + ' '.join(f'{v:.0f}' for v in rewards.values()))
        finally:
            runner.close()
        return done


def code_fingerprint() -> str:
    """SHA-256 of the sources that decide the pixels, the pre-training and the kNN (generator/, engine/,
    models/, datasets/ and the pre-training/kNN/dataset configs): tables from different code must not mix."""
    h = hashlib.sha256()
    files = [f for folder in ('generator', 'engine', 'models', 'datasets') for f in (REPO / folder).rglob('*')
             if f.suffix in ('.py', '.glsl', '.json') and '__pycache__' not in f.parts]
    files += [REPO / 'configs' / n for n in FINGERPRINT_CONFIGS]
    for f in sorted(files):
        if f.is_file():
            h.update(str(f.relative_to(REPO)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, Any]:
    import numpy
    import timm
    import torch
    out: dict[str, Any] = {'python': platform.python_version(), 'torch': torch.__version__, 'timm': timm.__version__,
                           'numpy': numpy.__version__, 'platform': platform.platform()}
    try:
        import moderngl
        out['moderngl'] = moderngl.__version__
    except ImportError:
        pass
    try:
        out['git_commit'] = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO, capture_output=True,
                                           text=True, timeout=10).stdout.strip()
        out['git_dirty_files'] = [line[3:] for line in subprocess.run(
            ['git', 'status', '--porcelain', '--', 'generator', 'engine', 'models', 'datasets',
             *(f'configs/{n}' for n in FINGERPRINT_CONFIGS)],
            cwd=REPO, capture_output=True, text=True, timeout=10).stdout.splitlines()]
    except (OSError, subprocess.SubprocessError):
        pass
    out['code_sha256'] = code_fingerprint()
    return out


def engine_configs(cfg: BuildConfig) -> dict[str, Any]:
    """The full engine configs used (pre-training and kNN), as the sidecar records them."""
    from engine.args import parse_args
    _, pcfg = parse_args(pretrain_args(cfg, Path('<work_dir>/sets/dataset_<tuple_str>/images'),
                                       Path('<work_dir>/pretrain/<tuple_str>'), None))
    _, kcfg = parse_args(knn_args(cfg, '<checkpoint>'))
    return {'pretrain': json.loads(json.dumps(pcfg)), 'knn': json.loads(json.dumps(kcfg))}


def _wait_with_bar(store: RewardStore, todo: list[str], bar: Any, is_done) -> None:
    """Advance ``bar`` as other processes finish settings, until ``is_done()``."""
    todo_set = set(todo)
    seen = 0
    while True:
        finished = len(store.finished() & todo_set)
        if finished > seen:
            bar.update(finished - seen)
            seen = finished
        if is_done():
            break
        time.sleep(2.0)
    finished = len(store.finished() & todo_set)
    bar.update(max(0, finished - seen))


def build(cfg: BuildConfig, settings: Sequence[str], workers: int = 1, submitit: bool = False,
          cluster: str | None = None, job_dir: str | None = None, timeout: int = 24 * 60,
          partition: str | None = None, max_settings: int | None = None,
          allow_code_change: bool = False) -> dict[str, Any]:
    """Fill ``cfg.output`` for ``settings``; returns a summary (finished, new, remaining)."""
    from tqdm import tqdm
    validate(cfg)
    if workers < 1:
        raise UserError(f'--workers {workers} is invalid; it must be >= 1')
    store = RewardStore(cfg)
    store.check_compatible()
    runner_lib = make_library(cfg)
    vers = versions()
    store.check_same_code(runner_lib.classes(), vers['code_sha256'], allow_code_change)
    store.write_header({'versions': vers, 'classes': runner_lib.classes(),
                        'engine': engine_configs(cfg), 'default_tasks': list(DEFAULT_TASKS)})
    meta = store.meta()
    missing_rand = [t for t in cfg.tasks if t not in meta.get('random_init', {})]
    if missing_rand or 'tasks' not in meta or any(t not in meta['tasks'] for t in cfg.tasks):
        runner = SettingRunner(cfg)
        try:
            rand = runner.random_init_rewards()
            store.update_meta(random_init=rand, tasks={t: {**runner.bank.sizes[t],
                                                           'num_classes': runner.bank.num_classes[t]}
                                                       for t in cfg.tasks})
        finally:
            runner.close()
    finished = store.finished()
    todo = [ts for ts in settings if ts not in finished]
    if max_settings is not None:
        todo = todo[:max_settings]
    summary = {'requested': len(settings), 'already_finished': len(settings) - len([s for s in settings if s not in finished]),
               'todo': len(todo)}
    bar = tqdm(total=len(todo), desc='settings', unit='setting', disable=not cfg.progress, dynamic_ncols=True)
    if not todo:
        pass
    elif submitit:
        jobs = [RewardJob(cfg, todo[i::workers]) for i in range(workers) if todo[i::workers]]
        import submitit as sub
        folder = Path(job_dir or Path(cfg.work_dir) / 'slurm')
        executor = sub.AutoExecutor(folder=folder, cluster=cluster)
        executor.update_parameters(timeout_min=timeout, name='task2sim_rewards', cpus_per_task=max(1, cfg.threads))
        if executor.cluster == 'slurm' and partition:
            executor.update_parameters(slurm_partition=partition)
        submitted = (executor.submit_array(jobs) if executor.cluster != 'debug'
                     else [executor.submit(j) for j in jobs])
        bar.write(f'submitted {len(submitted)} job(s) to {executor.cluster} (logs in {folder})')
        _wait_with_bar(store, todo, bar, lambda: all(j.done() for j in submitted))
        for j in submitted:
            j.result()     # re-raises a job's error
    elif workers > 1:
        import multiprocessing as mp
        jobs = [RewardJob(cfg, todo[i::workers]) for i in range(workers) if todo[i::workers]]
        with mp.get_context('spawn').Pool(len(jobs), initializer=die_with_parent,
                                          initargs=(os.getpid(),)) as pool:
            result = pool.map_async(_run_job, jobs)
            _wait_with_bar(store, todo, bar, result.ready)
            result.get()
    else:
        RewardJob(cfg, todo)(bar)
    bar.close()
    summary['finished_total'] = len(store.finished())
    summary['output'] = str(store.path)
    summary['sidecar'] = str(store.meta_path)
    return summary


def _run_job(job: RewardJob) -> list[str]:
    return job()


def validate(cfg: BuildConfig) -> None:
    from datasets import list_datasets
    known = list_datasets()
    bad = [t for t in cfg.tasks if t not in known]
    if bad or not cfg.tasks:
        raise UserError(f'unknown task(s) {bad or "(none given)"}; allowed: {", ".join(known)}')
    if cfg.clean not in CLEAN_CHOICES:
        raise UserError(f'--clean {cfg.clean!r} is invalid; allowed: {", ".join(CLEAN_CHOICES)}')
    if cfg.knn_features not in KNN_FEATURE_MODES:
        raise UserError(f'--knn_features {cfg.knn_features!r} is invalid; allowed: {", ".join(KNN_FEATURE_MODES)}')
    if cfg.class_pick not in CLASS_PICKS:
        raise UserError(f'--class_pick {cfg.class_pick!r} is invalid; allowed: {", ".join(CLASS_PICKS)}')
    for name in ('num_imgs', 'size', 'epochs', 'batch_size', 'knn_k', 'num_classes'):
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
    from generator.generator import Generator
    Generator(Path(cfg.work_dir) / 'sets', backend=cfg.backend, library=make_library(cfg),
              screen_size=cfg.size, output_size=cfg.size, seed=cfg.gen_seed).plan(cfg.num_imgs)
    engine_configs(cfg)   # the engine refuses a bad MODEL or override here, before anything is written


def build_parser() -> argparse.ArgumentParser:
    d = BuildConfig()
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--settings', nargs='+', default=['all'],
                   help='"all" (default), grid indices, ranges like 0-15, or tuple strings')
    p.add_argument('--order', default='balanced', choices=ORDERS,
                   help='balanced: every prefix of 16/32/64/128 settings is a balanced fractional factorial; '
                        'grid: index order')
    p.add_argument('--max_settings', type=int, default=None, help='stop after this many new settings')
    p.add_argument('--tasks', nargs='+', default=list(d.tasks), help='downstream tasks (datasets registry names)')
    p.add_argument('--output', default=d.output, help='reward table JSON (sidecar: <stem>.meta.json)')
    p.add_argument('--work_dir', default=d.work_dir, help='rendered sets and checkpoints')
    g = p.add_argument_group('synthetic sets')
    g.add_argument('--num_classes', type=int, default=d.num_classes)
    g.add_argument('--class_pick', default=d.class_pick, choices=CLASS_PICKS)
    g.add_argument('--num_imgs', type=int, default=d.num_imgs)
    g.add_argument('--size', type=int, default=d.size, help='render size = pre-training and kNN input size')
    g.add_argument('--gen_seed', type=int, default=d.gen_seed)
    g.add_argument('--backend', default=d.backend)
    g.add_argument('--library', default=d.library)
    g = p.add_argument_group('pre-training and evaluation')
    g.add_argument('--model', default=d.model)
    g.add_argument('--epochs', type=int, default=d.epochs)
    g.add_argument('--warmup_epochs', type=int, default=d.warmup_epochs)
    g.add_argument('--batch_size', type=int, default=d.batch_size)
    g.add_argument('--lr', type=float, default=d.lr)
    g.add_argument('--train_seed', type=int, default=d.train_seed)
    g.add_argument('--engine_override', nargs='+', default=[], metavar='KEY VALUE',
                   help='extra engine config overrides for pre-training')
    g.add_argument('--knn_k', type=int, default=d.knn_k)
    g.add_argument('--knn_features', default=d.knn_features, choices=KNN_FEATURE_MODES,
                   help='kNN features: eval (BatchNorm running stats, complete bank) or original (train mode, '
                        'shuffled drop_last bank, drop-path on: what the original computes)')
    g = p.add_argument_group('execution')
    g.add_argument('--threads', type=int, default=d.threads, help='torch / llvmpipe threads per process')
    g.add_argument('--clean', default=d.clean, choices=CLEAN_CHOICES,
                   help='delete checkpoints and/or rendered sets once a setting is scored')
    g.add_argument('--workers', type=int, default=1, help='parallel processes (or array tasks with --submitit)')
    g.add_argument('--submitit', action='store_true')
    g.add_argument('--cluster', default=None, choices=['slurm', 'local', 'debug'])
    g.add_argument('--job_dir', default=None)
    g.add_argument('--timeout', type=int, default=24 * 60, help='minutes per array task')
    g.add_argument('--partition', default=None)
    g.add_argument('--no_progress', action='store_true')
    g.add_argument('--allow_code_change', action='store_true',
                   help='extend a table although the generator/engine/models/datasets/configs sources changed')
    return p


def config_from_args(args: argparse.Namespace) -> BuildConfig:
    return BuildConfig(work_dir=args.work_dir, output=args.output, tasks=list(args.tasks),
                       num_classes=args.num_classes, class_pick=args.class_pick, num_imgs=args.num_imgs,
                       size=args.size, gen_seed=args.gen_seed, backend=args.backend, library=args.library,
                       model=args.model, epochs=args.epochs, warmup_epochs=args.warmup_epochs,
                       batch_size=args.batch_size, lr=args.lr, train_seed=args.train_seed,
                       engine_overrides=list(args.engine_override), knn_k=args.knn_k,
                       knn_features=args.knn_features, threads=args.threads,
                       clean=args.clean, progress=not args.no_progress)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = build_parser().parse_args(argv)
    cfg = config_from_args(args)
    settings = parse_settings(args.settings, args.order)
    summary = build(cfg, settings, workers=args.workers, submitit=args.submitit, cluster=args.cluster,
                    job_dir=args.job_dir, timeout=args.timeout, partition=args.partition,
                    max_settings=args.max_settings, allow_code_change=args.allow_code_change)
    print(f"{summary['finished_total']} settings in {summary['output']} (this run: {summary['todo']} to do, "
          f"{summary['already_finished']} of the {summary['requested']} requested were already there); "
          f"sidecar {summary['sidecar']}")
    return summary


if __name__ == '__main__':
    run_cli(main)
