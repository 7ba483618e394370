"""REINFORCE training of the controller with a greedy baseline and self-imitation (the original's loop, vectorised)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from timm.scheduler.step_lr import StepLRScheduler
from tqdm import tqdm
from yacs.config import CfgNode

from controller.model import ControllerModel, set_input_norm
from controller.policy import SettingCodec, add_exploration_noise, exploration_eps, sample_choices
from controller.reward_db import normalise_rewards


@dataclass
class TrainHistory:
    """Per-epoch curves (the original's wandb log keys)."""
    sampled_reward: list[float] = field(default_factory=list)   # 'Average Reward'
    greedy_reward: list[float] = field(default_factory=list)    # 'Avg Train Reward (intermediate)'
    replay_max: list[float] = field(default_factory=list)       # 'Avg Replay Max'
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.__dict__.items()}


class _SubspaceFirstLayer:
    """Exact re-parametrisation of layer 1 for SGD: only its part on span(training inputs) gets gradients.

    W = C Q^T + a * R0, with Q an orthonormal basis of the training inputs, C = W Q trained as a
    (hidden x k) layer on inputs X Q, and R0 the rest of W, which SGD with momentum and weight decay
    only rescales: its coefficient a follows a scalar recurrence. Training inputs never see R0.
    """

    def __init__(self, weight: torch.Tensor, inputs: torch.Tensor, momentum: float, wd: float):
        q, _ = torch.linalg.qr(inputs.double().T)  # (D, k)
        self.q = q.to(weight.dtype)
        c = weight @ self.q
        self.c0 = c
        self.r0 = weight - c @ self.q.T
        self.a, self.m, self.first = 1.0, 0.0, True
        self.momentum, self.wd = momentum, wd

    def step(self, lr: float) -> None:
        d = self.wd * self.a
        self.m = d if self.first else self.momentum * self.m + d
        self.first = False
        self.a -= lr * self.m

    def full_weight(self, c: torch.Tensor) -> torch.Tensor:
        return c @ self.q.T + self.a * self.r0


