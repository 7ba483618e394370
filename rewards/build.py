"""Fill a reward table: the settings still to do, split over local processes or submitit array tasks."""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from tqdm import tqdm

from common.errors import UserError
from common.procs import die_with_parent
from common.submit import make_executor, submit_all
from rewards.config import DEFAULT_TASKS, BuildConfig, engine_configs, validate
from rewards.runner import SettingRunner
from rewards.store import RewardStore
from rewards.version import PIPELINE_VERSION, versions


@dataclass
class RewardJob:
    """One process's share of the settings (picklable for multiprocessing and submitit)."""

    cfg: BuildConfig
    tuple_strs: list[str]
    max_settings: int | None = None

    def __call__(self, bar: Any = None) -> list[str]:
        store = RewardStore(self.cfg)
        runner = SettingRunner(self.cfg)
        done: list[str] = []
        try:
            for ts in self.tuple_strs:
                if self.max_settings is not None and len(done) >= self.max_settings:
                    break
                if ts in store.finished():
                    continue
                rewards, info = runner.run(ts)
                store.record(ts, rewards, info)
                runner.clean(ts)
                done.append(ts)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f'{ts}: ' + ' '.join(f'{v:.0f}' for v in rewards.values()))
        finally:
            runner.close()
        return done


def _has_task_records(meta: dict[str, Any], tasks: Sequence[str]) -> bool:
    """The sidecar has every task's random-init reward and sizes."""
    return all(t in meta.get('random_init', {}) and t in meta.get('tasks', {}) for t in tasks)


def _wait_with_bar(store: RewardStore, todo: list[str], bar: Any, is_done) -> None:
    """Advance ``bar`` as other processes finish settings, until ``is_done()``."""
    todo_set = set(todo)
    seen = 0
    while True:
        finished = len(store.finished() & todo_set)
        if finished > seen:
            bar.update(finished - seen)
            seen = finished
        if is_done():
            break
        time.sleep(2.0)
    finished = len(store.finished() & todo_set)
    bar.update(max(0, finished - seen))


def build(cfg: BuildConfig, settings: Sequence[str], workers: int = 1, submitit: bool = False,
          cluster: str | None = None, job_dir: str | None = None, timeout: int = 24 * 60,
          partition: str | None = None, max_settings: int | None = None,
          allow_code_change: bool = False) -> dict[str, Any]:
    """Fill ``cfg.output`` for ``settings``; returns a summary (finished, new, remaining)."""
    validate(cfg)
    if workers < 1:
        raise UserError(f'--workers {workers} is invalid; it must be >= 1')
    if max_settings is not None and max_settings < 1:
        raise UserError(f'--max_settings {max_settings} is invalid; it must be >= 1 (omit it for all)')
    store = RewardStore(cfg)
    store.check_compatible()
    classes = cfg.library_view().classes()
    store.check_same_pipeline(classes, PIPELINE_VERSION, allow_code_change)
    meta = store.meta()
    finished = store.finished()
    todo = [ts for ts in settings if ts not in finished]
    if max_settings is not None:
        todo = todo[:max_settings]
    summary = {'requested': len(settings), 'already_finished': sum(s in finished for s in settings),
               'todo': len(todo), 'output': str(store.path), 'sidecar': str(store.meta_path)}
    if not todo and _has_task_records(meta, cfg.tasks):   # nothing to do: the table and its sidecar stay as they are
        return {**summary, 'finished_total': len(finished)}
    store.write_header({'versions': versions(), 'classes': classes,
                        'engine': engine_configs(cfg), 'default_tasks': list(DEFAULT_TASKS)})
    if not _has_task_records(store.meta(), cfg.tasks):
        runner = SettingRunner(cfg)
        try:
            rand = runner.random_init_rewards()
            store.update_meta(random_init=rand, tasks={t: {**runner.bank.sizes[t],
                                                           'num_classes': runner.bank.num_classes[t]}
                                                       for t in cfg.tasks})
        finally:
            runner.close()
    bar = tqdm(total=len(todo), desc='settings', unit='setting', disable=not cfg.progress, dynamic_ncols=True)
    jobs = [RewardJob(cfg, todo[i::workers]) for i in range(workers) if todo[i::workers]]
    if not todo:
        pass
    elif submitit:
        folder = Path(job_dir or Path(cfg.work_dir) / 'slurm')
        executor = make_executor(folder, cluster, 'task2sim_rewards', timeout, max(1, cfg.threads), partition)
        submitted = submit_all(executor, jobs)
        bar.write(f'submitted {len(submitted)} job(s) to {executor.cluster} (logs in {folder})')
        _wait_with_bar(store, todo, bar, lambda: all(j.done() for j in submitted))
        for j in submitted:
            j.result()     # re-raises a job's error
    elif workers > 1:
        with mp.get_context('spawn').Pool(len(jobs), initializer=die_with_parent,
                                          initargs=(os.getpid(),)) as pool:
            result = pool.map_async(_run_job, jobs)
            _wait_with_bar(store, todo, bar, result.ready)
            result.get()
    else:
        RewardJob(cfg, todo)(bar)
    bar.close()
    return {**summary, 'finished_total': len(store.finished())}


def _run_job(job: RewardJob) -> list[str]:
    return job()
