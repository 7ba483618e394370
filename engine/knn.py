"""Weighted k-NN evaluation on L2-normalised pooled features (the Task2Sim reward)."""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler

from common.errors import UserError
from engine.logger import MetricLogger

# eval: BatchNorm running statistics, no drop-path, a complete ordered training bank (this project's
# default); original: what the original's kNN path does (it never calls model.eval()): train mode, so
# BatchNorm uses each batch's statistics and drop-path is active, and the training bank is read shuffled
# with drop_last, leaving the rows of the dropped partial batch as zero vectors with label 0
KNN_FEATURE_MODES = ('eval', 'original')


def knn_loader(dataset: Dataset, batch_size: int, mode: str, bank: bool, seed: int, num_workers: int = 0,
               sampler: Sampler | None = None, pin_memory: bool = False) -> DataLoader:
    """The loader of a kNN feature pass: ordered and complete, except the ``original`` mode's training bank."""
    shuffled = mode == 'original' and bank
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, shuffle=shuffled and sampler is None,
                      drop_last=shuffled, num_workers=num_workers, pin_memory=pin_memory,
                      generator=torch.Generator().manual_seed(seed))


@contextlib.contextmanager
def seeded_draws(seed: int, device: torch.device) -> Iterator[None]:
    """Seed the global RNG that drop-path draws from, restoring its state afterwards."""
    devices = [device] if device.type == 'cuda' else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@torch.no_grad()
def extract_features(model: nn.Module, loader, device: torch.device, num_samples: int,
                     features_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor],
                     distributed: bool = False, log_interval: int = 25,
                     log_enabled: bool = True, train_mode: bool = False) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Features and labels of every sample, placed at the sample's index (items are ``(img, label, index, ...)``).

    With several ranks each fills the rows of its own samples and the banks are summed, so the result
    is the same as one process computing all rows. Rows no batch reached are zero with label -1.
    ``train_mode`` runs the model in train mode (the original's kNN). Returns (features [N, D], labels [N], img/s).
    """
    model.train(train_mode)
    feats = labels = None
    logger = MetricLogger(header='Features', print_freq=log_interval, enabled=log_enabled)
    for batch in logger.log_every(loader):
        images, targets, index = batch[0].to(device, non_blocking=True), batch[1], batch[2]
        out = F.normalize(features_fn(model, images).float(), dim=1).cpu()
        if feats is None:
            feats = torch.zeros(num_samples, out.shape[1])
            labels = torch.full((num_samples,), -1, dtype=torch.long)
        feats[index] = out
        labels[index] = targets.long()
    if distributed:
        if feats is None:  # a rank without samples still joins the reductions
            raise RuntimeError('a rank received no samples; use fewer processes than samples')
        feats = feats.to(device)
        filled = (labels >= 0).to(device=device, dtype=torch.long)
        shifted = (labels + 1).to(device)  # unfilled rows contribute 0
        dist.all_reduce(feats)
        dist.all_reduce(shifted)
        dist.all_reduce(filled)
        feats, labels = feats.cpu(), (shifted - filled).cpu()
    if feats is None:
        raise ValueError('the feature loader yielded no batch')
    return feats, labels, logger.throughput


def knn_features(model: nn.Module, train_loader, test_loader, mode: str, device: torch.device, seed: int,
                 num_train: int, num_test: int,
                 features_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor], distributed: bool = False,
                 log_interval: int = 25, log_enabled: bool = True
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """Training bank and test features in ``mode`` (loaders from ``knn_loader``): (train_f, train_y, test_f, test_y, img/s).

    Drop-path draws come from one stream seeded with ``seed``, the training pass first, as in the original.
    """
    if mode not in KNN_FEATURE_MODES:
        raise ValueError(f'kNN feature mode {mode!r} is invalid; allowed: {", ".join(KNN_FEATURE_MODES)}')
    kw = dict(features_fn=features_fn, distributed=distributed, log_interval=log_interval,
              log_enabled=log_enabled, train_mode=mode == 'original')
    if mode == 'original' and len(train_loader) == 0:
        per_process = len(train_loader.sampler)   # a DistributedSampler's share, else the whole bank
        raise UserError(f'KNN_FEATURES=original drops the last partial batch of the training bank (as the '
                        f'original), so {per_process} training images per process with BATCH_SIZE='
                        f'{train_loader.batch_size} leave no bank; use a BATCH_SIZE <= {max(per_process, 1)} '
                        f'or KNN_FEATURES=eval')
    try:
        with seeded_draws(seed, device):
            train_f, train_y, rate = extract_features(model, train_loader, device, num_train, **kw)
            test_f, test_y, _ = extract_features(model, test_loader, device, num_test, **kw)
    except ValueError as e:
        if 'more than 1 value per channel' not in str(e):
            raise
        raise UserError(f'kNN features in the original mode: a batch of one image cannot use BatchNorm batch '
                        f'statistics at this input size; change BATCH_SIZE={test_loader.batch_size} so that no '
                        f'batch holds a single image, or use KNN_FEATURES=eval') from None
    if mode == 'original':
        train_y = train_y.clamp(min=0)   # the dropped batch's rows: zero vectors with label 0
    return train_f, train_y, test_f, test_y, rate


@torch.no_grad()
def knn_classify(train_feats: torch.Tensor, train_labels: torch.Tensor, test_feats: torch.Tensor,
                 test_labels: torch.Tensor, ks: Sequence[int], num_classes: int,
                 temperature: float = 0.07, chunk: int = 1024) -> dict[int, float]:
    """Top-1 accuracy (percent) for each k: cosine similarity, top-k neighbours, votes exp(sim / T)."""
    ks = sorted({int(k) for k in ks})
    kmax = min(max(ks), train_feats.shape[0])
    correct = {k: 0 for k in ks}
    for start in range(0, test_feats.shape[0], chunk):
        sims, idx = (test_feats[start:start + chunk] @ train_feats.T).topk(kmax, dim=1)
        neighbour_labels = train_labels[idx]
        weights = (sims / temperature).exp()
        target = test_labels[start:start + chunk]
        for k in ks:
            kk = min(k, kmax)
            votes = torch.zeros(sims.shape[0], num_classes)
            votes.scatter_add_(1, neighbour_labels[:, :kk], weights[:, :kk])
            correct[k] += (votes.argmax(dim=1) == target).sum().item()
    n = max(test_feats.shape[0], 1)
    return {k: 100.0 * correct[k] / n for k in ks}


def knn_accuracy(model: nn.Module, train_loader, test_loader, ks: Sequence[int], num_classes: int, mode: str,
                 device: torch.device, seed: int, num_train: int, num_test: int,
                 features_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor], temperature: float = 0.07,
                 distributed: bool = False, log_interval: int = 25,
                 log_enabled: bool = True) -> tuple[dict[int, float], float]:
    """The kNN reward: features in ``mode`` (loaders from ``knn_loader``), then top-1 accuracy per k; (accs, img/s)."""
    train_f, train_y, test_f, test_y, rate = knn_features(
        model, train_loader, test_loader, mode, device, seed, num_train, num_test, features_fn,
        distributed=distributed, log_interval=log_interval, log_enabled=log_enabled)
    return knn_classify(train_f, train_y, test_f, test_y, ks, num_classes, temperature), rate
