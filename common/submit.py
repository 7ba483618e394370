"""The one submitit set-up of this project: an executor for Slurm (or submitit's local / debug executors) and
job submission, shared by the generator, the reward-table builder and run_with_submitit.py."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

CLUSTERS = ('slurm', 'local', 'debug')


def make_executor(folder: str | Path, cluster: str | None, name: str, timeout_min: int, cpus_per_task: int,
                  partition: str | None = None, slurm: dict[str, Any] | None = None, **common: Any):
    """A submitit AutoExecutor writing logs to ``folder``; ``cluster`` None = Slurm when available, else local.

    ``common`` parameters apply to every executor (e.g. tasks_per_node, gpus_per_node); ``slurm`` ones
    (without the ``slurm_`` prefix where submitit has a generic name) and ``partition`` only to Slurm.
    """
    import submitit
    executor = submitit.AutoExecutor(folder=folder, cluster=cluster, slurm_max_num_timeout=30)
    executor.update_parameters(timeout_min=timeout_min, name=name, cpus_per_task=cpus_per_task, **common)
    if executor.cluster == 'slurm':
        extra = dict(slurm or {})
        if partition:
            extra['slurm_partition'] = partition
        if extra:
            executor.update_parameters(**extra)
    return executor


def submit_all(executor, jobs: Sequence[Callable[[], Any]]) -> list:
    """Submit ``jobs`` (a Slurm array where the executor has arrays; one by one on the debug executor)."""
    if executor.cluster == 'debug':
        return [executor.submit(j) for j in jobs]
    return list(executor.submit_array(list(jobs)))
