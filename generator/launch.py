"""Shared command-line options and job running for the generator CLIs: shards, local workers, submitit.

A job renders a list of GenParams for one shard ``(index, count)`` of every set's (class, model)
units. ``--workers N`` runs N shards as local processes, ``--submitit`` as N Slurm array tasks (or
submitit's local/debug executors); ``--shard_idx/--num_shards`` runs a single shard in this process
(for hand-written Slurm arrays). Whoever finishes a set's last image writes its preview and ``end``.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from common.errors import UserError
from common.procs import die_with_parent
from common.submit import make_executor, submit_all
from common.validate import check_root_dir
from generator.backends import check_backend_options
from generator.generator import Generator, check_num_imgs
from generator.generator_params import GenParams

log = logging.getLogger('generator')


def parse_key_values(items: Sequence[str] | None, what: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (values parsed as JSON when they parse)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if '=' not in item:
            raise UserError(f'{what} {item!r} is invalid; expected KEY=VALUE')
        k, v = item.split('=', 1)
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def add_generation_args(p: argparse.ArgumentParser) -> None:
    p.add_argument('--root_dir', required=True, help='folder that receives dataset_<tuple_str>/')
    p.add_argument('--num_imgs', type=int, default=40000, help='images per set (floored per class/model)')
    p.add_argument('--seed', type=int, default=0, help='seed of every per-image draw')
    p.add_argument('--backend', default='gl', help="render backend: gl (default), tdw, flat")
    p.add_argument('--library', default='procedural', help="object library, e.g. procedural, tdw")
    p.add_argument('--num_classes', type=int, default=None, help='use only the first K classes')
    p.add_argument('--size', type=int, default=256, help='render (screen) size in pixels')
    p.add_argument('--output_size', type=int, default=None, help='saved size (LANCZOS resize); default --size')
    p.add_argument('--jpeg_quality', type=int, default=90)
    p.add_argument('--workers', type=int, default=1, help='shards run in parallel (processes or array tasks)')
    p.add_argument('--shard_idx', type=int, default=None, help='run only this shard (with --num_shards)')
    p.add_argument('--num_shards', type=int, default=None)
    p.add_argument('--backend_opt', action='append', metavar='KEY=VALUE', help='extra backend option')
    p.add_argument('--library_opt', action='append', metavar='KEY=VALUE', help='extra library option')
    p.add_argument('--no_progress', action='store_true', help='no tqdm bar')
    p.add_argument('--verify', action='store_true',
                   help='decode every image of a complete set and render the broken ones again')
    g = p.add_argument_group('TDW backend')
    g.add_argument('--port', type=int, default=1071, help='controller port (worker i uses port + i)')
    g.add_argument('--launch_build', action='store_true', help='let tdw download and launch the build')
    g.add_argument('--load_path', default=None, help='local asset bundles: <load_path>/tdw_asset_bundles/models/')
    g.add_argument('--skybox_preload', action='store_true', help='add all 43 skyboxes at start-up')
    g.add_argument('--tdw_objects', default=None, help='JSON {wnid: [models]} or TXT "wnid model" lines')
    g.add_argument('--tdw_materials', default=None, help='TXT file of material names')
    s = p.add_argument_group('submitit')
    s.add_argument('--submitit', action='store_true', help='one Slurm array task per shard (--workers)')
    s.add_argument('--cluster', default=None, choices=['slurm', 'local', 'debug'],
                   help='submitit executor (default: slurm when available, else local)')
    s.add_argument('--job_dir', default=None, help='submitit logs (default <root_dir>/slurm)')
    s.add_argument('--timeout', type=int, default=24 * 60, help='minutes per array task')
    s.add_argument('--partition', default=None)
    s.add_argument('--cpus_per_task', type=int, default=4)
    s.add_argument('--gpus_per_task', type=int, default=0)
    s.add_argument('--array_parallelism', type=int, default=256)
    s.add_argument('--no_wait', action='store_true', help='submit and return without waiting')
    p.add_argument('-v', '--verbose', action='store_true')


@dataclass
class GenerationJob:
    """Everything one process needs to render its shard of some sets (picklable for submitit)."""

    root_dir: str
    tuple_strs: list[str]
    num_imgs: int
    shard: tuple[int, int] = (0, 1)
    generator_kwargs: dict[str, Any] = field(default_factory=dict)
    verbose: bool = False

    def __call__(self) -> list[str]:
        logging.basicConfig(level=logging.INFO if self.verbose else logging.WARNING,
                            format='%(asctime)s %(name)s %(levelname)s %(message)s')
        kwargs = dict(self.generator_kwargs)
        options = dict(kwargs.pop('backend_options', {}))
        if kwargs.get('backend') == 'tdw' and 'port' in options:
            options['port'] = int(options['port']) + self.shard[0]
        done = []
        with Generator(self.root_dir, backend_options=options, **kwargs) as gen:
            for ts in self.tuple_strs:
                done.append(str(gen.gen_data(GenParams.from_tuple_str(ts), self.num_imgs, self.shard)))
        return done


def generator_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    backend_options = parse_key_values(args.backend_opt, '--backend_opt')
    library_options = parse_key_values(args.library_opt, '--library_opt')
    if args.backend == 'tdw':
        backend_options.setdefault('port', args.port)
        backend_options.setdefault('launch_build', args.launch_build)
        backend_options.setdefault('skybox_preload', args.skybox_preload)
        if args.load_path:
            backend_options.setdefault('load_path', args.load_path)
    if args.backend == 'gl' and args.workers > 1 and not args.submitit:
        # local worker processes share the cores: each rasterizes on its own thread (LP_NUM_THREADS=0) instead of
        # adding llvmpipe worker threads that compete for them (docs/renderer.md, "Measured performance")
        backend_options.setdefault('threads', 0)
    if args.library == 'tdw':
        if args.tdw_objects:
            library_options.setdefault('objects', args.tdw_objects)
        if args.tdw_materials:
            library_options.setdefault('materials', args.tdw_materials)
    return dict(backend=args.backend, library=args.library, screen_size=args.size,
                output_size=args.output_size or args.size, seed=args.seed, num_classes=args.num_classes,
                backend_options=backend_options, library_options=library_options,
                jpeg_quality=args.jpeg_quality, progress=not args.no_progress, verify=args.verify)


def _run_job(job: GenerationJob) -> list[str]:
    return job()


def run_generation(args: argparse.Namespace, params: list[GenParams]) -> list[str]:
    """Render ``params`` as the options say (one shard, local workers or submitit); returns image dirs."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    check_num_imgs(args.num_imgs, '--num_imgs')
    if args.workers < 1:
        raise UserError(f'--workers={args.workers} is invalid; it must be >= 1')
    kwargs = generator_kwargs(args)
    tuple_strs = [p.get_tuple_str() for p in params]
    if not tuple_strs:
        return []
    root = str(args.root_dir)
    if (args.shard_idx is None) != (args.num_shards is None):
        raise UserError('--shard_idx and --num_shards go together')
    # everything the workers would refuse, refused here before anything is written or started
    check_root_dir(Path(root))
    with Generator(root, **{k: v for k, v in kwargs.items() if k != 'backend_options'}) as gen:
        gen.plan(args.num_imgs)
    check_backend_options(kwargs['backend'], kwargs['backend_options'])
    if args.shard_idx is not None:
        if not 0 <= args.shard_idx < args.num_shards:
            raise UserError(f'--shard_idx={args.shard_idx} is invalid; allowed: 0..{args.num_shards - 1}')
        return GenerationJob(root, tuple_strs, args.num_imgs, (args.shard_idx, args.num_shards), kwargs,
                             args.verbose)()
    n = args.workers
    jobs = [GenerationJob(root, tuple_strs, args.num_imgs, (i, n), kwargs, args.verbose) for i in range(n)]
    if args.submitit:
        _submit(args, jobs)
        if args.no_wait:
            return []
    elif n > 1:
        with mp.get_context('spawn').Pool(n, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            pool.map(_run_job, jobs)
    else:
        return jobs[0]()
    # A pass over the finished sets: renders nothing, writes any missing preview and completion marker.
    final = dict(kwargs, progress=False, verify=False)
    return GenerationJob(root, tuple_strs, args.num_imgs, (0, 1), final, args.verbose)()


def generate_and_print(args: argparse.Namespace, params: list[GenParams]) -> list[str]:
    """The generation CLIs' shared tail: render ``params`` and print each finished images folder."""
    dirs = run_generation(args, params)
    for d in dirs:
        print(d)
    return dirs


def _submit(args: argparse.Namespace, jobs: list[GenerationJob]) -> None:
    folder = Path(args.job_dir or Path(args.root_dir) / 'slurm')
    slurm: dict[str, Any] = {'slurm_array_parallelism': args.array_parallelism}
    if args.gpus_per_task:
        slurm['gpus_per_node'] = args.gpus_per_task
    executor = make_executor(folder, args.cluster, 'task2sim_gen', args.timeout, args.cpus_per_task,
                             args.partition, slurm)
    submitted = submit_all(executor, jobs)
    print(f'submitted {len(submitted)} generation job(s) to {executor.cluster}: '
          f'{[j.job_id for j in submitted]} (logs in {folder})')
    if not args.no_wait:
        for j in submitted:
            j.result()
