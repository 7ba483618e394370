"""Task2Vec with a Monte-Carlo Fisher: the task embedding of a labelled image dataset.

Steps (as the paper's code): cache the probe's penultimate features over the dataset; fit only a new
final linear layer on them (Adam lr 4e-4, wd 1e-4, 10 epochs of class-balanced sampling); then for
batches of class-balanced samples draw labels from the model's own softmax, back-propagate the
cross-entropy and accumulate squared gradients; average over batches. The embedding is, for every conv
and batch-norm module (not the classifier), the mean squared gradient over each output filter's
weights. ``scale`` is all ones (Monte-Carlo method).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset, WeightedRandomSampler
from tqdm import tqdm

from common.errors import UserError
from models.probes import PROBES, ProbeNetwork, build_probe

__all__ = ['Task2VecConfig', 'task2vec', 'PROBES', 'dataset_labels']


@dataclass
class Task2VecConfig:
    fisher_samples: int = 10000        # samples drawn (class-balanced) for the Fisher; original 10,000
    cache_samples: int | None = None   # features cached for the classifier fit (None = whole dataset)
    batch_size: int = 64
    classifier_epochs: int = 10
    classifier_samples: int = 10000    # class-balanced samples per classifier epoch (original loader)
    classifier_lr: float = 4e-4
    classifier_wd: float = 1e-4
    bn_train_mode: bool = True         # the original runs the probe in train mode (batch statistics)
    num_workers: int = 0
    show_progress: bool = True


def dataset_labels(dataset: Dataset) -> np.ndarray:
    """Integer labels of every item, read from ``targets``/``labels``/tensors when available."""
    if isinstance(dataset, Subset):
        return dataset_labels(dataset.dataset)[np.asarray(dataset.indices)]
    for attr in ('targets', 'labels'):
        if hasattr(dataset, attr):
            return np.asarray(getattr(dataset, attr), dtype=np.int64).reshape(-1)
    if isinstance(dataset, TensorDataset):
        return dataset.tensors[1].cpu().numpy().astype(np.int64).reshape(-1)
    return np.asarray([int(dataset[i][1]) for i in range(len(dataset))], dtype=np.int64)


def _balanced_loader(dataset: Dataset, labels: np.ndarray, num_samples: int, batch_size: int,
                     generator: torch.Generator, num_workers: int) -> DataLoader:
    """Class-balanced sampling with replacement (every class equally likely), as the original's loader."""
    counts = np.bincount(labels)
    w = 1.0 / counts[labels]
    sampler = WeightedRandomSampler(torch.as_tensor(w / w.sum(), dtype=torch.double), num_samples=num_samples,
                                    replacement=True, generator=generator)
    return DataLoader(dataset, sampler=sampler, batch_size=batch_size, num_workers=num_workers,
                      drop_last=num_samples >= batch_size)


def _batches(loader: DataLoader, desc: str, show: bool) -> Iterator:
    yield from tqdm(loader, desc=desc, leave=False, disable=not show)


@torch.no_grad()
def _cache_features(probe: ProbeNetwork, dataset: Dataset, cfg: Task2VecConfig,
                    device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    n = len(dataset) if cfg.cache_samples is None else min(len(dataset), cfg.cache_samples)
    subset = dataset if n == len(dataset) else Subset(dataset, range(n))
    loader = DataLoader(subset, batch_size=cfg.batch_size, shuffle=False, num_workers=cfg.num_workers)
    feats, labels = [], []
    for x, y in _batches(loader, 'caching features', cfg.show_progress):
        feats.append(probe.features(x.to(device)).float().cpu())
        labels.append(torch.as_tensor(y).long().view(-1))
    return torch.cat(feats), torch.cat(labels)


def _fit_classifier(probe: ProbeNetwork, feats: torch.Tensor, labels: torch.Tensor, cfg: Task2VecConfig,
                    device: torch.device, generator: torch.Generator) -> None:
    data = TensorDataset(feats, labels)
    loader = _balanced_loader(data, labels.numpy(), cfg.classifier_samples, cfg.batch_size, generator, 0)
    opt = torch.optim.Adam(probe.classifier.parameters(), lr=cfg.classifier_lr, weight_decay=cfg.classifier_wd)
    for _ in tqdm(range(cfg.classifier_epochs), desc='fitting classifier', leave=False,
                  disable=not cfg.show_progress):
        for x, y in loader:
            loss = F.cross_entropy(probe.classifier(x.to(device)), y.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def _montecarlo_fisher(probe: ProbeNetwork, dataset: Dataset, labels: np.ndarray, cfg: Task2VecConfig,
                       device: torch.device, generator: torch.Generator) -> torch.Tensor:
    modules = [m for _, m in probe.embedding_modules()]
    acc = [torch.zeros_like(m.weight) for m in modules]
    loader = _balanced_loader(dataset, labels, cfg.fisher_samples, cfg.batch_size, generator, cfg.num_workers)
    num_batches = 0
    for x, _ in _batches(loader, 'computing Fisher', cfg.show_progress):
        out = probe(x.to(device))
        with torch.no_grad():
            y = torch.multinomial(F.softmax(out.detach().float(), dim=-1).cpu(), 1, generator=generator)
        loss = F.cross_entropy(out, y.view(-1).to(device))
        probe.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            for a, m in zip(acc, modules):
                if m.weight.grad is not None:
                    a += m.weight.grad ** 2
        num_batches += 1
    if num_batches == 0:
        raise UserError('Task2Vec got no Fisher batch: the dataset is empty')
    return torch.cat([(a / num_batches).reshape(a.shape[0], -1).mean(1).cpu() for a in acc])


def task2vec(probe: ProbeNetwork, dataset: Dataset, seed: int = 0, cfg: Task2VecConfig | None = None,
             device: torch.device | str = 'cpu', num_classes: int | None = None) -> dict[str, torch.Tensor]:
    """The Task2Vec embedding ``{'hessian', 'scale'}`` of a dataset of (image tensor, label) items.

    The probe's classifier is replaced by a fresh one for the dataset's classes; its other weights
    are not changed (only gradients are read). Deterministic for a fixed ``seed`` on CPU.
    """
    cfg = cfg or Task2VecConfig()
    device = torch.device(device)
    if len(dataset) == 0:
        raise UserError('Task2Vec needs a non-empty dataset')
    labels = dataset_labels(dataset)
    if labels.min() < 0:
        raise UserError(f'Task2Vec needs labels >= 0, got {int(labels.min())}')
    n_cls = int(num_classes or getattr(dataset, 'num_classes', 0) or labels.max() + 1)
    gen = torch.Generator().manual_seed(int(seed))
    probe.reset_classifier(n_cls, generator=gen)
    probe.to(device)
    probe.train(cfg.bn_train_mode)
    # the Fisher reads gradients of every weight; nothing is updated except the classifier fit
    for p in probe.parameters():
        p.requires_grad_(True)
    saved = {k: v.clone() for k, v in probe.state_dict().items() if 'running' in k or 'num_batches' in k}
    feats, feat_labels = _cache_features(probe, dataset, cfg, device)
    _fit_classifier(probe, feats, feat_labels, cfg, device, gen)
    hessian = _montecarlo_fisher(probe, dataset, labels, cfg, device, gen)
    probe.load_state_dict({**probe.state_dict(), **saved})  # undo BN running-stat updates of train mode
    probe.zero_grad(set_to_none=True)
    return {'hessian': hessian.float(), 'scale': torch.ones_like(hessian).float()}
