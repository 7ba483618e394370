"""train_one_epoch / evaluate with explicit ``model, loader, optimizer, device`` arguments."""
from __future__ import annotations

import math
from contextlib import nullcontext
from typing import Callable, Optional

import torch
import torch.distributed as dist
from torch import nn

from common.errors import UserError
from engine.logger import MetricLogger


class TrainingDiverged(UserError):
    """The loss became NaN or infinite."""


def autocast_for(device: torch.device, enabled: bool):
    """fp16 autocast on CUDA when enabled; plain fp32 elsewhere."""
    if enabled and device.type == 'cuda':
        return torch.autocast(device_type='cuda', dtype=torch.float16)
    return nullcontext()


def train_one_epoch(model: nn.Module, criterion: nn.Module, loader, optimizer: torch.optim.Optimizer,
                    device: torch.device, epoch: int, lr_scheduler=None, scaler=None,
                    mixup_fn: Optional[Callable] = None, grad_clip: Optional[float] = None,
                    amp: bool = True, log_interval: int = 25, log_enabled: bool = True) -> dict[str, float]:
    """One pass over ``loader``; ``step_update`` per update changes the LR only with LR_STEP_ON_UPDATES True."""
    model.train()
    logger = MetricLogger(header=f'Epoch [{epoch}]', print_freq=log_interval, enabled=log_enabled)
    num_updates = epoch * len(loader)
    for step, batch in enumerate(logger.log_every(loader)):
        images, targets = batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
        if mixup_fn is not None:
            images, targets = mixup_fn(images, targets)
        with autocast_for(device, amp):
            loss = criterion(model(images), targets)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainingDiverged(f'loss is {loss_value} at epoch {epoch}, step {step}; '
                                   f'lower LR or set GRAD_CLIP')
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            if grad_clip:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            if grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
        num_updates += 1
        if lr_scheduler is not None:
            lr_scheduler.step_update(num_updates=num_updates)
        logger.update(n=images.shape[0], loss=loss_value, lr=optimizer.param_groups[0]['lr'])
    stats = logger.averages()
    stats['img_per_s'] = logger.throughput
    return stats


@torch.no_grad()
def evaluate(model: nn.Module, loader, device: torch.device, amp: bool = True,
             distributed: bool = False, log_interval: int = 25,
             log_enabled: bool = True) -> dict[str, float]:
    """Top-1 / top-5 accuracy (percent) and mean loss over ``loader`` (summed across ranks)."""
    model.eval()
    criterion = nn.CrossEntropyLoss(reduction='sum')
    totals = torch.zeros(4, dtype=torch.float64, device=device)  # loss, top1, top5, count
    logger = MetricLogger(header='Test', print_freq=log_interval, enabled=log_enabled)
    for batch in logger.log_every(loader):
        images, targets = batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
        with autocast_for(device, amp):
            output = model(images)
        output = output.float()
        k = min(5, output.shape[1])
        top = output.topk(k, dim=1).indices
        hits = top.eq(targets[:, None])
        totals += torch.tensor([criterion(output, targets).item(), hits[:, 0].sum().item(),
                                hits.any(dim=1).sum().item(), targets.numel()],
                               dtype=torch.float64, device=device)
    if distributed:
        dist.all_reduce(totals)
    count = max(totals[3].item(), 1.0)
    return {'loss': totals[0].item() / count, 'acc1': 100.0 * totals[1].item() / count,
            'acc5': 100.0 * totals[2].item() / count, 'num_samples': int(totals[3].item())}
