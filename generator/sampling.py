"""GenParams + seed -> one ImageSpec per image, with the original generator's distributions.

Every spec is a pure function of ``(seed, tuple_str, class, model, image index)``: it draws from its
own ``numpy.random.Generator`` seeded by a SHA-256 hash of those values, so any image can be rendered
alone and neither order, sharding nor resume changes it. Per-model draws (the skybox order and the
materials of mode 2) come from a generator seeded by ``(seed, tuple_str, class, model)`` only.

Every per-image quantity is drawn for every image, in a fixed order, whether its field is on or off;
a field at 0 then simply discards its draws, so every setting uses the same layout of the random
stream. The tuple string is part of the seed: each of the 256 sets gets its own, independent draws,
as each set of the original did.
"""
from __future__ import annotations

import hashlib

import numpy as np

from generator.generator_params import GenParams
from generator.spec import NUM_MATERIAL_SLOTS, NUM_SKIES, ImageSpec

# The original's constants (TDW.md section 4).
MAX_ROT_ANGLE = 180.0             # pose_rot: pitch, yaw, roll ~ U(-180, 180)
MIN_DIST, MAX_DIST = 0.4, 1.5     # pose_scale: distance factor ~ U(0.4, 1.5)
MAX_CAM_JITTER = 15.0             # pose_cam: yaw, pitch ~ U(-15, 15)
SUN_COLOR_RANGE = (0.05, 1.0)     # lighting_color: r, g, b ~ U(0.05, 1)
MAX_LIGHT_INTENSITY_VAR = 0.6     # lighting_intensity: offset ~ U(-0.6, 0.6)
BLUR_PROB = 0.75                  # blur: share of blurred images when the field is on
FOCUS_OFFSET_RANGE = (-1.0, 1.0)  # blur: focus = camera-object distance + U(-1, 1)
APERTURE_RANGE = (0.5, 1.2)       # blur: aperture ~ U(0.5, 1.2)
FIXED_SKY_INDEX = 0               # backgr=0: the environment every image uses (TDW: fish_hoek_beach_4k)
MAX_HEIGHT = 1.0                  # metadata only, as in the original


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from the text of ``parts`` (SHA-256; stable across processes and Python versions)."""
    text = '\x1f'.join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode('utf-8')).digest()[:8], 'little')


def model_rng(seed: int, tuple_str: str, class_name: str, model_name: str) -> np.random.Generator:
    """The generator of the per-model draws (skybox order, mode-2 materials)."""
    return np.random.default_rng(stable_seed('model', seed, tuple_str, class_name, model_name))


def image_rng(seed: int, tuple_str: str, class_name: str, model_name: str, index: int) -> np.random.Generator:
    """The generator of one image's draws."""
    return np.random.default_rng(stable_seed('image', seed, tuple_str, class_name, model_name, int(index)))


def its_per_skybox(imgs_per_model: int) -> int:
    """Images per skybox when backgr=1: max(2, round(images per model / 43)), as the original."""
    return max(2, int(round(imgs_per_model / NUM_SKIES)))


def skybox_slot(index: int, imgs_per_model: int) -> int:
    """Position in the model's skybox order of image ``index``; the first skybox gets one image fewer.

    When a model has more images than 43 skyboxes hold, the order wraps around.
    """
    its = its_per_skybox(imgs_per_model)
    slot = 0 if index < its - 1 else 1 + (index - (its - 1)) // its
    return slot % NUM_SKIES


class ModelDraws:
    """The per-model random draws: the skybox order and the mode-2 material draws."""

    def __init__(self, seed: int, tuple_str: str, class_name: str, model_name: str):
        rng = model_rng(seed, tuple_str, class_name, model_name)
        self.hdri_order: tuple[int, ...] = tuple(int(i) for i in rng.permutation(NUM_SKIES))
        self.material_draws: tuple[float, ...] = tuple(float(u) for u in rng.random(NUM_MATERIAL_SLOTS))


def sample_image_spec(params: GenParams, seed: int, class_name: str, model_name: str, index: int,
                      imgs_per_model: int, model_draws: ModelDraws | None = None) -> ImageSpec:
    """The spec of image ``index`` of one model; ``model_draws`` may be passed to skip recomputing them."""
    if not 0 <= index < imgs_per_model:
        raise ValueError(f'image index {index} is out of range; allowed: 0..{imgs_per_model - 1}')
    tuple_str = params.get_tuple_str()
    if model_draws is None:
        model_draws = ModelDraws(seed, tuple_str, class_name, model_name)
    rng = image_rng(seed, tuple_str, class_name, model_name, index)

    # Fixed draw order; every draw happens whatever the field values.
    rot = rng.uniform(-MAX_ROT_ANGLE, MAX_ROT_ANGLE, size=3)
    dist = rng.uniform(MIN_DIST, MAX_DIST)
    look = rng.normal(size=3)
    cam_yaw, cam_pitch = rng.uniform(-MAX_CAM_JITTER, MAX_CAM_JITTER, size=2)
    sun_yaw, sun_pitch = rng.uniform(0.0, 360.0, size=2)
    color = rng.uniform(*SUN_COLOR_RANGE, size=3)
    intensity = rng.uniform(-MAX_LIGHT_INTENSITY_VAR, MAX_LIGHT_INTENSITY_VAR)
    blur_u = rng.random()
    focus = rng.uniform(*FOCUS_OFFSET_RANGE)
    aperture = rng.uniform(*APERTURE_RANGE)
    image_materials = rng.random(NUM_MATERIAL_SLOTS)

    fields: dict = {}
    if params.pose_rot:
        fields['obj_rotation'] = tuple(float(a) for a in rot)
    if params.pose_scale:
        fields['distance_factor'] = float(dist)
    if params.backgr:
        fields['look_dir'] = tuple(float(v) for v in look / np.linalg.norm(look))
        fields['sky_index'] = model_draws.hdri_order[skybox_slot(index, imgs_per_model)]
    else:
        fields['sky_index'] = FIXED_SKY_INDEX
    if params.pose_cam:
        fields['cam_yaw'], fields['cam_pitch'] = float(cam_yaw), float(cam_pitch)
    if params.lighting_dir:
        fields['sun_yaw'], fields['sun_pitch'] = float(sun_yaw), float(sun_pitch)
    if params.lighting_color:
        fields['sun_color'] = tuple(float(c) for c in color)
    if params.lighting_intensity:
        fields['intensity_offset'] = float(intensity)
    if params.blur and blur_u < BLUR_PROB:
        fields.update(blurred=True, focus_offset=float(focus), aperture=float(aperture))
    fields['material_mode'] = int(params.materials)
    if params.materials == 2:
        fields['material_draws'] = model_draws.material_draws
    elif params.materials == 3:
        fields['material_draws'] = tuple(float(u) for u in image_materials)
    return ImageSpec(class_name=class_name, model_name=model_name, index=int(index), **fields)


def sample_model_specs(params: GenParams, seed: int, class_name: str, model_name: str,
                       imgs_per_model: int) -> list[ImageSpec]:
    """All specs of one model, in index order."""
    draws = ModelDraws(seed, params.get_tuple_str(), class_name, model_name)
    return [sample_image_spec(params, seed, class_name, model_name, i, imgs_per_model, draws)
            for i in range(imgs_per_model)]

