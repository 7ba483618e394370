"""Benchmark: our ImageFolder against torchvision's on the same files, measured side by side.

    python -m datasets.benchmark [--images 4000 --classes 100 --size 256 --input-size 64]

Prints listing time and per-image load+transform throughput for both, and their ratios.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from common.cli import ArgumentParser
from datasets.folder import build_image_folder
from datasets.transforms import build_eval_transform


def make_folder(root: Path, images: int, classes: int, size: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for k in range(images):
        d = root / f'class_{k % classes:03d}'
        d.mkdir(parents=True, exist_ok=True)
        arr = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
        Image.fromarray(arr).resize((size, size), Image.BILINEAR).save(d / f'{k:06d}.jpg', quality=90)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    p = ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--images', type=int, default=4000)
    p.add_argument('--classes', type=int, default=100)
    p.add_argument('--size', type=int, default=256, help='stored image side (generated sets: 256)')
    p.add_argument('--input-size', type=int, default=64, help='network input side')
    p.add_argument('--load', type=int, default=1000, help='images decoded per throughput run')
    args = p.parse_args()
    from torchvision.datasets import ImageFolder
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_folder(root, args.images, args.classes, args.size)
        t_ours = best_of(lambda: build_image_folder(root), 3)
        t_tv = best_of(lambda: ImageFolder(root), 3)
        tf = build_eval_transform(args.input_size)
        ours, tv = build_image_folder(root, tf, with_index=True), ImageFolder(root, tf)
        assert [p for p, _ in tv.samples] == ours.source.paths and tv.targets == ours.targets.tolist()
        n = min(args.load, len(ours))
        l_ours = best_of(lambda: [ours[i] for i in range(n)], 2)
        l_tv = best_of(lambda: [tv[i] for i in range(n)], 2)
    print(f'listing {args.images} images in {args.classes} classes: ours {t_ours * 1e3:.1f} ms, '
          f'torchvision {t_tv * 1e3:.1f} ms, speed ratio ours/torchvision {t_tv / t_ours:.2f}')
    print(f'load+eval transform ({args.size}px -> {args.input_size}px), {n} images: ours {n / l_ours:.0f} img/s, '
          f'torchvision {n / l_tv:.0f} img/s, throughput ratio ours/torchvision {l_tv / l_ours:.2f}')


if __name__ == '__main__':
    main()
