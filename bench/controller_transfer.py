"""Does the controller's pick transfer? Leave-one-task-out on a reward table + task DB, side by side.

    python bench/controller_transfer.py --table paper --out bench_out/transfer_paper      # 12 seen tasks
    python bench/controller_transfer.py --table own --out bench_out/transfer_own          # this project's 8
    python bench/controller_transfer.py --reward_db R.json --task_db T.pt --candidates fit original --out OUT

Every task is held out once; each controller candidate is trained on the others and its pick for the
held-out task is scored from the table. Seed s of an ensemble of E uses members s..s+E-1, exactly as
``ENSEMBLE E`` with ``SEED s`` trains them (so ensembles of neighbouring seeds share members and their
spread understates the spread of independent ensembles). The
non-learned rules see the same training tasks: the best single setting, the nearest task's best
(Task2Vec cosine), the similarity-weighted reward average (temperature by an inner leave-one-out on
the training tasks), and a random setting (expected value). Prints one table (mean ± sd over seeds,
per-task rewards), writes ``transfer.json``, ``transfer.md`` and ``transfer.png`` into --out. Trained members are kept
in --out/units (one JSON each), so an interrupted run resumes.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_bytes, atomic_write_json, atomic_write_text, sidecar_path
from controller import fixed_rules
from controller.config import ControllerConfig, config_to_dict
from controller.evaluate import head_probs, similarity_weighted_probs
from controller.policy import SettingCodec
from controller.reward_db import load_reward_db, reward_table, table_fingerprint
from controller.task_db import cosine_matrix, load_task_db, task_vectors
from controller.train import member_seeds, new_member, train_controller_model
from controller.transfer import max_cosine, member_key, recommended_picks, resolve_shrink_cos
from rewards.analysis import GRID, load_repeats
from rewards.store import recorded_scale

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT.parent / 'shared' / 'reference' / 'task2sim_paper'
TABLES = MappingProxyType({
    'paper': ((REF / 'resnet18_imagenet_12_seen_tasks.pt',), REF / 'reward_db_seen.json'),
    'own': ((ROOT / 'task_db' / 'efficientnet_lite0_8_tasks.pt',), ROOT / 'controller_db' / 'reward_db.json'),
})
_FIT = ('CROSS_TASK_LOSS', False, 'NOISE_RED_EPOCH', 100)
# controller candidates: name -> (YAML, overrides). Members are trained with ENSEMBLE 1; ensembles
# and the similarity gate are formed afterwards from the same members.
CANDIDATES: Mapping[str, tuple[str, tuple[Any, ...]]] = MappingProxyType({
    'original': ('configs/controller_original.yaml', ()),
    'original-zscore': ('configs/controller_original.yaml', ('REWARD_NORM', 'zscore')),
    'fit': ('configs/controller_original.yaml', _FIT),
    'fit-zscore': ('configs/controller_original.yaml', _FIT + ('REWARD_NORM', 'zscore')),
    'fit-rank': ('configs/controller_original.yaml', _FIT + ('REWARD_NORM', 'rank')),
    'fit-center': ('configs/controller_original.yaml', _FIT + ('INPUT_NORM', 'center')),
    'default': ('configs/controller_default.yaml', ()),
})
CALIBRATION = 'calibration: repeated settings no row picked'
GATES = (0.9, 0.95, 0.96, 0.97, 0.98, 1.01, 'auto')  # SHRINK_COS values tried on every ensemble (1.01: always fixed)


@dataclass(frozen=True)
class Unit:
    """One trained member: candidate, held-out task, seed."""
    candidate: str
    held_out: str
    seed: int


def candidate_config(name: str, seed: int, train_tasks: Sequence[str], extra: Sequence[Any] = ()) -> ControllerConfig:
    if name not in CANDIDATES:
        raise UserError(f'candidate {name!r} is unknown; allowed: {sorted(CANDIDATES)}')
    yml, over = CANDIDATES[name]
    return ControllerConfig(str(ROOT / yml), list(over) + list(extra) + [
        'SEED', seed, 'TRAIN_TASKS', list(train_tasks), 'TEST_TASKS', [], 'USE_PBAR', False, 'SAVE_PLOTS', False,
        'DEVICE', 'cpu'])


def _train_unit(args: tuple) -> dict:
    """Worker: train one member on all tasks but the held-out one; its held-out head probabilities per snapshot."""
    unit, tasks, vecs, rewards, snapshots, epochs = args
    torch.set_num_threads(1)
    i = tasks.index(unit.held_out)
    rest = [j for j in range(len(tasks)) if j != i]
    extra = ['ENSEMBLE', 1, 'CKPT_SAVE_INTERVAL', math.gcd(*snapshots)] + (['NUM_EPOCHS', epochs] if epochs else [])
    cfg = candidate_config(unit.candidate, unit.seed, [tasks[j] for j in rest], extra)
    model = new_member(cfg, vecs[rest], unit.seed)
    snaps: dict[str, list] = {}

    def snap(epoch: int, m) -> None:
        if epoch + 1 in snapshots:
            snaps[str(epoch + 1)] = head_probs(m, vecs[i:i + 1])[0].tolist()

    t0 = time.perf_counter()
    train_controller_model(model, cfg, vecs[rest], rewards[rest], seed=unit.seed, checkpoint_fn=snap)
    snaps[str(cfg.NUM_EPOCHS)] = head_probs(model, vecs[i:i + 1])[0].tolist()
    return {'probs': snaps, 'train_probs': head_probs(model, vecs[rest]).tolist(),
            'seconds': time.perf_counter() - t0, 'head_names': list(model.head_names),
            'member_key': member_key(cfg), 'num_epochs': cfg.NUM_EPOCHS}


def unit_path(out: Path, unit: Unit) -> Path:
    return out / 'units' / unit.candidate / f'{unit.held_out}_seed{unit.seed}.json'


def train_units(units: list[Unit], out: Path, tasks: list[str], vecs: torch.Tensor, rewards: torch.Tensor,
                snapshots: tuple[int, ...], epochs: int | None, workers: int, fingerprint: str) -> dict[Unit, dict]:
    """Train the missing units (in parallel), keep each as a JSON file, and return all of them."""
    done: dict[Unit, dict] = {}
    todo = []
    keys = {c: member_key(candidate_config(c, 1, tasks, ['NUM_EPOCHS', epochs] if epochs else []))
            for c in {u.candidate for u in units}}
    for u in units:
        p = unit_path(out, u)
        if p.is_file():
            try:
                rec = json.loads(p.read_text())
            except json.JSONDecodeError:
                rec = {}
            # kept only when made from the same table and vectors, configuration, epochs and snapshots
            if (rec.get('fingerprint') == fingerprint and rec.get('member_key') == keys[u.candidate]
                    and set(map(str, [s for s in snapshots if s <= rec.get('num_epochs', 0)])) <= set(rec['probs'])):
                done[u] = rec
                continue
        todo.append(u)
    if todo:
        print(f'training {len(todo)} controllers ({len(done)} kept from an earlier run) with {workers} workers')
    jobs = [(u, tasks, vecs, rewards, snapshots, epochs) for u in todo]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n, (u, rec) in enumerate(zip(todo, pool.map(_train_unit, jobs)), 1):
            rec['fingerprint'] = fingerprint
            atomic_write_json(unit_path(out, u), rec)
            done[u] = rec
            if n % 10 == 0 or n == len(todo):
                print(f'  {n}/{len(todo)} trained ({time.perf_counter() - t0:.0f} s)', flush=True)
    return done


def _summary(per_seed_task: np.ndarray, tasks: list[str]) -> dict:
    """per_seed_task: (seeds, tasks) rewards of a method's picks on each held-out task."""
    per_seed = per_seed_task.mean(1)
    return {'mean': float(per_seed.mean()), 'sd': float(per_seed.std(ddof=1)) if len(per_seed) > 1 else 0.0,
            'per_seed': per_seed.tolist(), 'per_task': dict(zip(tasks, per_seed_task.mean(0).tolist()))}


