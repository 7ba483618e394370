"""Shared fixtures (the repository root is on sys.path through pytest.ini)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope='module')
def one_torch_thread():
    """Tiny models: one thread is fastest and does not fight other work for the 2 cores."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
