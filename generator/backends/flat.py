"""A tiny deterministic numpy backend for tests: a flat ellipse whose look follows every spec field."""
from __future__ import annotations

import numpy as np

from generator.sampling import stable_seed
from generator.spec import ImageSpec


class FlatBackend:
    """Draws an ellipse on a sky-coloured background; no 3D, no dependencies, microseconds per image."""

    name = 'flat'

    def __init__(self, library=None, size: int = 64, delay: float = 0.0):
        self.library = library
        self.size = int(size)
        self.delay = float(delay)   # seconds slept per render, so tests can interrupt a run mid-way
        self.loaded: tuple[str, str] | None = None
        self.num_loads = 0
        self.num_renders = 0

    def load(self, class_name: str, model_name: str) -> None:
        self.loaded = (class_name, model_name)
        self.num_loads += 1

    def render(self, spec: ImageSpec) -> np.ndarray:
        if self.loaded != (spec.class_name, spec.model_name):
            raise RuntimeError(f'render of {spec.model_name!r} while {self.loaded!r} is loaded')
        if self.delay:
            import time
            time.sleep(self.delay)
        self.num_renders += 1
        n = self.size
        rng = np.random.default_rng(stable_seed('flat', spec.class_name, spec.model_name))
        base = rng.uniform(0.2, 1.0, size=3)                         # the model's "natural" colour
        if spec.material_mode == 0:
            base = np.array([0.8, 0.75, 0.7])
        elif spec.material_draws:
            base = np.array(spec.material_draws[:3]) * 0.8 + 0.2
        sky = np.array([(spec.sky_index * 37 % 255), (spec.sky_index * 91 % 255), 200]) / 255.0
        light = np.array(spec.sun_color or (1.0, 1.0, 1.0)) * (1.0 + spec.intensity_offset)
        light = light * (0.75 + 0.25 * np.cos(np.radians(spec.sun_yaw)) * np.cos(np.radians(spec.sun_pitch)))

        yy, xx = np.mgrid[0:n, 0:n] / max(n - 1, 1) - 0.5
        cx = -spec.cam_yaw / 60.0 + (spec.look_dir[0] * 0.2 if spec.look_dir else 0.0)
        cy = spec.cam_pitch / 60.0 + (spec.look_dir[1] * 0.2 if spec.look_dir else 0.0)
        angle = np.radians(spec.obj_rotation[1])
        u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
        v = -(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)
        r = 0.3 / spec.distance_factor
        inside = (u / r) ** 2 + (v / (0.6 * r)) ** 2 <= 1.0
        img = np.where(inside[..., None], base * light, sky)
        if spec.blurred:
            k = max(1, int(round(3 / max(spec.aperture, 0.1))))
            pad = np.pad(img, ((k, k), (k, k), (0, 0)), mode='edge')
            c = np.cumsum(np.cumsum(pad, 0), 1)
            c = np.pad(c, ((1, 0), (1, 0), (0, 0)))
            w = 2 * k + 1
            img = (c[w:, w:] - c[:-w, w:] - c[w:, :-w] + c[:-w, :-w]) / (w * w)
        return (np.clip(img, 0.0, 1.0) * 255).astype(np.uint8)

    def close(self) -> None:
        self.loaded = None
