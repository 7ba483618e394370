"""The project's own task DB of the embedded tasks: ``controller/task_db.py`` with this project's settings.

    python scripts/build_task_db.py                                   # 8 embedded tasks -> task_db/efficientnet_lite0_8_tasks.pt
    python scripts/build_task_db.py --tasks Digits MNIST --max_images 2000 --fisher_samples 10000 --input_size 224

Defaults: the offline EfficientNet-Lite0 probe at 112 px, a class-balanced seeded subset of at most
700 train images per task, 512 Fisher samples, 2,000 classifier samples per epoch. Any flag of
``controller/task_db.py`` may follow and overrides these. The DB is rewritten atomically after every
task (an interrupted run keeps what it finished and skips it next time); the sidecar
``<stem>.meta.json`` records the settings, which the controller checkpoint and ``predict.py`` reuse.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import sys
from typing import Sequence

from controller import task_db
from controller_db.build_reward_db import DEFAULT_TASKS
PROJECT_SETTINGS = ('--output', 'task_db/efficientnet_lite0_8_tasks.pt', '--probe', 'efficientnet_lite0',
                    '--input_size', '112', '--max_images', '700', '--fisher_samples', '512',
                    '--classifier_samples', '2000', '--device', 'cpu')


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(argv if argv is not None else sys.argv[1:])
    tasks = [] if any(a in ('--tasks', '--datasets', '--data_dirs') for a in argv) else ['--tasks', *DEFAULT_TASKS]
    task_db.main([*PROJECT_SETTINGS, *tasks, *argv])


if __name__ == '__main__':
    from common.cli import run_cli
    run_cli(main)
