"""Reward signal study: at which scale do settings beat training noise, and at what cost?

For each scale (a BuildConfig variant, registry ``SCALES``), builds reward tables for the first N settings of
the balanced order (a resolution-IV fraction for N = 16) with several training seeds, then reports per scale:
CPU-seconds per setting (render + pre-train + kNN, one thread per process), and per task the setting spread
(standard deviation over the settings, first seed), the seed spread (standard deviation over the seeds of
one setting, pooled over the settings: ``rewards.analysis.pooled_sd``) and their ratio, as
docs/mini_task2sim.md measures the committed table; and the ratio predicted for a reward averaged over m seeds. A ratio of 1 means the settings are indistinguishable from training noise. Tables are reward tables
(resumable; committed under ``controller_db/signal_study/<scale>/``), so the study continues across sessions.

    python -m bench.reward_signal --scales base light_aug --workers 2      # run (or resume) and report
    python -m bench.reward_signal --report_only                            # report what is measured so far
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from scipy.stats import spearmanr

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sidecar_path
from generator.generator_params import grid_params
from rewards.analysis import mean_sd, pooled_sd
from rewards.build import build
from rewards.config import LIGHT_AUG_OVERRIDES, BuildConfig
from rewards.settings import balanced_order

REPO = Path(__file__).resolve().parents[1]
LIGHT_AUG = list(LIGHT_AUG_OVERRIDES)   # the rebuilt table's pre-training augmentation
# the study's base scale: the first committed table (5 epochs, the original's augmentation), fixed here so that
# the scales keep their meaning when BuildConfig's defaults move to a rebuilt table's scale
STUDY_BASE: dict[str, Any] = {'epochs': 5, 'engine_overrides': []}
# name -> BuildConfig fields changed from STUDY_BASE
SCALES: dict[str, dict[str, Any]] = {
    'base': {},
    'light_aug': {'engine_overrides': LIGHT_AUG},
    'epochs10': {'epochs': 10},
    'light_aug_epochs10': {'epochs': 10, 'engine_overrides': LIGHT_AUG},
    'knn_original': {'knn_features': 'original'},            # docs/knn_modes.md: more seed-to-seed agreement?
    'light_aug_knn_original': {'knn_features': 'original', 'engine_overrides': LIGHT_AUG},
    'imgs3k': {'num_imgs': 3000},
    'light_aug_imgs3k': {'num_imgs': 3000, 'engine_overrides': LIGHT_AUG},
    'size48': {'size': 48},
    'classes20': {'num_classes': 20},
    'size64': {'size': 64},
    'light_aug_epochs10_resnet10t': {'epochs': 10, 'model': 'resnet10t', 'engine_overrides': LIGHT_AUG},
}


def study_settings(n: int) -> list[str]:
    return [grid_params(i).get_tuple_str() for i in balanced_order()[:n]]


def table_path(root: Path, scale: str, seed: int) -> Path:
    return root / scale / f'seed{seed}.json'


def scale_config(scale: str, root: Path, work: Path, seed: int, threads: int, base: dict[str, Any]) -> BuildConfig:
    if scale not in SCALES:
        raise UserError(f'--scales {scale!r} is unknown; allowed: {", ".join(SCALES)}')
    return BuildConfig(**{**STUDY_BASE, **base, **SCALES[scale], 'output': str(table_path(root, scale, seed)),
                          'work_dir': str(work / scale), 'train_seed': seed, 'threads': threads, 'clean': 'checkpoints'})


def run_scale(scale: str, settings: list[str], seeds: Sequence[int], root: Path, work: Path, workers: int,
              threads: int, base: dict[str, Any]) -> None:
    """Fill one table per seed (resumable; the rendered sets are shared by the seeds)."""
    for seed in seeds:
        build(scale_config(scale, root, work, seed, threads, base), settings, workers=workers)


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float('nan')


def seed_sds(r: np.ndarray, pooled: bool = True) -> np.ndarray:
    """Per task, the seed spread of seeds x tasks x settings rewards (``rewards.analysis.pooled_sd``, or with
    ``pooled=False`` the mean of the settings' sds, the earlier reports' form)."""
    spread = pooled_sd if pooled else mean_sd
    return np.array([spread(r[:, i, :].T.tolist()) for i in range(r.shape[1])])


def mean_ratio(r: np.ndarray, pooled: bool = True) -> float:
    """Setting sd (first seed) over seed sd, averaged over tasks, of seeds x tasks x settings rewards."""
    setting_sd = r[0].std(axis=1, ddof=1)
    seed_sd = seed_sds(r, pooled)
    ok = seed_sd > 0
    return float(np.mean(setting_sd[ok] / seed_sd[ok])) if ok.any() else float('nan')


def bootstrap_ratio(r: np.ndarray, draws: int = 1000, seed: int = 0) -> list[float]:
    """95 % percentile interval of ``mean_ratio`` over settings resampled with replacement."""
    rng = np.random.default_rng(seed)
    n = r.shape[2]
    vals = [mean_ratio(r[:, :, rng.integers(0, n, n)]) for _ in range(draws)]
    vals = [v for v in vals if np.isfinite(v)]
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))] if vals else [float('nan')] * 2


def paired_difference(r: np.ndarray, base: np.ndarray, draws: int = 1000, seed: int = 0) -> list[float]:
    """The ratio's difference from the base scale and its 95 % interval, the same settings resampled for both."""
    rng = np.random.default_rng(seed)
    n = r.shape[2]
    diffs = []
    for _ in range(draws):
        idx = rng.integers(0, n, n)
        diffs.append(mean_ratio(r[:, :, idx]) - mean_ratio(base[:, :, idx]))
    diffs = [d for d in diffs if np.isfinite(d)]
    point = mean_ratio(r) - mean_ratio(base)
    return [float(point), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]


