"""The committed reward table, its sidecar and the task DB are consistent with the code that reads them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from common.io import sidecar_path
from rewards.config import DEFAULT_TASKS, BuildConfig
from rewards.settings import parse_settings
from rewards.store import recorded_scale
from rewards.version import PIPELINE_VERSION
from rewards.analysis import GRID, HELD_OUT_TASKS, REWARD_DB, SEEN_TASKS, TASK_DB, measured

pytestmark = pytest.mark.skipif(not REWARD_DB.is_file(), reason='controller_db/reward_db.json not built yet')


def test_table_shape_and_sidecar_match_the_builder_defaults():
    table = json.loads(REWARD_DB.read_text())
    meta = json.loads(sidecar_path(REWARD_DB).read_text())
    assert set(table) == set(DEFAULT_TASKS) == set(SEEN_TASKS + HELD_OUT_TASKS)
    assert recorded_scale(meta) == BuildConfig().scale()        # `build_reward_db.py` with no options extends it
    done = measured(table, list(DEFAULT_TASKS))
    assert meta['num_settings'] == len(done) and set(done) <= set(GRID)
    for task, row in table.items():
        assert set(row) <= set(GRID), task
        assert all(0.0 <= v <= 100.0 for v in row.values()), task
    for ts in done:
        rec = meta['settings'][ts]
        assert rec['num_images'] == 986 and rec['pipeline_version'] == PIPELINE_VERSION
        assert rec['seconds']['pretrain'] > 0 and rec['seconds']['knn'] > 0
    # built in the balanced order by two workers: the first half of the finished count is a prefix of it
    order = parse_settings(['all'])
    assert set(order[:len(done) // 2]) <= set(done)
    assert set(meta['random_init']) == set(DEFAULT_TASKS)


def test_table_is_complete_and_from_one_pipeline_version():
    table = json.loads(REWARD_DB.read_text())
    meta = json.loads(sidecar_path(REWARD_DB).read_text())
    assert measured(table, list(DEFAULT_TASKS)) == list(GRID)     # all 256 settings for all 8 tasks
    assert {rec['pipeline_version'] for rec in meta['settings'].values()} == {PIPELINE_VERSION}
    assert meta['build']['versions']['pipeline_version'] == PIPELINE_VERSION


def test_task_db_has_every_task_with_one_embedding_size():
    db = torch.load(TASK_DB, weights_only=True)
    assert set(db) == set(DEFAULT_TASKS)
    sizes = {v['hessian'].numel() for v in db.values()}
    assert len(sizes) == 1
    for v in db.values():
        assert torch.isfinite(v['hessian']).all() and (v['hessian'] >= 0).all()
        assert torch.equal(v['scale'], torch.ones_like(v['scale']))
    meta = json.loads(Path(TASK_DB).with_name(Path(TASK_DB).stem + '.meta.json').read_text())
    assert meta['probe'] == 'efficientnet_lite0' and set(meta['tasks']) == set(DEFAULT_TASKS)
