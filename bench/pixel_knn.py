"""How far do raw pixels go? 5-NN (cosine, majority vote) on each task's eval-transformed pixels.

A reference point for the reward table: a task that raw pixels (or a random-init backbone) already solve leaves
little for synthetic pre-training to add, and pre-training that learns invariances to crops and colour can
even lose the cue (LFWFaces, face vs non-face, where every setting is below random init).

    python -m bench.pixel_knn                       # the 8 embedded tasks, 32 px (the reward table's size)
    python -m bench.pixel_knn --tasks LFWFaces --size 32

It also prints how alike a random-init ResNet-18 (the table's random-init reward, eval-mode BatchNorm) embeds
a task's test images: the mean pairwise cosine of their features. Near 1, every image points the same way and
the temperature-weighted 5-NN vote is close to chance, so that reward is a degenerate floor.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from datasets import build_dataset, list_datasets
from datasets.catalog import EMBEDDED_TASKS
from datasets.transforms import build_eval_transform
from models.backbone import create_backbone, features_of


def _stack(task: str, split: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    ds = build_dataset(task, split, build_eval_transform(size))
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return torch.stack(xs), torch.tensor([int(y) for y in ys])


def knn_vote(train: torch.Tensor, train_y: torch.Tensor, test: torch.Tensor, test_y: torch.Tensor, k: int = 5) -> float:
    """Top-1 accuracy (percent) of a cosine k-NN majority vote (ties: the lowest class)."""
    a, b = F.normalize(train.flatten(1), dim=1), F.normalize(test.flatten(1), dim=1)
    idx = (b @ a.T).topk(min(k, len(a)), dim=1).indices
    votes = F.one_hot(train_y[idx], int(train_y.max()) + 1).sum(1)
    return float((votes.argmax(1) == test_y).float().mean() * 100)


VIEWS = {
    'pixels': lambda x: x,
    'grey, mean-centred': lambda x: x.mean(1) - x.mean((1, 2, 3))[:, None, None],
    'mean colour': lambda x: x.mean((2, 3)),
}


def random_init_cosine(images: torch.Tensor, model: str = 'resnet18', seed: int = 0) -> float:
    """Mean cosine over the pairs of distinct ``images`` of a random-init backbone's eval-mode features (as the
    table's random-init reward embeds them)."""
    torch.manual_seed(seed)
    net = create_backbone(model, 0).eval()
    with torch.no_grad():
        f = F.normalize(features_of(net, images), dim=1)
    n = len(f)
    return float(((f @ f.T).sum() - f.pow(2).sum()) / (n * (n - 1)))


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    p = ArgumentParser(description=__doc__)
    p.add_argument('--tasks', nargs='+', default=list(EMBEDDED_TASKS))
    p.add_argument('--size', type=int, default=32)
    args = p.parse_args(argv)
    bad = [t for t in args.tasks if t not in list_datasets()]
    if bad:
        raise UserError(f'--tasks {bad} unknown; allowed: {", ".join(list_datasets())}')
    if args.size < 1:
        raise UserError(f'--size {args.size} is invalid; it must be >= 1')
    out = {}
    cos = 'random-init ResNet-18: mean pairwise cosine'
    print(f'| task | ' + ' | '.join(VIEWS) + f' | {cos} |\n|---|' + '---|' * (len(VIEWS) + 1))
    for task in args.tasks:
        (xtr, ytr), (xte, yte) = _stack(task, 'train', args.size), _stack(task, 'test', args.size)
        out[task] = {name: knn_vote(view(xtr), ytr, view(xte), yte) for name, view in VIEWS.items()}
        out[task][cos] = random_init_cosine(xte[:500])
        print(f'| {task} | ' + ' | '.join(f'{v:.1f}' for v in list(out[task].values())[:-1])
              + f' | {out[task][cos]:.4f} |', flush=True)
    return out


if __name__ == '__main__':
    run_cli(main)
