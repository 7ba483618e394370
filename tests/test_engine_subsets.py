"""The original's run-naming and subset keys: EXPT_NAME, NOTES, PROJECT, SUBSET_PATH, TEST_SUBSET_PATH."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.args import parse_args
from engine.config import run_name
from engine.run_classifier import build_data
from tests.engine_utils import make_split_folder, run_cli, tiny_overrides


@pytest.fixture(scope='module')
def folder(tmp_path_factory) -> Path:
    return make_split_folder(tmp_path_factory.mktemp('subsets') / 'ds', num_classes=3, train=6, val=4, size=16)


def _cfg(tmp_path: Path, **extra):
    return parse_args(['--cfg-override'] + tiny_overrides(tmp_path / 'out', **extra))[1]


def test_subset_paths_cut_the_train_and_test_sets(folder, tmp_path):
    np.save(tmp_path / 'train.npy', np.array([0, 7, 17]))
    np.save(tmp_path / 'test.npy', np.array([11, 2]))
    full = build_data(_cfg(tmp_path, DATA_DIR=folder), quick=False, world_size=1)
    cut = build_data(_cfg(tmp_path, DATA_DIR=folder, SUBSET_PATH=tmp_path / 'train.npy',
                          TEST_SUBSET_PATH=tmp_path / 'test.npy'), quick=False, world_size=1)
    assert (len(cut['train']), len(cut['test']), cut['num_classes']) == (3, 2, 3)
    assert [cut['train'].describe(i) for i in range(3)] == [full['train'].describe(i) for i in (0, 7, 17)]
    assert [cut['train'][i][1] for i in range(3)] == [0, 1, 2]   # each item keeps its own label
    assert [cut['test'][i][1] for i in range(2)] == [2, 0]


def test_subset_is_applied_before_the_split(folder, tmp_path):
    np.save(tmp_path / 'train.npy', np.arange(12))
    cut = build_data(_cfg(tmp_path, DATA_DIR=folder, SUBSET_PATH=tmp_path / 'train.npy', SPLIT_FRAC=0.5),
                     quick=False, world_size=1)
    assert len(cut['train']) == 6


@pytest.mark.parametrize('content, expected', [
    (np.array([0, 99]), 'allowed: 0..17'),
    (np.array([[0, 1]]), '1-D integer array'),
    (np.array([0.5, 1.0]), '1-D integer array'),
    (np.array([{'a': 1}], dtype=object), 'object arrays are refused'),
])
def test_bad_subset_files_are_refused_in_one_line(folder, tmp_path, content, expected):
    path = tmp_path / 'bad.npy'
    np.save(path, content, allow_pickle=True)
    res = run_cli(['--debug', '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override'] + tiny_overrides(
        tmp_path / 'out', DATA_DIR=folder, SUBSET_PATH=path))
    assert res.returncode == 2 and expected in res.stderr and 'SUBSET_PATH' in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and 'Traceback' not in res.stderr


def test_run_names_follow_expt_name_else_the_save_dir(tmp_path):
    cfg = _cfg(tmp_path, EXPT_NAME='pt-run', NOTES='note', PROJECT='proj')
    assert (run_name(cfg), cfg.NOTES, cfg.PROJECT) == ('pt-run', 'note', 'proj')
    assert run_name(_cfg(tmp_path)) == 'out'