def fixed_rule_rows(tasks: list[str], vecs: torch.Tensor, rewards: torch.Tensor, n_seeds: int) -> dict[str, dict]:
    """Leave-one-task-out rewards of the non-learned rules (no seed dependence: repeated per seed)."""
    sim = cosine_matrix(vecs)
    picks: dict[str, list[int]] = {'best single setting': [], 'nearest task\'s best': [],
                                   'similarity-weighted rewards (inner-LOO temperature)': []}
    temps = []
    for i in range(len(tasks)):
        rest = [j for j in range(len(tasks)) if j != i]
        tr, s = rewards[rest], sim[i:i + 1, rest]
        picks['best single setting'].append(fixed_rules.best_single_index(tr))
        picks['nearest task\'s best'].append(int(fixed_rules.nearest_task_best(s, tr)))
        t = fixed_rules.inner_loo_temperature(vecs[rest], tr)
        temps.append(t)
        picks['similarity-weighted rewards (inner-LOO temperature)'].append(
            int(fixed_rules.similarity_weighted_index(s, tr, t)))
    rows = {}
    rows_idx = torch.arange(len(tasks))
    for name, idx in picks.items():
        r = rewards[rows_idx, torch.tensor(idx)].numpy()
        rows[name] = {**_summary(np.tile(r, (n_seeds, 1)), tasks), 'kind': 'fixed rule',
                      'picks': dict(zip(tasks, idx)), 'picks_per_seed': [list(idx)] * n_seeds}
    rows['similarity-weighted rewards (inner-LOO temperature)']['temperatures'] = dict(
        zip(tasks, [None if math.isinf(t) else t for t in temps]))
    r = fixed_rules.random_expected(rewards).numpy()
    rows['random setting (expected)'] = {**_summary(np.tile(r, (n_seeds, 1)), tasks), 'kind': 'fixed rule'}
    return rows


