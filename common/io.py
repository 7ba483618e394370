"""Atomic file writes: a crash or kill never leaves a half-written file that a later run trusts."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], mode: str = 'wb',
                 fsync: bool = True) -> Path:
    """Call ``write(fileobj)`` on a temp file in the target's folder, fsync it, then rename it over ``path``.

    ``fsync=False`` skips the flush to disk: still safe against a killed process (the rename is atomic),
    not against power loss; for many small files whose readers check completeness (e.g. JPEG markers).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    return atomic_write(path, lambda f: f.write(data), fsync=fsync)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text), mode='w')


def atomic_write_json(path: str | os.PathLike, obj: Any, **kwargs: Any) -> Path:
    kwargs.setdefault('indent', 2)
    return atomic_write_text(path, json.dumps(obj, **kwargs) + '\n')


def atomic_torch_save(path: str | os.PathLike, obj: Any) -> Path:
    import torch
    return atomic_write(path, lambda f: torch.save(obj, f))


def load_tensors(path: str | os.PathLike, what: str, missing_hint: str = '') -> Any:
    """``torch.load(weights_only=True)`` on CPU; a missing or unsafe/corrupt file raises UserError naming ``what``
    (``missing_hint`` is appended to the missing-file message)."""
    import torch

    from common.errors import UserError, first_line
    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f'{what} {str(path)!r} does not exist{f" ({missing_hint})" if missing_hint else ""}')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:   # any failure to decode a user's file (the unpickler raises KeyError, IndexError, ...)
        raise UserError(f'{what} {str(path)!r} cannot be loaded as a tensors-only torch file '
                        f'({type(e).__name__}: {first_line(e)[:160]})') from None


def sidecar_path(path: str | os.PathLike) -> Path:
    """The metadata file beside a data file: ``<stem>.meta.json`` (reward tables, task DBs)."""
    path = Path(path)
    return path.with_name(path.stem + '.meta.json')


def load_yaml_mapping(path: str | os.PathLike, what: str) -> dict:
    """A YAML file holding a mapping, safe-loaded (no python tags); an empty file is {}.

    A missing file, invalid YAML, a tag, or a top level that is not a mapping raises UserError naming ``what``."""
    import yaml

    from common.errors import UserError
    path = Path(path)
    if not path.is_file():
        raise UserError(f'{what} {str(path)!r} does not exist')
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as e:
        raise UserError(f'{what} {str(path)!r} is not valid YAML (or uses a tag, which is refused): '
                        f'{" ".join(str(e).split())[:200]}') from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f'{what} {str(path)!r} cannot be read: {e}') from None
    data = {} if data is None else data   # an empty file is empty; 0, [] or a string are not mappings
    if not isinstance(data, dict):
        raise UserError(f'{what} {str(path)!r} must hold a mapping (KEY: value), got {type(data).__name__}')
    return data


def load_json(path: str | os.PathLike, what: str, missing_hint: str = '') -> Any:
    """A JSON file's content; a missing or invalid file raises UserError naming ``what``."""
    from common.errors import UserError
    path = Path(path)
    if not path.is_file():
        raise UserError(f'{what} {str(path)!r} does not exist{f" ({missing_hint})" if missing_hint else ""}')
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f'{what} {str(path)!r} is not valid JSON: {e}') from None
