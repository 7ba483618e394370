"""Render a preview grid (PNG) of the embedded renderer: one tile per (class, model) under a given setting.

python -m scripts.render_preview --out docs/preview_classes.png --classes 0:40 --tuple 0_0_0_0_0_1_0_0_0
"""
from __future__ import annotations


import numpy as np
from PIL import Image

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from generator.backends.gl import GLBackend
from generator.generator_params import GenParams
from generator.library import create_library
from generator.spec import NUM_MATERIAL_SLOTS, NUM_SKIES, SHARP_APERTURE, ImageSpec


def demo_spec(params: GenParams, class_name: str, model_name: str, index: int, rng: np.random.Generator) -> ImageSpec:
    """An ImageSpec drawn with the original's distributions for ``params`` (a stand-in for generator/sampling.py)."""
    kw: dict = {}
    if params.pose_rot:
        kw['obj_rotation'] = tuple(rng.uniform(-180, 180, 3))
    if params.pose_scale:
        kw['distance_factor'] = float(rng.uniform(0.4, 1.5))
    if params.backgr:
        v = rng.standard_normal(3)
        kw['look_dir'] = tuple(v / np.linalg.norm(v))
        kw['sky_index'] = int(rng.integers(NUM_SKIES))
    if params.pose_cam:
        kw['cam_yaw'], kw['cam_pitch'] = (float(x) for x in rng.uniform(-15, 15, 2))
    if params.lighting_dir:
        kw['sun_yaw'], kw['sun_pitch'] = (float(x) for x in rng.uniform(0, 360, 2))
    if params.lighting_color:
        kw['sun_color'] = tuple(float(x) for x in rng.uniform(0.05, 1, 3))
    if params.lighting_intensity:
        kw['intensity_offset'] = float(rng.uniform(-0.6, 0.6))
    if params.blur:
        kw['blurred'] = True
        if rng.random() < 0.75:
            kw['focus_offset'] = float(rng.uniform(-1, 1))
            kw['aperture'] = float(rng.uniform(0.5, 1.2))
        else:
            kw['aperture'] = SHARP_APERTURE
    kw['material_mode'] = params.materials
    if params.materials in (2, 3):
        kw['material_draws'] = tuple(float(x) for x in rng.random(NUM_MATERIAL_SLOTS))
    return ImageSpec(class_name, model_name, index, **kw)


def knob_grid(a) -> None:
    """One row per setting (the default, then one field switched on), images 0..cols-1 of one model."""
    from generator.sampling import ModelDraws, sample_image_spec
    c, m = a.knobs.split('/')
    lib = create_library(a.library)
    backend = GLBackend(lib, size=a.size)
    backend.load(c, m)
    rows = []
    for ts in a.rows.split(','):
        params = GenParams.from_tuple_str(ts)
        draws = ModelDraws(a.seed, ts, c, m)
        rows.append(np.concatenate([backend.render(sample_image_spec(params, a.seed, c, m, i, a.cols, draws))
                                    for i in range(a.cols)], 1))
    backend.close()
    Image.fromarray(np.concatenate(rows, 0)).save(a.out)
    print(f'wrote {a.out} ({len(rows)} settings x {a.cols} images)')


def main(argv=None) -> None:
    ap = ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', required=True)
    ap.add_argument('--library', default='procedural')
    ap.add_argument('--classes', default='0:40', help='slice start:stop of the class list')
    ap.add_argument('--models', type=int, default=1, help='models per class (one row per class when > 1)')
    ap.add_argument('--tuple', default='0_0_0_0_0_1_0_0_0', help='GenParams tuple string')
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--cols', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--knobs', default=None, metavar='CLASS/MODEL',
                    help='instead: one row per setting in --rows, --cols images of this model each')
    ap.add_argument('--rows', default='0_0_0_0_0_1_0_0_0,0_0_0_0_0_1_0_1_0,0_0_0_0_0_1_0_0_1,'
                    '0_0_0_0_0_1_1_0_0,0_0_1_0_0_1_0_0_0,0_0_0_1_0_1_0_0_0,0_0_0_0_1_1_0_0_0,'
                    '0_1_0_0_0_1_0_0_0,1_0_0_0_0_1_0_0_0,0_0_0_0_0_0_0_0_0,0_0_0_0_0_3_0_0_0',
                    help='comma-separated tuple strings for --knobs')
    a = ap.parse_args(argv)
    if a.knobs:
        return knob_grid(a)
    try:
        params = GenParams.from_tuple_str(a.tuple)
        start, stop = (int(x) for x in a.classes.split(':'))
    except ValueError as e:
        raise UserError(str(e)) from None
    lib = create_library(a.library)
    backend = GLBackend(lib, size=a.size)
    rng = np.random.default_rng(a.seed)
    tiles = []
    for c in lib.classes()[start:stop]:
        for m in lib.models(c)[:a.models]:
            backend.load(c, m)
            tiles.append(backend.render(demo_spec(params, c, m, 0, rng)))
    backend.close()
    cols = a.models if a.models > 1 else a.cols
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i:i + cols], 1) for i in range(0, len(tiles), cols)]
    Image.fromarray(np.concatenate(rows, 0)).save(a.out)
    print(f'wrote {a.out} ({len(rows)} x {cols} tiles)')


if __name__ == '__main__':
    run_cli(main)
