"""Submit an engine job (engine/run_classifier.py) to Slurm with submitit, or run it locally.

    python run_with_submitit.py --ngpus 4 --nodes 1 --timeout 2880 --cfg-yml configs/pt_default.yaml \
        --cfg-override DATA_DIR /data/dataset_1_0_1_1_1_1_0_1_0/images SAVE_DIR expts/pt_1_0_1_1_1_1_0_1_0
    python run_with_submitit.py --cluster local --ngpus 2 --debug --cfg-yml configs/knn_defaults.yaml ...

Every engine flag (``--debug``, ``--quick``, ``--cfg-yml``, ``--cfg-override``, ``--KEY=VALUE``) passes through.
The job requeues itself on preemption/timeout and resumes from SAVE_DIR/checkpoint.pth.tar.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Sequence

from common.cli import ArgumentParser, one_line, run_cli
from common.errors import UserError
from engine.args import parse_args
from engine.config import run_name

CLUSTERS = ('slurm', 'local', 'debug')


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument('--ngpus', type=int, default=1, help='tasks per node (one per GPU; processes on CPU)')
    p.add_argument('--nodes', type=int, default=1)
    p.add_argument('--timeout', type=int, default=2800, help='minutes')
    p.add_argument('--job_dir', default='', help='default: SAVE_DIR/slurm')
    p.add_argument('--long_job', action='store_true', help='Slurm partition for long jobs (--long_partition)')
    p.add_argument('--comment', default='')
    p.add_argument('--cluster', default='slurm', help=f'one of {CLUSTERS}')
    p.add_argument('--partition', default='', help='Slurm partition')
    p.add_argument('--long_partition', default='long', help='partition used with --long_job')
    p.add_argument('--account', default='', help='Slurm account')
    p.add_argument('--no_wait', action='store_true', help='return after submission (default for slurm)')
    return p


class Trainer:
    """The submitted callable: runs the engine in each task; ``checkpoint()`` requeues with RESUME."""

    def __init__(self, engine_argv: list[str], dist_url: str):
        self.engine_argv, self.dist_url = list(engine_argv), dist_url

    def __call__(self) -> dict:
        import submitit

        from engine.run_classifier import main
        env = submitit.JobEnvironment()
        os.environ.update(RANK=str(env.global_rank), WORLD_SIZE=str(env.num_tasks),
                          LOCAL_RANK=str(env.local_rank))
        argv = self.engine_argv + ['--dist_url', self.dist_url if env.num_tasks > 1 else 'env://',
                                   '--world_size', str(env.num_tasks)]
        try:
            return main(argv)
        except UserError as e:   # the job's own one-line error, for the submitting process to print
            print(f'error: {one_line(e)}', file=sys.stderr)
            return {'user_error': one_line(e)}

    def checkpoint(self):
        import submitit
        _, cfg = parse_args(self.engine_argv)
        argv = list(self.engine_argv)
        last = Path(cfg.SAVE_DIR) / 'checkpoint.pth.tar'
        if last.is_file():
            argv.append(f'--RESUME={last}')
        return submitit.helpers.DelayedSubmission(type(self)(argv, self.dist_url))


def submit(argv: Sequence[str] | None = None):
    """Submit the job; returns the submitit Job (for local/debug: after it finished)."""
    import submitit
    args, engine_argv = build_parser().parse_known_args(argv)
    if args.cluster not in CLUSTERS:
        raise UserError(f'--cluster {args.cluster!r} is invalid; allowed: {", ".join(CLUSTERS)}')
    if args.ngpus < 1 or args.nodes < 1:
        raise UserError(f'--ngpus {args.ngpus} and --nodes {args.nodes} must be >= 1')
    if args.cluster != 'slurm' and args.nodes != 1:
        raise UserError(f'--nodes {args.nodes}: the {args.cluster} executor runs on one node only')
    _, cfg = parse_args(engine_argv)  # validate the engine config before submitting
    job_dir = Path(args.job_dir or Path(cfg.SAVE_DIR) / 'slurm').resolve()
    job_dir.mkdir(parents=True, exist_ok=True)
    dist_url = (job_dir / f'{uuid.uuid4().hex}_init').as_uri()

    executor = submitit.AutoExecutor(folder=job_dir / '%j', cluster=None if args.cluster == 'slurm' else args.cluster,
                                     slurm_max_num_timeout=30)
    import torch
    gpus = args.ngpus if (args.cluster == 'slurm' or torch.cuda.is_available()) else 0
    params = dict(timeout_min=args.timeout, tasks_per_node=args.ngpus, nodes=args.nodes,
                  gpus_per_node=gpus, cpus_per_task=6 if args.cluster == 'slurm' else 1,
                  name=run_name(cfg))
    if args.cluster == 'slurm':
        params.update(mem_gb=40 * args.ngpus, slurm_signal_delay_s=120)
        partition = args.long_partition if args.long_job else args.partition
        if partition:
            params['slurm_partition'] = partition
        if args.account:
            params['slurm_account'] = args.account
        if args.comment:
            params['slurm_comment'] = args.comment
    executor.update_parameters(**params)
    job = executor.submit(Trainer(engine_argv, dist_url))
    logs = job_dir / str(job.job_id)
    if args.cluster == 'slurm' or args.no_wait:
        print(f'submitted job {job.job_id} ({args.cluster}); logs in {logs}')
        return job
    results = job.results()
    errors = [r['user_error'] for r in results if isinstance(r, dict) and 'user_error' in r]
    if errors:
        raise UserError(f'job {job.job_id} ({args.cluster}) failed: {errors[0]} (logs in {logs})')
    print(f'job {job.job_id} ({args.cluster}) finished: '
          f'{results[0].get("knn_acc") or results[0].get("test") or "done"}; logs in {logs}')
    return job


if __name__ == '__main__':
    run_cli(submit)
