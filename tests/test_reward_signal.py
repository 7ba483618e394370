"""The reward signal study on a tiny configuration: tables per (scale, seed), spreads, cost, report files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from bench.reward_signal import analyse_scale, main, mean_of_seeds_ratio, mean_ratio, study_settings
from common.errors import UserError

TINY = ['--base', 'num_imgs=80', 'size=16', 'epochs=1', 'warmup_epochs=0', 'tasks=["LFWFaces","Textures"]']


def test_tiny_study_reports_spreads_and_cost(tmp_path):
    args = ['--scales', 'base', 'light_aug', '--settings', '2', '--seeds', '0', '1', '--tables', str(tmp_path / 't'),
            '--work_dir', str(tmp_path / 'w'), '--out', str(tmp_path / 'o'), '--workers', '1', *TINY]
    results = main(args)
    assert [r['scale'] for r in results] == ['base', 'light_aug']
    for r in results:
        assert set(r['per_task']) == {'LFWFaces', 'Textures'} and r['cpu_seconds_per_setting'] > 0
        assert r['seed_sd'] >= 0 and (r['ratio'] > 0 or r['setting_sd'] == 0)
    saved = json.loads((tmp_path / 'o' / 'reward_signal.json').read_text())
    assert [r['scale'] for r in saved['results']] == ['base', 'light_aug']
    assert (tmp_path / 'o' / 'reward_signal.png').stat().st_size > 0
    assert '| base |' in (tmp_path / 'o' / 'reward_signal.md').read_text()
    # the light scale really changed the pre-training config; a rerun is a pure report
    meta = json.loads((tmp_path / 't' / 'light_aug' / 'seed0.meta.json').read_text())
    assert meta['build']['engine']['pretrain']['MIXUP'] == 0.0
    assert json.dumps(main(args + ['--report_only'])) == json.dumps(results)   # NaN-safe
    assert analyse_scale('base', study_settings(3), [0, 1], tmp_path / 't') is None   # a setting missing


def test_unknown_scale_is_one_error(tmp_path):
    with pytest.raises(UserError, match="'huge' is unknown"):
        main(['--scales', 'huge', '--tables', str(tmp_path), '--report_only'])


def test_mean_of_seeds_ratio_matches_the_noise_model():
    """Settings with effect sd 1 and seed noise sd 1: one seed gives sqrt(2), a mean of m seeds sqrt(1 + m)."""
    rng = np.random.default_rng(0)
    effect = rng.normal(size=(1, 1, 400))
    r = effect + rng.normal(size=(8, 1, 400))
    assert mean_ratio(r) == pytest.approx(np.sqrt(2), rel=0.12)
    for m in (2, 4):
        assert mean_of_seeds_ratio(r, m) == pytest.approx(np.sqrt(1 + m), rel=0.15)
    assert np.isnan(mean_of_seeds_ratio(r[:3], 2))   # one group of two seeds: no seed spread of the mean


def test_the_report_covers_every_measured_scale(tmp_path):
    args = ['--settings', '2', '--seeds', '0', '1', '--tables', str(tmp_path / 't'), '--work_dir', str(tmp_path / 'w'),
            '--out', str(tmp_path / 'o'), '--workers', '1', *TINY]
    main(['--scales', 'base', *args])
    results = main(['--scales', 'light_aug', *args])   # runs light_aug only; reports both
    assert [r['scale'] for r in results] == ['base', 'light_aug']
    assert set(results[0]['mean_of_seeds_ratio']) == {'1', '2', '3', '4'}
    assert results[0]['mean_of_seeds_ratio']['2']['predicted'] >= 1.0
