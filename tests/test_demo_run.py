"""scripts/demo.py end to end on a tiny scale (flat backend, 16 px), and the mini Task2Sim helpers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from common.errors import UserError
from rewards.config import BuildConfig
from rewards.settings import parse_settings
from rewards.analysis import (GRID, HELD_OUT_TASKS, SEEN_TASKS, baseline_choices, complete_table,
                                   field_bits, field_effects, measured)

TASKS = SEEN_TASKS + HELD_OUT_TASKS


def synthetic_table(settings, seed=0):
    """An additive toy table: each task has its own field effects (a test fixture, not data)."""
    rng = np.random.default_rng(seed)
    bits = field_bits(settings)
    weights = rng.normal(0, 3, size=(len(TASKS), 8))
    table = {}
    for t, w in zip(TASKS, weights):
        vals = 50 + bits @ w + rng.normal(0, 0.1, size=len(settings))
        table[t] = {ts: float(v) for ts, v in zip(settings, vals)}
    return table


def test_complete_table_recovers_additive_effects_and_refuses_too_few():
    settings = parse_settings(['all'])[:32]          # balanced prefix
    table = synthetic_table(settings)
    full, missing = complete_table(table, TASKS)
    assert len(missing) == 224 and all(len(full[t]) == 256 for t in TASKS)
    for t in TASKS:                                   # measured values untouched
        assert all(full[t][s] == table[t][s] for s in settings)
    truth = synthetic_table(GRID)                     # same seed -> same weights; check the fill is close
    err = max(abs(full[t][s] - truth[t][s]) for t in TASKS for s in missing)
    assert err < 1.0
    with pytest.raises(UserError, match='at least'):
        complete_table({t: dict(list(table[t].items())[:5]) for t in TASKS}, TASKS)


def test_field_effects_and_baselines():
    settings = parse_settings(['all'])[:64]
    table = synthetic_table(settings)
    eff = field_effects(np.array([[table[t][s] for s in settings] for t in TASKS]), settings)
    assert eff.shape == (len(TASKS), 8)
    vecs = np.eye(len(TASKS))[:, :8] + 0.1
    base = baseline_choices(table, SEEN_TASKS, HELD_OUT_TASKS, vecs[:len(SEEN_TASKS)], vecs[len(SEEN_TASKS):])
    for t in HELD_OUT_TASKS:
        b = base[t]
        assert b['ceiling'] == max(table[t].values()) and b['num_settings'] == 64
        assert b['ceiling'] >= b['best_single_seen'] and b['ceiling'] >= b['mean_over_settings']
        assert b['all_varied'] == table[t].get('1_1_1_1_1_3_0_1_1')
    assert measured(table, TASKS) == [s for s in GRID if s in settings]


def test_demo_end_to_end_tiny(tmp_path, capsys):
    from scripts.demo import main
    settings = parse_settings(['all'])[:32]
    table = synthetic_table(settings)
    rdb = tmp_path / 'rdb.json'
    rdb.write_text(json.dumps(table))
    scale = BuildConfig(backend='flat', num_classes=2, num_imgs=32, size=16, epochs=1, batch_size=16).scale()
    (tmp_path / 'rdb.meta.json').write_text(json.dumps({'build': {'scale': scale},
                                                        'random_init': {t: 10.0 for t in TASKS}}))
    g = torch.Generator().manual_seed(0)
    tdb = tmp_path / 'tdb.pt'
    torch.save({t: {'hessian': torch.rand(64, generator=g), 'scale': torch.ones(64)} for t in TASKS}, tdb)
    res = main(['--out', str(tmp_path / 'demo'), '--reward_db', str(rdb), '--task_db', str(tdb), '--live', '1',
                '--controller_epochs', '20'])
    text = capsys.readouterr().out
    assert 'NOTE: the 256-setting table is not complete yet (32 measured)' in text
    assert 'average' in text and 'final table' in text
    assert set(res['rows']) == set(HELD_OUT_TASKS) and len(res['live']) == 1
    (ts, live), = res['live'].items()
    assert set(live['rewards']) == set(TASKS) and Path(live['preview']).is_file()
    for name, path in res['plots'].items():
        assert Path(path).is_file(), name
    for t, r in res['rows'].items():
        assert r['ceiling'] >= r['mean_over_settings']
        if r['predicted_source'] == 'table':
            assert r['predicted'] == table[t][r['predicted_setting']]
        if r['predicted_source'] == 'live':
            assert r['predicted'] == live['rewards'][t]
    assert json.loads((tmp_path / 'demo' / 'results.json').read_text())['measured_settings'] == 32


def test_task_db_subset_is_class_balanced_and_seeded():
    from controller.task_embedding import balanced_subset
    labels = np.array([0] * 50 + [1] * 10 + [2] * 40)
    pick = balanced_subset(labels, 45, seed=0)
    assert len(pick) == 45 and len(set(pick)) == 45
    counts = np.bincount(labels[pick])
    assert counts.tolist() == [18, 10, 17] or counts.tolist() == [17, 10, 18]
    assert pick == balanced_subset(labels, 45, seed=0) and pick != balanced_subset(labels, 45, seed=1)
    assert sorted(balanced_subset(labels, 500, seed=0)) == list(range(100))


def test_report_on_a_complete_toy_table(tmp_path):
    from scripts.mini_task2sim_report import main
    table = synthetic_table(GRID, seed=1)
    rdb = tmp_path / 'rdb.json'
    rdb.write_text(json.dumps(table))
    (tmp_path / 'rdb.meta.json').write_text(json.dumps({'random_init': {t: 10.0 for t in TASKS},
                                                        'settings': {}}))
    repeats = tmp_path / 'repeats'
    repeats.mkdir()
    some = GRID
    (repeats / 'reward_db_seed1.json').write_text(json.dumps({t: {s: table[t][s] + 0.5 for s in some} for t in TASKS}))
    (repeats / 'reward_db_seed1.meta.json').write_text(json.dumps({'settings': {}}))   # a sidecar, not a table
    g = torch.Generator().manual_seed(0)
    tdb = tmp_path / 'tdb.pt'
    torch.save({t: {'hessian': torch.rand(64, generator=g), 'scale': torch.ones(64)} for t in TASKS}, tdb)
    res = main(['--reward_db', str(rdb), '--task_db', str(tdb), '--repeats', str(repeats), '--out', str(tmp_path),
                '--loo_epochs', '15', '--controller_seeds', '0', '1'])
    assert len(res['measured_settings']) == 256
    spread = res['seed_spread']['tasks']
    assert all(abs(v['seed_sd'] - np.std([0, 0.5], ddof=1)) < 1e-9 for v in spread.values())
    loo = res['controller']['leave-one-out']['tasks']
    assert set(loo) == set(TASKS)
    for t, e in loo.items():
        assert len(e['predicted_settings']) == 2 and all(e['predicted_measured'])
        assert e['predicted'] == pytest.approx(np.mean([table[t][s] for s in e['predicted_settings']]))
        assert e['ceiling'] == max(table[t].values()) >= e['predicted'] and 0 <= e['predicted_percentile'] <= 100
    for split in ('fixed split', 'leave-one-out'):   # the repeats are the table + 0.5: every pick moves by 0.5
        methods = res['fresh_seed_check'][split]['methods']
        assert set(methods) == {'best_single_seen', 'nearest_seen', 'predicted', 'ceiling'}
        assert all(abs(m['fresh_seeds'] - m['seed0'] - 0.5) < 1e-9 and m['picks_missing'] == 0 for m in methods.values())
        calib = res['fresh_seed_check'][split]['unpicked_repeats']
        assert calib['n'] > 0 and abs(calib['fresh_seeds'] - calib['seed0'] - 0.5) < 1e-9
    assert res['fresh_seed_check']['picks_lacking_repeats'] == [] and res['fresh_seed_check']['picked_settings']
    assert set(res['seed_spread']['settings'][GRID[0]]) == {'0', '1'}
    for name in ('pretrained_vs_random', 'field_effects', 'controller'):
        assert (tmp_path / f'mini_task2sim_{name}.png').is_file()
    assert (tmp_path / 'mini_task2sim_report.md').read_text().count('| average |') == 3
    assert '### The picks under fresh training seeds' in (tmp_path / 'mini_task2sim_report.md').read_text()
    # new repeats arrive: the rerun reuses the picks (no retraining) and recomputes the fresh-seed check
    (repeats / 'reward_db_seed1.json').write_text(json.dumps({t: {s: table[t][s] + 1.5 for s in some} for t in TASKS}))
    out2 = tmp_path / 'rerun'
    again = main(['--reward_db', str(rdb), '--task_db', str(tdb), '--repeats', str(repeats), '--out', str(out2),
                  '--loo_epochs', '15', '--controller_seeds', '0', '1',
                  '--reuse_controller', str(tmp_path / 'mini_task2sim_results.json')])
    assert again['controller'] == json.loads(json.dumps(res['controller']))
    methods = again['fresh_seed_check']['leave-one-out']['methods']
    assert all(abs(m['fresh_seeds'] - m['seed0'] - 1.5) < 1e-9 for m in methods.values())
    with pytest.raises(UserError, match='other inputs .*seeds'):
        main(['--reward_db', str(rdb), '--task_db', str(tdb), '--repeats', str(repeats), '--out', str(out2),
              '--loo_epochs', '15', '--controller_seeds', '0', '2',
              '--reuse_controller', str(tmp_path / 'mini_task2sim_results.json')])
