"""Learnability of the procedural library: are its classes learnable as classes, not only as instances?

Renders the first K classes with the embedded renderer, trains a small CNN on 4 models per class and tests
on a held-out 5th model per class (never seen in training). Prints and writes top-1/top-5 accuracy.

    python -m bench.learnability --out docs/learnability.json
    python -m bench.learnability --classes 20 --steps 200 --tuple 1_0_0_0_0_1_0_1_1   # quick look
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_json
from generator.backends.gl import GLBackend
from generator.generator_params import GenParams
from generator.library.procedural import ProceduralLibrary
from generator.sampling import ModelDraws, sample_image_spec


def render_split(params: GenParams, classes: list[str], lib: ProceduralLibrary, size: int, imgs: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images (N, H, W, 3) uint8, class labels and model slot (0..4) of the first 5 models of each class."""
    backend = GLBackend(lib, size=size)
    xs, ys, ms = [], [], []
    for ci, c in enumerate(classes):
        for k, m in enumerate(lib.models(c)[:5]):
            backend.load(c, m)
            draws = ModelDraws(seed, params.get_tuple_str(), c, m)
            for i in range(imgs):
                xs.append(backend.render(sample_image_spec(params, seed, c, m, i, imgs, draws)))
                ys.append(ci)
                ms.append(k)
    backend.close()
    return np.stack(xs), np.array(ys), np.array(ms)


class SmallCNN(nn.Module):
    """Conv-BN-ReLU stages with pooling (about 60 MFLOPs at 64 px), global average pooling, linear classifier."""

    def __init__(self, num_classes: int, width: int = 24):
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 8]
        layers = []
        for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
            layers += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
            layers += [nn.MaxPool2d(2)] if i < 3 else [nn.Conv2d(b, b, 3, padding=1, bias=False),
                                                       nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random resized crop (scale 0.55-1), horizontal flip and brightness/contrast jitter, batched."""
    n, _, h, w = x.shape
    scale = torch.empty(n).uniform_(0.55, 1.0, generator=gen).sqrt()
    tx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - scale)
    ty = (torch.rand(n, generator=gen) * 2 - 1) * (1 - scale)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale * flip
    theta[:, 1, 1] = scale
    theta[:, 0, 2], theta[:, 1, 2] = tx, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False, padding_mode='reflection')
    b = torch.empty(n, 1, 1, 1).uniform_(-0.15, 0.15, generator=gen)
    c = torch.empty(n, 1, 1, 1).uniform_(0.75, 1.25, generator=gen)
    return (x - x.mean((1, 2, 3), keepdim=True)) * c + x.mean((1, 2, 3), keepdim=True) + b


def train_eval(xtr, ytr, xte, yte, num_classes: int, steps: int, seed: int, device: str = 'cpu') -> dict:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    mean = xtr.mean((0, 2, 3), keepdim=True)
    std = xtr.std((0, 2, 3), keepdim=True)
    model = SmallCNN(num_classes).to(device, memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    bs = 64
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.2)
    model.train()
    for _ in range(steps):
        idx = torch.randint(len(xtr), (bs,), generator=gen)
        xb = augment(xtr[idx], gen).contiguous(memory_format=torch.channels_last)
        loss = F.cross_entropy(model(((xb - mean) / std).to(device)), ytr[idx].to(device), label_smoothing=0.1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(((xte[i:i + 256] - mean) / std).to(device)).cpu()
                            for i in range(0, len(xte), 256)])
        tr_logits = torch.cat([model(((xtr[i:i + 256] - mean) / std).to(device)).cpu()
                               for i in range(0, len(xtr), 256)])
    top5 = logits.topk(5, 1).indices
    return {'test_top1': float((top5[:, 0] == yte).float().mean() * 100),
            'test_top5': float((top5 == yte[:, None]).any(1).float().mean() * 100),
            'train_top1': float((tr_logits.argmax(1) == ytr).float().mean() * 100)}


def main(argv=None) -> dict:
    ap = ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--classes', type=int, default=100)
    ap.add_argument('--tuple', action='append', default=None,
                    help='GenParams tuple string(s); default: the default setting 0_0_0_0_0_1_0_0_0')
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--imgs_per_model', type=int, default=8)
    ap.add_argument('--steps', type=int, default=1000, help='training steps of batch 64')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (1 is fastest on a busy 2-core box)')
    ap.add_argument('--out', default=None, help='JSON file for the results')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    lib = ProceduralLibrary()
    if not 2 <= a.classes <= len(lib.classes()):
        raise UserError(f'--classes {a.classes} is invalid; allowed: 2..{len(lib.classes())}')
    classes = lib.classes()[:a.classes]
    results = {'classes': a.classes, 'size': a.size, 'imgs_per_model': a.imgs_per_model, 'steps': a.steps,
               'split': 'train: models 1-4 of each class; test: model 5 (held out)', 'settings': {}}
    for ts in a.tuple or ['0_0_0_0_0_1_0_0_0']:
        try:
            params = GenParams.from_tuple_str(ts)
        except ValueError as e:
            raise UserError(str(e)) from None
        t0 = time.time()
        x, y, m = render_split(params, classes, lib, a.size, a.imgs_per_model, a.seed)
        t_render = time.time() - t0
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255.0
        yt = torch.from_numpy(y)
        tr, te = m < 4, m == 4
        t0 = time.time()
        r = train_eval(xt[tr], yt[tr], xt[te], yt[te], a.classes, a.steps, a.seed)
        r.update(render_seconds=round(t_render, 1), train_seconds=round(time.time() - t0, 1),
                 train_images=int(tr.sum()), test_images=int(te.sum()), chance_top1=100.0 / a.classes)
        results['settings'][ts] = r
        print(f'{ts}: held-out-model top-1 {r["test_top1"]:.1f}%  top-5 {r["test_top5"]:.1f}%  '
              f'(train top-1 {r["train_top1"]:.1f}%, chance {100.0 / a.classes:.1f}%; '
              f'render {r["render_seconds"]}s, train {r["train_seconds"]}s)', flush=True)
    if a.out:
        atomic_write_json(a.out, results)
    return results


if __name__ == '__main__':
    run_cli(main)