def controller_rows(cands: list[str], units: dict[Unit, dict], tasks: list[str], vecs: torch.Tensor,
                    rewards: torch.Tensor, seeds: list[int], ensembles: list[int]) -> dict[str, dict]:
    """Rows of every candidate: each snapshot × ensemble size, the similarity-weighted readout, the gates."""
    folds = [[j for j in range(len(tasks)) if j != b] for b in range(len(tasks))]
    rows: dict[str, dict] = {}
    for cand in cands:
        first = units[Unit(cand, tasks[0], seeds[0])]
        codec = SettingCodec(first['head_names'])
        epochs = sorted(first['probs'], key=int)
        final = epochs[-1]

        def probs_of(task: str, seed: int, ens: int, epoch: str) -> torch.Tensor:
            return torch.tensor([units[Unit(cand, task, seed + k)]['probs'][epoch] for k in range(ens)]).mean(0)

        def score(pick_fn: Callable[[int, str, int], int]) -> tuple[np.ndarray, list[list[int]]]:
            """Rewards (seeds x tasks) of the picks, and the picks (grid indices, seeds x tasks)."""
            out, picks = np.zeros((len(seeds), len(tasks))), []
            for a, s in enumerate(seeds):
                picks.append([])
                for b, t in enumerate(tasks):
                    idx = pick_fn(b, t, s)
                    out[a, b] = float(rewards[b, idx])
                    picks[a].append(idx)
            return out, picks

        for ens in ensembles:
            for ep in epochs:
                arr, picks = score(lambda b, t, s: int(codec.to_index(probs_of(t, s, ens, ep).argmax(-1))))
                name = f'{cand} ×{ens} @{ep}' if ep != final else f'{cand} ×{ens}'
                rows[name] = {**_summary(arr, tasks), 'kind': 'controller', 'candidate': cand, 'ensemble': ens,
                              'epoch': int(ep), 'shrink_cos': None, 'picks_first_seed': dict(zip(tasks, picks[0])),
                              'picks_per_seed': picks,
                              'member_key': first['member_key'] if ep == final else None}
        ens = max(ensembles)

        def readout(b: int, t: str, s: int, ens: int = ens) -> int:
            tp = torch.stack([torch.tensor(units[Unit(cand, t, s + k)]['train_probs']) for k in range(ens)]).mean(0)
            sw = similarity_weighted_probs(vecs[folds[b]], tp, vecs[b:b + 1])
            return int(codec.to_index(sw.argmax(-1))[0])
        arr, picks = score(readout)
        rows[f'{cand} ×{ens} similarity-weighted readout'] = {**_summary(arr, tasks), 'kind': 'controller readout',
                                                            'candidate': cand, 'ensemble': ens, 'picks_per_seed': picks}
        for ens, gate in ((e, g) for e in ensembles for g in GATES):
            # per fold: the gate's cosine ('auto' sees the training tasks only) and the fixed fallback
            fold_cos = [resolve_shrink_cos(gate, vecs[rest], rewards[rest]) for rest in folds]
            fold_fixed = [fixed_rules.best_single_index(rewards[rest]) for rest in folds]

            def gated(b: int, t: str, s: int, ens: int = ens, fold_cos: list = fold_cos,
                      fold_fixed: list = fold_fixed) -> int:
                picks, _ = recommended_picks(probs_of(t, s, ens, final).unsqueeze(0), codec,
                                             max_cosine(vecs[b:b + 1], vecs[folds[b]]), fold_fixed[b], fold_cos[b])
                return int(picks[0])
            arr, picks = score(gated)
            label = ('auto gate' if gate == 'auto'
                     else 'always fixed' if gate > 1 else f'fixed below cos {gate:g}')
            rows[f'{cand} ×{ens}, {label}'] = {**_summary(arr, tasks), 'kind': 'controller + gate',
                                               'candidate': cand, 'ensemble': ens, 'shrink_cos': gate,
                                               'epoch': int(final), 'member_key': first['member_key'],
                                               'picks_per_seed': picks}
    return rows


