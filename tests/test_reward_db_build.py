"""controller_db/build_reward_db.py: settings order, table + sidecar, resume after kill -9, refusals."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import pytest

from common.errors import UserError
from common.io import sidecar_path
from controller_db.build_reward_db import build_parser, config_from_args
from generator.generator_params import GRID_FIELDS, GenParams, grid_index, grid_params
from rewards.build import build
from rewards.config import LIGHT_AUG_OVERRIDES, BuildConfig
from rewards.settings import balanced_order, parse_settings
from rewards.store import RewardStore
from rewards.version import PIPELINE_VERSION

REPO = Path(__file__).resolve().parents[1]
TASKS = ['LFWFaces', 'Textures']
TINY = ['--tasks', *TASKS, '--backend', 'flat', '--num_classes', '2', '--num_imgs', '32', '--size', '16',
        '--epochs', '1', '--batch_size', '16', '--no_progress']


def tiny_cfg(tmp_path: Path, **kw) -> BuildConfig:
    values = dict(work_dir=str(tmp_path / 'work'), output=str(tmp_path / 'rdb.json'), tasks=list(TASKS),
                  backend='flat', num_classes=2, num_imgs=32, size=16, epochs=1, batch_size=16, progress=False)
    values.update(kw)
    return BuildConfig(**values)


def test_grid_index_inverts_grid_params():
    assert [grid_index(grid_params(i)) for i in range(256)] == list(range(256))
    with pytest.raises(ValueError, match='not one of the 256'):
        grid_index(GenParams.from_tuple_str('0_0_0_0_0_2_0_0_0'))


def test_balanced_order_is_a_permutation_with_balanced_prefixes():
    order = balanced_order()
    assert sorted(order) == list(range(256))
    for n in (16, 32, 64, 128):
        bits = [[(i >> (7 - j)) & 1 for j in range(8)] for i in order[:n]]
        for j in range(8):
            assert sum(b[j] for b in bits) == n // 2, (n, GRID_FIELDS[j])
        for j, k in combinations(range(8), 2):   # main effects orthogonal: every pair of levels n/4 times
            assert sum(b[j] & b[k] for b in bits) == n // 4, (n, j, k)
    # the first 16 of a grid-ordered build are not balanced: pose_rot is never on
    assert all(grid_params(i)['pose_rot'] == 0 for i in range(16))


def test_parse_settings_forms_and_errors():
    assert len(parse_settings(['all'])) == 256 and len(set(parse_settings(['all']))) == 256
    assert parse_settings(['0-2', '1'], order='grid') == [grid_params(i).get_tuple_str() for i in range(3)]
    assert parse_settings(['0_0_0_0_0_0_0_0_0']) == ['0_0_0_0_0_0_0_0_0']   # off-grid tuple strings are allowed
    for bad in (['256'], ['5-3'], ['1_2_3'], ['x']):
        with pytest.raises(UserError):
            parse_settings(bad)


def test_build_writes_table_and_sidecar_then_skips_finished(tmp_path):
    cfg = tiny_cfg(tmp_path)
    settings = parse_settings(['0', '255'])
    summary = build(cfg, settings)
    assert summary['todo'] == 2 and summary['finished_total'] == 2
    table = json.loads(Path(cfg.output).read_text())
    assert set(table) == set(TASKS)
    for task in TASKS:
        assert set(table[task]) == set(settings)
        assert all(0.0 <= v <= 100.0 for v in table[task].values())
    meta = json.loads(sidecar_path(cfg.output).read_text())
    scale = meta['build']['scale']
    assert scale['num_imgs'] == 32 and scale['size'] == 16 and scale['train_seed'] == 0 and scale['model'] == 'resnet18'
    assert meta['build']['versions']['torch'] and len(meta['build']['classes']) == 2
    assert meta['build']['engine']['pretrain']['MAX_EPOCHS'] == 1
    assert set(meta['random_init']) == set(TASKS) and meta['tasks']['Textures']['num_classes'] == 3
    assert set(meta['settings']) == set(settings) and meta['num_settings'] == 2
    assert all(s['num_images'] > 0 and s['seconds']['pretrain'] > 0 for s in meta['settings'].values())
    assert not (Path(cfg.work_dir) / 'pretrain' / 'seed0' / settings[0]).exists()   # clean=checkpoints
    assert (Path(cfg.work_dir) / 'sets' / f'dataset_{settings[0]}' / 'preview.png').is_file()
    again = build(cfg, settings)
    assert again['todo'] == 0 and json.loads(Path(cfg.output).read_text()) == table
    # another scale must not be mixed into the same table
    with pytest.raises(UserError, match='different settings: epochs=1'):
        build(tiny_cfg(tmp_path, epochs=2), settings)
    with pytest.raises(UserError, match="unknown task"):
        build(tiny_cfg(tmp_path, tasks=['NoSuchTask']), settings)


def test_store_refuses_a_foreign_table(tmp_path):
    out = tmp_path / 'foreign.json'
    out.write_text(json.dumps({'Digits': {'0_0_0_0_0_1_0_0_0': 50.0}}))
    with pytest.raises(UserError, match='not built by this tool'):
        RewardStore(tiny_cfg(tmp_path, output=str(out))).check_compatible()


def _cli(args, **kw):
    return subprocess.Popen([sys.executable, 'controller_db/build_reward_db.py', *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_cli_kill_then_resume_keeps_finished_settings(tmp_path):
    out = tmp_path / 'rdb.json'
    args = ['--settings', '0-2', '--output', str(out), '--work_dir', str(tmp_path / 'w'), '--clean', 'none', *TINY]
    proc = _cli(args)
    deadline = time.time() + 120
    first = None
    while time.time() < deadline and proc.poll() is None:
        if out.is_file():
            table = json.loads(out.read_text())
            if table and all(len(v) >= 1 for v in table.values()) and table.get(TASKS[0]):
                first = table
                break
        time.sleep(0.2)
    assert first is not None, proc.communicate()[1][-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = set(first[TASKS[0]])
    proc = _cli(args)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-2000:]
    table = json.loads(out.read_text())
    assert all(len(table[t]) == 3 for t in TASKS)
    for task in TASKS:   # settings finished before the kill are kept, not recomputed
        for ts in done:
            assert table[task][ts] == first[task][ts]
    meta = json.loads(sidecar_path(out).read_text())
    assert meta['num_settings'] == 3


def test_cli_overrides_replace_the_light_augmentation_default():
    def overrides(*argv: str) -> list[str]:
        return config_from_args(build_parser().parse_args(list(argv))).engine_overrides

    assert overrides() == list(LIGHT_AUG_OVERRIDES) == BuildConfig().engine_overrides
    assert overrides('--engine_override') == []                       # the original's full augmentation
    assert overrides('--engine_override', 'LR', '0.01') == ['LR', '0.01']


def test_cli_user_error_is_one_line(tmp_path):
    proc = _cli(['--settings', '300', '--output', str(tmp_path / 'x.json')])
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().startswith('error: ') and len(err.strip().splitlines()) == 1


def test_refuses_other_code_or_classes_unless_allowed(tmp_path):
    cfg = tiny_cfg(tmp_path)
    build(cfg, parse_settings(['0']))
    meta_path = sidecar_path(cfg.output)
    meta = json.loads(meta_path.read_text())
    assert meta['build']['versions']['pipeline_version'] == PIPELINE_VERSION
    assert meta['settings'][parse_settings(['0'])[0]]['pipeline_version'] == PIPELINE_VERSION
    meta['build']['versions']['pipeline_version'] = PIPELINE_VERSION - 1
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(UserError, match='pipeline version'):
        build(cfg, parse_settings(['0', '1']))
    assert build(cfg, parse_settings(['0', '1']), allow_code_change=True)['finished_total'] == 2
    meta = json.loads(meta_path.read_text())
    meta['build']['classes'] = ['mug', 'teacup']
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(UserError, match='object classes'):
        build(cfg, parse_settings(['0']))


def test_a_checkpoint_of_other_pretraining_settings_is_not_trusted(tmp_path):
    import torch

    from engine.checkpoint import save_checkpoint
    from rewards.config import pretrain_config
    from rewards.runner import checkpoint_epochs
    a, b = tiny_cfg(tmp_path), tiny_cfg(tmp_path, lr=0.01)
    want_a = pretrain_config(a, tmp_path / 'imgs', tmp_path / 'pt', None)
    path = tmp_path / 'pt' / 'checkpoint.pth.tar'
    save_checkpoint(path, torch.nn.Linear(2, 2), epoch=0, config=json.loads(json.dumps(want_a)))
    assert checkpoint_epochs(path, pretrain_config(a, tmp_path / 'imgs', tmp_path / 'pt', path)) == 1  # RESUME ignored
    assert checkpoint_epochs(path, pretrain_config(b, tmp_path / 'imgs', tmp_path / 'pt', None)) == 0
    assert not path.exists()


def test_a_run_restarted_under_it_by_other_settings_does_not_record(tmp_path):
    first, other = tiny_cfg(tmp_path), tiny_cfg(tmp_path, epochs=2)
    RewardStore(first).write_header({})
    RewardStore(other).check_compatible()       # no reward yet: the other run starts the table afresh
    RewardStore(other).write_header({})
    with pytest.raises(UserError, match='re-started by another run'):
        RewardStore(first).record(parse_settings(['0'])[0], {t: 50.0 for t in TASKS}, {})


@pytest.mark.parametrize('field, other', [('knn_features', 'original'), ('seeds_per_reward', 2)])
def test_a_sidecar_from_before_a_scale_field_has_that_fields_old_value(tmp_path, field, other):
    store = RewardStore(tiny_cfg(tmp_path))
    store.write_header({})
    store.record(parse_settings(['0'])[0], {t: 50.0 for t in TASKS}, {})
    meta = json.loads(store.meta_path.read_text())
    del meta['build']['scale'][field]
    store.meta_path.write_text(json.dumps(meta))
    store.check_compatible()
    with pytest.raises(UserError, match=field):
        RewardStore(tiny_cfg(tmp_path, **{field: other})).check_compatible()


def test_a_reward_of_several_seeds_is_the_mean_of_single_seed_rewards(tmp_path):
    ts = parse_settings(['0'])
    singles = []
    for seed in (2, 3):   # seeds_per_reward=2, train_seed=1 -> pre-training seeds 2 and 3
        cfg = tiny_cfg(tmp_path, train_seed=seed, output=str(tmp_path / f'single{seed}.json'))
        build(cfg, ts)
        singles.append(json.loads(Path(cfg.output).read_text()))
    cfg = tiny_cfg(tmp_path, train_seed=1, seeds_per_reward=2, output=str(tmp_path / 'mean.json'))
    assert cfg.run_seeds() == [2, 3]
    build(cfg, ts)
    table = json.loads(Path(cfg.output).read_text())
    meta = json.loads(sidecar_path(Path(cfg.output)).read_text())
    for task in TASKS:
        assert table[task][ts[0]] == pytest.approx((singles[0][task][ts[0]] + singles[1][task][ts[0]]) / 2, abs=1e-3)
        assert meta['settings'][ts[0]]['seed_rewards']['3'][task] == pytest.approx(singles[1][task][ts[0]], abs=1e-3)
    assert meta['build']['scale']['seeds_per_reward'] == 2
    assert not any((tmp_path / 'work' / 'pretrain').glob('seed*/*'))   # every run's checkpoint cleaned
    with pytest.raises(UserError, match='seeds_per_reward'):   # another m is another scale
        build(tiny_cfg(tmp_path, train_seed=1, seeds_per_reward=3, output=cfg.output), ts)


def test_seed_repeats_of_another_scale_are_refused(tmp_path):
    from rewards.analysis import load_repeats
    from rewards.store import recorded_scale
    ts = parse_settings(['0'])[0]
    for name, cfg in (('reward_db_seed1', tiny_cfg(tmp_path, train_seed=1)),
                      ('reward_db_seed2', tiny_cfg(tmp_path, train_seed=2, epochs=2))):
        store = RewardStore(tiny_cfg(tmp_path, output=str(tmp_path / 'rep' / f'{name}.json'), **{
            k: getattr(cfg, k) for k in ('train_seed', 'epochs')}))
        store.write_header({})
        store.record(ts, {t: 50.0 for t in TASKS}, {})
    table_scale = recorded_scale({'build': {'scale': tiny_cfg(tmp_path).scale()}})
    with pytest.raises(UserError, match='reward_db_seed2.json was built at another scale .*epochs'):
        load_repeats(tmp_path / 'rep', table_scale)
    (tmp_path / 'rep' / 'reward_db_seed2.json').unlink()
    assert list(load_repeats(tmp_path / 'rep', table_scale)) == ['1']   # train_seed may differ
