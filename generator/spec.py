"""ImageSpec: a renderer-agnostic description of one synthetic image.

A spec is a pure function of ``(seed, tuple_str, class, model, image index)`` (see
``generator/sampling.py``); every backend (embedded OpenGL, ThreeDWorld) draws the same spec.
Conventions (Unity-like, as TDW): y is up, angles are in degrees.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

NUM_SKIES = 43          # outdoor skyboxes the original cycles through (TDW filter: exterior, sun elevation >= 120)
NUM_MATERIAL_SLOTS = 16  # material draws carried per spec; a backend uses as many as its model has slots
SHARP_APERTURE = 70.0    # the original's "everything in focus" aperture


@dataclass(frozen=True)
class ImageSpec:
    """Everything a renderer needs to draw one image; defaults are the "field off" values."""

    class_name: str
    model_name: str
    index: int
    # pose_rot: rotation about world axes applied as pitch (x), then yaw (y), then roll (z).
    obj_rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # pose_scale: the object moves to avatar + distance_factor * (initial position - avatar).
    distance_factor: float = 1.0
    # backgr: unit vector the camera turns to, with the object parented to it (framing kept); None = no turn.
    look_dir: tuple[float, float, float] | None = None
    # pose_cam: camera yaw then pitch jitter applied after the look-at (pitch applied first, then yaw).
    cam_yaw: float = 0.0
    cam_pitch: float = 0.0
    # lighting_dir: sun rotation by yaw then pitch relative to the environment's own sun direction.
    sun_yaw: float = 0.0
    sun_pitch: float = 0.0
    # lighting_color: sun colour (linear RGB multipliers); None = the environment's own colour.
    sun_color: tuple[float, float, float] | None = None
    # lighting_intensity: additive offset to the environment's base sun intensity.
    intensity_offset: float = 0.0
    # blur: focus distance = camera-object distance + focus_offset; aperture 70 means all sharp.
    blurred: bool = False
    focus_offset: float = 0.0
    aperture: float = SHARP_APERTURE
    # backgr: index into the environment bank (0..NUM_SKIES-1); the fixed sky when backgr=0.
    sky_index: int = 0
    # materials: 0 one material everywhere, 1 natural, 2 random per model, 3 random per image.
    material_mode: int = 1
    # For modes 2/3: one uniform draw in [0, 1) per material slot; a backend maps u -> floor(u * bank size).
    material_draws: tuple[float, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)