def repeat_rewards(folder: Path, reward_db: Path, tasks: list[str]) -> tuple[list[str], np.ndarray]:
    """The seed repeats of ``reward_db`` in ``folder`` (``reward_db_seed<k>.json``, refused when built at another
    scale): their training seeds and rewards (repeats, tasks, 256), NaN where a repeat lacks a setting."""
    meta = sidecar_path(reward_db)
    scale = recorded_scale(json.loads(meta.read_text())) if meta.is_file() else None
    repeats = load_repeats(folder, scale)
    if not repeats:
        raise UserError(f'--repeats {str(folder)!r} holds no seed-repeat tables (reward_db_seed<k>.json)')
    arrays = [[[float(db.get(t, {}).get(k, np.nan)) for k in GRID] for t in tasks] for db in repeats.values()]
    return list(repeats), np.asarray(arrays, dtype=float)


def fresh_seed_rows(rows: dict[str, dict], repeats: np.ndarray, table: np.ndarray, tasks: list[str]) -> dict[str, dict]:
    """Every row's picks scored by the mean of the seed repeats instead of the table (the table's rewards select
    lucky backbones too). Rows with a pick no repeat measured get mean None and list it in ``missing``. The
    calibration row: the settings no row picked, table vs repeats (the seed shift without any selection)."""
    mean_rep = repeats.mean(0)                       # NaN unless every repeat has the setting
    out = {}
    for name, r in rows.items():
        picks = r.get('picks_per_seed')
        if picks is None:
            continue
        vals = np.array([[mean_rep[b, idx] for b, idx in enumerate(seed_picks)] for seed_picks in picks])
        missing = sorted({int(idx) for seed_picks in picks for b, idx in enumerate(seed_picks)
                          if not np.isfinite(mean_rep[b, idx])})
        out[name] = ({**_summary(vals, tasks), 'missing': []} if not missing
                     else {'mean': None, 'sd': None, 'missing': missing})
    unpicked = sorted(set(range(repeats.shape[2])) - {int(i) for r in rows.values()
                                                       for p in r.get('picks_per_seed', []) for i in p})
    calib = [i for i in unpicked if np.isfinite(mean_rep[:, i]).all()]
    out[CALIBRATION] = {'settings': len(calib), 'mean': float(mean_rep[:, calib].mean()) if calib else None,
                        'table_mean': float(table[:, calib].mean()) if calib else None, 'missing': []}
    return out


