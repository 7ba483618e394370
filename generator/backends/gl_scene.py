"""Scene layout of the embedded renderer: the original's placement, framing and per-image pose rules.

Pure numpy (no GL), so the geometry is testable alone. Conventions as TDW (y up, metres, degrees);
the camera looks along its local -z (OpenGL), which mirrors Unity's left-handed frame - harmless
for the images' statistics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.spec import ImageSpec

AVATAR = np.array([1.0, 1.5, 1.8])  # the original's default avatar position
ROOM = (10.0, 4.5, 10.0)            # w, h, l of the scene region when none is reported (the original's fallback)
FOV_Y = 60.0
NEAR, FAR = 0.01, 160.0             # the original's camera clipping planes
SENSOR_HEIGHT = 0.024               # Unity's sensor height (m): CoC in metres -> share of the image height
DOF_FOCAL_LENGTH = 0.05             # Unity post-processing v2 depth of field: default focal length 50 mm
DOF_MAX_COC = 10 / 256              # PPv2 "medium" kernel: max CoC radius 10 px (at TDW's 256 px screen)
# Our meshes are unit-size; the original's unit-size TDW models fill ~40 % of the frame height at the default
# pose. Scaling by 1.4 makes the largest side span ~57 % (thin and elongated shapes stay readable at 64 px).
FRAME_SCALE = 1.4


@dataclass
class Placement:
    """A model's initial pose: uniform scale of the unit mesh and world position of its pivot (bottom centre)."""

    scale: float
    position: np.ndarray   # (3,)
    centre_local: np.ndarray  # bounding-box centre of the unit mesh, model units (3,)

    @property
    def centre(self) -> np.ndarray:
        return self.position + self.scale * self.centre_local


def rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def axis_angle(axis: np.ndarray, deg: float) -> np.ndarray:
    axis = axis / (np.linalg.norm(axis) + 1e-12)
    a = np.radians(deg)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * (k @ k)


def look_rotation(direction: np.ndarray) -> np.ndarray:
    """Camera-to-world rotation (columns right, up, back) looking along ``direction`` with world y up."""
    f = np.asarray(direction, np.float64)
    f = f / (np.linalg.norm(f) + 1e-12)
    up = np.array([0.0, 1.0, 0.0])
    if abs(f[1]) > 0.999:  # looking straight up or down: any horizontal right axis will do
        up = np.array([0.0, 0.0, -1.0 if f[1] > 0 else 1.0])
    right = np.cross(f, up)
    right /= np.linalg.norm(right)
    true_up = np.cross(right, f)
    return np.column_stack([right, true_up, -f])


def initial_placement(lo: np.ndarray, hi: np.ndarray, frame_scale: float = FRAME_SCALE) -> Placement:
    """The original's scale normalisation (max clamp, min clamp) and re-centring, for a mesh with bounds lo..hi
    whose pivot is at the origin (our meshes: bottom centre), starting from ``frame_scale``."""
    w, h, l = ROOM
    ext = hi - lo
    scale = frame_scale
    big = max(2 * ext[0] / w, ext[1] / (0.9 * h), 2 * ext[2] / l)
    if big > 1:
        scale /= big
    small = max(10 * 2 * ext[0] * scale / w, 5 * ext[1] * scale / (0.9 * h), 10 * 2 * ext[2] * scale / l)
    if small < 1:
        scale /= small
    centre_local = (lo + hi) / 2
    return Placement(scale, recentre(scale, lo, hi), centre_local)


