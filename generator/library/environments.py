"""Environments: 43 procedural outdoor skies (the analogue of the original's 43 HDRI skyboxes) or a folder
of the user's own panoramas, each with a sun (direction, colour, intensity) and spherical-harmonics
irradiance so the object's ambient light agrees with the visible sky.

Panoramas are equirectangular, linear RGB, row 0 = straight up, column 0 = azimuth -180 deg.
Direction of pixel (elevation e, azimuth a): (cos e sin a, sin e, -cos e cos a) (y up, -z = azimuth 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from functools import lru_cache

import numpy as np

from common.errors import UserError
from generator.library.noise import fbm, noise1d, sample_wrap
from generator.spec import NUM_SKIES

PANORAMA_EXTENSIONS = ('.hdr', '.exr', '.jpg', '.jpeg', '.png')
PANO_WIDTH = 768


@dataclass
class Environment:
    name: str
    pano: np.ndarray         # (H, W, 3) float32 linear radiance, display-referred (sky ~0.3..1)
    sh: np.ndarray           # (9, 3) float32: diffuse radiance SH coefficients (irradiance / pi)
    sun_dir: np.ndarray      # (3,) unit vector towards the sun
    sun_color: np.ndarray    # (3,) linear RGB, max component 1
    sun_intensity: float     # base intensity (TDW-like units, ~1)


@lru_cache(maxsize=4)
def directions(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel (elevation, azimuth) in radians and unit direction (h, w, 3) of an equirect panorama
    (float32, read-only, memoized: a pure function of the size)."""
    el = ((0.5 - (np.arange(h) + 0.5) / h) * np.pi).astype(np.float32)
    az = (((np.arange(w) + 0.5) / w - 0.5) * 2 * np.pi).astype(np.float32)
    E, A = np.meshgrid(el, az, indexing='ij')
    d = np.stack([np.cos(E) * np.sin(A), np.sin(E), -np.cos(E) * np.cos(A)], -1)
    for a in (E, A, d):
        a.flags.writeable = False
    return E, A, d


def sh_basis(d: np.ndarray) -> np.ndarray:
    """Real SH basis up to l=2 for unit directions (..., 3) -> (..., 9)."""
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return np.stack([
        0.282095 * np.ones_like(x),
        0.488603 * y, 0.488603 * z, 0.488603 * x,
        1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1),
        1.092548 * x * z, 0.546274 * (x * x - y * y)], -1)


