"""Transfer to a held-out task: the default configuration, the fixed rules, the benchmark, the gain lookup."""
from __future__ import annotations

import json
import math

import pytest
import torch

from bench.controller_transfer import main as bench_main
from controller import fixed_rules
from controller.predict import main as predict_main
from controller.reward_db import normalise_rewards, reward_table, table_fingerprint
from controller.task_db import save_task_db
from controller.train_controller import main as train_main
from tests.controller_toys import CLUSTER_BITS, GRID, cluster_tasks, write_toy_dbs

HELD_OUT = 'c0t0'


def _write_cluster(tmp_path):
    task_db, reward_db, best = cluster_tasks()
    tdb = save_task_db(tmp_path / 'clusters.pt', task_db)
    rdb = tmp_path / 'clusters.json'
    rdb.write_text(json.dumps(reward_db))
    return tdb, rdb, list(task_db), best


def _train_default(tmp_path, tdb, rdb, train, test, out, *extra):
    return train_main(['--debug', '--cfg-override', 'TASK_DB_PATHS', f"['{tdb}']", 'REWARD_DB_PATH', str(rdb),
                       'TRAIN_TASKS', str(train), 'TEST_TASKS', str(test), 'SAVE_DIR', str(out), 'SAVE_PLOTS', 'False',
                       'USE_PBAR', 'False', 'NUM_EPOCHS', '300', *extra])


def test_default_recovers_the_held_out_members_cluster_setting_and_the_fixed_rule_does_not(tmp_path):
    tdb, rdb, tasks, best = _write_cluster(tmp_path)
    train = [t for t in tasks if t != HELD_OUT]
    res = _train_default(tmp_path, tdb, rdb, train, [HELD_OUT], tmp_path / 'c')   # the CLI default = default YAML
    assert res['config']['CROSS_TASK_LOSS'] is False and res['recommended']['ensemble'] == res['config']['ENSEMBLE']
    cluster_setting = GRID[int(CLUSTER_BITS[0], 2)]
    preds = json.loads((tmp_path / 'c' / 'final_test_preds.json').read_text())
    assert preds == {HELD_OUT: cluster_setting}
    # the best single setting of the training tasks ignores the task: it is none of the cluster settings
    rewards = reward_table(json.loads(rdb.read_text()), train)
    assert GRID[fixed_rules.best_single_index(rewards)] not in {GRID[int(b, 2)] for b in CLUSTER_BITS}
    assert res['baselines']['best_single_setting'] != cluster_setting


def test_training_an_ensemble_is_deterministic_for_a_seed(tmp_path):
    tdb, rdb, tasks, _ = _write_cluster(tmp_path)
    train, test = tasks[1:], tasks[:1]
    runs = [_train_default(tmp_path, tdb, rdb, train, test, tmp_path / f'r{k}', 'NUM_EPOCHS', '60', 'ENSEMBLE', '2')
            for k in range(2)]
    assert runs[0]['test']['soft_probs'] == runs[1]['test']['soft_probs']
    assert runs[0]['member_seeds'] == [runs[0]['seed'], runs[0]['seed'] + 1]
    a = torch.load(tmp_path / 'r0' / 'checkpoint.pth.tar', weights_only=True)
    b = torch.load(tmp_path / 'r1' / 'checkpoint.pth.tar', weights_only=True)
    assert len(a['members']) == 2 and all(torch.equal(a['members'][1][k], b['members'][1][k]) for k in a['model'])
    assert not torch.equal(a['members'][0]['backbone.0.weight'], a['members'][1]['backbone.0.weight'])


def test_the_gate_falls_back_to_the_best_fixed_setting_for_a_far_task(tmp_path):
    tdb, rdb, tasks, _ = _write_cluster(tmp_path)
    train = [t for t in tasks if not t.startswith('c0')]          # cluster 0 is far from every training task
    res = _train_default(tmp_path, tdb, rdb, train, ['c0t0', 'c1t0'], tmp_path / 'g', 'NUM_EPOCHS', '60',
                         'ENSEMBLE', '1', 'SHRINK_COS', '0.95', 'TRAIN_TASKS', str([t for t in train if t != 'c1t0']))
    fixed = res['recommended']['best_fixed']
    assert res['test']['recommended_is_fixed'] == {'c0t0': True, 'c1t0': False}
    assert res['test']['recommended_preds']['c0t0'] == fixed
    assert res['test']['recommended_preds']['c1t0'] == res['test']['preds']['c1t0']