def recentre(scale: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Pivot position putting the centroid at 1 m, the bottom never below the floor, the centroid at most 2.5 m."""
    cy, by = scale * (lo[1] + hi[1]) / 2, scale * lo[1]
    y = min(max(1.0 - cy, -by), 2.5 - cy)
    return np.array([0.0, y, 0.0])


@dataclass
class Pose:
    """Everything the renderer needs about one image's geometry."""

    model: np.ndarray      # 4x4 model matrix (unit mesh -> world)
    cam_rot: np.ndarray    # 3x3 camera-to-world rotation
    cam_pos: np.ndarray    # (3,)
    centre: np.ndarray     # object bounding-box centre, world
    distance: float        # camera to object centre (m)


def image_pose(spec: ImageSpec, place: Placement) -> Pose:
    """Apply the spec's pose fields in the original's order: rotation, distance, look direction, camera jitter."""
    s, c_local = place.scale, place.centre_local
    pitch, yaw, roll = spec.obj_rotation
    rot = rot_z(roll) @ rot_y(yaw) @ rot_x(pitch)   # pitch first, then yaw, then roll, about world axes
    # pose_scale: the object centre moves along the camera ray
    centre = AVATAR + spec.distance_factor * (place.centre - AVATAR)
    cam_rot = look_rotation(centre - AVATAR)
    lin = rot * s
    model = np.eye(4)
    model[:3, :3] = lin
    model[:3, 3] = centre - lin @ c_local
    if spec.look_dir is not None:
        # backgr: the object is parented to the camera while it turns, so the framing is kept
        new_rot = look_rotation(np.asarray(spec.look_dir, np.float64))
        turn = new_rot @ cam_rot.T
        rigid = np.eye(4)
        rigid[:3, :3] = turn
        rigid[:3, 3] = AVATAR - turn @ AVATAR
        model = rigid @ model
        centre = rigid[:3, :3] @ centre + rigid[:3, 3]
        cam_rot = new_rot
    if spec.cam_pitch or spec.cam_yaw:
        cam_rot = cam_rot @ rot_x(spec.cam_pitch) @ rot_y(spec.cam_yaw)
    return Pose(model, cam_rot, AVATAR.copy(), centre, float(np.linalg.norm(centre - AVATAR)))


def view_matrix(cam_rot: np.ndarray, cam_pos: np.ndarray) -> np.ndarray:
    v = np.eye(4)
    v[:3, :3] = cam_rot.T
    v[:3, 3] = -cam_rot.T @ cam_pos
    return v


def perspective(fov_y: float, aspect: float, near: float = NEAR, far: float = FAR) -> np.ndarray:
    f = 1.0 / np.tan(np.radians(fov_y) / 2)
    p = np.zeros((4, 4))
    p[0, 0], p[1, 1] = f / aspect, f
    p[2, 2] = (far + near) / (near - far)
    p[2, 3] = 2 * far * near / (near - far)
    p[3, 2] = -1.0
    return p


def sun_direction(base: np.ndarray, yaw: float, pitch: float) -> np.ndarray:
    """Rotate the light (travelling along -base) by yaw about world y, then pitch about its own right axis."""
    f = -np.asarray(base, np.float64)
    f = rot_y(yaw) @ f
    right = np.cross(f, [0.0, 1.0, 0.0])
    if np.linalg.norm(right) < 1e-6:
        right = np.array([1.0, 0.0, 0.0])
    f = axis_angle(right, pitch) @ f
    return -f / np.linalg.norm(f)


def light_matrix(sun: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Orthographic view-projection of the sun fitted around a sphere (centre, radius)."""
    rot = look_rotation(-sun)
    eye = centre + sun * (2 * radius + 0.1)
    view = view_matrix(rot, eye)
    r = radius * 1.05
    near, far = 0.05, 4 * radius + 0.2
    proj = np.eye(4)
    proj[0, 0] = proj[1, 1] = 1.0 / r
    proj[2, 2] = -2.0 / (far - near)
    proj[2, 3] = -(far + near) / (far - near)
    return proj @ view


def coc_radius_factor(aperture: float, focus: float, height_px: int, f: float = DOF_FOCAL_LENGTH) -> float:
    """k such that the circle-of-confusion radius in pixels is k * |z - focus| / z (thin lens, f-number
    ``aperture``, focal length ``f`` as Unity's post-processing depth of field, which TDW drives)."""
    focus = max(focus, f * 1.5)
    diameter_m = f * f / (aperture * (focus - f))  # times |z - focus| / z
    return 0.5 * diameter_m / SENSOR_HEIGHT * height_px
