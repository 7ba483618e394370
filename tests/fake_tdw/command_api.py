"""The TDW command API of the installed tdw package: ``{$type: (all parameters, required parameters)}``.

tdw 1.13.0.0 ships one typed class per command in ``tdw/commands`` (as CPython 3.11 bytecode in
``__pycache__``). A command ``$type`` is valid when a concrete command class (one no other command
class derives from) has that snake-case module name; its ``__init__`` signature gives the allowed and
the required JSON fields.
"""
from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import inspect
import os
import sys

import tdw

_PACKAGE = 'tdw.commands'


def _command_dir() -> str:
    return os.path.join(os.path.dirname(tdw.__file__), 'commands')


class _BytecodeFinder:
    """Imports ``tdw.commands.<name>`` from ``__pycache__/<name>.cpython-3XY.pyc`` when no source exists."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith(_PACKAGE + '.'):
            return None
        short = name.rsplit('.', 1)[1]
        if os.path.exists(os.path.join(_command_dir(), short + '.py')):
            return None
        tag = sys.implementation.cache_tag
        pyc = os.path.join(_command_dir(), '__pycache__', f'{short}.{tag}.pyc')
        if not os.path.exists(pyc):
            return None
        return importlib.util.spec_from_loader(name, importlib.machinery.SourcelessFileLoader(name, pyc))


def _module_names() -> list[str]:
    d = _command_dir()
    names = {f[:-3] for f in os.listdir(d) if f.endswith('.py')}
    cache = os.path.join(d, '__pycache__')
    tag = sys.implementation.cache_tag
    if os.path.isdir(cache):
        names |= {f.split('.')[0] for f in os.listdir(cache) if f.endswith(f'.{tag}.pyc')}
    names.discard('__init__')
    return sorted(names)


@functools.lru_cache(maxsize=1)
def command_api() -> dict[str, tuple[frozenset, frozenset]]:
    """``{$type: (parameters, required parameters)}`` of every concrete command class."""
    if _BytecodeFinder not in sys.meta_path:
        sys.meta_path.insert(0, _BytecodeFinder)
    classes = {}
    for name in _module_names():
        module = importlib.import_module(f'{_PACKAGE}.{name}')
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                classes[name] = obj
    if len(classes) < 100:
        raise RuntimeError(f'found only {len(classes)} TDW command classes in {_command_dir()}')
    bases = {b for c in classes.values() for b in c.__mro__[1:]}
    api = {}
    for name, cls in classes.items():
        if cls in bases:
            continue
        params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != 'self']
        api[name] = (frozenset(p.name for p in params),
                     frozenset(p.name for p in params if p.default is inspect.Parameter.empty))
    return api


def check_command(cmd: dict) -> str | None:
    """None when ``cmd`` is a valid command of the installed API, else the reason it is not."""
    api = command_api()
    t = cmd.get('$type')
    if t not in api:
        return f'unknown command $type {t!r}'
    allowed, required = api[t]
    keys = set(cmd) - {'$type'}
    if keys - allowed:
        return f'{t}: unknown field(s) {sorted(keys - allowed)}; allowed: {sorted(allowed)}'
    if required - keys:
        return f'{t}: missing required field(s) {sorted(required - keys)}'
    return None