def test_reward_normalisations_keep_each_tasks_order():
    r = torch.tensor([[1.0, 5.0, 3.0, 3.0], [10.0, 0.0, 20.0, 30.0]], dtype=torch.float64)
    z = normalise_rewards(r, 'zscore')
    assert torch.allclose(z.mean(1), torch.zeros(2, dtype=r.dtype), atol=1e-12) and torch.allclose(z.std(1), torch.ones(2, dtype=r.dtype))
    rk = normalise_rewards(r, 'rank')
    assert rk[0].tolist() == [0.0, 1.0, 0.5, 0.5] and rk[1].tolist() == [1 / 3, 0.0, 2 / 3, 1.0]
    assert (normalise_rewards(r, 'none') == r).all()
    assert table_fingerprint(['a', 'b'], r) == table_fingerprint(['b', 'a'], r.flip(0))
    from common.errors import UserError
    with pytest.raises(UserError, match="'bogus' is invalid"):
        normalise_rewards(r, 'bogus')


def test_inner_loo_temperature_prefers_similarity_on_clusters_and_uniform_without_signal():
    task_db, reward_db, _ = cluster_tasks()
    tasks = list(task_db)
    vecs = torch.stack([task_db[t]['hessian'] for t in tasks])
    rewards = reward_table(reward_db, tasks)
    assert fixed_rules.inner_loo_temperature(vecs, rewards) < 1.0
    same = torch.ones_like(vecs)   # every task looks the same: only the uniform average is left
    assert math.isinf(fixed_rules.inner_loo_temperature(same + 1e-4 * torch.rand(vecs.shape), rewards[:, :1].expand(-1, 256)))


def test_benchmark_runs_end_to_end_resumes_and_predict_reports_the_measured_gain(tmp_path, capsys):
    tdb, rdb, train, _, _ = write_toy_dbs(tmp_path, num_tasks=4, num_test=0)
    out = tmp_path / 'bench'
    args = ['--reward_db', str(rdb), '--task_db', str(tdb), '--candidates', 'fit', '--seeds', '1', '2',
            '--ensembles', '1', '2', '--epochs', '20', '--snapshots', '10', '--workers', '1', '--out', str(out)]
    res = bench_main(args)
    text = capsys.readouterr().out
    assert 'training 12 controllers' in text and 'best single setting' in text
    rows = res['rows']
    for name in ('fit ×1', 'fit ×2', 'fit ×1 @10', 'fit ×2, always fixed', 'best single setting',
                 "nearest task's best", 'similarity-weighted rewards (inner-LOO temperature)', 'random setting (expected)'):
        assert name in rows and len(rows[name]['per_seed']) == 2 and set(rows[name]['per_task']) == set(train)
    assert rows['fit ×2, always fixed']['mean'] == pytest.approx(rows['best single setting']['mean'])
    assert (out / 'transfer.png').stat().st_size > 1000
    bench_main(args)                                   # every member kept: nothing retrained
    assert 'training' not in capsys.readouterr().out
    # a controller trained with the same configuration on the whole table finds its row
    train_main(['--debug', '--cfg-yml', 'configs/controller_original.yaml', '--cfg-override', 'CROSS_TASK_LOSS', 'False',
                'NOISE_RED_EPOCH', '100', 'NUM_EPOCHS', '20', 'ENSEMBLE', '2', 'TASK_DB_PATHS', f"['{tdb}']",
                'REWARD_DB_PATH', str(rdb), 'TRAIN_TASKS', str(train), 'TEST_TASKS', '[]', 'SAVE_DIR', str(tmp_path / 'c'),
                'SAVE_PLOTS', 'False', 'USE_PBAR', 'False'])
    capsys.readouterr()
    pred = predict_main(['--dataset', train[0], '--task_db', str(tdb), '--model', str(tmp_path / 'c' / 'checkpoint.pth.tar'),
                         '--transfer_report', str(out / 'transfer.json')])
    assert pred['loo']['row'] == 'fit ×2' and pred['loo']['gain'] == pytest.approx(rows['fit ×2']['gain_vs_best_fixed'])
    assert 'measured leave-one-task-out' in capsys.readouterr().out


def test_benchmark_user_errors_are_one_line(tmp_path):
    from common.errors import UserError
    tdb, rdb, _, _, _ = write_toy_dbs(tmp_path, num_tasks=4, num_test=0)
    with pytest.raises(UserError, match="candidate 'nope' is unknown"):
        bench_main(['--reward_db', str(rdb), '--task_db', str(tdb), '--candidates', 'nope', '--out', str(tmp_path / 'o')])
    with pytest.raises(UserError, match='--reward_db and --task_db'):
        bench_main(['--out', str(tmp_path / 'o')])


