"""Judge the mini Task2Sim from the project's own tables: the analyses and plots of docs/mini_task2sim.md.

    python scripts/mini_task2sim_report.py                       # writes docs/mini_task2sim_*.png + results JSON
    python scripts/mini_task2sim_report.py --loo_epochs 300      # faster controller runs
    python scripts/mini_task2sim_report.py --reuse_controller docs/mini_task2sim_results.json
                                        # new seed repeats: reuse that run's controller picks (same inputs only)

Reads controller_db/reward_db.json (+ sidecar), controller_db/seed_repeats/*.json, task_db/*.pt and,
when present, the paper's seen-task table in ../shared/reference/task2sim_paper (only for the side-by-side
per-field effects). Prints the markdown tables that docs/mini_task2sim.md quotes.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
import hashlib
import io
import json
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from generator.generator_params import GRID_FIELDS
from rewards.analysis import (CONTROLLER_CONFIG, GRID, HELD_OUT_TASKS, REPO, REWARD_DB, SEEN_TASKS, TASK_DB, baseline_choices,
                              complete_table, field_effects, load_repeats, load_table, mean_sd, measured, pooled_sd,
                              rewards_matrix, task_vectors, train_controller)
from rewards.store import recorded_scale

PAPER_TABLE = REPO.parent / 'shared' / 'reference' / 'task2sim_paper' / 'reward_db_seen.json'
SHORT = {'pose_rot': 'rot', 'pose_scale': 'scale', 'lighting_intensity': 'l.int', 'lighting_color': 'l.col',
         'lighting_dir': 'l.dir', 'blur': 'blur', 'backgr': 'backgr', 'materials': 'mat'}


def _plt():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    _plt().close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def md_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    def cell(v):
        return f'{v:.2f}' if isinstance(v, float) else ('n/a' if v is None else str(v))
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in r) + ' |' for r in rows]
    return '\n'.join(lines)


def pretrained_vs_random(table, meta, tasks, settings, out: Path) -> tuple[str, dict]:
    r = rewards_matrix(table, tasks, settings)
    rand = meta.get('random_init', {})
    rows, res = [], {}
    for i, t in enumerate(tasks):
        res[t] = {'random_init': rand.get(t), 'mean': float(r[i].mean()), 'min': float(r[i].min()),
                  'max': float(r[i].max()), 'frac_above_random': float((r[i] > rand.get(t, np.inf)).mean())}
        rows.append([t, rand.get(t), res[t]['mean'], res[t]['min'], res[t]['max'],
                     f"{100 * res[t]['frac_above_random']:.0f}%"])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    x = np.arange(len(tasks))
    ax.bar(x - 0.2, [rand.get(t, 0) for t in tasks], 0.4, label='random init (no pre-training)', color='#999')
    means = np.array([res[t]['mean'] for t in tasks])
    ax.bar(x + 0.2, means, 0.4, label=f'pre-trained: mean over {len(settings)} settings', color='#3a7')
    ax.errorbar(x + 0.2, means, yerr=[means - [res[t]['min'] for t in tasks], [res[t]['max'] for t in tasks] - means],
                fmt='none', ecolor='k', capsize=3, label='min..max over settings')
    ax.set_xticks(x, tasks, rotation=20)
    ax.set_ylabel('5-NN accuracy (%)')
    ax.legend(fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.2), ncol=3)
    ax.set_title('Does synthetic pre-training help? (same resnet18, same kNN)')
    _save(fig, out / 'mini_task2sim_pretrained_vs_random.png')
    return md_table(['task', 'random init', 'mean over settings', 'min', 'max', 'settings above random'], rows), res


def seed_spread(table, tasks, repeats: dict[str, dict]) -> tuple[str, dict]:
    """Spread of rewards across settings (seed 0) vs across training seeds of the same setting."""
    runs = {'0': table, **repeats}
    have = measured(table, tasks)
    # settings measured with at least 2 training seeds (all tasks), and the seeds that measured them
    common = {s: [k for k, run in runs.items() if all(s in run.get(t, {}) for t in tasks)] for s in have}
    common = {s: seeds for s, seeds in common.items() if len(seeds) >= 2}
    if not common or len(have) < 2:
        return 'No seed repeats are available yet (controller_db/seed_repeats/).', {}
    rows, res = [], {}
    for t in tasks:
        groups = [[runs[k][t][s] for k in seeds] for s, seeds in common.items()]
        seed_sd, old_sd = pooled_sd(groups), mean_sd(groups)
        setting_sd = float(np.std([table[t][s] for s in have], ddof=1))
        res[t] = {'setting_sd': setting_sd, 'seed_sd': seed_sd, 'ratio': setting_sd / seed_sd if seed_sd > 0 else None,
                  'seed_mean_sd': old_sd, 'ratio_mean_sd': setting_sd / old_sd if old_sd > 0 else None}
        rows.append([t, setting_sd, seed_sd, res[t]['ratio'], res[t]['ratio_mean_sd']])
    avg = [float(np.mean([r[i] for r in rows if r[i] is not None])) for i in (1, 2, 3, 4)]
    rows.append(['average'] + avg)
    note = ('Training seeds per repeated setting: ' + '; '.join(f'{s}: seeds {", ".join(k)}' for s, k in common.items())
            + f' (same rendered set, new initialisation and data order). Setting spread = standard deviation over '
            f'the {len(have)} measured settings (seed 0); seed spread = standard deviation over seeds of one setting, '
            f'pooled over the repeated settings (rewards.analysis.pooled_sd; the last column divides by the mean of '
            f'the settings\' sds instead, the earlier reports\' form, biased low with few seeds).')
    return note + '\n\n' + md_table(['task', 'sd across settings', 'sd across seeds (same setting)', 'ratio',
                                     'ratio (mean-sd form)'], rows), \
        {'tasks': res, 'settings': common}


def effects(table, tasks, settings, out: Path) -> tuple[str, dict]:
    ours = field_effects(rewards_matrix(table, tasks, settings), settings)
    res = {'ours': {t: dict(zip(GRID_FIELDS, map(float, row))) for t, row in zip(tasks, ours)}}
    paper = None
    if PAPER_TABLE.is_file():
        p = json.loads(PAPER_TABLE.read_text())
        ptasks = sorted(p)
        paper = field_effects(rewards_matrix(p, ptasks, GRID), GRID)
        res['paper'] = {t: dict(zip(GRID_FIELDS, map(float, row))) for t, row in zip(ptasks, paper)}
    rows = [[f, float(ours[:, j].mean()), float(ours[:, j].min()), float(ours[:, j].max()),
             float(paper[:, j].mean()) if paper is not None else None] for j, f in enumerate(GRID_FIELDS)]
    plt = _plt()
    panels = [('this project (%d settings, 8 tasks)' % len(settings), ours, tasks)]
    if paper is not None:
        panels.append(('paper, seen tasks (256 settings)', paper, ptasks))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.6), squeeze=False)
    for ax, (title, mat, names) in zip(axes[0], panels):
        lim = max(1e-6, float(np.abs(mat).max()))
        im = ax.imshow(mat, cmap='RdBu', vmin=-lim, vmax=lim, aspect='auto')
        ax.set_xticks(range(8), [SHORT[f] for f in GRID_FIELDS], rotation=45)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        for (i, j), v in np.ndenumerate(mat):
            ax.text(j, i, f'{v:+.1f}', ha='center', va='center', fontsize=6)
        ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8, label='points: mean(on) - mean(off)')
    _save(fig, out / 'mini_task2sim_field_effects.png')
    header = ['field', 'ours: mean effect', 'ours: min over tasks', 'ours: max', 'paper seen tasks: mean effect']
    return md_table(header, rows), res


def controller_eval(table, tasks, task_db: Path, epochs: int, seeds: Sequence[int], tmp: Path) -> tuple[str, dict]:
    """Fixed split (5 seen / 3 held out) and leave-one-task-out over all 8 tasks, one controller per training
    seed; measured rewards where they exist (the fit otherwise, marked)."""
    have = measured(table, tasks)
    full, imputed = complete_table(table, tasks)
    path = tmp / 'completed.json'
    atomic_write_json(path, full)
    vecs = dict(zip(tasks, task_vectors(task_db, tasks)))
    res: dict = {}
    splits = [('fixed split', SEEN_TASKS, HELD_OUT_TASKS)] + [
        ('leave-one-out', [t for t in tasks if t != h], [h]) for h in tasks]
    per_task: dict[str, dict] = {}
    for name, seen, held in splits:
        base = baseline_choices(table, seen, held, np.stack([vecs[t] for t in seen]), np.stack([vecs[t] for t in held]))
        picks: dict[str, list] = {t: [] for t in held}
        for seed in seeds:
            r = train_controller(path, task_db, tmp / f'{name}_{"_".join(held)}_{seed}', epochs, seen, held,
                                 seed=seed, progress=False)
            for t in held:
                picks[t].append(r['test']['recommended_preds'][t])
        for t in held:
            vals = [table[t].get(ts, full[t][ts]) for ts in picks[t]]
            measured_vals = np.array([table[t][s] for s in have])
            pct = [float((measured_vals <= v).mean() * 100) for v in vals]
            per_task.setdefault(name, {})[t] = {
                **base[t], 'predicted_settings': picks[t], 'predicted_rewards': vals, 'predicted': float(np.mean(vals)),
                'predicted_percentile': float(np.mean(pct)),
                'predicted_measured': [ts in table[t] for ts in picks[t]]}
    cols = ['mean_over_settings', 'all_varied', 'best_single_seen', 'nearest_seen', 'predicted', 'ceiling']
    text = []
    for name, entries in per_task.items():
        rows = []
        for t, e in entries.items():
            chosen = ', '.join(ts + ('' if m else ' (fit)') for ts, m in zip(e['predicted_settings'],
                                                                            e['predicted_measured']))
            rows.append([t] + [e[c] for c in cols] + [f"{e['predicted_percentile']:.0f}", chosen])
        avg = [float(np.mean([e[c] for e in entries.values()])) if all(e[c] is not None for e in entries.values())
               else None for c in cols]
        avg_pct = float(np.mean([e['predicted_percentile'] for e in entries.values()]))
        rows.append(['average'] + avg + [f'{avg_pct:.0f}', ''])
        text.append(f'**{name}**\n\n' + md_table(['held-out task', 'mean of settings', 'all varied', 'best single (seen)',
                                                  'nearest seen task', 'controller (mean of seeds)', 'ceiling',
                                                  'controller percentile', 'controller settings (per seed)'], rows))
        res[name] = {'tasks': entries, 'average': dict(zip(cols, avg)), 'average_percentile': avg_pct}
    note = (f'Controller: configs/controller_default.yaml, {epochs} epochs, training seeds {", ".join(map(str, seeds))} '
            f'(one controller per seed; "controller" = mean reward of their picks), trained on a table with {len(have)} '
            f'measured settings' + (f' (its {len(imputed)} missing settings filled by a per-task main-effects fit for '
                                    f'training only; "(fit)" marks a pick whose value is the fit)' if imputed else '')
            + '. "controller percentile": share of the measured settings whose reward is at most the pick\'s, '
            'averaged over seeds. Baselines and ceilings use measured settings only.')
    return note + '\n\n' + '\n\n'.join(text), res


PICKS = {'best_single_seen': 'best_single_setting', 'nearest_seen': 'nearest_seen_setting',
         'predicted': 'predicted_settings', 'ceiling': 'ceiling_setting'}


def controller_inputs(table: dict, task_db: Path, epochs: int, seeds: Sequence[int]) -> dict:
    """What the controller section's picks depend on: the table, the task DB, the config (its values, not its
    comments), epochs and seeds."""
    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()
    return {'table_sha256': sha(json.dumps(table, sort_keys=True).encode()), 'task_db_sha256': sha(task_db.read_bytes()),
            'config_sha256': sha(json.dumps(yaml.safe_load(CONTROLLER_CONFIG.read_text()), sort_keys=True).encode()),
            'epochs': epochs, 'seeds': list(seeds)}


def reused_controller(path: Path, inputs: dict) -> tuple[str, dict]:
    """The controller section of an earlier report's results JSON, refused unless made from the same inputs."""
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f'--reuse_controller {str(path)!r} cannot be read as a results JSON ({e})') from None
    if not (isinstance(old, dict) and isinstance(old.get('controller'), dict) and 'controller_text' in old):
        raise UserError(f'--reuse_controller {str(path)!r} is not a mini_task2sim_results.json with a controller section')
    recorded = old.get('controller_inputs') or {}
    diff = sorted(k for k in inputs if recorded.get(k) != inputs[k])
    if diff:
        raise UserError(f'--reuse_controller {str(path)!r} was made from other inputs ({", ".join(diff)} differ); '
                        f'run without --reuse_controller to retrain the controllers')
    return old['controller_text'], old['controller']


