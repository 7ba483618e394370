"""How much the ``lighting_intensity`` knob changes the object's own pixels, in every environment.

For each built-in environment and a few models, renders the same view with the sun intensity offset at
-0.6, 0 and +0.6 (the knob's range) and with the sun switched off, and measures the mean sRGB luminance of
the object's pixels (from ``GLBackend.mask``). Prints per environment the relative rise from -0.6 to +0.6,
the share of the object's brightness that the ambient light carries (sun off / offset 0), and the
sun-to-ambient ratio of a white surface facing the sun (the light model's own numbers). TDW's exterior HDRI
records carry ``sun_intensity`` and ``exposure``; their ratio is printed when the tdw package is installed.

    python -m bench.lighting_intensity --out bench_out/lighting_intensity.json
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from common.cli import ArgumentParser, run_cli
from common.io import atomic_write_json
from generator.backends import gl
from generator.backends.gl_scene import AVATAR
from generator.library.environments import sh_basis
from generator.library.procedural import ProceduralLibrary
from generator.spec import NUM_SKIES, ImageSpec

OFFSETS = (-0.6, 0.0, 0.6)
LUMA = np.array([0.2126, 0.7152, 0.0722])


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = x / 255.0
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def object_luminance(backend: gl.GLBackend, spec: ImageSpec) -> tuple[float, float]:
    """Mean sRGB luminance (0..255) of the object's pixels, and the fraction of them with a channel at 255."""
    img = backend.render(spec).astype(np.float64)
    mask = backend.mask(spec)
    px = img[mask]
    return float((px @ LUMA).mean()), float((px.max(1) >= 254.5).mean())


def white_facing_sun_ratio(env: Any, scale: float = gl.SUN_SCALE) -> float:
    """Sun term / ambient term of a white Lambertian surface facing the sun (linear luminance)."""
    ambient = np.maximum(sh_basis(np.asarray(env.sun_dir, np.float64)) @ env.sh, 0.0) @ LUMA
    sun = scale * env.sun_intensity * (np.asarray(env.sun_color) @ LUMA)
    return float(sun / max(ambient, 1e-9))


def tdw_exterior_ratios() -> dict[str, float] | None:
    """sun_intensity / exposure over TDW's exterior HDRI skybox records (None without the tdw package)."""
    try:
        from tdw.librarian import HDRISkyboxLibrarian
    except ImportError:
        return None
    recs = [r for r in HDRISkyboxLibrarian().records if r.location == 'exterior']
    r = np.array([rec.sun_intensity / rec.exposure for rec in recs])
    return {'count': len(recs), 'min': float(r.min()), 'median': float(np.median(r)), 'max': float(r.max()),
            'sun_intensity_median': float(np.median([x.sun_intensity for x in recs])),
            'exposure_median': float(np.median([x.exposure for x in recs]))}


def measure(size: int, classes: int, models: int, scale: float) -> dict[str, Any]:
    lib = ProceduralLibrary(classes=classes)
    backend = gl.GLBackend(lib, size=size)
    saved = gl.SUN_SCALE
    gl.SUN_SCALE = scale
    rows = []
    try:
        pairs = [(c, m) for c in lib.classes() for m in lib.models(c)[:models]]
        for sky in range(NUM_SKIES):
            env = backend.envs.get(sky)
            lum = {o: [] for o in OFFSETS}
            off, sat = [], []
            for c, m in pairs:
                backend.load(c, m)
                base = ImageSpec(c, m, 0, sky_index=sky, obj_rotation=(20.0, 35.0, 0.0))
                for o in OFFSETS:
                    y, s = object_luminance(backend, dataclasses.replace(base, intensity_offset=o))
                    lum[o].append(y)
                    if o == OFFSETS[-1]:
                        sat.append(s)
                off.append(object_luminance(backend, dataclasses.replace(base, intensity_offset=-env.sun_intensity))[0])
            lo, mid, hi = (float(np.mean(lum[o])) for o in OFFSETS)
            lin = {o: float(np.mean(srgb_to_linear(np.array(lum[o])))) for o in OFFSETS}
            rows.append({'sky': sky, 'name': env.name, 'sun_intensity': env.sun_intensity,
                         'luminance': {str(o): v for o, v in zip(OFFSETS, (lo, mid, hi))},
                         'rise': hi / lo - 1, 'linear_rise': lin[0.6] / lin[-0.6] - 1,
                         'ambient_share': float(np.mean(off)) / mid, 'saturated_at_plus': float(np.mean(sat)),
                         'white_facing_sun_ratio': white_facing_sun_ratio(env, scale),
                         'sun_towards_camera': float(np.dot(env.sun_dir, AVATAR / np.linalg.norm(AVATAR)))})
    finally:
        gl.SUN_SCALE = saved
        backend.close()
    keys = ('rise', 'linear_rise', 'ambient_share', 'saturated_at_plus', 'white_facing_sun_ratio')
    summary = {k: {'min': float(min(r[k] for r in rows)), 'median': float(np.median([r[k] for r in rows])),
                   'max': float(max(r[k] for r in rows))} for k in keys}
    # the camera sits at AVATAR looking at the object near the origin: a sun behind the object lights
    # only what the camera does not see
    summary['corr_rise_sun_towards_camera'] = float(np.corrcoef([r['rise'] for r in rows],
                                                                [r['sun_towards_camera'] for r in rows])[0, 1])
    front = [r['rise'] for r in rows if r['sun_towards_camera'] > 0.5]
    summary['rise_front_lit'] = {'count': len(front), 'median': float(np.median(front)) if front else float('nan')}
    return {'size': size, 'pairs': len(pairs), 'sun_scale': scale, 'per_sky': rows, 'summary': summary}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--classes', type=int, default=4)
    p.add_argument('--models', type=int, default=2, help='models per class')
    p.add_argument('--sun_scale', type=float, nargs='+', default=[gl.SUN_SCALE],
                   help='SUN_SCALE values to compare (the renderer constant is restored afterwards)')
    p.add_argument('--out', default='bench_out/lighting_intensity.json')
    args = p.parse_args(argv)
    res = {'runs': [measure(args.size, args.classes, args.models, s) for s in args.sun_scale],
           'tdw_exterior_sun_intensity_over_exposure': tdw_exterior_ratios()}
    for run in res['runs']:
        print(f'SUN_SCALE {run["sun_scale"]}: ' + '; '.join(
            f'{k} {v["min"]:.2f} / {v["median"]:.2f} / {v["max"]:.2f}' for k, v in run['summary'].items()
            if isinstance(v, dict) and 'min' in v) + ' (min / median / max over environments); '
            f'corr(rise, sun towards camera) {run["summary"]["corr_rise_sun_towards_camera"]:.2f}; median rise '
            f'with the sun in front (cos > 0.5, {run["summary"]["rise_front_lit"]["count"]} skies) '
            f'{run["summary"]["rise_front_lit"]["median"]:.2f}')
    print('TDW exterior sun_intensity / exposure:', json.dumps(res['tdw_exterior_sun_intensity_over_exposure']))
    atomic_write_json(Path(args.out), res, indent=1)
    return res


if __name__ == '__main__':
    run_cli(main)
