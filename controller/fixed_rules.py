"""Non-learned rules that pick a setting for a new task from the training tasks' reward rows.

Every rule sees only the training tasks (their rewards and task vectors) and the new task's vector;
a rule's pick is a grid index 0..255. They are the baselines a controller has to beat.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from controller.task_db import cosine_matrix

# temperatures tried by the inner leave-one-out of the similarity-weighted rule; inf = uniform weights
SIMILARITY_TEMPERATURES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, math.inf)


def best_single_index(train_rewards: torch.Tensor) -> int:
    """The setting with the best mean reward over the training tasks (lowest index on ties)."""
    return int(train_rewards.mean(0).argmax())


def nearest_task_best(sim: torch.Tensor, train_rewards: torch.Tensor) -> torch.Tensor:
    """(N,) the best setting of each new task's nearest training task; ``sim`` is (N, T) cosine."""
    return train_rewards.argmax(1)[sim.argmax(1)]


def similarity_weights(sim: torch.Tensor, temperature: float) -> torch.Tensor:
    """Softmax of cosine / temperature over the training tasks (uniform for an infinite temperature)."""
    if math.isinf(temperature):
        return torch.full_like(sim, 1.0 / sim.shape[1])
    return torch.softmax(sim / temperature, dim=1)


def similarity_weighted_index(sim: torch.Tensor, train_rewards: torch.Tensor, temperature: float) -> torch.Tensor:
    """(N,) argmax of the similarity-weighted average of the training tasks' reward rows."""
    return (similarity_weights(sim, temperature).to(train_rewards.dtype) @ train_rewards).argmax(1)


def inner_loo_temperature(train_vecs: torch.Tensor, train_rewards: torch.Tensor,
                          temperatures: Sequence[float] = SIMILARITY_TEMPERATURES) -> float:
    """The temperature whose leave-one-out picks score best on the training tasks themselves.

    Each training task in turn is predicted from the others; ties go to the larger temperature
    (the smoother rule). Needs at least 3 training tasks; with fewer it returns inf (uniform).
    """
    n = len(train_rewards)
    if n < 3:
        return math.inf
    sim = cosine_matrix(train_vecs)
    best_t, best_score = math.inf, -math.inf
    for t in sorted(temperatures, reverse=True):
        score = 0.0
        for i in range(n):
            rest = [j for j in range(n) if j != i]
            idx = similarity_weighted_index(sim[i:i + 1, rest], train_rewards[rest], t)
            score += float(train_rewards[i, idx])
        if score > best_score + 1e-9:
            best_t, best_score = t, score
    return best_t


def random_expected(rewards: torch.Tensor) -> torch.Tensor:
    """(N,) expected reward of a uniformly random setting for each task."""
    return rewards.mean(1)