def measured_seeds(scale: str, settings: list[str], root: Path) -> list[int]:
    """The training seeds whose table of ``scale`` holds every setting on every task."""
    out = []
    for path in sorted((root / scale).glob('seed*.json')):
        stem = path.stem[len('seed'):]
        if not stem.isdigit() or path.name.endswith('.meta.json'):
            continue
        table = json.loads(path.read_text())
        if table and all(s in rewards for rewards in table.values() for s in settings):
            out.append(int(stem))
    return sorted(out)


def mean_of_seeds_ratio(r: np.ndarray, m: int) -> float:
    """Measured ratio of a reward that is the mean of ``m`` training seeds: disjoint groups of m seeds give
    replicate rewards; setting sd of the first group's means over the sd of a setting's group means."""
    groups = r.shape[0] // m
    if groups < 2:
        return float('nan')
    return mean_ratio(np.stack([r[g * m:(g + 1) * m].mean(axis=0) for g in range(groups)]))


def analyse_scale(scale: str, settings: list[str], seeds: Sequence[int], root: Path) -> dict[str, Any] | None:
    """Spreads and cost of a scale whose tables hold every setting for every seed; None when incomplete."""
    tables, metas = [], []
    for seed in seeds:
        path = table_path(root, scale, seed)
        if not path.is_file():
            return None
        tables.append(json.loads(path.read_text()))
        metas.append(json.loads(sidecar_path(path).read_text()))
    tasks = list(tables[0])
    if not all(all(s in t.get(task, {}) for task in tasks for s in settings) for t in tables):
        return None
    r = np.array([[[t[task][s] for s in settings] for task in tasks] for t in tables])  # seed x task x setting
    setting_sd = r[0].std(axis=1, ddof=1)
    seed_sd = seed_sds(r)
    sd_of_means = r.mean(axis=0).std(axis=1, ddof=1)
    secs = [sum(m['settings'][s]['seconds'].get(k, 0.0) for k in ('pretrain', 'knn')) for m in metas for s in settings]
    render = [metas[0]['settings'][s]['seconds'].get('render', 0.0) for s in settings]   # first seed rendered
    # the ranking view: do two seeds order the settings alike? (Spearman over seed pairs, mean over tasks), and
    # a two-way split (setting x seed) whose residual excludes a seed's shift of every setting alike
    pairs = [(a, b) for a in range(len(seeds)) for b in range(a + 1, len(seeds))]
    with warnings.catch_warnings():   # a task whose rewards tie on every setting has no rank correlation (NaN)
        warnings.simplefilter('ignore')
        rank_corr = [float(np.nanmean([spearmanr(r[a, i], r[b, i]).statistic for a, b in pairs]))
                     for i in range(len(tasks))]
    resid = r - r.mean(axis=0, keepdims=True) - r.mean(axis=2, keepdims=True) + r.mean(axis=(0, 2), keepdims=True)
    resid_sd = np.sqrt((resid ** 2).sum(axis=(0, 2)) / ((len(seeds) - 1) * (len(settings) - 1)))
    effect_sd = np.sqrt(np.maximum(sd_of_means ** 2 - resid_sd ** 2 / len(seeds), 0.0))
    per_task = {task: {'setting_sd': float(setting_sd[i]), 'seed_sd': float(seed_sd[i]),
                       'seed_rank_corr': rank_corr[i],
                       'setting_effect_sd': float(effect_sd[i]), 'residual_sd': float(resid_sd[i]),
                       'ratio': float(setting_sd[i] / seed_sd[i]) if seed_sd[i] > 0 else None,
                       'mean': float(r[:, i].mean())} for i, task in enumerate(tasks)}
    ratios = [v['ratio'] for v in per_task.values() if v['ratio'] is not None]
    ci = bootstrap_ratio(r)
    # a reward averaged over m seeds: predicted with the ratio's own noise (the pooled seed sd, which shrinks by
    # sqrt(m)) and the setting effect estimated from the seed means; measured where there are at least 2m seeds
    ok = seed_sd > 0   # as mean_ratio: a task whose rewards never move with the seed has no ratio
    snr2 = np.maximum(sd_of_means[ok] ** 2 - seed_sd[ok] ** 2 / len(seeds), 0.0) / seed_sd[ok] ** 2
    mean_of = {str(m): {'predicted': float(np.mean(np.sqrt(1 + m * snr2))) if ok.any() else float('nan'),
                        'measured': mean_of_seeds_ratio(r, m) if m > 1 else float(np.mean(ratios))}
               for m in (1, 2, 3, 4)}
    return {'scale': scale, 'fields': SCALES[scale], 'settings': len(settings), 'seeds': list(seeds),
            'per_task': per_task, 'ratio': float(np.mean(ratios)), 'ratio_ci95': ci, 'rewards': r.tolist(),
            'mean_of_seeds_ratio': mean_of, 'ratio_mean_sd_form': mean_ratio(r, pooled=False),
            'setting_sd': float(setting_sd.mean()),
            'seed_sd': float(seed_sd.mean()), 'sd_of_seed_means': float(sd_of_means.mean()),
            'seed_rank_corr': _nanmean([v['seed_rank_corr'] for v in per_task.values()]),
            'effect_over_residual': float(np.mean(effect_sd / np.maximum(resid_sd, 1e-9))),
            'cpu_seconds_per_setting': float(np.mean(secs) + np.mean(render)),
            'render_seconds': float(np.mean(render)), 'run_seconds': float(np.mean(secs)),
            'table_hours_2_workers': float((np.mean(secs) + np.mean(render)) * 256 / 2 / 3600),
            'mean_reward': float(r.mean())}


