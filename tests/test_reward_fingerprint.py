"""The reward pipeline's version and golden check: a refactor never refuses a table, a change of rewards is caught."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from common.io import sidecar_path
from generator.backends import gl
from rewards.build import build
from rewards.config import BuildConfig
from rewards.golden import compare, golden_summary, read_golden
from rewards.settings import parse_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def summary(tmp_path_factory):
    return golden_summary(tmp_path_factory.mktemp('golden'))


def test_the_pipeline_matches_its_golden_summary(summary):
    diffs = compare(summary, read_golden())
    assert not diffs, ('the reward pipeline measures something else than rewards/golden.json says: bump '
                       f'rewards.version.PIPELINE_VERSION and run python -m rewards.golden --write ({diffs})')


def test_a_change_of_pixels_is_caught(summary, monkeypatch, tmp_path):
    monkeypatch.setattr(gl, 'SUN_SCALE', gl.SUN_SCALE * 1.5)
    diffs = compare(golden_summary(tmp_path), summary)
    assert any(d.startswith('image_means') for d in diffs), diffs


def test_the_committed_table_has_nothing_to_do_and_stays_untouched(tmp_path):
    src = REPO / 'controller_db' / 'reward_db.json'
    out = tmp_path / 'reward_db.json'
    shutil.copy(src, out)
    shutil.copy(sidecar_path(src), sidecar_path(out))
    before = (out.read_bytes(), sidecar_path(out).read_bytes())
    summary = build(BuildConfig(output=str(out), work_dir=str(tmp_path / 'work'), progress=False),
                    parse_settings(['all']))
    assert summary['todo'] == 0 and summary['finished_total'] == 256
    assert (out.read_bytes(), sidecar_path(out).read_bytes()) == before