def method_picks(entry: dict, method: str) -> list[tuple[str, float]]:
    """(setting, seed-0 reward) of each pick of ``method`` for one held-out task (the controller has one per seed)."""
    if method == 'predicted':
        return list(zip(entry['predicted_settings'], entry['predicted_rewards']))
    return [(entry[PICKS[method]], entry[method])]


def fresh_seed_check(res: dict, table: dict, repeats: dict[str, dict]) -> tuple[str, dict]:
    """The settings each method picked, re-measured with other training seeds of the backbone.

    A pick made on seed-0 rewards partly selects lucky backbones (one backbone serves every task, so its luck is
    shared by seen and held-out tasks); rewards of the same setting under fresh seeds remove that selection bias.
    """
    if not repeats:
        return 'No seed repeats: the picks cannot be re-measured.', {}
    out, text = {}, []
    picked = {ts for r in res.values() for e in r['tasks'].values() for method in PICKS
              for ts, _ in method_picks(e, method)}
    lacking = sorted(ts for ts in picked if not all(ts in run.get(t, {}) for run in repeats.values() for t in table))
    if lacking:
        print(f'{len(lacking)} picked settings lack seed repeats: {" ".join(lacking)}')
    for name, r in res.items():
        rows, agg = [], {}
        for method in PICKS:
            seed0, fresh, missing = [], [], 0
            for t, e in r['tasks'].items():
                for ts, reward in method_picks(e, method):
                    vals = [run[t][ts] for run in repeats.values() if ts in run.get(t, {})]
                    if not vals:
                        missing += 1
                        continue
                    seed0.append(reward)
                    fresh.append(float(np.mean(vals)))
            if not fresh:
                continue
            agg[method] = {'seed0': float(np.mean(seed0)), 'fresh_seeds': float(np.mean(fresh)),
                           'picks_remeasured': len(fresh), 'picks_missing': missing}
            rows.append([method, agg[method]['seed0'], agg[method]['fresh_seeds'],
                         agg[method]['fresh_seeds'] - agg[method]['seed0'], f'{len(fresh)}/{len(fresh) + missing}'])
        mean = float(np.mean([e['mean_over_settings'] for e in r['tasks'].values()]))
        rows.append(['mean of all settings (no selection)', mean, None, None, ''])
        # calibration: repeated settings that no method picked in any split, seed 0 vs the other seeds
        calib0, calib = [], []
        for t in r['tasks']:
            common = [ts for ts in table[t] if ts not in picked and all(ts in run.get(t, {}) for run in repeats.values())]
            calib0 += [table[t][ts] for ts in common]
            calib += [float(np.mean([run[t][ts] for run in repeats.values()])) for ts in common]
        if calib:
            rows.append(['repeated settings no method picked in any split (calibration)', float(np.mean(calib0)),
                         float(np.mean(calib)), float(np.mean(calib) - np.mean(calib0)), f'{len(calib)}'])
        out[name] = {'methods': agg, 'mean_over_settings': mean,
                     'unpicked_repeats': {'seed0': float(np.mean(calib0)), 'fresh_seeds': float(np.mean(calib)),
                                          'n': len(calib)} if calib else None}
        text.append(f'**{name}**\n\n' + md_table(['method', 'reward of its picks, seed 0 (the table)',
                                                   f'same picks, training seeds {", ".join(sorted(repeats))}',
                                                   'change', 'picks re-measured'], rows))
    out['picked_settings'] = sorted(picked)
    out['picks_lacking_repeats'] = lacking
    note = ('Each method\'s picks (per held-out task) re-measured with other training seeds of the backbone, same '
            'rendered sets; averaged over the held-out tasks and picks. The table\'s seed-0 rewards carry the luck of '
            'one backbone per setting, shared by all tasks, so choosing the best seed-0 setting also chooses luck.')
    return note + '\n\n' + '\n\n'.join(text), out


