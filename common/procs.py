"""Child processes that die with their parent (a kill -9 of a CLI must not leave its workers running)."""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` ends; a worker's initializer (multiprocessing, subprocess).

    Linux: the kernel sends SIGKILL when the parent exits (prctl PR_SET_PDEATHSIG). Elsewhere, and as a
    fallback, a daemon thread polls the parent pid once a second.
    """
    if sys.platform.startswith('linux'):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:   # the parent died before the call above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name='parent-watch').start()


def _watch_parent(parent_pid: int, interval: float = 1.0) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)
