"""Generator throughput with the embedded renderer, measured side by side in one run.

1. raw: draw + readback of the same meshes with a trivial shader (no sky, lighting, MSAA, encoding, files);
2. end-to-end: ``Generator.gen_data`` for the all-varied setting (JPEG files written), 1 process with Mesa's
   default render threads, and 1 process rasterizing on its own thread (LP_NUM_THREADS=0);
3. end-to-end with 2 processes configured like the second run (two shards of the same set), started together.
Prints img/s, the ratios end-to-end / raw and 2 processes / 1 (same per-process configuration; also against the
default-threads process), and peak memory per process.
Start-up (building the 43 skies, the context) is excluded from the steady-state figures and printed apart.

    python -m bench.generator_throughput                      # 256 px, 2000 images, 20 classes
    python -m bench.generator_throughput --size 64 --num_imgs 400
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from common.cli import ArgumentParser, run_cli


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def raw_draw_readback(size: int, num_classes: int, n: int) -> tuple[float, float]:
    """(img/s, img per CPU-second) of clear + draw + glReadPixels of the library's meshes with a trivial
    shader, 1 process."""
    from generator.backends import gl_scene as scene
    from generator.backends import gl_shaders as sh
    from generator.backends.gl import GLBackend
    from generator.library.procedural import ProceduralLibrary
    lib = ProceduralLibrary()
    b = GLBackend(lib, size=size, samples=0)
    ctx = b.ctx
    prog = ctx.program(vertex_shader=sh.TRIVIAL_VS, fragment_shader=sh.TRIVIAL_FS)
    fbo = ctx.framebuffer([ctx.renderbuffer((size, size), 4)], ctx.depth_renderbuffer((size, size)))
    units = [(c, m) for c in lib.classes()[:num_classes] for m in lib.models(c)]
    vaos = []
    for c, m in units:
        mesh = lib.mesh(c, m)
        data = np.concatenate([mesh.pos, mesh.nrm], 1).astype(np.float32)
        vbo = ctx.buffer(data.tobytes())
        vaos.append(ctx.vertex_array(prog, [(vbo, '3f 3f', 'in_pos', 'in_nrm')]))
    proj = scene.perspective(scene.FOV_Y, 1.0)
    view = scene.view_matrix(scene.look_rotation(np.array([0, 1.0, 0]) - scene.AVATAR), scene.AVATAR)
    rng = np.random.default_rng(0)
    per = max(1, n // len(vaos))
    fbo.use()
    ctx.enable(ctx.DEPTH_TEST)
    t0, c0 = time.perf_counter(), time.process_time()
    count = 0
    for vao in vaos:
        for _ in range(per):
            model = np.eye(4)
            model[:3, :3] = scene.rot_y(rng.uniform(-180, 180)) @ scene.rot_x(rng.uniform(-180, 180)) * 1.4
            model[:3, 3] = (0, 1.0, 0)
            prog['mvp'].write((proj @ view @ model).T.astype(np.float32).tobytes())
            fbo.clear(0.5, 0.6, 0.7, 1.0, depth=1.0)
            vao.render()
            np.frombuffer(fbo.read(components=3), np.uint8)
            count += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    b.close()
    return count / dt, count / cpu


def _e2e_worker(root: str, tuple_str: str, num_imgs: int, num_classes: int, shard: tuple[int, int], size: int,
                threads: int | None, barrier, queue) -> None:
    from generator.generator import Generator
    from generator.generator_params import GenParams
    t0 = time.perf_counter()
    opts = {'threads': threads} if threads is not None else {}
    gen = Generator(root, backend='gl', library='procedural', screen_size=size, output_size=size,
                    num_classes=num_classes, backend_options=opts, progress=False)
    backend = gen.backend
    for i in range(43):      # start-up: build every sky once (the all-varied setting cycles through them)
        backend._environment(i)
    startup = time.perf_counter() - t0
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    out = gen.gen_data(GenParams.from_tuple_str(tuple_str), num_imgs, shard)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    gen.close()
    files = sum(1 for _ in Path(out).rglob('*.jpg'))
    queue.put({'shard': shard, 'seconds': dt, 'cpu_seconds': cpu, 'startup_seconds': startup, 'peak_rss_mb': _rss_mb(),
               'files_in_set': files})


def end_to_end(tuple_str: str, num_imgs: int, num_classes: int, size: int, procs: int,
               threads: int | None) -> dict:
    root = tempfile.mkdtemp(prefix='t2s_bench_')
    try:
        ctx = mp.get_context('spawn')
        barrier, queue = ctx.Barrier(procs), ctx.Queue()
        ps = [ctx.Process(target=_e2e_worker, args=(root, tuple_str, num_imgs, num_classes, (i, procs), size,
                                                     threads, barrier, queue)) for i in range(procs)]
        for p in ps:
            p.start()
        res = [queue.get(timeout=3600) for _ in ps]
        for p in ps:
            p.join()
        images = sum(1 for _ in Path(root).rglob('*.jpg'))
        wall = max(r['seconds'] for r in res)
        cpu = sum(r['cpu_seconds'] for r in res)
        return {'procs': procs, 'images': images, 'seconds': wall, 'img_per_s': images / wall,
                'cpu_seconds': cpu, 'img_per_cpu_s': images / cpu,
                'startup_seconds': max(r['startup_seconds'] for r in res),
                'peak_rss_mb': [round(r['peak_rss_mb'], 1) for r in res]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv=None) -> dict:
    ap = ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--num_imgs', type=int, default=2000)
    ap.add_argument('--num_classes', type=int, default=20)
    ap.add_argument('--tuple', default='1_1_1_1_1_3_0_1_1', help='setting of the end-to-end runs')
    ap.add_argument('--threads_2proc', type=int, default=0,
                    help='llvmpipe render threads per process in the 1-thread and 2-process runs (0 = rasterize on '
                         'the calling thread, -1 = Mesa default)')
    ap.add_argument('--out', default=None, help='also write the results as JSON')
    a = ap.parse_args(argv)
    load = os.getloadavg()
    raw, raw_cpu = raw_draw_readback(a.size, a.num_classes, a.num_imgs)
    one = end_to_end(a.tuple, a.num_imgs, a.num_classes, a.size, 1, None)
    threads = None if a.threads_2proc < 0 else a.threads_2proc
    one_t = end_to_end(a.tuple, a.num_imgs, a.num_classes, a.size, 1, threads)
    two = end_to_end(a.tuple, a.num_imgs, a.num_classes, a.size, 2, threads)
    res = {'size': a.size, 'tuple': a.tuple, 'cpus': os.cpu_count(), 'loadavg_before': load,
           'raw_img_per_s': raw, 'raw_img_per_cpu_s': raw_cpu, 'one_process': one,
           'one_process_same_threads': one_t, 'two_processes': two,
           'ratio_end_to_end_vs_raw': one['img_per_s'] / raw,
           'ratio_end_to_end_vs_raw_cpu': one['img_per_cpu_s'] / raw_cpu,
           'ratio_two_vs_one': two['img_per_s'] / one_t['img_per_s'],
           'ratio_two_vs_one_default_threads': two['img_per_s'] / one['img_per_s']}
    print(f'machine: {os.cpu_count()} CPUs, load average before the run {load[0]:.1f}')
    print(f'raw draw+readback (trivial shader, same meshes, {a.size}px): {raw:8.1f} img/s')
    print(f'end-to-end {a.tuple}, files written, 1 process:   {one["img_per_s"]:8.1f} img/s '
          f'({one["images"]} images in {one["seconds"]:.1f}s; start-up {one["startup_seconds"]:.1f}s; '
          f'peak RSS {one["peak_rss_mb"][0]:.0f} MB)')
    print(f'end-to-end, 1 process, {threads if threads is not None else "default"} render thread(s):      {one_t["img_per_s"]:8.1f} img/s '
          f'({one_t["images"]} images in {one_t["seconds"]:.1f}s)')
    print(f'end-to-end, 2 processes, same threads each:       {two["img_per_s"]:8.1f} img/s '
          f'({two["images"]} images in {two["seconds"]:.1f}s; peak RSS per process {two["peak_rss_mb"]} MB)')
    print(f'CPU-normalised (img per CPU-second, all threads; insensitive to other load on the machine): '
          f'raw {raw_cpu:.1f}, end-to-end 1 process {one["img_per_cpu_s"]:.1f}, 2 processes '
          f'{two["img_per_cpu_s"]:.1f} -> 2 free cores would give ~{2 * two["img_per_cpu_s"]:.0f} img/s')
    print(f'ratio end-to-end / raw (1 process): {res["ratio_end_to_end_vs_raw"]:.2f} wall, '
          f'{res["ratio_end_to_end_vs_raw_cpu"]:.2f} CPU   (target >= 0.5)')
    print(f'ratio 2 processes / 1:              {res["ratio_two_vs_one"]:.2f} (same threads per process), '
          f'{res["ratio_two_vs_one_default_threads"]:.2f} (vs 1 process with default threads)   (target >= 1.7)')
    print(f'absolute, best of the runs:         {max(one["img_per_s"], one_t["img_per_s"], two["img_per_s"]):.1f} img/s '
          f'(target >= 150 on 2 cores)')
    if a.out:
        from common.io import atomic_write_json
        atomic_write_json(a.out, res)
    return res


if __name__ == '__main__':
    run_cli(main)