class _FlatMLP(torch.nn.Module):
    """The controller's parameters as 6 flat tensors (all heads in one matrix) for fast training steps.

    Element-wise optimisers treat it exactly like the ControllerModel it was made from.
    """

    def __init__(self, model: ControllerModel, w1: torch.Tensor):
        super().__init__()
        heads = [model.heads[k][0] for k in model.head_names]
        p = torch.nn.Parameter
        self.w1 = p(w1.detach().clone())
        self.b1 = p(model.backbone[0].bias.detach().clone())
        self.w2 = p(model.backbone[2].weight.detach().clone())
        self.b2 = p(model.backbone[2].bias.detach().clone())
        self.wh = p(torch.cat([h.weight.detach() for h in heads]))
        self.bh = p(torch.cat([h.bias.detach() for h in heads]))
        self.num_heads, self.num_options = len(heads), model.num_options

    def forward_preprocessed(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(F.linear(torch.relu(F.linear(z, self.w1, self.b1)), self.w2, self.b2))
        logits = F.linear(h, self.wh, self.bh).view(z.shape[0], self.num_heads, self.num_options)
        return torch.softmax(logits, dim=-1)

    @torch.no_grad()
    def write_back(self, model: ControllerModel, w1_map: Callable[[torch.Tensor], torch.Tensor] | None) -> None:
        model.backbone[0].weight.copy_(self.w1 if w1_map is None else w1_map(self.w1))
        model.backbone[0].bias.copy_(self.b1)
        model.backbone[2].weight.copy_(self.w2)
        model.backbone[2].bias.copy_(self.b2)
        k = self.num_options
        for i, name in enumerate(model.head_names):
            model.heads[name][0].weight.copy_(self.wh[i * k:(i + 1) * k])
            model.heads[name][0].bias.copy_(self.bh[i * k:(i + 1) * k])


def _make_optimizer(params, cfg: CfgNode) -> torch.optim.Optimizer:
    if cfg.OPTIM == 'sgd':
        return torch.optim.SGD(params, lr=cfg.LR, momentum=cfg.MOMENTUM, weight_decay=cfg.WD, foreach=True)
    return torch.optim.Adam(params, lr=cfg.LR, weight_decay=cfg.WD, foreach=True)


def _pairwise_neg_log_probs(log_probs: torch.Tensor, choices: torch.Tensor) -> torch.Tensor:
    """nlp[i, j] = -sum_heads log p_i(choice of task j): the original's ``probs[:, choices]`` indexing."""
    b, h, k = log_probs.shape
    idx = choices.unsqueeze(0).unsqueeze(-1).expand(b, b, h, 1)
    return -log_probs.unsqueeze(1).expand(b, b, h, k).gather(-1, idx).squeeze(-1).sum(-1)


def train_controller_model(model: ControllerModel, cfg: CfgNode, train_vecs: torch.Tensor,
                           rewards: torch.Tensor, seed: int, device: torch.device | str = 'cpu',
                           checkpoint_fn: Callable[[int, ControllerModel], None] | None = None,
                           log: Callable[[str], None] | None = None) -> TrainHistory:
    """Train ``model`` in place on (T, D) raw task vectors and their (T, 256) reward rows."""
    device = torch.device(device)
    model.to(device).train()
    codec = SettingCodec(model.head_names)
    rng = np.random.default_rng(seed)
    gen = torch.Generator(device=device).manual_seed(seed)
    raw = rewards.to(device=device, dtype=torch.float32)  # the curves report raw rewards
    rewards = normalise_rewards(rewards.double(), cfg.REWARD_NORM).to(device=device, dtype=torch.float32)
    num_tasks = rewards.shape[0]
    task_rows = torch.arange(num_tasks, device=device)
    with torch.no_grad():
        x = model.preprocess(train_vecs.to(device=device, dtype=torch.float32))

    sub = None
    w1 = model.backbone[0].weight.detach()
    if cfg.FAST_SUBSPACE and cfg.OPTIM == 'sgd':
        sub = _SubspaceFirstLayer(w1, x, cfg.MOMENTUM, cfg.WD)
        w1, x = sub.c0, x @ sub.q
    net = _FlatMLP(model, w1).to(device)

    def materialize() -> ControllerModel:
        net.write_back(model, sub.full_weight if sub is not None else None)
        return model

    optimizer = _make_optimizer(net.parameters(), cfg)
    scheduler = StepLRScheduler(optimizer, decay_t=cfg.LR_DECAY_EPOCH, decay_rate=cfg.LR_DECAY_GAMMA,
                                warmup_t=cfg.WARMUP_EPOCHS, warmup_lr_init=cfg.WARMUP_LR, t_in_epochs=True,
                                warmup_prefix=False)  # timm 0.4.12 (the original's): decay counted from epoch 0

    replay = torch.full((num_tasks, 256), -math.inf, device=device)
    last_greedy = torch.zeros(num_tasks, device=device)
    adv_var = None  # running variance of advantages, for ADV_NORM
    hist = TrainHistory()
    batch_size = cfg.BATCH_SIZE
    num_steps = math.ceil(num_tasks / batch_size)
    bar = tqdm(range(cfg.NUM_EPOCHS), desc='controller', disable=not cfg.USE_PBAR, leave=False)
    for epoch in bar:
        order = torch.as_tensor(rng.permutation(num_tasks), device=device)
        n_sub = 1 + cfg.NUM_REPLAY_STEPS if epoch >= cfg.IMITATION_START_EPOCH else 1
        eps = exploration_eps(cfg.EXPL_NOISE, epoch, cfg.NOISE_RED_EPOCH) if cfg.EXPL_NOISE > 0 else 0.0
        rew_sum, rew_n, loss_sum, loss_n = 0.0, 0, 0.0, 0
        for step in range(num_steps):
            idx = order[step * batch_size:(step + 1) * batch_size]
            xb, rb, raw_b = x[idx], rewards[idx], raw[idx]
            rows = torch.arange(len(idx), device=device)
            for sub_step in range(n_sub):
                probs = net.forward_preprocessed(xb)
                greedy = probs.detach().argmax(-1)
                if sub_step == 0:
                    if eps > 0:
                        probs = add_exploration_noise(probs, eps)
                    choices = sample_choices(probs, gen)
                    chosen_idx = codec.to_index(choices)
                else:
                    chosen_idx = replay[idx].argmax(1)
                    choices = codec.to_choices(chosen_idx)
                greedy_idx = codec.to_index(greedy)
                r = rb[rows, chosen_idx]
                base = rb[rows, greedy_idx]
                replay[idx, chosen_idx] = r
                replay[idx, greedy_idx] = base
                last_greedy[idx] = raw_b[rows, greedy_idx]
                adv = r - base
                if cfg.ADV_NORM:
                    v = float((adv ** 2).mean())
                    adv_var = v if adv_var is None else 0.99 * adv_var + 0.01 * v
                    adv = adv / math.sqrt(adv_var + 1e-8)
                log_probs = torch.log(probs)
                if cfg.CROSS_TASK_LOSS:
                    loss = (adv.unsqueeze(0) * _pairwise_neg_log_probs(log_probs, choices)).mean()
                else:
                    nlp = -log_probs.gather(-1, choices.unsqueeze(-1)).squeeze(-1).sum(-1)
                    loss = (adv * nlp).mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if sub is not None:
                    sub.step(optimizer.param_groups[0]['lr'])
                rew_sum += float(raw_b[rows, chosen_idx].sum())
                rew_n += len(idx)
                loss_sum += float(loss.detach()) * len(idx)
                loss_n += len(idx)
        hist.lr.append(optimizer.param_groups[0]['lr'])
        scheduler.step(epoch)
        hist.sampled_reward.append(rew_sum / rew_n)
        hist.greedy_reward.append(float(last_greedy.mean()))
        hist.replay_max.append(float(raw[task_rows, replay.argmax(1)].mean()))
        hist.loss.append(loss_sum / loss_n)
        if log and ((epoch + 1) % cfg.LOG_INTERVAL == 0 or epoch + 1 == cfg.NUM_EPOCHS):
            log(f'epoch {epoch + 1}/{cfg.NUM_EPOCHS} loss {hist.loss[-1]:.4f} sampled {hist.sampled_reward[-1]:.2f} '
                f'greedy {hist.greedy_reward[-1]:.2f} replay max {hist.replay_max[-1]:.2f} lr {hist.lr[-1]:.2e}')
        if checkpoint_fn and cfg.CKPT_SAVE_INTERVAL and (epoch + 1) % cfg.CKPT_SAVE_INTERVAL == 0:
            checkpoint_fn(epoch, materialize())
    materialize()
    model.eval()
    return hist


def new_member(cfg: CfgNode, train_vecs: torch.Tensor, seed: int) -> ControllerModel:
    """A freshly initialised controller for ``cfg`` (weights from ``seed``, input norm fitted on ``train_vecs``)."""
    model = ControllerModel(train_vecs.shape[1], cfg.NUM_HIDDEN_NODES, cfg.CONT_OUT_PARAMS)
    model.reset_parameters(torch.Generator().manual_seed(seed), cfg.INIT_GAIN)
    set_input_norm(model, cfg.INPUT_NORM, train_vecs)
    return model


def member_seeds(cfg: CfgNode) -> list[int]:
    """The seeds of an ensemble's members: SEED, SEED + 1, ..., SEED + ENSEMBLE - 1."""
    seed = 0 if cfg.SEED is None else int(cfg.SEED)
    return [seed + k for k in range(int(cfg.ENSEMBLE))]
