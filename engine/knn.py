"""Weighted k-NN evaluation on L2-normalised pooled features (the Task2Sim reward)."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from engine.logger import MetricLogger


@torch.no_grad()
def extract_features(model: nn.Module, loader, device: torch.device, num_samples: int,
                     features_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor],
                     distributed: bool = False, log_interval: int = 25,
                     log_enabled: bool = True) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Features and labels of every sample, placed at the sample's index (items are ``(img, label, index, ...)``).

    With several ranks each fills the rows of its own samples and the banks are summed, so the result
    is the same as one process computing all rows. Returns (features [N, D], labels [N], img/s).
    """
    model.eval()
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
    return feats, labels, logger.throughput


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
