"""Submit an engine job (engine/run_classifier.py) or generation shards to Slurm with submitit, or run them locally.

    python run_with_submitit.py --ngpus 4 --nodes 1 --timeout 2880 --cfg-yml configs/pt_default.yaml \
        --cfg-override DATA_DIR /data/dataset_1_0_1_1_1_1_0_1_0/images SAVE_DIR expts/pt_1_0_1_1_1_1_0_1_0
    python run_with_submitit.py --cluster local --ngpus 2 --debug --cfg-yml configs/knn_defaults.yaml ...
    python run_with_submitit.py --generate --shards 8 --partition cpu --root_dir /data/sets \
        --tuple_str 1_0_1_1_1_1_0_1_0 --num_imgs 40000          # 8 array tasks of generator shards
    python run_with_submitit.py --generate --shards 64 --root_dir /data/sets --num_imgs 40000   # all 256 sets

With ``--generate`` the other arguments are the generator's (``generator/gen_from_tuple_str.py`` when
``--tuple_str`` is given, else ``generator/generate_256_sets.py``), run with its ``--submitit`` option.

Every engine flag (``--debug``, ``--quick``, ``--cfg-yml``, ``--cfg-override``, ``--KEY=VALUE``) passes through.
The job requeues itself on preemption/timeout and resumes from SAVE_DIR/checkpoint.pth.tar.
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path
from typing import Any, Sequence

from common.cli import ArgumentParser, one_line, run_cli
from common.errors import UserError
from common.submit import CLUSTERS, make_executor
from engine.args import parse_args
from engine.config import run_name



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
    p.add_argument('--generate', action='store_true',
                   help='submit generator shards instead of an engine job (uses --shards, --cluster, --timeout, '
                        '--job_dir, --partition, --no_wait; the GPU/node flags are for engine jobs)')
    p.add_argument('--shards', type=int, default=1, help='with --generate: array tasks (one shard each)')
    return p


def submit_generation(args: argparse.Namespace, gen_argv: list[str]) -> list[str]:
    """The generator CLI with its submitit option (one array task per shard)."""
    from generator import gen_from_tuple_str, generate_256_sets
    if any(a.split('=')[0] in ('--workers', '--submitit', '--cluster') for a in gen_argv):
        raise UserError('with --generate, set the number of array tasks with --shards and the executor with '
                        '--cluster (not the generator\'s --workers / --submitit / --cluster)')
    cli = gen_from_tuple_str if any(a.split('=')[0] == '--tuple_str' for a in gen_argv) else generate_256_sets
    extra = ['--submitit', '--workers', str(args.shards), '--timeout', str(args.timeout)]
    if args.cluster != 'slurm':
        extra += ['--cluster', args.cluster]
    for flag, value in (('--job_dir', args.job_dir), ('--partition', args.partition)):
        if value:
            extra += [flag, value]
    if args.no_wait or args.cluster == 'slurm':   # as for engine jobs: return after submitting to Slurm
        extra.append('--no_wait')
    return cli.main([*gen_argv, *extra])


class Trainer:
    """The submitted callable: runs the engine in each task; ``checkpoint()`` requeues with RESUME."""

    def __init__(self, engine_argv: list[str], dist_url: str, return_user_errors: bool = False):
        # local/debug: a user error comes back as the job's result, for the submitting process to print in one
        # line; on Slurm it is raised, so the job ends FAILED
        self.engine_argv, self.dist_url = list(engine_argv), dist_url
        self.return_user_errors = return_user_errors

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
        except UserError as e:
            print(f'error: {one_line(e)}', file=sys.stderr)
            if not self.return_user_errors:
                raise
            return {'user_error': one_line(e)}

    def checkpoint(self):
        import submitit
        _, cfg = parse_args(self.engine_argv)
        argv = list(self.engine_argv)
        last = Path(cfg.SAVE_DIR) / 'checkpoint.pth.tar'
        if last.is_file():
            argv.append(f'--RESUME={last}')
        return submitit.helpers.DelayedSubmission(type(self)(argv, self.dist_url, self.return_user_errors))


def submit(argv: Sequence[str] | None = None):
    """Submit the job; returns the submitit Job (for local/debug: after it finished)."""
    args, engine_argv = build_parser().parse_known_args(argv)
    if args.cluster not in CLUSTERS:
        raise UserError(f'--cluster {args.cluster!r} is invalid; allowed: {", ".join(CLUSTERS)}')
    if args.ngpus < 1 or args.nodes < 1:
        raise UserError(f'--ngpus {args.ngpus} and --nodes {args.nodes} must be >= 1')
    if args.cluster != 'slurm' and args.nodes != 1:
        raise UserError(f'--nodes {args.nodes}: the {args.cluster} executor runs on one node only')
    if args.generate:
        if args.shards < 1:
            raise UserError(f'--shards {args.shards} is invalid; it must be >= 1')
        return submit_generation(args, engine_argv)
    _, cfg = parse_args(engine_argv)  # validate the engine config before submitting
    job_dir = Path(args.job_dir or Path(cfg.SAVE_DIR) / 'slurm').resolve()
    job_dir.mkdir(parents=True, exist_ok=True)
    dist_url = (job_dir / f'{uuid.uuid4().hex}_init').as_uri()

    import torch
    gpus = args.ngpus if (args.cluster == 'slurm' or torch.cuda.is_available()) else 0
    slurm: dict[str, Any] = {'mem_gb': 40 * args.ngpus, 'slurm_signal_delay_s': 120}
    if args.account:
        slurm['slurm_account'] = args.account
    if args.comment:
        slurm['slurm_comment'] = args.comment
    executor = make_executor(job_dir / '%j', None if args.cluster == 'slurm' else args.cluster, run_name(cfg),
                             args.timeout, 6 if args.cluster == 'slurm' else 1,
                             args.long_partition if args.long_job else args.partition, slurm,
                             tasks_per_node=args.ngpus, nodes=args.nodes, gpus_per_node=gpus)
    job = executor.submit(Trainer(engine_argv, dist_url, return_user_errors=args.cluster != 'slurm'))
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
