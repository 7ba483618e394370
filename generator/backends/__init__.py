"""Render-backend registry: ``create_backend(name, library, size, **options)``.

Backends are imported lazily, so a missing optional dependency (moderngl, tdw) only matters for the
backend that needs it.
"""
from __future__ import annotations

import importlib
from typing import Any

from common.errors import UserError
from common.validate import check_options
from generator.backends.base import RenderBackend

# name -> "module:Class"; every class takes (library=..., size=..., **options).
BACKENDS: dict[str, str] = {
    'gl': 'generator.backends.gl:GLBackend',      # embedded OpenGL renderer (default)
    'tdw': 'generator.backends.tdw:TDWBackend',   # ThreeDWorld, as the original
    'flat': 'generator.backends.flat:FlatBackend',  # tiny numpy drawing, for tests
}
DEFAULT_BACKEND = 'gl'


def backend_class(name: str) -> type:
    """Import and return the class registered under ``name``."""
    if name not in BACKENDS:
        raise UserError(f'unknown backend {name!r}; allowed: {sorted(BACKENDS)}')
    module_name, cls_name = BACKENDS[name].split(':')
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UserError(f'backend {name!r} is not available ({e}); '
                        f'see docs/generator.md for its requirements') from e
    return getattr(module, cls_name)


def check_backend_options(name: str, options: dict[str, Any]) -> type:
    """The backend class of ``name``, after refusing options it does not take (one UserError naming them)."""
    cls = backend_class(name)
    check_options(cls, options, f'backend {name!r} option (--backend_opt)', reserved=('library', 'size'))
    return cls


def create_backend(name: str, library: Any, size: int, **options: Any) -> RenderBackend:
    """A backend rendering ``size`` x ``size`` images of ``library``'s models."""
    return check_backend_options(name, options)(library=library, size=size, **options)