def sh_irradiance(pano: np.ndarray) -> np.ndarray:
    """Project a panorama onto SH and convolve with the clamped cosine: (9, 3) coefficients of E(n)/pi."""
    h, w = pano.shape[:2]
    k = 4 if h % 4 == 0 and w % 4 == 0 else 1   # low-order SH need little resolution: 4x4 box-average first
    if k > 1:
        pano = pano.reshape(h // k, k, w // k, k, -1).mean((1, 3))
        h, w = h // k, w // k
    E, _, d = directions(h, w)
    dw = np.cos(E) * (np.pi / h) * (2 * np.pi / w)
    basis = sh_basis(d)
    coeffs = np.einsum('hwk,hwc,hw->kc', basis, pano.astype(np.float64), dw)
    band = np.array([np.pi] + [2 * np.pi / 3] * 3 + [np.pi / 4] * 5)
    return (coeffs * band[:, None] / np.pi).astype(np.float32)


def _rgb(c) -> np.ndarray:
    return np.asarray(c, np.float32)


# Sky looks (zenith, horizon, haze strength, cloud coverage range, sun warmth, base intensity).
_SKY_LOOKS = [
    ('clear', (0.10, 0.24, 0.62), (0.55, 0.66, 0.82), (0.0, 0.25), 0.0, 1.3),
    ('hazy', (0.28, 0.40, 0.62), (0.75, 0.78, 0.80), (0.0, 0.3), 0.1, 1.1),
    ('cumulus', (0.12, 0.28, 0.66), (0.58, 0.68, 0.82), (0.35, 0.6), 0.0, 1.2),
    ('overcast', (0.50, 0.53, 0.58), (0.70, 0.72, 0.74), (0.75, 0.95), 0.0, 0.7),
    ('golden', (0.18, 0.26, 0.50), (0.95, 0.70, 0.45), (0.1, 0.45), 0.6, 1.0),
    ('deep_blue', (0.05, 0.15, 0.50), (0.45, 0.60, 0.85), (0.0, 0.2), 0.0, 1.4),
]
# Ground looks: (name, base colour, second colour, texture frequency).
_GROUNDS = [
    ('grass', (0.16, 0.26, 0.08), (0.26, 0.34, 0.12)),
    ('dry_grass', (0.40, 0.34, 0.18), (0.30, 0.28, 0.14)),
    ('sand', (0.62, 0.52, 0.36), (0.52, 0.42, 0.28)),
    ('snow', (0.80, 0.82, 0.86), (0.66, 0.70, 0.78)),
    ('rock', (0.30, 0.28, 0.26), (0.20, 0.19, 0.18)),
    ('soil', (0.30, 0.21, 0.13), (0.22, 0.15, 0.09)),
    ('water', (0.08, 0.16, 0.22), (0.14, 0.24, 0.30)),
]
_RELIEFS = ['mountains', 'hills', 'forest', 'flat', 'mesas', 'dunes']


def procedural_environment(index: int, width: int = PANO_WIDTH) -> Environment:
    """Built-in sky number ``index`` (0..NUM_SKIES-1), made deterministically from its index."""
    rng = np.random.default_rng([9001, index])
    look = _SKY_LOOKS[index % len(_SKY_LOOKS)]
    gname, g0, g1 = _GROUNDS[(index * 5 + 1) % len(_GROUNDS)]
    relief = _RELIEFS[(index * 7 + 2) % len(_RELIEFS)]
    name = f'sky_{index:02d}_{look[0]}_{relief}_{gname}'
    h = width // 2
    E, A, d = directions(h, width)
    jitter = lambda c, s=0.06: np.clip(_rgb(c) * (1 + rng.uniform(-s, s, 3)), 0, 2)  # noqa: E731
    zenith, horizon = jitter(look[1]), jitter(look[2])
    sun_el = np.radians(rng.uniform(12, 25) if look[0] == 'golden' else rng.uniform(28, 68))
    sun_az = rng.uniform(-np.pi, np.pi)
    sun_dir = np.array([np.cos(sun_el) * np.sin(sun_az), np.sin(sun_el), -np.cos(sun_el) * np.cos(sun_az)])
    warm = look[4] + rng.uniform(0, 0.15)
    sun_color = np.array([1.0, 1.0 - 0.25 * warm, 1.0 - 0.55 * warm])
    sun_color /= sun_color.max()

    # sky: gradient by elevation, brighter around the sun
    up = np.clip(d[..., 1], 0, 1)[..., None]
    t = up ** 0.45
    sky = horizon * (1 - t) + zenith * t
    cos_sun = np.clip((d * sun_dir).sum(-1), -1, 1)[..., None]
    sky = sky + 0.25 * sun_color * np.clip(cos_sun, 0, 1) ** 8 + 0.6 * sun_color * np.clip(cos_sun, 0, 1) ** 200
    # clouds on a plane 1 unit above the camera, fading towards the horizon
    cover = rng.uniform(*look[3])
    if cover > 0.02:
        cloud_tex = fbm(rng, 256, 256, 2.6, 2)
        dy = np.maximum(d[..., 1], 0.02)
        u = d[..., 0] / dy * 40 + 1000
        v = d[..., 2] / dy * 40 + 1000
        n = sample_wrap(cloud_tex, u, v)
        dens = np.clip((n - (1 - cover)) / 0.18, 0, 1) * np.clip(d[..., 1] * 6, 0, 1)
        shade = 0.72 + 0.35 * np.clip(cos_sun[..., 0], 0, 1) ** 2
        cloud_col = np.array([0.92, 0.93, 0.95]) * (0.8 + 0.4 * (look[5] / 1.4))
        sky = sky * (1 - dens[..., None]) + (cloud_col * shade[..., None]) * dens[..., None]

    # ground: a textured plane below the horizon, hazing into the horizon colour
    gt = fbm(rng, 256, 256, 2.2, 2)
    dyn = np.minimum(d[..., 1], -0.01)
    gu = d[..., 0] / -dyn * 60 + 500
    gv = d[..., 2] / -dyn * 60 + 500
    gn = sample_wrap(gt, gu, gv)[..., None]
    ground_lit = 0.55 + 0.6 * np.sin(sun_el)
    ground = (_rgb(g0) * (1 - gn) + _rgb(g1) * gn) * ground_lit * sun_color ** 0.5
    if gname == 'water':
        refl = horizon * (1 - np.clip(-d[..., 1], 0, 1) ** 0.5)[..., None]
        ground = 0.6 * ground + 0.5 * refl
    haze = np.exp(-np.clip(-d[..., 1], 0, 1) * 9)[..., None]
    ground = ground * (1 - haze) + horizon * 0.85 * haze
    img = np.where(d[..., 1:2] >= 0, sky, ground)

    # horizon relief: silhouettes above the horizon, up to three layers with aerial perspective
    if relief != 'flat':
        layers = {'mountains': 3, 'hills': 2, 'forest': 2, 'mesas': 2, 'dunes': 2}[relief]
        el_deg = np.degrees(E)
        for layer in range(layers):
            far = (layers - 1 - layer) / max(1, layers - 1)  # 1 = farthest
            prof = noise1d(rng, width, 2.0 if relief != 'forest' else 1.4, 2)
            if relief == 'mountains':
                height = 2 + 14 * prof ** 1.3 * (0.6 + 0.4 * far)
            elif relief == 'hills':
                height = 1 + 6 * prof
            elif relief == 'forest':
                height = 1.5 + 3 * prof + 2.5 * noise1d(rng, width, 0.5, 60)
            elif relief == 'mesas':
                height = 1 + 9 * (prof > 0.55) * (0.8 + 0.2 * prof)
            else:
                height = 0.5 + 3 * prof
            mask = (el_deg >= -0.5) & (el_deg < height[None, :])
            base = {'mountains': (0.22, 0.25, 0.30), 'hills': (0.16, 0.24, 0.10),
                    'forest': (0.06, 0.12, 0.05), 'mesas': (0.45, 0.26, 0.16),
                    'dunes': (0.60, 0.48, 0.32)}[relief]
            shade = 0.85 + 0.3 * noise1d(rng, width, 1.5, 30)[None, :]
            col = _rgb(base) * ground_lit * shade[..., None] * np.ones_like(img)
            if relief == 'mountains' and look[0] != 'golden':
                snowline = height[None, :] * 0.75
                snow = (el_deg > snowline) & (height[None, :] > 9)
                col = np.where(snow[..., None], np.array([0.85, 0.87, 0.9]) * ground_lit, col)
            aerial = 0.25 + 0.6 * far
            col = col * (1 - aerial) + horizon * aerial
            img = np.where(mask[..., None], col, img)
    sun_intensity = float(look[5] * rng.uniform(0.9, 1.1))
    sh = sh_irradiance(img)  # the sun disk is not in the panorama: the sun is the directional light
    # visible sun disk
    disk = np.clip((cos_sun[..., 0] - np.cos(np.radians(1.2))) / 1e-4, 0, 1)[..., None]
    img = img * (1 - disk) + sun_color * 6.0 * disk
    return Environment(name, img.astype(np.float32), sh, sun_dir.astype(np.float32),
                       sun_color.astype(np.float32), sun_intensity)


def cube_directions(face: int) -> np.ndarray:
    """Unit directions (6, F, F, 3) of the texels of an OpenGL cube map (+X, -X, +Y, -Y, +Z, -Z; row 0 = t 0)."""
    c = (np.arange(face, dtype=np.float32) + 0.5) / face * 2 - 1
    tc, sc = np.meshgrid(c, c, indexing='ij')
    one = np.ones_like(sc)
    faces = [(one, -tc, -sc), (-one, -tc, sc), (sc, one, tc), (sc, -one, -tc), (sc, -tc, one), (-sc, -tc, -one)]
    d = np.stack([np.stack(f, -1) for f in faces])
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def equirect_to_cube(pano: np.ndarray, face: int) -> np.ndarray:
    """Resample an equirectangular panorama (h, w, 3) onto cube-map faces (6, face, face, 3), bilinear."""
    h, w = pano.shape[:2]
    d = cube_directions(face)
    u = (np.arctan2(d[..., 0], -d[..., 2]) / (2 * np.pi) + 0.5) * w - 0.5
    v = np.clip(np.arccos(np.clip(d[..., 1], -1, 1)) / np.pi * h - 0.5, 0, h - 1.001)
    return sample_wrap(pano, u, v).astype(np.float32)


# ---------------------------------------------------------------- user panoramas

def read_hdr(path: Path) -> np.ndarray:
    """Read a Radiance RGBE (.hdr) file to float32 (h, w, 3) linear RGB."""
    data = path.read_bytes()
    pos = 0
    size_line = None
    while pos < len(data):
        end = data.index(b'\n', pos)
        line = data[pos:end].strip()
        pos = end + 1
        if line.startswith((b'-Y', b'+Y')):
            size_line = line
            break
    if size_line is None:
        raise UserError(f'panorama {path} is not a readable Radiance .hdr file (no resolution line)')
    parts = size_line.split()
    h, w = int(parts[1]), int(parts[3])
    out = np.zeros((h, w, 4), np.uint8)
    buf = memoryview(data)
    for y in range(h):
        if w >= 8 and w < 32768 and buf[pos] == 2 and buf[pos + 1] == 2 and buf[pos + 2] < 128:
            pos += 4
            for c in range(4):
                x = 0
                while x < w:
                    count = buf[pos]
                    pos += 1
                    if count > 128:
                        count -= 128
                        out[y, x:x + count, c] = buf[pos]
                        pos += 1
                    else:
                        out[y, x:x + count, c] = np.frombuffer(buf[pos:pos + count], np.uint8)
                        pos += count
                    x += count
        else:  # flat (uncompressed) scanline
            out[y] = np.frombuffer(buf[pos:pos + 4 * w], np.uint8).reshape(w, 4)
            pos += 4 * w
    e = out[..., 3].astype(np.int32)
    scale = np.where(e > 0, np.ldexp(1.0, e - 136), 0.0)
    img = out[..., :3].astype(np.float32) * scale[..., None].astype(np.float32)
    if size_line.startswith(b'+Y'):
        img = img[::-1]
    return img


def _read_panorama(path: Path) -> np.ndarray:
    ext = path.suffix.lower()
    if ext == '.hdr':
        return read_hdr(path)
    if ext == '.exr':
        try:
            import imageio.v3 as iio
            return np.asarray(iio.imread(path), np.float32)[..., :3]
        except Exception as e:  # no EXR plugin installed
            raise UserError(f'cannot read OpenEXR panorama {path} ({e}); convert it to .hdr, or install an '
                            f'imageio EXR plugin') from None
    from PIL import Image
    with Image.open(path) as im:
        srgb = np.asarray(im.convert('RGB'), np.float32) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def panorama_environment(path: Path, width: int = PANO_WIDTH) -> Environment:
    """An Environment from a user's equirectangular panorama (HDR or LDR); the sun is its brightest spot."""
    from PIL import Image
    img = _read_panorama(path)
    if img.ndim != 3 or img.shape[0] < 8 or img.shape[1] < 16:
        raise UserError(f'panorama {path} has shape {img.shape}; expected an equirectangular RGB image')
    img = np.nan_to_num(np.maximum(img, 0))
    # resize (per channel, float) to width x width/2
    h = width // 2
    img = np.stack([np.asarray(Image.fromarray(img[..., c]).resize((width, h), Image.BILINEAR))
                    for c in range(3)], -1)
    lum = img @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    E, _, d = directions(h, width)
    img = img * (0.45 / (float(np.median(lum)) + 1e-6))  # exposure: median sky/ground ~0.45
    lum = img @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    k = int(np.argmax(lum * (E > 0)))
    sun_dir = d.reshape(-1, 3)[k].astype(np.float32)
    if sun_dir[1] < 0.15:  # no clear sun above the horizon: light from 45 deg up towards the brightest azimuth
        sun_dir = np.array([sun_dir[0], 0.0, sun_dir[2]], np.float32)
        sun_dir = sun_dir / (np.linalg.norm(sun_dir) + 1e-6) * np.cos(np.pi / 4)
        sun_dir[1] = np.sin(np.pi / 4)
    clipped = np.minimum(img, 4.0)  # the sun itself comes from the directional light
    return Environment(path.stem, img.astype(np.float32), sh_irradiance(clipped), sun_dir,
                       np.ones(3, np.float32), 1.0)


class EnvironmentBank:
    """NUM_SKIES environments by index: the built-in procedural skies, or the panoramas in ``env_dir``
    (sorted by file name; sky index i uses file i mod n). Environments are made on first use and cached."""

    def __init__(self, env_dir: str | Path | None = None, width: int = PANO_WIDTH):
        self.width = width
        self.files: list[Path] = []
        if env_dir is not None:
            root = Path(env_dir)
            if not root.is_dir():
                raise UserError(f'environment folder {str(root)!r} does not exist or is not a folder')
            self.files = sorted(p for p in root.iterdir() if p.suffix.lower() in PANORAMA_EXTENSIONS)
            if not self.files:
                raise UserError(f'environment folder {str(root)!r} holds no panoramas; allowed extensions: '
                                f'{", ".join(PANORAMA_EXTENSIONS)}')
        self._cache: dict[int, Environment] = {}

    def __len__(self) -> int:
        return NUM_SKIES

    def get(self, index: int) -> Environment:
        if not 0 <= index < NUM_SKIES:
            raise ValueError(f'sky index {index} is out of range; allowed: 0..{NUM_SKIES - 1}')
        if self.files:
            index = index % len(self.files)
        if index not in self._cache:
            if self.files:
                self._cache[index] = panorama_environment(self.files[index], self.width)
            else:
                self._cache[index] = procedural_environment(index, self.width)
        return self._cache[index]
