"""wandb tracking: offline without an API key, never prompting; off with --debug."""
from __future__ import annotations

import os

from common.tracking import Tracker


def test_tracker_runs_offline_without_api_key(tmp_path, monkeypatch):
    monkeypatch.delenv('WANDB_API_KEY', raising=False)
    monkeypatch.setenv('WANDB_DIR', str(tmp_path))
    tracker = Tracker(enabled=True, project='task2sim-test', name='t', config={'LR': 0.1}, save_dir=str(tmp_path))
    assert tracker.run is not None and tracker.run.settings.mode == 'offline'
    tracker.log({'loss': 1.0}, step=0)
    tracker.finish()
    assert any(p.name.startswith('offline-run') for p in (tmp_path / 'wandb').iterdir())


def test_tracker_disabled_is_a_no_op(tmp_path):
    tracker = Tracker(enabled=False, project='p', name='n', config={}, save_dir=str(tmp_path))
    tracker.log({'loss': 1.0})
    tracker.finish()
    assert tracker.run is None and not os.listdir(tmp_path)


def test_tracker_takes_the_run_name_project_and_notes(tmp_path, monkeypatch):
    monkeypatch.delenv('WANDB_API_KEY', raising=False)
    monkeypatch.setenv('WANDB_DIR', str(tmp_path))
    tracker = Tracker(enabled=True, project='vit-tdw', name='my-run', config={}, save_dir=str(tmp_path),
                      notes='first try')
    assert (tracker.run.project, tracker.run.name, tracker.run.notes) == ('vit-tdw', 'my-run', 'first try')
    tracker.finish()
