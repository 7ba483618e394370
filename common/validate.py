"""Checks of user-given names and options that every CLI shares."""
from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any, Callable, Sequence

from common.errors import UserError


def check_path_name(name: Any, what: str) -> str:
    """``name`` as one safe path component (it becomes a folder or file name): no separators, not '.' or '..'."""
    text = str(name)
    if (not text or text in ('.', '..') or '/' in text or '\\' in text or '\0' in text
            or text != text.strip() or any(ord(c) < 32 for c in text)):
        raise UserError(f'{what} {text!r} cannot be used as a folder name; allowed: a non-empty name without '
                        f'"/", "\\", control characters, surrounding spaces, and not "." or ".."')
    return text


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """``value`` if it is one of ``allowed``, else one UserError naming ``name`` (a flag or config key)."""
    if value not in allowed:
        sep = '=' if name.isupper() else ' '
        raise UserError(f'{name}{sep}{value!r} is invalid; allowed: {", ".join(map(str, allowed))}')
    return value


def check_options(target: Callable[..., Any], options: dict[str, Any], what: str,
                  reserved: tuple[str, ...] = ()) -> None:
    """Refuse keyword options that ``target`` (a class or function) does not take, naming the allowed ones."""
    params = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    allowed = [n for n, p in params.items() if n not in ('self', *reserved)
               and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    bad = [k for k in options if k not in allowed]
    if bad:
        raise UserError(f'{what} {", ".join(map(repr, bad))} is unknown; allowed: {", ".join(allowed) or "(none)"}')


def check_root_dir(root: Path, what: str = '--root_dir') -> None:
    """A usable output root: a folder (or creatable as one) that can be written; nothing is created."""
    probe = root
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = 'is a file' if probe == root else f'is under the file {str(probe)!r}'
        raise UserError(f'{what} {str(root)!r} {where}; give a folder')
    if probe.exists() and not os.access(probe, os.W_OK):
        raise UserError(f'{what} {str(root)!r} cannot be created or written ({str(probe)!r} is read-only)')
