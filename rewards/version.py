"""What a reward table was measured with: an explicit pipeline version and the library versions.

``PIPELINE_VERSION`` is bumped by hand whenever a change alters rewards (pixels, pre-training, kNN); a table
records it and only a table of the same version is extended, so a comment edit, a rename or a moved file
never refuses. ``rewards/golden.py`` catches a change that forgot the bump.
"""
from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import timm
import torch

PIPELINE_VERSION = 1


def versions() -> dict[str, Any]:
    """The pipeline version and the library versions and commit of this run (recorded in a table's sidecar)."""
    out: dict[str, Any] = {'pipeline_version': PIPELINE_VERSION, 'python': platform.python_version(),
                           'torch': torch.__version__, 'timm': timm.__version__, 'numpy': np.__version__,
                           'platform': platform.platform()}
    try:
        import moderngl
        out['moderngl'] = moderngl.__version__
    except ImportError:
        pass
    repo = Path(__file__).resolve().parents[1]
    try:
        out['git_commit'] = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=repo, capture_output=True,
                                           text=True, timeout=10).stdout.strip()
        out['git_dirty_files'] = [line[3:] for line in subprocess.run(
            ['git', 'status', '--porcelain', '--', 'generator', 'engine', 'models', 'datasets', 'rewards', 'configs'],
            cwd=repo, capture_output=True, text=True, timeout=10).stdout.splitlines()]
    except (OSError, subprocess.SubprocessError):
        pass
    return out
