"""`make demo`: the whole Task2Sim loop at laptop scale, in about ten minutes on two CPU cores.

    python scripts/demo.py                 # what `make demo` runs
    python scripts/demo.py --live 1 --controller_epochs 200 --out expts/demo_quick     # a faster look

1. Train the controller (REINFORCE + self-imitation) on the project's own reward table
   (controller_db/reward_db.json) and task DB (task_db/efficientnet_lite0_8_tasks.pt), seen tasks only.
2. Predict simulator settings for the held-out tasks.
3. Live, at the table's own scale (read from its sidecar): render the predicted settings and a few
   reference settings with the embedded renderer (preview grids saved), pre-train a backbone on each
   with the engine, and score it by 5-NN on every task.
4. Print the final table for the held-out tasks: predicted settings vs the baselines vs the ceiling,
   and write the plots.

Every number printed is computed in this run or read from a file the project produced.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
import time
from pathlib import Path
from typing import Any, Sequence

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_json
from rewards.config import BuildConfig
from rewards.runner import SettingRunner
from rewards.version import PIPELINE_VERSION
from rewards.analysis import (ALL_VARIED, HELD_OUT_TASKS, REWARD_DB, SEEN_TASKS, TASK_DB, baseline_choices,
                                   complete_table, load_table, measured, task_vectors, train_controller)

DEFAULT_SETTING = '0_0_0_0_0_1_0_0_0'   # the generator's default: nothing varied, natural materials


def say(msg: str = '') -> None:
    print(msg, flush=True)


def live_rewards(meta: dict, settings: Sequence[str], out: Path, threads: int = 1) -> dict[str, dict]:
    """Render, pre-train and 5-NN-score ``settings`` at the table's scale; {setting: {rewards, seconds, preview}}."""
    from tqdm import tqdm

    scale = dict(meta['build']['scale'])
    cfg = BuildConfig(**{**scale, 'work_dir': str(out / 'work'), 'output': str(out / 'unused.json'),
                         'tasks': SEEN_TASKS + HELD_OUT_TASKS, 'clean': 'checkpoints', 'threads': threads,
                         'progress': True})
    runner = SettingRunner(cfg, render_progress=True)
    results: dict[str, dict] = {}
    try:
        t0 = time.perf_counter()
        _ = runner.bank   # load the 8 tasks once
        say(f'  tasks loaded and transformed in {time.perf_counter() - t0:.1f} s')
        bar = tqdm(settings, desc='live settings', unit='setting', dynamic_ncols=True)
        for ts in bar:
            bar.set_postfix_str(ts)
            rewards, info = runner.run(ts)
            runner.clean(ts)
            preview = out / 'work' / 'sets' / f'dataset_{ts}' / 'preview.png'
            results[ts] = {'rewards': rewards, 'seconds': info['seconds'], 'preview': str(preview)}
            bar.write(f'  {ts}: render {info["seconds"]["render"]:.0f} s, pre-train {info["seconds"]["pretrain"]:.0f} s, '
                      f'5-NN {info["seconds"]["knn"]:.0f} s -> preview {preview}')
    finally:
        runner.close()
    return results