@pytest.mark.parametrize('bad', ['NaN', 'Infinity', '"abc"', '-1.0', '100.5', 'true', 'null'])
def test_reward_tables_with_a_non_accuracy_are_refused_naming_task_and_setting(tmp_path, bad):
    from common.errors import UserError
    from controller.reward_db import load_reward_db
    p = tmp_path / 'r.json'
    p.write_text('{"taskA": {"%s": 12.5, "%s": %s}}' % (GRID[0], GRID[1], bad))
    with pytest.raises(UserError, match=f"task 'taskA' setting '{GRID[1]}' has reward .*0 to 100"):
        load_reward_db(p)


def test_auto_gate_is_the_closest_pair_of_training_tasks_with_different_best_settings():
    from controller.transfer import resolve_shrink_cos
    vecs = torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    rewards = torch.zeros(4, 256, dtype=torch.float64)
    rewards[0, 5] = rewards[1, 5] = 1.0          # tasks 0 and 1 (cosine 0.995) share their best
    rewards[2, 7] = rewards[3, 9] = 1.0          # tasks 2 and 3 (cosine 0.995) do not
    got = resolve_shrink_cos('auto', vecs, rewards)
    assert got == pytest.approx(float(torch.nn.functional.cosine_similarity(vecs[2], vecs[3], dim=0)), abs=1e-6)
    rewards[3] = rewards[2]                      # now every close pair agrees: the largest disagreeing pair
    assert resolve_shrink_cos('auto', vecs, rewards) == pytest.approx(
        float(torch.nn.functional.cosine_similarity(vecs[1], vecs[3], dim=0)), abs=1e-6)
    assert resolve_shrink_cos(0.9, vecs, rewards) == 0.9 and resolve_shrink_cos(None, vecs, rewards) is None


def test_fresh_seed_rescoring_of_every_pick(tmp_path, capsys):
    tdb, rdb, train, _, _ = write_toy_dbs(tmp_path, num_tasks=4, num_test=0)
    table = json.loads(rdb.read_text())
    reps = tmp_path / 'repeats'
    reps.mkdir()
    for k, shift in ((1, 1.0), (2, 3.0)):   # the repeats' mean is the table + 2 everywhere
        (reps / f'reward_db_seed{k}.json').write_text(json.dumps(
            {t: {s: min(100.0, v + shift) for s, v in row.items()} for t, row in table.items()}))
    args = ['--reward_db', str(rdb), '--task_db', str(tdb), '--candidates', 'fit', '--seeds', '1', '2',
            '--ensembles', '1', '--epochs', '10', '--snapshots', '5', '--workers', '1', '--out', str(tmp_path / 'b'),
            '--repeats', str(reps)]
    res = bench_main(args)
    fresh = res['fresh_seeds']['rows']
    assert res['fresh_seeds']['repeats'] == ['1', '2']
    calib = fresh['calibration: repeated settings no row picked']
    assert calib['settings'] > 0 and 0 < calib['mean'] - calib['table_mean'] <= 2.0 + 1e-9
    for name in ('best single setting', 'fit ×1', 'fit ×1, auto gate'):
        # rewards near 100 are clipped by the shift, so at most + 2
        assert 0 < fresh[name]['mean'] - res['rows'][name]['mean'] <= 2.0 + 1e-9 and not fresh[name]['missing']
    picked = set(res['picked_settings'])
    assert res['rows']['best single setting']['picks'][train[0]] in {GRID.index(s) for s in picked}
    # a repeat without one picked setting: the rows that picked it say so instead of scoring
    gone = GRID[res['rows']['best single setting']['picks'][train[0]]]
    partial = json.loads((reps / 'reward_db_seed2.json').read_text())
    for row in partial.values():
        row.pop(gone, None)
    (reps / 'reward_db_seed2.json').write_text(json.dumps(partial))
    res = bench_main(args)
    assert res['fresh_seeds']['rows']['best single setting']['mean'] is None
    assert GRID.index(gone) in res['fresh_seeds']['rows']['best single setting']['missing']
    assert gone in capsys.readouterr().out   # the missing repeats are listed for the next build
    from common.errors import UserError
    with pytest.raises(UserError, match='--repeats'):
        bench_main(args[:-1] + [str(tmp_path / 'nowhere')])
