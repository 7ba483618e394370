"""A reward table on disk: the JSON table, its sidecar and a lock; every update is a locked read-merge-write."""
from __future__ import annotations

import contextlib
import fcntl
import json
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from common.errors import UserError
from common.io import atomic_write_json, sidecar_path
from rewards.config import BuildConfig

# scale fields added after the first tables were built, with the value those tables were measured with
SCALE_DEFAULTS_OF_OLD_TABLES = {'knn_features': 'eval', 'seeds_per_reward': 1}


def _has_rewards(table: dict[str, dict[str, float]]) -> bool:
    return any(table.values())


def recorded_scale(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The scale a sidecar records, with the values of fields added after it was written."""
    scale = meta.get('build', {}).get('scale')
    return None if scale is None else {**SCALE_DEFAULTS_OF_OLD_TABLES, **scale}


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise UserError(f'{path} is a folder; give a .json file path') from None
    except json.JSONDecodeError as e:
        raise UserError(f'{path} is not valid JSON ({e}); it was not written by this tool') from None
    if not isinstance(data, dict):
        raise UserError(f'{path} holds a JSON {type(data).__name__}, not the object of a reward table; it was not '
                        f'written by this tool (choose another --output)')
    return data


class RewardStore:
    """The output table and its sidecar; every update is a locked read-merge-write (atomic rename)."""

    def __init__(self, cfg: BuildConfig):
        self.cfg = cfg
        self.path = Path(cfg.output)
        self.meta_path = sidecar_path(self.path)
        self.lock_path = self.path.with_name(f'.{self.path.name}.lock')

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, 'a') as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def table(self) -> dict[str, dict[str, float]]:
        return _read_json(self.path)

    def meta(self) -> dict[str, Any]:
        return _read_json(self.meta_path)

    def finished(self, tasks: Sequence[str] | None = None) -> set[str]:
        """Settings that have a reward for every one of ``tasks`` (default: the configured tasks)."""
        return self.finished_in(self.table(), tasks)

    def check_compatible(self) -> None:
        """Refuse to mix rewards measured at another scale (sizes, seeds, epochs, ...) into one table.

        A table without any reward is forgotten instead (an earlier run failed before its first setting);
        the check and the reset hold the lock together."""
        with self.locked():
            old = recorded_scale(self.meta())
            has_rewards = _has_rewards(self.table())
            if old is None:
                if has_rewards:
                    raise UserError(f'{self.path} has rewards but no sidecar {self.meta_path.name}; it was not '
                                    f'built by this tool (choose another --output)')
                return
            new = self.cfg.scale()
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            if diff and not has_rewards:
                self.path.unlink(missing_ok=True)        # the table first: never a table without its sidecar
                self.meta_path.unlink(missing_ok=True)
                return
            if diff:
                got = ', '.join(f'{k}={old.get(k)!r} (now {new.get(k)!r})' for k in diff)
                raise UserError(f'{self.path} was built with different settings: {got}; rerun with the same '
                                f'options to extend it, or choose another --output')

    def check_same_pipeline(self, classes: list[str], version: int, allow_change: bool) -> None:
        """Refuse to extend a table made with other object classes, or (unless allowed) another reward pipeline
        version (``rewards.version.PIPELINE_VERSION``: bumped whenever a change alters rewards)."""
        build = self.meta().get('build', {})
        if build.get('classes') is not None and build['classes'] != classes:
            raise UserError(f'{self.path} was built with the object classes {build["classes"]}; this run would use '
                            f'{classes} (has the object library changed?); choose another --output')
        if not _has_rewards(self.table()):
            return
        old = build.get('versions', {}).get('pipeline_version')
        if old != version and not allow_change:
            was = f'pipeline version {old}' if old is not None else 'a pipeline without a version'
            raise UserError(f'{self.path} was built with {was}; this code is pipeline version {version} '
                            f'(rendering, pre-training or kNN changed): rewards would not be comparable. Use another '
                            f'--output, or --allow_code_change to extend it anyway (recorded per setting)')

    def write_header(self, extra: dict[str, Any]) -> None:
        with self.locked():
            meta = self.meta()
            meta.setdefault('settings', {})
            if 'build' in meta and _has_rewards(self.table()):
                # keep the versions of the run that measured the first rewards; later runs are recorded per setting
                extra = {**extra, 'versions': meta['build'].get('versions', extra.get('versions'))}
            meta['build'] = {'scale': self.cfg.scale(), **extra}
            meta.setdefault('created', time.strftime('%Y-%m-%dT%H:%M:%S%z'))
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)
            if not self.path.is_file():
                atomic_write_json(self.path, {t: {} for t in self.cfg.tasks}, indent=1, sort_keys=True)

    def update_meta(self, **values: Any) -> None:
        with self.locked():
            meta = self.meta()
            for k, v in values.items():
                if isinstance(v, dict) and isinstance(meta.get(k), dict):
                    meta[k].update(v)
                else:
                    meta[k] = v
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)

    def record(self, tuple_str: str, rewards: dict[str, float], info: dict[str, Any]) -> None:
        with self.locked():
            meta = self.meta()
            scale = recorded_scale(meta)
            if scale is not None and scale != self.cfg.scale():
                raise UserError(f'{self.path} was re-started by another run with other settings while this one '
                                f'was measuring {tuple_str}; its reward is not recorded')
            table = self.table()
            for task, acc in rewards.items():
                table.setdefault(task, {})[tuple_str] = round(float(acc), 4)
            meta.setdefault('settings', {})[tuple_str] = info
            meta['num_settings'] = len(self.finished_in(table))
            meta['updated'] = time.strftime('%Y-%m-%dT%H:%M:%S%z')
            # the table first: a kill between the two writes leaves a reward without its timing, never the reverse
            atomic_write_json(self.path, table, indent=1, sort_keys=True)
            atomic_write_json(self.meta_path, meta, indent=1, sort_keys=True)

    def finished_in(self, table: dict[str, dict[str, float]], tasks: Sequence[str] | None = None) -> set[str]:
        """Settings of ``table`` that have a reward for every one of ``tasks`` (default: the configured tasks)."""
        tasks = list(tasks or self.cfg.tasks)
        if not all(t in table for t in tasks):
            return set()
        return set.intersection(*(set(table[t]) for t in tasks))
