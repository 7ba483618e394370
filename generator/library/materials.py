"""The material bank: >=100 metallic-roughness materials with procedural, tileable albedo textures.

The analogue of the 141-material subset the original draws from (``material_subset.txt``): the bank has
exactly 141 entries, the first ones named after the natural materials the procedural shape programs use,
the rest seeded variations of pattern families (noise, stripes, checks, wood, marble, bricks, fabric,
tiles, dots, plaid, camouflage, brushed metal, terrazzo, ...). Index 0 is ``cotton_natural_rough``, the
"single" material of materials mode 0, as in the original.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from generator.library.noise import band_noise, fbm

BANK_SIZE = 141
TEXTURE_SIZE = 128
SINGLE_MATERIAL = 'cotton_natural_rough'


@dataclass(frozen=True)
class Material:
    """One bank entry: pattern family, sRGB colours (hex), texture repeats per unit, roughness, metallic."""

    name: str
    pattern: str
    colors: tuple[str, ...]
    scale: float = 2.0
    roughness: float = 0.6
    metallic: float = 0.0
    params: dict = field(default_factory=dict, hash=False, compare=False)


# Natural materials the shape programs refer to (name, pattern, colours, scale, roughness, metallic).
_NATURAL = [
    (SINGLE_MATERIAL, 'fabric', ('d9cdb4', 'bfb295'), 6, 0.95, 0.0),
    ('wood_light', 'wood', ('d8b07a', 'b58650'), 2, 0.6, 0.0),
    ('wood_dark', 'wood', ('6b4326', '4a2c17'), 2, 0.55, 0.0),
    ('wood_oak', 'wood', ('b98a55', '8c6136'), 3, 0.6, 0.0),
    ('wood_painted_white', 'noise', ('eeeae2', 'd8d3c8'), 2, 0.5, 0.0),
    ('metal_steel', 'brushed', ('b8bcc2', '9aa0a8'), 3, 0.35, 1.0),
    ('metal_chrome', 'plain', ('e8eaee', 'dadde2'), 1, 0.12, 1.0),
    ('metal_dark', 'brushed', ('4a4d52', '3a3c40'), 3, 0.4, 1.0),
    ('metal_black', 'plain', ('1e1f22', '2a2b2e'), 1, 0.45, 0.6),
    ('gold', 'plain', ('f2c64f', 'e0b040'), 1, 0.25, 1.0),
    ('brass', 'brushed', ('c9a24e', 'b08a3a'), 3, 0.35, 1.0),
    ('copper', 'brushed', ('d4845a', 'b86c45'), 3, 0.3, 1.0),
    ('aluminium', 'brushed', ('c8cacd', 'b4b7bb'), 4, 0.4, 1.0),
    ('rust', 'mottled', ('8a4a25', '5e3018', 'a8683c'), 2, 0.9, 0.3),
    ('ceramic_white', 'plain', ('f4f2ee', 'ecebe6'), 1, 0.2, 0.0),
    ('ceramic_blue', 'plain', ('3d6cb0', '35609e'), 1, 0.2, 0.0),
    ('ceramic_green', 'plain', ('5c8f6a', '52805f'), 1, 0.2, 0.0),
    ('porcelain_pattern', 'dots', ('f4f2ee', '2f5aa0'), 4, 0.2, 0.0),
    ('terracotta', 'mottled', ('b85c38', 'a34f2e', 'c46a45'), 2, 0.85, 0.0),
    ('glass', 'plain', ('a9c9d4', '98bcc8'), 1, 0.05, 0.6),
    ('glass_green', 'plain', ('4f8a5a', '457c50'), 1, 0.05, 0.5),
    ('glass_brown', 'plain', ('6b3f1f', '5c3519'), 1, 0.05, 0.5),
    ('plastic_red', 'plain', ('c8282a', 'b82426'), 1, 0.35, 0.0),
    ('plastic_blue', 'plain', ('2456b8', '204ea8'), 1, 0.35, 0.0),
    ('plastic_yellow', 'plain', ('f0c419', 'e0b614'), 1, 0.35, 0.0),
    ('plastic_green', 'plain', ('2f9e48', '2a8f41'), 1, 0.35, 0.0),
    ('plastic_white', 'plain', ('f0f0f0', 'e6e6e6'), 1, 0.35, 0.0),
    ('plastic_black', 'plain', ('1c1c1e', '242426'), 1, 0.35, 0.0),
    ('plastic_orange', 'plain', ('f07818', 'e06c12'), 1, 0.35, 0.0),
    ('plastic_grey', 'plain', ('8c8e92', '808286'), 1, 0.4, 0.0),
    ('plastic_pink', 'plain', ('f08cb4', 'e07ea6'), 1, 0.35, 0.0),
    ('plastic_purple', 'plain', ('7a4cb0', '6e44a0'), 1, 0.35, 0.0),
    ('rubber_black', 'noise', ('202022', '2c2c2e'), 4, 0.9, 0.0),
    ('leather_brown', 'leather', ('7a4a2a', '5e3820'), 4, 0.6, 0.0),
    ('leather_black', 'leather', ('2a2624', '1c1a18'), 4, 0.55, 0.0),
    ('fabric_red', 'fabric', ('b03030', '902424'), 8, 0.95, 0.0),
    ('fabric_blue', 'fabric', ('3050a0', '26408a'), 8, 0.95, 0.0),
    ('fabric_grey', 'fabric', ('8a8a8e', '707074'), 8, 0.95, 0.0),
    ('fabric_green', 'fabric', ('4a7a40', '3c6634'), 8, 0.95, 0.0),
    ('fabric_plaid', 'plaid', ('a02828', '1e3050', 'e0c050'), 2, 0.95, 0.0),
    ('denim', 'fabric', ('3a5a8a', '2a4470'), 10, 0.95, 0.0),
    ('paper_white', 'noise', ('f6f4ee', 'ebe8e0'), 4, 0.8, 0.0),
    ('cardboard', 'noise', ('b8946a', 'a6845c'), 3, 0.85, 0.0),
    ('stone_grey', 'mottled', ('8c8a86', '6e6c68', 'a09e98'), 2, 0.85, 0.0),
    ('marble_white', 'marble', ('eeeae6', '8e8c8a'), 1, 0.25, 0.0),
    ('granite', 'speckle', ('9a9490', '3a3634', 'd8d2cc'), 3, 0.5, 0.0),
    ('brick_red', 'bricks', ('a8472e', 'd8d0c4'), 2, 0.9, 0.0),
    ('concrete', 'mottled', ('a8a6a0', '94928c', 'b8b6b0'), 2, 0.9, 0.0),
    ('foliage_green', 'mottled', ('3f7a2a', '2c5e1e', '5a9a3a'), 3, 0.8, 0.0),
    ('bark_brown', 'wood', ('5a4030', '3e2a1e'), 5, 0.9, 0.0),
    ('fruit_red', 'noise', ('c0201c', 'a81a18'), 2, 0.4, 0.0),
    ('fruit_yellow', 'noise', ('f2d23c', 'e0be30'), 2, 0.45, 0.0),
    ('fruit_orange', 'speckle', ('f08a1c', 'd87812', 'f8a040'), 4, 0.55, 0.0),
    ('fruit_green', 'noise', ('8cc040', '78aa34'), 2, 0.45, 0.0),
    ('bread_crust', 'mottled', ('c4863e', 'a86a2c', 'd89c54'), 3, 0.85, 0.0),
    ('chocolate', 'noise', ('4a2a18', '3c2212'), 2, 0.5, 0.0),
    ('cream', 'noise', ('f4ead0', 'e8dcc0'), 2, 0.6, 0.0),
    ('wax_white', 'noise', ('f2eee2', 'e4dfd0'), 2, 0.45, 0.0),
    ('bone', 'noise', ('e8dcc4', 'd4c8ac'), 2, 0.6, 0.0),
    ('fur_brown', 'fabric', ('8a6040', '6e4a30'), 12, 1.0, 0.0),
    ('felt_green', 'fabric', ('2a6e3a', '225e30'), 10, 1.0, 0.0),
    ('straw', 'stripes', ('d8b860', 'b89840'), 10, 0.9, 0.0),
    ('checker_bw', 'checks', ('f0f0f0', '202020'), 4, 0.4, 0.0),
    ('screen_black', 'plain', ('0c0e12', '121418'), 1, 0.08, 0.3),
    ('tile_white', 'tiles', ('ecece8', 'a0a09c'), 3, 0.3, 0.0),
]

_FAMILIES = ['noise', 'mottled', 'stripes', 'checks', 'wood', 'marble', 'bricks', 'fabric', 'tiles',
             'dots', 'plaid', 'camo', 'brushed', 'speckle', 'leather', 'waves']


def _hex(c: str) -> np.ndarray:
    return np.array([int(c[i:i + 2], 16) / 255.0 for i in (0, 2, 4)])


def _hsv(h: float, s: float, v: float) -> str:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return ''.join(f'{int(round(255 * x)):02x}' for x in (r, g, b))


def _generated(index: int) -> Material:
    """Seeded variation number ``index`` of the pattern families (deterministic)."""
    rng = np.random.default_rng([7013, index])
    family = _FAMILIES[index % len(_FAMILIES)]
    hue = rng.random()
    cols = [_hsv(hue, rng.uniform(0.3, 0.85), rng.uniform(0.45, 0.95))]
    for _ in range(2):
        hue2 = (hue + rng.choice([0.0, 0.08, 0.5, 0.33])) % 1.0
        cols.append(_hsv(hue2, rng.uniform(0.1, 0.8), rng.uniform(0.15, 0.95)))
    metallic = 1.0 if family == 'brushed' else (0.0 if rng.random() < 0.85 else 0.8)
    rough = float(rng.uniform(0.2, 0.9)) if metallic < 0.5 else float(rng.uniform(0.2, 0.5))
    scale = float(rng.choice([1.5, 2.0, 3.0, 4.0, 6.0]))
    return Material(f'{family}_{index:03d}', family, tuple(cols), scale, rough, metallic)


def _pattern(m: Material, rng: np.random.Generator, n: int) -> np.ndarray:
    """sRGB albedo texture (n, n, 3) in [0, 1] for one material (tileable)."""
    c = [_hex(x) for x in m.colors] + [_hex(m.colors[-1])] * (3 - len(m.colors))
    y, x = np.mgrid[0:n, 0:n] / n
    p = m.pattern

    def mix(t):
        t = np.clip(t, 0, 1)[..., None]
        return c[0] * (1 - t) + c[1] * t

    if p == 'plain':
        return mix(0.15 * fbm(rng, n, n, 2.0, 2))
    if p == 'noise':
        return mix(fbm(rng, n, n, 2.2, 2) * 0.9)
    if p == 'mottled':
        a, b = fbm(rng, n, n, 2.4, 2), fbm(rng, n, n, 1.6, 4)
        out = mix(a)
        return np.where((b > 0.62)[..., None], c[2], out)
    if p == 'stripes':
        k = int(rng.integers(3, 9))
        t = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * k * (x + 0.05 * fbm(rng, n, n, 2, 2))))
        return mix(t)
    if p == 'checks':
        k = int(rng.integers(2, 6))
        return mix(((np.floor(x * 2 * k) + np.floor(y * 2 * k)) % 2))
    if p == 'wood':
        turb = fbm(rng, n, n, 2.0, 1)
        rings = np.sin(2 * np.pi * (6 * x + 3.0 * turb)) * 0.5 + 0.5
        grain = band_noise(rng, n, n, 24, 0.4)
        return mix(0.75 * rings ** 2 + 0.25 * grain)
    if p == 'marble':
        turb = fbm(rng, n, n, 2.0, 1)
        v = np.abs(np.sin(2 * np.pi * (x + y + 2.5 * turb)))
        return mix(1 - v ** 0.25)
    if p == 'bricks':
        rows = 8
        r = np.floor(y * rows)
        xs = (x * 4 + 0.5 * (r % 2)) % 1.0
        ys = (y * rows) % 1.0
        mortar = (xs < 0.05) | (ys < 0.1)
        tone = fbm(rng, n, n, 1.8, 2)[..., None] * 0.25 + 0.85
        return np.where(mortar[..., None], c[1], c[0] * tone)
    if p == 'fabric':
        k = 16
        warp = 0.5 + 0.5 * np.sin(2 * np.pi * k * x) * np.sign(np.sin(2 * np.pi * k * y / 2))
        weft = 0.5 + 0.5 * np.sin(2 * np.pi * k * y)
        return mix(0.5 * warp * weft + 0.3 * fbm(rng, n, n, 1.5, 4))
    if p == 'tiles':
        k = int(rng.integers(2, 5))
        g = np.minimum((x * k) % 1.0, (y * k) % 1.0)
        tone = 0.9 + 0.1 * fbm(rng, n, n, 2, 2)[..., None]
        return np.where((g < 0.06)[..., None], c[1], c[0] * tone)
    if p == 'dots':
        k = int(rng.integers(3, 7))
        d = np.hypot((x * k) % 1.0 - 0.5, (y * k) % 1.0 - 0.5)
        return np.where((d < 0.22)[..., None], c[1], c[0])
    if p == 'plaid':
        k = int(rng.integers(2, 5))
        a = (np.sin(2 * np.pi * k * x) > 0.3).astype(float)
        b = (np.sin(2 * np.pi * k * y) > 0.3).astype(float)
        thin = ((np.sin(2 * np.pi * 4 * k * x) > 0.9) | (np.sin(2 * np.pi * 4 * k * y) > 0.9))
        out = c[0] * (1 - 0.5 * (a + b))[..., None] + c[1] * (0.5 * (a + b))[..., None]
        return np.where(thin[..., None], c[2], out)
    if p == 'camo':
        a, b = fbm(rng, n, n, 2.6, 2), fbm(rng, n, n, 2.6, 2)
        out = np.where((a > 0.55)[..., None], c[1], c[0])
        return np.where((b > 0.6)[..., None], c[2], out)
    if p == 'brushed':
        streak = fbm(rng, n, 4, 1.0, 1)
        streak = np.repeat(streak, n // 4, axis=1) if n % 4 == 0 else np.resize(streak, (n, n))
        return mix(0.6 * streak + 0.2 * fbm(rng, n, n, 2, 2))
    if p == 'speckle':
        s = rng.random((n, n))
        out = mix(fbm(rng, n, n, 2.0, 2) * 0.6)
        out = np.where((s < 0.08)[..., None], c[1], out)
        return np.where((s > 0.94)[..., None], c[2], out)
    if p == 'leather':
        cells = band_noise(rng, n, n, 20, 0.35)
        return mix(0.3 * fbm(rng, n, n, 2, 2) + 0.6 * (cells > 0.55))
    if p == 'waves':
        k = int(rng.integers(2, 6))
        t = np.sin(2 * np.pi * (k * y + 0.15 * np.sin(2 * np.pi * 3 * x)))
        return mix(0.5 + 0.5 * t)
    raise ValueError(f'unknown pattern {p!r}')


class MaterialBank:
    """The fixed list of BANK_SIZE materials; textures are made on demand, deterministically."""

    def __init__(self, texture_size: int = TEXTURE_SIZE):
        self.texture_size = texture_size
        self.materials: list[Material] = [Material(*row) for row in _NATURAL]
        i = 0
        while len(self.materials) < BANK_SIZE:
            self.materials.append(_generated(i))
            i += 1
        self._index = {m.name: k for k, m in enumerate(self.materials)}

    def __len__(self) -> int:
        return len(self.materials)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.materials]

    def index(self, name: str) -> int:
        """Bank index of a material name; unknown names map to the neutral 'plastic_grey'."""
        return self._index.get(name, self._index['plastic_grey'])

    def texture(self, index: int) -> np.ndarray:
        """sRGB uint8 albedo texture (n, n, 3) of material ``index``."""
        m = self.materials[index]
        rng = np.random.default_rng([4242, index])
        img = _pattern(m, rng, self.texture_size)
        return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)

    def textures(self) -> np.ndarray:
        """All textures stacked: (BANK_SIZE, n, n, 3) uint8."""
        return np.stack([self.texture(i) for i in range(len(self))])

    def properties(self) -> np.ndarray:
        """(BANK_SIZE, 4) float32: texture repeats per unit, roughness, metallic, 0."""
        return np.array([[m.scale, m.roughness, m.metallic, 0.0] for m in self.materials], np.float32)
