"""Time controller training: 1000 epochs of the default and original configs on the CPU.

    python bench/controller_speed.py                 # paper's reference tables when present, else synthetic
    python bench/controller_speed.py --threads 2 --dense_epochs 100

Prints, side by side in one run: seconds for NUM_EPOCHS epochs with the exact layer-1 subspace
re-parametrisation (the default), the same for the dense 9600x400 layer over --dense_epochs epochs
(both measured here), and the ratio to the original code's 13 minutes per 1000 epochs (reported
for the released code on 2 CPU cores; not re-measured here because it needs its CUDA-only code path).
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import time
from pathlib import Path

import torch

from common.cli import ArgumentParser
from controller.config import ControllerConfig
from controller.model import ControllerModel, set_input_norm
from controller.reward_db import load_reward_db, reward_table
from controller.task_db import load_task_db, task_vectors
from controller.train import member_seeds, train_controller_model

REF = Path(__file__).resolve().parents[1].parent / 'shared' / 'reference' / 'task2sim_paper'
ORIGINAL_SECONDS = 13 * 60


def load_tables(cfg: ControllerConfig) -> tuple[torch.Tensor, torch.Tensor, str]:
    if (REF / 'reward_db_seen.json').is_file():
        db = load_task_db(REF / 'resnet18_imagenet_12_seen_tasks.pt')
        return (task_vectors(db, cfg.TRAIN_TASKS), reward_table(load_reward_db(REF / 'reward_db_seen.json'),
                                                                 cfg.TRAIN_TASKS), 'paper reference tables')
    g = torch.Generator().manual_seed(0)
    vecs = torch.rand(len(cfg.TRAIN_TASKS), 9600, generator=g)
    return vecs, 20 + 20 * torch.rand(len(cfg.TRAIN_TASKS), 256, generator=g, dtype=torch.float64), \
        'synthetic tables (reference folder absent)'


def time_run(cfg: ControllerConfig, vecs: torch.Tensor, rewards: torch.Tensor, seed: int) -> tuple[float, float]:
    model = ControllerModel(vecs.shape[1], cfg.NUM_HIDDEN_NODES, cfg.CONT_OUT_PARAMS)
    model.reset_parameters(torch.Generator().manual_seed(seed), cfg.INIT_GAIN)
    set_input_norm(model, cfg.INPUT_NORM, vecs)
    t0 = time.perf_counter()
    hist = train_controller_model(model, cfg, vecs, rewards, seed=seed)
    return time.perf_counter() - t0, hist.greedy_reward[-1]


def main() -> None:
    p = ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=1000)
    p.add_argument('--dense_epochs', type=int, default=100, help='epochs timed for the dense layer-1 path')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import os
    print(f'torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, '
          f'load average at start {os.getloadavg()[0]:.1f} (other processes share the CPUs)')
    for name in ('default', 'original'):
        base = ControllerConfig(f'configs/controller_{name}.yaml', ['USE_PBAR', False])
        vecs, rewards, source = load_tables(base)
        rows = []
        for fast, epochs in ((True, args.epochs), (True, args.dense_epochs), (False, args.dense_epochs)):
            cfg = ControllerConfig(f'configs/controller_{name}.yaml',
                                   ['USE_PBAR', False, 'NUM_EPOCHS', epochs, 'FAST_SUBSPACE', fast])
            sec, reward = time_run(cfg, vecs, rewards, args.seed)
            rows.append((fast, epochs, sec, reward))
        print(f'\n{name} config ({source}, {len(base.TRAIN_TASKS)} tasks, seed {args.seed})')
        print(f"  {'layer 1':22s} {'epochs':>6s} {'seconds':>8s} {'final greedy reward':>20s}")
        for fast, epochs, sec, reward in rows:
            print(f"  {'subspace (exact)' if fast else 'dense 9600x400':22s} {epochs:6d} {sec:8.1f} {reward:20.2f}")
        full = rows[0][2]
        print(f'  subspace vs dense over {args.dense_epochs} epochs: {rows[2][2] / rows[1][2]:.1f}x faster')
        print(f'  {args.epochs} epochs: {full:.1f} s (target <= 60 s); vs the original 13 min: '
              f'{ORIGINAL_SECONDS * args.epochs / 1000 / full:.0f}x faster')
        if base.ENSEMBLE > 1:
            cfg = ControllerConfig(f'configs/controller_{name}.yaml', ['USE_PBAR', False, 'NUM_EPOCHS', args.epochs])
            total = sum(time_run(cfg, vecs, rewards, s)[0] for s in member_seeds(cfg))
            print(f'  the whole ensemble as configured ({base.ENSEMBLE} members x {args.epochs} epochs): '
                  f'{total:.1f} s (target <= 180 s)')
    print(f'\nload average at end {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
