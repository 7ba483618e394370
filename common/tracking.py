"""Experiment tracking: wandb when enabled (offline without an API key, never prompting); a no-op otherwise."""
from __future__ import annotations

import logging
import os
from typing import Any

from common.errors import first_line

log = logging.getLogger('tracking')


class Tracker:
    """wandb when enabled (offline without an API key, never prompting); a no-op otherwise."""

    def __init__(self, enabled: bool, project: str, name: str, config: dict[str, Any], save_dir: str,
                 notes: str = ''):
        self.run = None
        if not enabled:
            return
        try:
            import wandb
        except ImportError:
            log.warning('wandb is not installed; tracking disabled')
            return
        mode = 'online' if os.environ.get('WANDB_API_KEY') else 'offline'
        os.environ.setdefault('WANDB_SILENT', 'true')
        try:
            self.run = wandb.init(project=project, name=name, notes=notes or None, config=config, dir=save_dir, mode=mode,
                                  settings=wandb.Settings(console='off'))
        except Exception as e:  # tracking must never stop a training job
            log.warning('wandb could not start (%s); tracking disabled', first_line(e))

    def log(self, metrics: dict[str, Any], step: int | None = None) -> None:
        if self.run is not None:
            self.run.log(metrics, step=step)

    def finish(self) -> None:
        if self.run is not None:
            self.run.finish()
