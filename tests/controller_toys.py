"""Small synthetic task and reward DBs for controller tests (best setting depends on the task vector)."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from controller.task_db import save_task_db
from generator.generator_params import all_grid_params

GRID = [gp.get_tuple_str() for gp in all_grid_params()]


def toy_tasks(num_tasks: int = 6, dim: int = 24, seed: int = 0) -> tuple[dict, dict, dict[str, int]]:
    """Task DB, reward DB and each task's best grid index.

    Task vectors are positive and similar (like Task2Vec's); the best setting's 8 bits are the signs
    of 8 fixed projections of the (centred) vector; the reward is 40 - 2 * Hamming(setting, best) + noise.
    """
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(dim, generator=g) + 1.0
    vecs = base + 0.3 * torch.randn(num_tasks, dim, generator=g)
    proj = torch.randn(dim, 8, generator=g)
    bits = ((vecs - vecs.mean(0)) @ proj > 0).long()
    best = {f'task{i}': int(sum(int(b) << (7 - j) for j, b in enumerate(bits[i]))) for i in range(num_tasks)}
    idx = torch.arange(256)
    grid_bits = torch.stack([(idx >> (7 - j)) & 1 for j in range(8)], 1)
    task_db, reward_db = {}, {}
    for i in range(num_tasks):
        name = f'task{i}'
        task_db[name] = {'hessian': vecs[i].abs(), 'scale': torch.ones(dim)}
        ham = (grid_bits != bits[i]).sum(1).double()
        r = 40.0 - 2.0 * ham + 0.1 * torch.rand(256, generator=g, dtype=torch.float64)
        r[best[name]] = 41.0
        reward_db[name] = dict(zip(GRID, r.tolist()))
    return task_db, reward_db, best


def write_toy_dbs(folder: Path, num_tasks: int = 6, num_test: int = 2, dim: int = 24,
                  test_rewards: bool = False) -> tuple[Path, Path, list[str], list[str], dict[str, int]]:
    task_db, reward_db, best = toy_tasks(num_tasks + num_test, dim)
    names = list(task_db)
    train, test = names[:num_tasks], names[num_tasks:]
    if not test_rewards:
        for t in test:
            reward_db.pop(t)
    tdb = save_task_db(folder / 'toy_tasks.pt', task_db)
    rdb = folder / 'toy_rewards.json'
    rdb.write_text(json.dumps(reward_db))
    return tdb, rdb, train, test, best


CLUSTER_BITS = ('11100000', '00011100', '00000011')  # bitwise majority 00000000 is none of them


def cluster_tasks(per_cluster: int = 4, dim: int = 32, seed: int = 0) -> tuple[dict, dict, dict[str, int]]:
    """Task DB, reward DB and best grid index of tasks in 3 clusters that share their best setting.

    Embeddings are positive, within a cluster at cosine > 0.98, across clusters well below; the reward
    is 40 - 2 * Hamming(setting, cluster setting) + noise, so the best single setting over all tasks
    (bitwise majority) is none of the clusters' settings.
    """
    g = torch.Generator().manual_seed(seed)
    idx = torch.arange(256)
    grid_bits = torch.stack([(idx >> (7 - j)) & 1 for j in range(8)], 1)
    task_db, reward_db, best = {}, {}, {}
    for c, bits in enumerate(CLUSTER_BITS):
        centre = torch.zeros(dim)
        centre[c * dim // 3:(c + 1) * dim // 3] = 1.0
        centre += 0.1
        b = torch.tensor([int(ch) for ch in bits])
        target = int(bits, 2)
        for k in range(per_cluster):
            name = f'c{c}t{k}'
            task_db[name] = {'hessian': centre + 0.03 * torch.rand(dim, generator=g), 'scale': torch.ones(dim)}
            r = 40.0 - 2.0 * (grid_bits != b).sum(1).double() + 0.2 * torch.rand(256, generator=g, dtype=torch.float64)
            r[target] = 41.0
            reward_db[name] = dict(zip(GRID, r.tolist()))
            best[name] = target
    return task_db, reward_db, best
