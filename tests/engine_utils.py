"""Small learnable ImageFolders made by the tests, and a runner for the engine CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PALETTE = [(220, 40, 40), (40, 200, 60), (50, 70, 230), (230, 210, 40), (200, 60, 210), (40, 210, 210)]


def make_image_folder(root: Path, num_classes: int = 4, per_class: int = 24, size: int = 32,
                      seed: int = 0) -> Path:
    """``root/<class>/<n>.jpg``: class c is a coloured square on noise, at a random place."""
    rng = np.random.default_rng(seed)
    for c in range(num_classes):
        d = root / f'class_{c:02d}'
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 90, (size, size, 3), dtype=np.uint8)
            s = size // 2
            x, y = rng.integers(0, size - s, 2)
            img[y:y + s, x:x + s] = np.clip(np.array(PALETTE[c % len(PALETTE)]) + rng.integers(-20, 20, 3), 0, 255)
            Image.fromarray(img).save(d / f'{i:03d}.jpg', quality=95)
    return root


def make_split_folder(root: Path, num_classes: int = 4, train: int = 24, val: int = 12, size: int = 32) -> Path:
    make_image_folder(root / 'train', num_classes, train, size, seed=1)
    make_image_folder(root / 'val', num_classes, val, size, seed=2)
    return root


def tiny_overrides(save_dir: Path, **extra) -> list[str]:
    """Flat KEY VALUE list for a fast CPU job."""
    values = {'MODEL': 'resnet18', 'INPUT_SIZE': 32, 'BATCH_SIZE': 16, 'NUM_WORKERS': 0,
              'SAVE_DIR': str(save_dir), 'LOG_INTERVAL': 1000, 'SEED': 0, 'DROP_PATH_RATE': 0.0}
    values.update(extra)
    out: list[str] = []
    for k, v in values.items():
        out += [k, str(v)]
    return out


def run_cli(args: list[str], script: str = 'engine/run_classifier.py', timeout: int = 600,
            launcher: list[str] | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    cmd = (launcher or [sys.executable]) + [script] + args
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