def report(results: list[dict[str, Any]], out: Path, command: str) -> str:
    base = next((np.asarray(x['rewards']) for x in results if x['scale'] == 'base'), None)
    for res in results:
        res['ratio_minus_base'] = (paired_difference(np.asarray(res['rewards']), base)
                                   if base is not None and res['scale'] != 'base' else None)
    lines = [f'`{command}`; first {results[0]["settings"]} settings of the balanced order, each scale with all '
             'its measured training seeds. Ratio = sd over settings (first seed) / sd over seeds of one setting '
             '(pooled over the settings; old form = divided by the mean of the settings\' sds instead, as the reports '
             'before, 1.13x higher with 3 seeds), '
             'averaged over the tasks (1 = only noise); CPU-s = render + pre-train + 5-NN of one '
             'setting on one thread; table h = the 256-setting table with 2 workers.', '',
             'Rank corr. = Spearman correlation of the settings between two seeds (mean over seed pairs and tasks); '
             'effect / residual = sd of the settings\' true effects (estimated) over the setting x seed residual sd; '
             '[..] = 95 % bootstrap interval over the settings; vs base = the ratio\'s paired difference from the base '
             'scale (same settings resampled); mean of m = the ratio of a reward averaged over m training seeds, '
             'predicted per task as sqrt(1 + m e^2 / n^2) (n = the pooled seed sd, e^2 = the variance of the settings\' '
             'seed means minus n^2 / seeds; m = 1 checks it against the measured ratio) and, with at least 2m seeds, '
             'measured on disjoint seed groups; (.. s) = its CPU-s per setting (render once, m x pre-train + 5-NN). CPU-s are measured with 2 workers on the 2 cores, so they include the contention a table build '
             'has.',
             '',
             '| scale | changed | CPU-s / setting | table h (2 workers) | mean reward | setting sd | seed sd | ratio [95 %] '
             '| old form | vs base [95 %] | rank corr. | effect / residual | seeds | mean of 1 seed: pred. | mean of 2: pred. / meas. | mean of 3: pred. / meas. |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for res in sorted(results, key=lambda x: x['cpu_seconds_per_setting']):
        changed = ', '.join(f'{k}={v}' if k != 'engine_overrides' else 'light augmentation'
                            for k, v in res['fields'].items()) or '(the first committed scale)'
        lines.append(f'| {res["scale"]} | {changed} | {res["cpu_seconds_per_setting"]:.0f} | '
                     f'{res["table_hours_2_workers"]:.1f} | {res["mean_reward"]:.2f} | {res["setting_sd"]:.2f} | '
                     f'{res["seed_sd"]:.2f} | **{res["ratio"]:.2f}** [{res["ratio_ci95"][0]:.2f}, '
                     f'{res["ratio_ci95"][1]:.2f}] | {res["ratio_mean_sd_form"]:.2f} | {vs_base(res)} | {res["seed_rank_corr"]:.2f} | '
                     f'{res["effect_over_residual"]:.2f} | {len(res["seeds"])} | '
                     f'{res["mean_of_seeds_ratio"]["1"]["predicted"]:.2f} | {mean_of_cell(res, 2)} | '
                     f'{mean_of_cell(res, 3)} |')
    text = '\n'.join(lines) + '\n'
    atomic_write_text(out / 'reward_signal.md', text)
    atomic_write_json(out / 'reward_signal.json', {'command': command, 'results': results}, indent=1)
    plot(results, out / 'reward_signal.png')
    return text


def mean_of_cell(res: dict[str, Any], m: int) -> str:
    """'predicted / measured (CPU-s)' of a reward averaged over ``m`` seeds."""
    cell = res['mean_of_seeds_ratio'][str(m)]
    measured = '—' if not np.isfinite(cell['measured']) else f'{cell["measured"]:.2f}'
    return f'{cell["predicted"]:.2f} / {measured} ({res["render_seconds"] + m * res["run_seconds"]:.0f} s)'


def vs_base(res: dict[str, Any]) -> str:
    d = res.get('ratio_minus_base')
    return '—' if d is None else f'{d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}]'


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import io

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, res in enumerate(results):   # dotted: the same scale with a reward averaged over 2 and 3 seeds
        ms = [1, 2, 3]
        costs = [res['render_seconds'] + m * res['run_seconds'] for m in ms]
        preds = [res['mean_of_seeds_ratio'][str(m)]['predicted'] for m in ms]
        ax.plot(costs, preds, ':', color='C1', lw=1, label='mean of 1, 2, 3 seeds (predicted)' if i == 0 else None)
        ax.plot(costs, preds, 'o', mfc='none', color='C1')
        for m in ms[1:]:
            meas = res['mean_of_seeds_ratio'][str(m)]['measured']
            if np.isfinite(meas):
                ax.plot([costs[m - 1]], [meas], 's', color='C1', label=None)
    for i, res in enumerate(results):
        lo, hi = res['ratio_ci95']
        ax.errorbar(res['cpu_seconds_per_setting'], res['ratio'], yerr=[[res['ratio'] - lo], [hi - res['ratio']]],
                    fmt='o', color='C0', capsize=3, label='measured, one seed per reward' if i == 0 else None)
        ax.annotate(res['scale'], (res['cpu_seconds_per_setting'], res['ratio']), fontsize=8,
                    xytext=(4, 3), textcoords='offset points')
    ax.axhline(2.0, color='C2', ls='--', lw=1, label='target: settings 2x the seed noise')
    ax.axhline(1.0, color='grey', ls=':', lw=1, label='only noise')
    ax.axvline(85 * 2, color='C3', ls='--', lw=1, label='6 h budget for 256 settings, 2 workers')
    ax.set_xlabel('CPU-seconds per setting (render + pre-train + 5-NN)')
    ax.set_ylabel('setting spread / seed spread (mean over the tasks)\nbars: 95 % bootstrap over settings')
    ax.set_ylim(0, max(2.5, max(r['mean_of_seeds_ratio']['3']['predicted'] for r in results) + 0.3))
    ax.legend(fontsize=8, loc='upper left')
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=120)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scales', nargs='+', default=list(SCALES), help=f'from {", ".join(SCALES)}')
    p.add_argument('--settings', type=int, default=16, help='the first N settings of the balanced order')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--tables', default=str(REPO / 'controller_db' / 'signal_study'), help='reward tables (committed)')
    p.add_argument('--work_dir', default='bench_out/reward_signal', help='rendered sets and checkpoints')
    p.add_argument('--out', default='docs', help='reward_signal.{md,json,png}')
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--report_only', action='store_true', help='only report the scales already measured')
    p.add_argument('--base', nargs='*', default=[], metavar='FIELD=VALUE',
                   help='BuildConfig fields for every scale (a tiny study: num_imgs=80 size=16 epochs=1 ...)')
    args = p.parse_args(argv)
    if not 2 <= args.settings <= 256 or len(set(args.seeds)) < 2:
        raise UserError(f'--settings {args.settings} / --seeds {args.seeds}: need 2..256 settings and >= 2 seeds')
    fields = {f.name: f.type for f in dataclasses.fields(BuildConfig)}
    base: dict[str, Any] = {}
    for item in args.base:
        key, _, value = item.partition('=')
        if key not in fields:
            raise UserError(f'--base {item!r}: unknown field; allowed: {", ".join(fields)}')
        base[key] = json.loads(value) if value[:1] in '[{"0123456789-' or value in ('true', 'false') else value
    settings = study_settings(args.settings)
    root, work = Path(args.tables), Path(args.work_dir)
    for scale in args.scales:
        scale_config(scale, root, work, args.seeds[0], args.threads, base)   # refuse an unknown scale early
    if not args.report_only:
        for scale in args.scales:
            run_scale(scale, settings, args.seeds, root, work, args.workers, args.threads, base)
    # the report covers every scale measured so far, each with all its complete seed tables
    results = [r for s in SCALES if len(seeds := measured_seeds(s, settings, root)) >= 2
               and (r := analyse_scale(s, settings, seeds, root)) is not None]
    if not any(r['scale'] in args.scales for r in results):
        raise UserError(f'no scale of {args.scales} is complete in {root} yet; run without --report_only')
    command = 'python -m bench.reward_signal ' + ' '.join(sys.argv[1:] if argv is None else argv)
    text = report(results, Path(args.out), command.strip())
    print(text)
    return results


if __name__ == '__main__':
    run_cli(main)
