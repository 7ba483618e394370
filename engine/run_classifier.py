"""Pre-train a classifier on a (synthetic) ImageFolder, or evaluate a backbone downstream (linear / finetune / kNN).

    python engine/run_classifier.py --debug --cfg-yml configs/pt_default.yaml --cfg-override DATA_DIR data/x/images
    python engine/run_classifier.py --debug --cfg-yml configs/knn_defaults.yaml --DATASET=Digits --BACKBONE_PATH=ckpt.pth.tar
"""
from __future__ import annotations

if __name__ == '__main__' and not __package__:  # run by path from the repository root
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json
import logging
import random
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from common.cli import run_cli
from common.device import resolve_device
from common.errors import UserError, first_line
from common.io import atomic_write_json
from common.tracking import Tracker
from engine import checkpoint as ckpt
from engine.args import parse_args
from engine.config import ClassifierConfig, run_name, run_seed
from engine.distributed import DistEnv, OrderedDistributedSampler, cleanup, init_distributed
from engine.engine import evaluate, train_one_epoch
from engine.knn import knn_accuracy, knn_loader
from models.backbone import DownstreamClassifier, classifier_prefix, create_backbone, features_of

log = logging.getLogger('engine')
QUICK_BATCHES = 32


def seed_everything(seed: int) -> None:
    """Seed the global RNGs that timm mixup, torchvision transforms and dropout draw from."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def load_subset_indices(path: str, key: str, size: int) -> np.ndarray:
    """A 1-D integer index list from a .npy file (never unpickled), each index in 0..size-1."""
    try:
        idx = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise UserError(f'{key}={path!r} does not exist') from None
    except (ValueError, OSError) as e:
        raise UserError(f'{key}={path!r} is not a .npy array of indices (object arrays are refused): '
                        f'{first_line(e)}') from None
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise UserError(f'{key}={path!r} must hold a non-empty 1-D integer array, got shape {idx.shape} '
                        f'dtype {idx.dtype}')
    if idx.min() < 0 or idx.max() >= size:
        raise UserError(f'{key}={path!r} has indices in {idx.min()}..{idx.max()}; allowed: 0..{size - 1} '
                        f'(the set has {size} images)')
    return idx.astype(np.int64)


def _quick_subset(dataset, batch_size: int, world_size: int):
    """A fixed random subset of 32 batches per process (``--quick``); item form and indices kept."""
    n = min(len(dataset), QUICK_BATCHES * batch_size * world_size)
    if n >= len(dataset):
        return dataset
    keep = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))[:n].sort().values
    return dataset.subset(keep.numpy())


def build_data(cfg: ClassifierConfig, quick: bool, world_size: int) -> dict[str, Any]:
    """Datasets and class count for the configured mode."""
    from datasets.folder import build_image_folder
    from datasets.split import carve_train_val
    from datasets.transforms import build_eval_transform, build_train_transform

    mode = cfg.DOWNSTREAM_EVAL
    eval_tf = build_eval_transform(cfg.INPUT_SIZE)
    train_tf = eval_tf if mode == 'knn' else build_train_transform(
        cfg.INPUT_SIZE, cfg.COLOR_JITTER, cfg.AUTO_AUGMENT or None, cfg.INTERPOLATION)
    with_index = mode == 'knn'
    if cfg.TRAIN_ONLY:
        if not cfg.DATA_DIR:
            raise UserError('TRAIN_ONLY needs DATA_DIR (an ImageFolder of class folders)')
        train, test = build_image_folder(cfg.DATA_DIR, train_tf), None
        num_classes = len(train.classes)
    elif cfg.DATASET:
        from datasets import build_dataset
        train = build_dataset(cfg.DATASET, 'train', train_tf, with_index=with_index)
        test = build_dataset(cfg.DATASET, 'test', eval_tf, with_index=with_index)
        num_classes = int(train.num_classes)
    elif cfg.DATA_DIR:
        root = Path(cfg.DATA_DIR)
        train = build_image_folder(root / 'train', train_tf, with_index=with_index)
        test = build_image_folder(root / 'val', eval_tf, with_index=with_index)
        num_classes = len(train.classes)
    else:
        raise UserError('set DATASET (a name in configs/datasets.yaml) or DATA_DIR')
    if cfg.SUBSET_PATH:
        train = train.subset(load_subset_indices(cfg.SUBSET_PATH, 'SUBSET_PATH', len(train)))
    if cfg.TEST_SUBSET_PATH:
        if test is None:
            raise UserError('TEST_SUBSET_PATH needs a test set (DATASET or DATA_DIR/val), not TRAIN_ONLY')
        test = test.subset(load_subset_indices(cfg.TEST_SUBSET_PATH, 'TEST_SUBSET_PATH', len(test)))
    if cfg.SPLIT_FRAC is not None and not cfg.TRAIN_ONLY:
        # the original: per class with seed 44 for a DATA_DIR folder, one global permutation otherwise
        train, val = carve_train_val(train, float(cfg.SPLIT_FRAC), per_class=bool(cfg.DATA_DIR) and not cfg.DATASET)
        if cfg.VAL_AS_TEST:
            test = val
    if quick:
        train = _quick_subset(train, cfg.BATCH_SIZE, world_size)
        test = _quick_subset(test, cfg.BATCH_SIZE, world_size) if test is not None else None
    return {'train': train, 'test': test, 'num_classes': num_classes}


def make_loader(dataset, cfg: ClassifierConfig, env: DistEnv, train: bool, seed: int,
                device: torch.device) -> DataLoader:
    """Training: shuffled (DistributedSampler across ranks), drop_last; evaluation: ordered slices."""
    if train and env.distributed:
        sampler = DistributedSampler(dataset, num_replicas=env.world_size, rank=env.rank,
                                     shuffle=True, seed=seed, drop_last=True)
    elif env.distributed:
        sampler = OrderedDistributedSampler(len(dataset), env.rank, env.world_size)
    else:
        sampler = None
    drop_last = train and len(dataset) // env.world_size >= cfg.BATCH_SIZE
    return DataLoader(dataset, batch_size=cfg.BATCH_SIZE, sampler=sampler,
                      shuffle=train and sampler is None, drop_last=drop_last,
                      num_workers=cfg.NUM_WORKERS, pin_memory=device.type == 'cuda',
                      persistent_workers=cfg.NUM_WORKERS > 0,
                      generator=torch.Generator().manual_seed(seed))


def build_model(cfg: ClassifierConfig, num_classes: int) -> nn.Module:
    mode = cfg.DOWNSTREAM_EVAL
    if mode == '':
        model = create_backbone(cfg.MODEL, num_classes, cfg.DROP_RATE, cfg.DROP_PATH_RATE)
        if cfg.BACKBONE_PATH:
            ckpt.load_backbone(model, cfg.BACKBONE_PATH, classifier_prefix(model), cfg.ALLOW_PARTIAL_LOAD)
        return model
    # drop-path is active in finetuning and in the original's train-mode kNN features
    drop_path = cfg.DROP_PATH_RATE if mode == 'finetune' or (mode == 'knn' and cfg.KNN_FEATURES == 'original') else 0.0
    backbone = create_backbone(cfg.MODEL, 0, cfg.DROP_RATE, drop_path)
    if cfg.BACKBONE_PATH:
        ckpt.load_backbone(backbone, cfg.BACKBONE_PATH, classifier_prefix(backbone), cfg.ALLOW_PARTIAL_LOAD)
    if mode == 'knn':
        return backbone
    return DownstreamClassifier(backbone, num_classes, cfg.DOWNSTREAM_DROP, frozen=mode == 'linear')


def _criterion_and_mixup(cfg: ClassifierConfig, num_classes: int):
    from timm.data import Mixup
    from timm.loss import LabelSmoothingCrossEntropy, SoftTargetCrossEntropy
    mixup_on = cfg.MIXUP > 0 or cfg.CUTMIX > 0 or cfg.CUTMIX_MINMAX is not None
    if mixup_on:
        mixup = Mixup(mixup_alpha=cfg.MIXUP, cutmix_alpha=cfg.CUTMIX, cutmix_minmax=cfg.CUTMIX_MINMAX,
                      prob=cfg.MIXUP_PROB, switch_prob=cfg.MIXUP_SWITCH_PROB, mode=cfg.MIXUP_MODE,
                      label_smoothing=cfg.SMOOTHING, num_classes=num_classes)
        return SoftTargetCrossEntropy(), mixup
    if cfg.SMOOTHING > 0:
        return LabelSmoothingCrossEntropy(smoothing=cfg.SMOOTHING), None
    return nn.CrossEntropyLoss(), None


def _optimizer_and_scheduler(cfg: ClassifierConfig, model: nn.Module, updates_per_epoch: int):
    from timm.optim import create_optimizer_v2
    from timm.scheduler import create_scheduler_v2
    kwargs = {'momentum': cfg.MOMENTUM} if cfg.OPTIM.lower() in ('sgd', 'momentum', 'nesterov') else {}
    try:
        optimizer = create_optimizer_v2(model, opt=cfg.OPTIM, lr=cfg.LR, weight_decay=cfg.WD, **kwargs)
        scheduler, _ = create_scheduler_v2(
            optimizer, sched=cfg.SCHED, num_epochs=cfg.MAX_EPOCHS, decay_epochs=cfg.DECAY_EPOCHS[0],
            decay_milestones=list(cfg.DECAY_EPOCHS), decay_rate=cfg.DECAY_RATE, min_lr=cfg.MIN_LR,
            warmup_lr=cfg.WARMUP_LR, warmup_epochs=cfg.WARMUP_EPOCHS, step_on_epochs=not cfg.LR_STEP_ON_UPDATES,
            updates_per_epoch=updates_per_epoch)
    except (AssertionError, ValueError) as e:
        raise UserError(f'OPTIM={cfg.OPTIM!r} / SCHED={cfg.SCHED!r}: {first_line(e)}') from None
    return optimizer, scheduler


class _Results:
    """Per-epoch metrics and final accuracies, rewritten atomically as SAVE_DIR/results.json."""

    def __init__(self, path: Path, cfg: ClassifierConfig, enabled: bool):
        self.path, self.enabled = path, enabled
        self.data: dict[str, Any] = {'config': json.loads(json.dumps(cfg)), 'epochs': []}
        if enabled and path.is_file():  # keep the history of a resumed run
            try:
                self.data['epochs'] = json.loads(path.read_text()).get('epochs', [])
            except json.JSONDecodeError:
                pass

    def add_epoch(self, stats: dict[str, Any]) -> None:
        self.data['epochs'] = [e for e in self.data['epochs'] if e['epoch'] < stats['epoch']] + [stats]
        self.write()

    def set(self, **values: Any) -> None:
        self.data.update(values)
        self.write()

    def write(self) -> None:
        if self.enabled:
            atomic_write_json(self.path, self.data)


def run(cfg: ClassifierConfig, debug: bool = True, quick: bool = False, dist_url: str = 'env://',
        world_size: int = 1, local_rank: int = 0) -> dict[str, Any]:
    """Run one classifier job; returns its final metrics (also written to SAVE_DIR/results.json)."""
    device = resolve_device(cfg.DEVICE)
    env = init_distributed(dist_url, world_size, local_rank, device.type)
    if device.type == 'cuda' and not cfg.DEVICE:
        device = torch.device('cuda', env.local_rank)
    # the engine's own loggers only; handlers are the CLI's business (main)
    log.setLevel(logging.INFO if env.is_main and cfg.LOG_LEVEL >= 2 else logging.WARNING)
    seed = run_seed(cfg)
    seed_everything(seed)  # the same initial weights on every rank
    save_dir = Path(cfg.SAVE_DIR)
    if env.is_main:
        save_dir.mkdir(parents=True, exist_ok=True)
    results = _Results(save_dir / 'results.json', cfg, env.is_main)
    tracker = Tracker(enabled=not debug and env.is_main, project=cfg.PROJECT, name=run_name(cfg),
                      config=json.loads(json.dumps(cfg)), save_dir=str(save_dir), notes=cfg.NOTES)
    try:
        data = build_data(cfg, quick, env.world_size)
        model = build_model(cfg, data['num_classes']).to(device)
        log.info('%s: %d train / %s test images, %d classes, model %s on %s x%d', cfg.DOWNSTREAM_EVAL or 'pretrain',
                 len(data['train']), len(data['test']) if data['test'] is not None else '-',
                 data['num_classes'], cfg.MODEL, device, env.world_size)
        if cfg.DOWNSTREAM_EVAL == 'knn':
            out = _run_knn(cfg, model, data, env, device, seed)
        else:
            out = _run_training(cfg, model, data, env, device, seed, results, tracker)
        results.set(final=out)
        tracker.log({f'final/{k}': v for k, v in out.items() if isinstance(v, (int, float))})
        return out
    finally:
        tracker.finish()
        cleanup()


def _knn_sampler(dataset, env: DistEnv, bank: bool, mode: str, seed: int):
    if not env.distributed:
        return None
    if mode == 'original' and bank:   # the original: a shuffled DistributedSampler, drop_last in the loader
        return DistributedSampler(dataset, num_replicas=env.world_size, rank=env.rank, shuffle=True, seed=seed)
    return OrderedDistributedSampler(len(dataset), env.rank, env.world_size)


def _run_knn(cfg, model, data, env, device, seed) -> dict[str, Any]:
    mode = cfg.KNN_FEATURES
    loaders = [knn_loader(data[split], cfg.BATCH_SIZE, mode, bank=split == 'train', seed=seed,
                          num_workers=cfg.NUM_WORKERS, pin_memory=device.type == 'cuda',
                          sampler=_knn_sampler(data[split], env, split == 'train', mode, seed))
               for split in ('train', 'test')]
    t0 = time.perf_counter()
    accs, rate = knn_accuracy(model, *loaders, cfg.NUM_NEIGHBORS, data['num_classes'], mode, device, seed,
                              len(data['train']), len(data['test']), features_of, cfg.KNN_TEMPERATURE,
                              distributed=env.distributed, log_interval=cfg.LOG_INTERVAL, log_enabled=env.is_main)
    for k, acc in accs.items():
        log.info('%d-NN top-1 accuracy: %.2f%%', k, acc)
    return {'knn_acc': {str(k): v for k, v in accs.items()}, 'knn_features': mode, 'feature_img_per_s': rate,
            'seconds': time.perf_counter() - t0}


def _run_training(cfg, model, data, env, device, seed, results, tracker) -> dict[str, Any]:
    train_loader = make_loader(data['train'], cfg, env, train=True, seed=seed, device=device)
    test_loader = (make_loader(data['test'], cfg, env, train=False, seed=seed, device=device)
                   if data['test'] is not None else None)
    criterion, mixup = _criterion_and_mixup(cfg, data['num_classes'])
    optimizer, scheduler = _optimizer_and_scheduler(cfg, model, len(train_loader))
    amp = bool(cfg.AMP) and device.type == 'cuda'
    scaler = torch.amp.GradScaler('cuda') if amp else None
    start_epoch = 0
    if cfg.RESUME:
        start_epoch = ckpt.resume(cfg.RESUME, model, optimizer, scheduler, scaler)
        log.info('resumed from %s at epoch %d', cfg.RESUME, start_epoch)
    net = model
    if env.distributed:
        net = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == 'cuda' else None)
    save_dir = Path(cfg.SAVE_DIR)
    last_eval: dict[str, float] = {}
    stats: dict[str, float] = {}
    if cfg.EVAL_ONLY:
        if test_loader is None:
            raise UserError('EVAL_ONLY needs a test set (DATASET or DATA_DIR/val)')
        last_eval = evaluate(model, test_loader, device, amp, env.distributed, cfg.LOG_INTERVAL, env.is_main)
        log.info('test acc1 %.2f%%', last_eval['acc1'])
        return {'test': last_eval}
    for epoch in range(start_epoch, cfg.MAX_EPOCHS):
        seed_everything(seed + 1000 * (epoch + 1) + env.rank)  # same draws whether or not the run resumed
        if isinstance(train_loader.sampler, DistributedSampler):
            train_loader.sampler.set_epoch(epoch)
        train_loader.generator.manual_seed(seed + epoch)
        stats = train_one_epoch(net, criterion, train_loader, optimizer, device, epoch, scheduler, scaler,
                                mixup, cfg.GRAD_CLIP, amp, cfg.LOG_INTERVAL, env.is_main)
        scheduler.step(epoch + 1)
        record = {'epoch': epoch, **{f'train_{k}': v for k, v in stats.items()}}
        last_epoch = epoch + 1 == cfg.MAX_EPOCHS
        if test_loader is not None and ((epoch + 1) % cfg.VAL_INTERVAL == 0 or last_epoch):
            last_eval = evaluate(model, test_loader, device, amp, env.distributed, cfg.LOG_INTERVAL, env.is_main)
            record.update({f'test_{k}': v for k, v in last_eval.items()})
            log.info('epoch %d: test acc1 %.2f%%', epoch, last_eval['acc1'])
        if env.is_main:
            if cfg.SAVE_MODEL:
                path = ckpt.save_checkpoint(save_dir / 'checkpoint.pth.tar', model, optimizer, scheduler,
                                            scaler, epoch, config=json.loads(json.dumps(cfg)))
                if cfg.CKPT_SAVE_INTERVAL and (epoch + 1) % cfg.CKPT_SAVE_INTERVAL == 0:
                    ckpt.copy_checkpoint(path, save_dir / f'checkpoint_{epoch + 1:04d}.pth.tar')
            results.add_epoch(record)
            tracker.log(record, step=epoch)
        log.info('epoch %d done: train loss %.4f, %.1f img/s', epoch, stats.get('loss', float('nan')),
                 stats['img_per_s'])
    return {'train': stats, 'test': last_eval, 'epochs': cfg.MAX_EPOCHS}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args, cfg = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s', datefmt='%H:%M:%S')
    return run(cfg, debug=args.debug, quick=args.quick, dist_url=args.dist_url,
               world_size=args.world_size, local_rank=args.local_rank)


if __name__ == '__main__':
    run_cli(main)