def picked_settings(rows: dict[str, dict]) -> list[str]:
    """Tuple strings of every setting some row picked (the seed repeats the fresh-seed check needs)."""
    return sorted({GRID[int(i)] for r in rows.values() for p in r.get('picks_per_seed', []) for i in p})


def format_table(rows: dict[str, dict], tasks: list[str], best_fixed: str) -> str:
    ref = rows[best_fixed]['mean']
    short = [t[:8] for t in tasks]
    lines = [f'{"method":52s} {"mean":>6s} {"± sd":>5s} {"vs best fixed":>13s}  ' + ' '.join(f'{s:>8s}' for s in short)]
    for name, r in sorted(rows.items(), key=lambda kv: -kv[1]['mean']):
        lines.append(f'{name:52s} {r["mean"]:6.2f} {r["sd"]:5.2f} {r["mean"] - ref:+13.2f}  '
                     + ' '.join(f'{r["per_task"][t]:8.1f}' for t in tasks))
    return '\n'.join(lines)


def format_fresh(rows: dict[str, dict], fresh: dict[str, dict], best_fixed: str) -> str:
    """Table reward vs fresh-seed reward of every row's picks, best fresh first (rows with missing repeats last)."""
    ref = fresh.get(best_fixed, {}).get('mean')
    lines = [f'{"method":52s} {"table":>6s} {"fresh":>6s} {"± sd":>5s} {"vs best fixed (fresh)":>21s}']
    order = sorted(fresh.items(), key=lambda kv: -(kv[1]['mean'] if kv[1]['mean'] is not None else -1e9))
    for name, f in order:
        table = (f'{rows[name]["mean"]:6.2f}' if name in rows
                 else f'{f["table_mean"]:6.2f}' if f.get('table_mean') is not None else f'{"":6s}')
        if f['mean'] is None:
            lines.append(f'{name:52s} {table} {"n/a":>6s} {"":5s} ({len(f["missing"])} picks lack repeats)')
            continue
        sd = f'{f["sd"]:5.2f}' if 'sd' in f else f'{"":5s}'
        gain = f'{f["mean"] - ref:+21.2f}' if ref is not None else f'{"n/a":>21s}'
        extra = f' ({f["settings"]} settings)' if 'settings' in f else ''
        lines.append(f'{name:52s} {table} {f["mean"]:6.2f} {sd} {gain}{extra}')
    return '\n'.join(lines)


def format_markdown(rows: dict[str, dict], tasks: list[str], best_fixed: str) -> str:
    """The same table as ``format_table`` in Markdown (for the docs)."""
    ref = rows[best_fixed]['mean']
    lines = ['| method | mean | ± sd | vs best fixed | ' + ' | '.join(tasks) + ' |',
             '|---|---|---|---|' + '---|' * len(tasks)]
    for name, r in sorted(rows.items(), key=lambda kv: -kv[1]['mean']):
        lines.append(f'| {name} | {r["mean"]:.2f} | {r["sd"]:.2f} | {r["mean"] - ref:+.2f} | '
                     + ' | '.join(f'{r["per_task"][t]:.1f}' for t in tasks) + ' |')
    return '\n'.join(lines)


