"""Distributed set-up from torchrun / Slurm / submitit environments; gloo on CPU, nccl on GPU."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Sampler


@dataclass
class DistEnv:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    distributed: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _env_int(*names: str) -> int | None:
    for n in names:
        if os.environ.get(n) not in (None, ''):
            return int(os.environ[n])
    return None


def init_distributed(dist_url: str = 'env://', world_size: int | None = None,
                     local_rank: int | None = None, device_type: str = 'cpu') -> DistEnv:
    """Join the process group when torchrun/Slurm/submitit launched several processes; else one process."""
    rank = _env_int('RANK', 'SLURM_PROCID')
    ws = _env_int('WORLD_SIZE', 'SLURM_NTASKS') or world_size or 1
    lr = _env_int('LOCAL_RANK', 'SLURM_LOCALID')
    if lr is None:
        lr = local_rank or 0
    if rank is None or ws <= 1:
        return DistEnv()
    backend = 'nccl' if device_type == 'cuda' else 'gloo'
    if device_type == 'cuda':
        torch.cuda.set_device(lr)
    if dist_url == 'env://':
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
        os.environ.setdefault('MASTER_PORT', '29500')
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, init_method=dist_url, world_size=ws, rank=rank)
    return DistEnv(rank=rank, world_size=ws, local_rank=lr, distributed=True)


def cleanup() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_mean(value: float, env: DistEnv, device: torch.device) -> float:
    if not env.distributed:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return (t / env.world_size).item()


class OrderedDistributedSampler(Sampler[int]):
    """Evaluation sampler: rank r takes a contiguous, ordered slice (no padding, so no sample counts twice)."""

    def __init__(self, length: int, rank: int, world_size: int):
        per_rank = int(math.ceil(length / world_size))
        self.indices = list(range(min(rank * per_rank, length), min((rank + 1) * per_rank, length)))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)