def controller_plot(res: dict, fresh: dict, path: Path) -> None:
    """Average held-out reward per method and protocol (bars: the table), with the same picks under fresh
    training seeds (markers) and the unpicked repeated settings under those seeds (dashed line)."""
    labels = {'mean_over_settings': 'mean of\nsettings', 'all_varied': 'all\nvaried', 'best_single_seen': 'best single\n(seen)',
              'nearest_seen': 'nearest\nseen task', 'predicted': 'controller', 'ceiling': 'ceiling'}
    plt = _plt()
    fig, axes = plt.subplots(1, len(res), figsize=(5.4 * len(res), 3.9), squeeze=False)
    for ax, (name, r) in zip(axes[0], res.items()):
        keys = [k for k in labels if r['average'].get(k) is not None]
        vals = [r['average'][k] for k in keys]
        colors = ['#3a7' if k == 'predicted' else ('#555' if k == 'ceiling' else '#9ab') for k in keys]
        ax.bar(range(len(keys)), vals, color=colors, label='reward on the table (seed 0)')
        shown = list(vals)
        for i, v in enumerate(vals):   # inside the bar top, clear of the markers
            ax.text(i, v - 0.25, f'{v:.1f}', ha='center', va='top', fontsize=8, color='white')
        methods = fresh.get(name, {}).get('methods', {})
        pts = [(i + 0.27, methods[k]['fresh_seeds']) for i, k in enumerate(keys) if k in methods]   # beside the labels
        if pts:
            ax.plot(*zip(*pts), 'kD', ms=5, label='same picks, fresh training seeds')
            shown += [v for _, v in pts]
        calib = fresh.get(name, {}).get('unpicked_repeats')
        if calib:
            ax.axhline(calib['fresh_seeds'], color='k', ls='--', lw=0.8, label='unpicked settings, fresh seeds')
            shown.append(calib['fresh_seeds'])
        ax.set_ylim(min(shown) - 3, max(shown) + 1.5)
        ax.set_xticks(range(len(keys)), [labels[k] for k in keys], fontsize=8)
        ax.set_title(f'{name}: average over {len(r["tasks"])} held-out task(s)', fontsize=10)
        ax.set_ylabel('5-NN accuracy (%)')
        ax.legend(fontsize=7, loc='upper left')
    _save(fig, path)