def plot(path: Path, rows: dict[str, dict], best_fixed: str, title: str) -> Path:
    import io

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    items = sorted(rows.items(), key=lambda kv: kv[1]['mean'])
    colors = {'fixed rule': '#888888', 'controller': '#1f77b4', 'controller readout': '#9467bd',
              'controller + gate': '#2ca02c'}
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(items) + 1.6))
    y = np.arange(len(items))
    ax.barh(y, [r['mean'] for _, r in items], xerr=[r['sd'] for _, r in items],
            color=[colors[r['kind']] for _, r in items], capsize=2)
    ax.axvline(rows[best_fixed]['mean'], color='k', ls='--', lw=1, label=f'best fixed rule ({best_fixed})')
    ax.set_yticks(y, [n for n, _ in items], fontsize=7)
    lo = min(r['mean'] - r['sd'] for _, r in items)
    hi = max(r['mean'] + r['sd'] for _, r in items)
    ax.set_xlim(lo - 0.5, hi + 0.3)
    ax.set_xlabel('reward of the pick on the held-out task (mean over tasks; ± sd over seeds)')
    ax.set_title(title, fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()]
    ax.legend(handles + [ax.get_lines()[0]], list(colors) + ['best fixed rule'], fontsize=7, loc='lower right')
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def run(reward_db: Path, task_dbs: list[Path], tasks: list[str] | None, cands: list[str], seeds: list[int],
        ensembles: list[int], snapshots: tuple[int, ...], epochs: int | None, workers: int, out: Path,
        title: str, repeats_dir: Path | None = None) -> dict:
    rdb = load_reward_db(reward_db)
    tdb = load_task_db(task_dbs)
    tasks = tasks or [t for t in rdb if t in tdb]
    if len(tasks) < 3:
        raise UserError(f'leave-one-task-out needs >= 3 tasks with rewards and embeddings, got {tasks}')
    vecs = task_vectors(tdb, tasks)
    rewards = reward_table(rdb, tasks)
    fingerprint = table_fingerprint(tasks, rewards, vecs)
    for c in cands:
        candidate_config(c, 1, tasks)  # one-line error for an unknown candidate before any work
    member = sorted({s + k for s in seeds for k in range(max(ensembles))})
    units = [Unit(c, t, s) for c in cands for t in tasks for s in member]
    t0 = time.perf_counter()
    done = train_units(units, out, tasks, vecs, rewards, snapshots, epochs, workers, fingerprint)
    rows = fixed_rule_rows(tasks, vecs, rewards, len(seeds))
    best_fixed = max((n for n, r in rows.items() if r['kind'] == 'fixed rule'), key=lambda n: rows[n]['mean'])
    rows.update(controller_rows(cands, done, tasks, vecs, rewards, seeds, ensembles))
    for r in rows.values():
        r['gain_vs_best_fixed'] = r['mean'] - rows[best_fixed]['mean']
    secs = [u['seconds'] for u in done.values()]
    result = {'title': title, 'reward_db': str(reward_db), 'task_db': [str(p) for p in task_dbs], 'tasks': tasks,
              'table_fingerprint': fingerprint, 'seeds': seeds, 'ensembles': ensembles, 'snapshots': list(snapshots),
              'candidates': {c: {'yaml': CANDIDATES[c][0], 'overrides': CANDIDATES[c][1],
                                 'config': config_to_dict(candidate_config(c, 1, tasks))} for c in cands},
              'best_fixed_rule': best_fixed, 'ceiling': float(rewards.max(1).values.mean()),
              'member_seconds_mean': float(np.mean(secs)) if secs else 0.0,
              'wall_seconds': time.perf_counter() - t0, 'rows': rows, 'picked_settings': picked_settings(rows)}
    if repeats_dir is not None:
        names, reps = repeat_rewards(repeats_dir, reward_db, tasks)
        fresh = fresh_seed_rows(rows, reps, rewards.numpy(), tasks)
        result['fresh_seeds'] = {'repeats': names, 'rows': fresh}
        missing = sorted({i for f in fresh.values() for i in f['missing']})
        if missing:
            print(f'{len(missing)} picked settings lack seed repeats in {repeats_dir}: {" ".join(GRID[i] for i in missing)}')
    print(f'{title}: leave-one-task-out over {len(tasks)} tasks, seeds {seeds[0]}..{seeds[-1]}; '
          f'ceiling {result["ceiling"]:.2f}; a member trains in {result["member_seconds_mean"]:.1f} s')
    print(format_table(rows, tasks, best_fixed))
    if 'fresh_seeds' in result:
        print(format_fresh(rows, result['fresh_seeds']['rows'], best_fixed))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / 'transfer.json', result)
    md = format_markdown(rows, tasks, best_fixed)
    if 'fresh_seeds' in result:
        md += '\n\nThe same picks under fresh training seeds (mean of ' + ', '.join(result['fresh_seeds']['repeats']) \
            + '):\n\n```\n' + format_fresh(rows, result['fresh_seeds']['rows'], best_fixed) + '\n```'
    atomic_write_text(out / 'transfer.md', md + '\n')
    plot(out / 'transfer.png', rows, best_fixed, title)
    print(f'wrote {out / "transfer.json"}, {out / "transfer.md"} and {out / "transfer.png"}')
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = ArgumentParser(description='Leave-one-task-out transfer benchmark of controller picks and fixed rules.')
    p.add_argument('--table', choices=sorted(TABLES), default='', help='a known reward table + task DB')
    p.add_argument('--reward_db', default='', help='reward DB JSON (instead of --table)')
    p.add_argument('--task_db', nargs='*', default=[], help='task DB files (instead of --table)')
    p.add_argument('--tasks', nargs='*', default=[], help='tasks to use (default: every task in both DBs)')
    p.add_argument('--candidates', nargs='*', default=['original', 'fit', 'fit-zscore'], help=f'of {sorted(CANDIDATES)}')
    p.add_argument('--seeds', type=int, nargs=2, default=[1, 5], metavar=('FIRST', 'LAST'))
    p.add_argument('--ensembles', type=int, nargs='*', default=[1, 3], help='ensemble sizes to score')
    p.add_argument('--snapshots', type=int, nargs='*', default=[250, 500],
                   help='also score the picks at these epochs (early stopping); the final epoch always')
    p.add_argument('--epochs', type=int, default=0, help='override NUM_EPOCHS of every candidate (0: keep)')
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--out', required=True, help='output folder (transfer.json, transfer.md, transfer.png, units/)')
    p.add_argument('--repeats', default='', help='folder of seed-repeat tables of the reward DB: also score every '
                                                 'pick under those fresh training seeds')
    args = p.parse_args(argv)
    if args.table:
        task_dbs, reward_db = TABLES[args.table]
        title = {'paper': "paper's 12 seen tasks", 'own': "this project's 8 embedded tasks"}[args.table]
    elif args.reward_db and args.task_db:
        task_dbs, reward_db, title = [Path(p) for p in args.task_db], Path(args.reward_db), Path(args.reward_db).name
    else:
        raise UserError('give --table paper|own, or --reward_db and --task_db')
    if not reward_db.is_file():
        raise UserError(f'reward DB {str(reward_db)!r} does not exist')
    if args.repeats and not Path(args.repeats).is_dir():
        raise UserError(f'--repeats {args.repeats!r} is not a folder of seed-repeat tables')
    if args.seeds[0] > args.seeds[1] or min(args.ensembles or [0]) < 1 or args.workers < 1:
        raise UserError(f'--seeds FIRST <= LAST, --ensembles >= 1 and --workers >= 1; got {args.seeds}, '
                        f'{args.ensembles}, {args.workers}')
    seeds = list(range(args.seeds[0], args.seeds[1] + 1))
    snaps = tuple(sorted(set(args.snapshots))) or (1,)
    return run(reward_db, task_dbs, args.tasks or None, args.candidates, seeds, sorted(set(args.ensembles)), snaps,
               args.epochs or None, args.workers, Path(args.out), title, Path(args.repeats) if args.repeats else None)


if __name__ == '__main__':
    run_cli(main)
