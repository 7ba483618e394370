"""Object-library registry: ``create_library(name, **kw)``; entries are imported lazily."""
from __future__ import annotations

import importlib
from typing import Any

from common.errors import UserError

# name -> "module:Class"; every class takes keyword options only.
LIBRARIES: dict[str, str] = {
    'tdw': 'generator.backends.tdw_library:TDWLibrary',   # ThreeDWorld model records (needs requirements-tdw.txt)
}


def create_library(name: str, **kw: Any):
    """The object library registered under ``name``."""
    if name not in LIBRARIES:
        raise UserError(f'unknown library {name!r}; allowed: {sorted(LIBRARIES)}')
    module_name, cls_name = LIBRARIES[name].split(':')
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UserError(f'library {name!r} is not available ({e})') from e
    return getattr(module, cls_name)(**kw)