def plot_final(path: Path, rows: dict[str, dict], columns: Sequence[tuple[str, str]]) -> Path:
    import io

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    from common.io import atomic_write_bytes
    tasks = list(rows)
    fig, ax = plt.subplots(figsize=(1.9 * len(tasks) + 3, 4))
    width = 0.8 / len(columns)
    for j, (key, label) in enumerate(columns):
        vals = [rows[t].get(key) for t in tasks]
        xs = np.arange(len(tasks)) + (j - (len(columns) - 1) / 2) * width
        ax.bar(xs, [v if v is not None else 0 for v in vals], width, label=label)
    lo = min(v for t in tasks for k, _ in columns if (v := rows[t].get(k)) is not None)
    hi = max(v for t in tasks for k, _ in columns if (v := rows[t].get(k)) is not None)
    ax.set_ylim(max(0, lo - 5), min(100, hi + 3))
    ax.set_xticks(np.arange(len(tasks)), tasks)
    ax.set_ylabel('5-NN accuracy (%)')
    ax.set_title('Held-out tasks: controller prediction vs baselines vs ceiling')
    ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1.01, 0.5))
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def montage(path: Path, previews: dict[str, str]) -> Path:
    """The preview grids of the live sets side by side, each titled with its setting."""
    import io

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from PIL import Image

    from common.io import atomic_write_bytes
    fig, axes = plt.subplots(1, len(previews), figsize=(4 * len(previews), 4.3), squeeze=False)
    for ax, (ts, p) in zip(axes[0], previews.items()):
        with Image.open(p) as im:
            ax.imshow(im.convert('RGB'))
        ax.set_title(ts, fontsize=9)
        ax.axis('off')
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=90, bbox_inches='tight')
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='expts/demo', help='outputs (sets, controller, plots, results.json)')
    p.add_argument('--reward_db', default=str(REWARD_DB))
    p.add_argument('--task_db', default=str(TASK_DB))
    p.add_argument('--live', type=int, default=3, help='settings rendered + pre-trained live (predicted first)')
    p.add_argument('--controller_epochs', type=int, default=1000)
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads for the live pre-training (1 is robust on a shared machine; 0 = torch default)')
    args = p.parse_args(argv)
    if args.live < 0 or args.controller_epochs < 1:
        raise UserError('--live must be >= 0 and --controller_epochs >= 1')
    t_start = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = SEEN_TASKS + HELD_OUT_TASKS
    say('== Mini Task2Sim: which simulator settings pre-train best for a task? ==')
    table, meta = load_table(args.reward_db)
    task_db = Path(args.task_db)
    if not task_db.is_file():
        raise UserError(f'task DB {task_db} is missing; build it with python controller/task_db.py --preset embedded')
    have = measured(table, tasks)
    scale = meta.get('build', {}).get('scale', {})
    say(f'reward table {args.reward_db}: {len(have)}/256 grid settings measured for all {len(tasks)} tasks '
        f'({scale.get("num_classes")} object classes, {scale.get("num_imgs")} images of {scale.get("size")} px '
        f'per set, {scale.get("model")} pre-trained {scale.get("epochs")} epochs, {scale.get("knn_k")}-NN)')
    say(f'seen tasks: {", ".join(SEEN_TASKS)}; held-out tasks: {", ".join(HELD_OUT_TASKS)}')
    table_version = meta.get('build', {}).get('versions', {}).get('pipeline_version')
    if table_version != PIPELINE_VERSION:
        say(f'NOTE: the table was built with reward pipeline version {table_version}, this code is version '
            f'{PIPELINE_VERSION}; live rewards below may differ from the table for that reason.')
    say(f'task DB {task_db} (Task2Vec embeddings computed by controller/task_db.py --preset embedded)')

    # 1-2. the controller on the seen tasks, predictions for the held-out ones
    table_for_controller = Path(args.reward_db)
    imputed: list[str] = []
    if len(have) < 256:
        full, imputed = complete_table(table, tasks)
        table_for_controller = out / 'reward_db_completed.json'
        atomic_write_json(table_for_controller, full, indent=1, sort_keys=True)
        say(f'NOTE: the 256-setting table is not complete yet ({len(have)} measured). For training the controller, '
            f'the {len(imputed)} missing settings are filled per task by a least-squares fit of the 8 main effects '
            f'on the measured ones ({table_for_controller}). All comparisons below use measured or live rewards only.')
    say(f'\n[1/3] training the controller ({args.controller_epochs} epochs) on the {len(SEEN_TASKS)} seen tasks ...')
    t0 = time.perf_counter()
    res = train_controller(table_for_controller, task_db, out / 'controller', args.controller_epochs,
                           SEEN_TASKS, HELD_OUT_TASKS)
    preds = res['test']['recommended_preds']   # the pick a user should use (final_test_preds.json)
    say(f'  done in {time.perf_counter() - t0:.0f} s; predicted settings for the held-out tasks:')
    for t, ts in preds.items():
        say(f'    {t:12s} {ts}' + ('' if ts in have else '   (not in the measured table: measured live below)'))

    # 3. live: the predicted settings first, then references
    vec_seen, vec_held = task_vectors(task_db, SEEN_TASKS), task_vectors(task_db, HELD_OUT_TASKS)
    base = baseline_choices(table, SEEN_TASKS, HELD_OUT_TASKS, vec_seen, vec_held)
    wanted = [ts for ts in dict.fromkeys(list(preds.values()) + [ALL_VARIED, DEFAULT_SETTING])]
    # settings missing from the table come first: they are what the final table needs
    wanted = sorted(wanted, key=lambda ts: ts in have)[:args.live]
    say(f'\n[2/3] rendering, pre-training and 5-NN scoring {len(wanted)} setting(s) live: {", ".join(wanted) or "-"}')
    live = live_rewards(meta, wanted, out, args.threads) if wanted else {}
    for ts, r in live.items():
        if ts in have:
            diffs = [abs(r['rewards'][t] - table[t][ts]) for t in tasks]
            say(f'  {ts} is also in the table: live vs table differ by at most {max(diffs):.2f} points '
                f'over the {len(tasks)} tasks')

    # 4. final table (held-out tasks)
    say('\n[3/3] held-out tasks, 5-NN accuracy (%) of a backbone pre-trained on the chosen setting')
    rand = meta.get('random_init', {})
    rows: dict[str, dict] = {}
    for t in HELD_OUT_TASKS:
        ts = preds[t]
        if ts in have:   # the table first: the baselines come from it
            pred, src = table[t][ts], 'table'
        elif ts in live:
            pred, src = live[ts]['rewards'][t], 'live'
        else:
            pred, src = None, 'not measured'
        av = base[t]['all_varied'] if base[t]['all_varied'] is not None else live.get(ALL_VARIED, {}).get('rewards', {}).get(t)
        rows[t] = {'random_init': rand.get(t), 'mean_over_settings': base[t]['mean_over_settings'], 'all_varied': av,
                   'best_single_seen': base[t]['best_single_seen'], 'nearest_seen': base[t]['nearest_seen'],
                   'predicted': pred, 'predicted_source': src, 'predicted_setting': ts, 'ceiling': base[t]['ceiling'],
                   'ceiling_setting': base[t]['ceiling_setting'], 'nearest_seen_task': base[t]['nearest_seen_task']}
    cols = [('random_init', 'random init'), ('mean_over_settings', 'mean of settings'), ('all_varied', 'all varied'),
            ('best_single_seen', 'best single (seen)'), ('nearest_seen', 'nearest seen task'),
            ('predicted', 'controller'), ('ceiling', 'ceiling' if len(have) == 256 else 'ceiling (measured)')]

    def fmt(v):
        return '   n/a' if v is None else f'{v:6.2f}'
    say(f'  {"task":12s}' + ''.join(f'{lab:>20s}' for _, lab in cols))
    for t, r in rows.items():
        say(f'  {t:12s}' + ''.join(f'{fmt(r[k]):>20s}' for k, _ in cols))
    avg = {k: (sum(r[k] for r in rows.values()) / len(rows) if all(r[k] is not None for r in rows.values()) else None)
           for k, _ in cols}
    say(f'  {"average":12s}' + ''.join(f'{fmt(avg[k]):>20s}' for k, _ in cols))
    say(f'  baselines use the {base[HELD_OUT_TASKS[0]]["num_settings"]} settings measured for all tasks; best single '
        f'(seen) = {base[HELD_OUT_TASKS[0]]["best_single_setting"]}; nearest seen task by Task2Vec cosine: '
        + ', '.join(f'{t}->{r["nearest_seen_task"]}' for t, r in rows.items()))
    say('  controller rewards from: ' + ', '.join(f'{t} {r["predicted_setting"]} ({r["predicted_source"]})'
                                                for t, r in rows.items()))
    plots = {'final table': plot_final(out / 'final_table.png', rows, cols)}
    if live:
        plots['live preview grids'] = montage(out / 'live_previews.png', {ts: r['preview'] for ts, r in live.items()})
    for name in ('heatmaps_test.png', 'heatmaps_train.png', 'reward_curve.png'):
        if (out / 'controller' / name).is_file():
            plots[f'controller {name[:-4]}'] = out / 'controller' / name
    results = {'rows': rows, 'average': avg, 'live': live, 'predictions': preds, 'measured_settings': len(have),
               'imputed_settings_for_training': len(imputed), 'seconds': time.perf_counter() - t_start,
               'plots': {k: str(v) for k, v in plots.items()}}
    atomic_write_json(out / 'results.json', results, indent=1)
    say('\nplots:')
    for name, path in plots.items():
        say(f'  {name}: {path}')
    say(f'results: {out / "results.json"}   total time {results["seconds"] / 60:.1f} min')
    return results


if __name__ == '__main__':
    run_cli(main)