def main(argv: Sequence[str] | None = None) -> dict:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--reward_db', default=str(REWARD_DB))
    p.add_argument('--task_db', default=str(TASK_DB))
    p.add_argument('--repeats', default=str(REPO / 'controller_db' / 'seed_repeats'))
    p.add_argument('--out', default=str(REPO / 'docs'))
    p.add_argument('--loo_epochs', type=int, default=1000)
    p.add_argument('--controller_seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--skip_controller', action='store_true')
    p.add_argument('--reuse_controller', default='', metavar='RESULTS_JSON',
                   help="an earlier run's mini_task2sim_results.json: take its controller picks instead of retraining "
                        '(refused unless table, task DB, controller config, epochs and seeds are the same); the fresh-'
                        'seed check is recomputed with the current repeats')
    args = p.parse_args(argv)
    out = Path(args.out)
    tasks = SEEN_TASKS + HELD_OUT_TASKS
    table, meta = load_table(args.reward_db)
    have = measured(table, tasks)
    scale = meta.get('build', {}).get('scale', {})
    sections = [f'Table: {len(have)}/256 settings measured for all 8 tasks; scale {json.dumps(scale, sort_keys=True)}']
    results: dict = {'measured_settings': have, 'scale': scale}
    recs = [r['seconds'] for r in meta.get('settings', {}).values() if 'seconds' in r]
    if recs:
        cost = {k: float(np.median([r[k] for r in recs])) for k in ('render', 'pretrain', 'knn')}
        cost['total'] = float(np.median([sum(r.values()) for r in recs]))
        results['seconds_per_setting_median'] = cost
        sections.append(f'Cost per setting (median over {len(recs)} settings, one process, sidecar timings): '
                        + ', '.join(f'{k} {v:.0f} s' for k, v in cost.items()))
    text, results['pretrained_vs_random'] = pretrained_vs_random(table, meta, tasks, have, out)
    sections.append('### Pre-trained vs random init\n\n' + text)
    repeats = load_repeats(Path(args.repeats), recorded_scale(meta))
    text, results['seed_spread'] = seed_spread(table, tasks, repeats)
    sections.append('### Setting spread vs seed spread\n\n' + text)
    text, results['field_effects'] = effects(table, tasks, have, out)
    seed_sd = [v['seed_sd'] for v in results['seed_spread'].get('tasks', {}).values()]
    if seed_sd:
        se = 2 * float(np.mean(seed_sd)) / np.sqrt(len(have))
        results['field_effects']['standard_error'] = se
        text += (f'\n\nWith the seed noise above (average sd {np.mean(seed_sd):.2f} points per reward), a main effect over '
                 f'{len(have)} settings (half with the field on) has a standard error of about {se:.2f} points.')
    sections.append('### Per-field effects\n\n' + text)
    if not args.skip_controller and Path(args.task_db).is_file():
        results['controller_inputs'] = controller_inputs(table, Path(args.task_db), args.loo_epochs,
                                                         args.controller_seeds)
        if args.reuse_controller:
            text, results['controller'] = reused_controller(Path(args.reuse_controller), results['controller_inputs'])
        else:
            with tempfile.TemporaryDirectory() as tmp:
                text, results['controller'] = controller_eval(table, tasks, Path(args.task_db), args.loo_epochs,
                                                              args.controller_seeds, Path(tmp))
        results['controller_text'] = text
        sections.append('### Controller vs baselines\n\n' + text)
        text, results['fresh_seed_check'] = fresh_seed_check(results['controller'], table,
                                                           repeats)
        controller_plot(results['controller'], results['fresh_seed_check'], out / 'mini_task2sim_controller.png')
        sections.append('### The picks under fresh training seeds\n\n' + text)
    report = '\n\n'.join(sections)
    print(report)
    atomic_write_json(out / 'mini_task2sim_results.json', results, indent=1, sort_keys=True)
    atomic_write_text(out / 'mini_task2sim_report.md', report + '\n')
    return results


if __name__ == '__main__':
    run_cli(main)
