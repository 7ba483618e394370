"""Evaluation of a controller: argmax settings per task, rewards, ceilings, agreement, Hamming distance,
similarity-weighted predictions for unseen tasks, and baselines from the same reward table."""
from __future__ import annotations

import math
from typing import Sequence

import torch

from controller.fixed_rules import (best_single_index, inner_loo_temperature, nearest_task_best, random_expected,
                                    similarity_weighted_index)
from controller.model import ControllerModel
from controller.policy import SettingCodec
from controller.task_db import cosine_matrix
from generator.generator_params import GenParams, all_grid_params

ALL_VARIED = '1_1_1_1_1_3_0_1_1'


def hamming_avg(tuple_strs: Sequence[str]) -> float:
    """Average number of differing GenParams fields over all pairs (as the original: on the 9-tuples)."""
    tups = [GenParams.from_tuple_str(s).get_tuple() for s in tuple_strs]
    n = len(tups)
    if n < 2:
        return 0.0
    total = sum(sum(a != b for a, b in zip(tups[i], tups[j])) for i in range(n) for j in range(i + 1, n))
    return 2.0 * total / (n * (n - 1))


@torch.no_grad()
def head_probs(model: ControllerModel, vecs: torch.Tensor) -> torch.Tensor:
    model.eval()
    dev = next(model.parameters()).device
    return model(vecs.to(device=dev, dtype=torch.float32)).cpu()


def similarity_weighted_probs(train_vecs: torch.Tensor, train_probs: torch.Tensor,
                              test_vecs: torch.Tensor) -> torch.Tensor:
    """Test-task head probabilities as the seen tasks' outputs mixed by cosine similarity (rows sum to 1)."""
    sim = cosine_matrix(test_vecs, train_vecs).float()
    sim = sim / sim.sum(dim=1, keepdim=True)
    return torch.einsum('ts,shk->thk', sim, train_probs)


def evaluate_split(tasks: Sequence[str], probs: torch.Tensor, codec: SettingCodec,
                   rewards: torch.Tensor | None) -> dict:
    """Metrics of the argmax settings of ``probs`` (T, H, K); reward metrics only when ``rewards`` is given."""
    choices = probs.argmax(-1)
    preds = codec.to_tuple_strs(choices)
    out: dict = {
        'tasks': list(tasks),
        'preds': dict(zip(tasks, preds)),
        'num_distinct_preds': len(set(preds)),
        'avg_hamming_dist': hamming_avg(preds),
        'soft_probs': probs[..., 1].tolist(),
        'pred_choices': choices.tolist(),
        'has_rewards': rewards is not None,
    }
    if rewards is None:
        return out
    rows = torch.arange(len(tasks))
    idx = codec.to_index(choices)
    best_idx = rewards.argmax(1)
    best_choices = codec.to_choices(best_idx)
    task_rewards = rewards[rows, idx]
    out.update({
        'avg_reward': float(task_rewards.mean()),
        'max_avg_reward': float(rewards.max(1).values.mean()),
        'task_rewards': dict(zip(tasks, task_rewards.tolist())),
        'task_max_rewards': dict(zip(tasks, rewards.max(1).values.tolist())),
        'best': dict(zip(tasks, codec.to_tuple_strs(best_choices))),
        'best_choices': best_choices.tolist(),
        'agreement': (choices == best_choices).float().tolist(),
        'acc': 100.0 * float((choices == best_choices).float().mean()),
        'exact_match': int((idx == best_idx).sum()),
        'conf': probs.gather(-1, best_choices.unsqueeze(-1)).squeeze(-1).tolist(),
    })
    return out


def baselines(train_tasks: Sequence[str], train_rewards: torch.Tensor, train_vecs: torch.Tensor,
              eval_sets: dict[str, tuple[Sequence[str], torch.Tensor | None, torch.Tensor]]) -> dict:
    """Reference choices scored from the same reward table, per split with rewards.

    ``eval_sets``: split -> (tasks, rewards or None, task vectors). Choices: mean over all 256
    settings; all eight varied; the single setting best on average over the seen tasks; the best
    setting of the nearest seen task by cosine similarity (leave-one-out for seen tasks).
    """
    grid = [gp.get_tuple_str() for gp in all_grid_params()]
    best_single = best_single_index(train_rewards)
    all_varied = grid.index(ALL_VARIED)
    temperature = inner_loo_temperature(train_vecs, train_rewards)
    out = {'best_single_setting': grid[best_single],
           'similarity_temperature': None if math.isinf(temperature) else temperature}
    for split, (tasks, rewards, vecs) in eval_sets.items():
        if rewards is None:
            out[split] = None
            continue
        sim = cosine_matrix(vecs, train_vecs)
        same = torch.tensor([[a == b for b in train_tasks] for a in tasks]).view(len(tasks), len(train_tasks))
        sim = sim.masked_fill(same, -2.0)  # leave-one-out for seen tasks
        rows = torch.arange(len(tasks))
        nearest_best = nearest_task_best(sim, train_rewards)
        out[split] = {
            'random_mean': float(random_expected(rewards).mean()),
            'all_varied': float(rewards[:, all_varied].mean()),
            'best_single_seen': float(rewards[:, best_single].mean()),
            'nearest_seen_task_best': float(rewards[rows, nearest_best].mean()),
            'nearest_seen_task': {t: train_tasks[int(j)] for t, j in zip(tasks, sim.argmax(1))},
            'ceiling': float(rewards.max(1).values.mean()),
        }
        if split == 'test':  # seen tasks would see their own row in the weighted average
            idx = similarity_weighted_index(sim, train_rewards, temperature)
            out[split]['similarity_weighted_rewards'] = float(rewards[rows, idx].mean())
    return out
