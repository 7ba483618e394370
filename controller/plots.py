"""PNG figures of a controller run: tasks x parameters heatmaps and the reward-per-epoch curve."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common.io import atomic_write_bytes  # noqa: E402


def _save(fig, path: Path) -> Path:
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def _heat(ax, mat, tasks, params, title, cmap='viridis', vmin=0.0, vmax=1.0, fmt='{:.2f}'):
    mat = np.asarray(mat, dtype=float)
    im = ax.imshow(mat, cmap=cmap, vmin=vmin, vmax=vmax, aspect='auto')
    ax.set_xticks(range(len(params)), params, rotation=60, ha='right', fontsize=8)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=8)
    ax.set_title(title, fontsize=10)
    if mat.size <= 400:
        for (i, j), v in np.ndenumerate(mat):
            ax.text(j, i, fmt.format(v), ha='center', va='center', fontsize=6,
                    color='white' if (v - vmin) < 0.5 * (vmax - vmin) else 'black')
    return im


def heatmaps(path: Path, split: str, result: dict, params: Sequence[str],
             dist_weighted: np.ndarray | None = None) -> Path:
    """One figure: predicted, best (oracle), agreement, soft probabilities, [similarity-weighted]."""
    tasks = result['tasks']
    panels = [('predicted (1 = varied)', result['pred_choices'], '{:.0f}')]
    if result.get('has_rewards'):
        panels += [('best setting (oracle)', result['best_choices'], '{:.0f}'),
                   ('agreement with best', result['agreement'], '{:.0f}')]
    panels.append(('P(varied)', result['soft_probs'], '{:.2f}'))
    if dist_weighted is not None:
        panels.append(('similarity-weighted P(varied)', dist_weighted, '{:.2f}'))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels) + 1.5, 0.35 * len(tasks) + 2.2),
                             squeeze=False)
    for k, (ax, (title, mat, fmt)) in enumerate(zip(axes[0], panels)):
        im = _heat(ax, mat, tasks, params, title, fmt=fmt)
        if k:
            ax.set_yticks([])
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8)
    title = f'{split} tasks'
    if result.get('has_rewards'):
        title += f": avg reward {result['avg_reward']:.2f} (ceiling {result['max_avg_reward']:.2f})"
    else:
        title += ': no rewards in the reward DB'
    fig.suptitle(title, fontsize=11)
    return _save(fig, path)


def reward_curve(path: Path, history: dict, ceiling: float | None = None,
                 refs: dict[str, float] | None = None) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    ep = np.arange(1, len(history['greedy_reward']) + 1)
    ax.plot(ep, history['sampled_reward'], lw=0.8, alpha=0.7, label='sampled / replayed settings')
    ax.plot(ep, history['greedy_reward'], lw=1.5, label='argmax settings (seen tasks)')
    ax.plot(ep, history['replay_max'], lw=1.0, ls='--', label='best seen so far (replay memory)')
    if ceiling is not None:
        ax.axhline(ceiling, color='k', lw=0.8, ls=':', label=f'ceiling {ceiling:.2f}')
    for name, v in (refs or {}).items():
        ax.axhline(v, lw=0.8, ls='-.', color='gray')
        ax.text(ep[-1], v, f' {name} {v:.2f}', fontsize=7, va='bottom', ha='right', color='gray')
    ax.set_xlabel('epoch')
    ax.set_ylabel('average reward (seen tasks)')
    lo = min(np.min(history['greedy_reward']), np.min(history['sampled_reward']))
    ax.set_ylim(max(lo - 1, 0), (ceiling or np.max(history['replay_max'])) + 1)
    ax.legend(fontsize=8, loc='lower right')
    ax.grid(alpha=0.3)
    return _save(fig, path)
