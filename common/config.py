"""yacs config nodes: typed set, KEY VALUE overrides and YAML merging, shared by every config of the project."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Iterable

from yacs.config import CfgNode

from common.errors import UserError
from common.io import load_yaml_mapping


def _decode(value: Any) -> Any:
    return CfgNode._decode_cfg_value(value) if isinstance(value, str) else value


def set_value(cfg: CfgNode, key: str, raw: Any) -> None:
    """Set one key with type checking; an unknown key or wrong type raises UserError naming it.

    A key whose default is None takes any type unless the node's class names it in ``NONE_DEFAULT_TYPES``."""
    if key not in cfg:
        close = difflib.get_close_matches(key, list(cfg.keys()), n=3)
        hint = f'; did you mean {", ".join(close)}?' if close else f'; allowed keys: {", ".join(sorted(cfg.keys()))}'
        raise UserError(f'unknown config key {key!r}{hint}')
    value, old = _decode(raw), cfg[key]
    if isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(old, list) and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]
    if isinstance(old, list) and isinstance(value, tuple):
        value = list(value)
    if old is not None and value is not None and type(old) is not type(value):
        raise UserError(f'config key {key} expects {type(old).__name__} (default {old!r}), got {raw!r}')
    want = getattr(type(cfg), 'NONE_DEFAULT_TYPES', {}).get(key) if old is None else None
    if want is not None and value is not None:
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, tuple):
            value = list(value)
        if type(value) is not want:
            raise UserError(f'config key {key} expects {want.__name__} or None, got {raw!r}')
    cfg[key] = value


def merge_overrides(cfg: CfgNode, pairs: Iterable[Any]) -> CfgNode:
    """Merge a flat ``[KEY, VALUE, KEY, VALUE, ...]`` list (yacs merge_from_list form)."""
    pairs = list(pairs)
    if len(pairs) % 2:
        raise UserError(f'--cfg-override needs KEY VALUE pairs, got an odd number of items: {pairs}')
    for k, v in zip(pairs[0::2], pairs[1::2]):
        set_value(cfg, str(k), v)
    return cfg


def merge_yaml(cfg: CfgNode, path: str | Path) -> CfgNode:
    """Merge a YAML file of ``KEY: value`` pairs (safe-loaded)."""
    data = load_yaml_mapping(path, 'config file')
    for k, v in data.items():
        set_value(cfg, str(k), v)
    return cfg
