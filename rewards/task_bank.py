"""The downstream tasks of a reward table: eval-transformed images of every task's train and test split,
and the kNN reward of a backbone on each task (through engine.knn)."""
from __future__ import annotations

import hashlib
from typing import Sequence

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from datasets import build_dataset
from datasets.transforms import build_eval_transform
from engine.config import ClassifierConfig, run_seed
from engine.knn import extract_features, knn_accuracy, knn_classify, knn_loader
from models.backbone import features_of


class TaskBank:
    """Eval-transformed images of every task's train and test split; identical images are stored once."""

    def __init__(self, tasks: Sequence[str], input_size: int, progress: bool = False):
        tf = build_eval_transform(input_size)
        rows: dict[bytes, int] = {}
        images: list[torch.Tensor] = []
        self.splits: dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]] = {}
        self.num_classes: dict[str, int] = {}
        self.sizes: dict[str, dict[str, int]] = {}
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

    def knn_rewards(self, backbone: nn.Module, kcfg: ClassifierConfig, device: torch.device | str = 'cpu') -> dict[str, float]:
        """k-NN top-1 accuracy (percent) of ``backbone`` on every task, as ``kcfg`` (the engine's kNN config) says.

        In ``eval`` mode a sample's features do not depend on its batch, so every distinct image is embedded
        once for all tasks; ``original`` (train-mode features) runs each task's training bank and test split
        through ``engine.knn.knn_accuracy``, as the original's separate per-task jobs do.
        """
        device = torch.device(device)
        k, mode, seed = int(kcfg.NUM_NEIGHBORS[0]), kcfg.KNN_FEATURES, run_seed(kcfg)
        out = {}
        if mode == 'eval':
            n = len(self.images)
            data = TensorDataset(self.images, torch.zeros(n, dtype=torch.long), torch.arange(n))
            loader = DataLoader(data, batch_size=kcfg.BATCH_SIZE, shuffle=False, num_workers=0)
            feats, _, _ = extract_features(backbone, loader, device, n, features_fn=features_of, log_enabled=False)
        for task, sp in self.splits.items():
            (tr_i, tr_y), (te_i, te_y) = sp['train'], sp['test']
            if mode == 'eval':
                acc = knn_classify(feats[tr_i], tr_y, feats[te_i], te_y, [k], self.num_classes[task],
                                   kcfg.KNN_TEMPERATURE)
            else:
                sets = [TensorDataset(self.images[i], y, torch.arange(len(y))) for i, y in ((tr_i, tr_y), (te_i, te_y))]
                loaders = [knn_loader(ds, kcfg.BATCH_SIZE, mode, bank=j == 0, seed=seed) for j, ds in enumerate(sets)]
                acc, _ = knn_accuracy(backbone, *loaders, [k], self.num_classes[task], mode, device, seed,
                                      len(tr_y), len(te_y), features_of, kcfg.KNN_TEMPERATURE, log_enabled=False)
            out[task] = float(acc[k])
        return out
