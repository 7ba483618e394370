"""The shape programs of the built-in procedural library: one small function per class.

Each program takes a seeded ``numpy.random.Generator`` (one per model) and returns a list of
``(Mesh, natural material name)`` parts; per-model parameters come only from that generator, so the
library is deterministic and needs no files. y is up; objects face +z; units are arbitrary (normalized later).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from generator.library import shapes as S
from generator.library.shapes import Mesh

Parts = list[tuple[Mesh, str]]
SHAPES: dict[str, Callable[[np.random.Generator], Parts]] = {}


def shape(name: str):
    def register(fn):
        SHAPES[name] = fn
        return fn
    return register


def U(r: np.random.Generator, a: float, b: float) -> float:
    return float(r.uniform(a, b))


def pick(r: np.random.Generator, items):
    return items[int(r.integers(len(items)))]


def cyl(rad, h, rt=None, seg=S.SEG):
    return S.cylinder(rad, h, seg, rt)


def bx(x, y, z):
    return S.box(x, y, z)


def sph(rad, rows=10, seg=20):
    return S.sphere(rad, rows, seg)


def ell(a, b, c, rows=10, seg=20):
    return S.superquadric(a, b, c, 1.0, 1.0, rows, seg)


def rbox(x, y, z, k=0.25):
    return S.rounded_box(x, y, z, k)


def rod(p0, p1, rad, sides=8):
    """A straight tube between two points."""
    return S.tube([p0, p1], rad, sides)


def handle_loop(R, r, arc=200):
    """A C-shaped handle in the xy plane, opening towards -x."""
    return S.torus(R, r, 16, 8, arc).turned('x', 90).turned('z', -arc / 2)


PLASTICS = ['plastic_red', 'plastic_blue', 'plastic_yellow', 'plastic_green', 'plastic_white',
            'plastic_black', 'plastic_orange', 'plastic_pink', 'plastic_purple', 'plastic_grey']
WOODS = ['wood_light', 'wood_dark', 'wood_oak', 'wood_painted_white']
METALS = ['metal_steel', 'metal_chrome', 'metal_dark', 'aluminium', 'brass', 'copper']
CERAMICS = ['ceramic_white', 'ceramic_blue', 'ceramic_green', 'porcelain_pattern', 'terracotta']
FABRICS = ['fabric_red', 'fabric_blue', 'fabric_grey', 'fabric_green', 'fabric_plaid', 'denim',
           'leather_brown', 'leather_black']


# ----------------------------------------------------------------------------- tableware & kitchen
@shape('mug')
def mug(r):
    h, rad = U(r, 0.8, 1.3), U(r, 0.35, 0.5)
    taper = U(r, 0.85, 1.15)
    body = S.revolve([(0, 0), (rad * taper, 0), (rad, h), (rad * 0.92, h), (rad * 0.9 * taper, 0.08), (0, 0.08)])
    hr = U(r, 0.2, 0.32) * h
    handle = handle_loop(hr, U(r, 0.04, 0.07)).mirrored_x().moved(rad * 0.95, h * U(r, 0.45, 0.55), 0)
    m = pick(r, CERAMICS + ['plastic_red', 'plastic_white'])
    return [(body, m), (handle, m)]


@shape('teacup')
def teacup(r):
    rad, h = U(r, 0.45, 0.6), U(r, 0.4, 0.55)
    cup = S.revolve([(0, 0.05), (rad * 0.45, 0.05), (rad, h), (rad * 0.94, h), (rad * 0.4, 0.1), (0, 0.1)])
    saucer = S.revolve([(0, 0), (rad * 0.6, 0), (rad * 1.5, 0.08), (rad * 1.45, 0.1), (rad * 0.6, 0.04), (0, 0.04)])
    handle = handle_loop(h * 0.3, 0.035).mirrored_x().moved(-rad * 0.85, h * 0.6, 0)
    m = pick(r, CERAMICS)
    return [(cup.moved(0, 0.04, 0), m), (saucer, m), (handle, m)]


@shape('bowl')
def bowl(r):
    rad, h = U(r, 0.8, 1.1), U(r, 0.35, 0.6)
    foot = U(r, 0.3, 0.5)
    prof = [(0, 0), (rad * foot, 0), (rad * foot, 0.05)]
    prof += [(rad * (foot + (1 - foot) * np.sin(t * np.pi / 2)), 0.05 + h * (1 - np.cos(t * np.pi / 2)))
             for t in np.linspace(0.1, 1, 7)]
    prof += [(rad * 0.94, h), (rad * foot * 0.9, 0.1), (0, 0.1)]
    return [(S.revolve(prof), pick(r, CERAMICS + ['wood_light', 'plastic_orange', 'metal_steel']))]


@shape('plate')
def plate(r):
    rad = U(r, 1.0, 1.3)
    rim = U(r, 0.6, 0.8)
    p = S.revolve([(0, 0), (rad * 0.5, 0), (rad * rim, 0.06), (rad, 0.14), (rad * 0.97, 0.16),
                   (rad * rim, 0.09), (0, 0.07)])
    return [(p, pick(r, CERAMICS + ['plastic_white']))]


@shape('wine_glass')
def wine_glass(r):
    cup_h, cup_r = U(r, 0.5, 0.8), U(r, 0.28, 0.4)
    stem = U(r, 0.5, 0.8)
    prof = [(0, 0), (0.35, 0), (0.35, 0.02), (0.04, 0.06), (0.04, stem)]
    prof += [(cup_r * np.sin(t * np.pi / 2 * 1.1) / np.sin(np.pi / 2 * 1.1), stem + cup_h * (t ** 1.3))
             for t in np.linspace(0.05, 1, 8)]
    prof += [(cup_r * 0.95, stem + cup_h), (0, stem + 0.1)]
    return [(S.revolve(prof), pick(r, ['glass', 'glass_green', 'glass']))]


@shape('bottle')
def bottle(r):
    rad, h = U(r, 0.3, 0.45), U(r, 1.6, 2.4)
    sh, nr = U(r, 0.55, 0.75) * h, U(r, 0.09, 0.14)
    body = S.revolve([(0, 0), (rad, 0), (rad, sh), (nr, sh + U(r, 0.25, 0.5)), (nr, h), (0, h)])
    cap = cyl(nr * 1.15, 0.12).moved(0, h - 0.06, 0)
    return [(body, pick(r, ['glass', 'glass_green', 'glass_brown', 'plastic_blue'])),
            (cap, pick(r, ['metal_steel', 'plastic_red', 'plastic_white', 'gold']))]


@shape('vase')
def vase(r):
    h = U(r, 1.4, 2.2)
    k = r.uniform(0.2, 0.6, 4)
    ys = np.linspace(0, h, 9)
    radii = 0.35 + 0.25 * np.sin(np.linspace(0, np.pi * U(r, 1.0, 2.0), 9) + k[0] * 3) * k[1] + k[2] * 0.3
    prof = [(0, 0)] + [(float(a), float(b)) for a, b in zip(radii, ys)] + [(float(radii[-1]) * 0.9, h), (0, h * 0.9)]
    return [(S.revolve(prof, 28), pick(r, CERAMICS + ['glass', 'marble_white']))]


@shape('teapot')
def teapot(r):
    rad = U(r, 0.55, 0.7)
    body = ell(rad, rad * U(r, 0.65, 0.8), rad, 12, 24).moved(0, rad * 0.7, 0)
    lid = S.revolve([(0, 0), (rad * 0.5, 0), (rad * 0.3, 0.12), (0.06, 0.16), (0.08, 0.22), (0, 0.24)])
    spout = S.tube([(rad * 0.8, rad * 0.5, 0), (rad * 1.2, rad * 0.8, 0), (rad * 1.45, rad * 1.25, 0)],
                   [0.12, 0.08, 0.06], 10)
    handle = handle_loop(rad * 0.4, 0.05).mirrored_x().moved(-rad * 0.95, rad * 0.75, 0)
    m = pick(r, CERAMICS + ['metal_steel'])
    return [(body, m), (lid.moved(0, rad * 1.25, 0), m), (spout, m), (handle, m)]


@shape('kettle')
def kettle(r):
    rad, h = U(r, 0.5, 0.65), U(r, 0.8, 1.1)
    body = S.revolve([(0, 0), (rad, 0), (rad * 1.02, h * 0.3), (rad * 0.7, h), (0, h)], 28)
    spout = S.tube([(rad * 0.8, h * 0.3, 0), (rad * 1.3, h * 0.7, 0)], [0.1, 0.06], 10)
    arc = S.arc_path(rad * 0.55, 0, 180, 14, 'xy') + np.array([0, h, 0])
    handle = S.tube(arc, 0.06, 10)
    return [(body, pick(r, ['metal_steel', 'metal_chrome', 'plastic_white', 'plastic_red'])),
            (spout, 'metal_steel'), (handle, 'plastic_black')]


@shape('saucepan')
def saucepan(r):
    rad, h = U(r, 0.6, 0.8), U(r, 0.4, 0.7)
    pot = S.revolve([(0, 0), (rad, 0), (rad, h), (rad * 0.95, h), (rad * 0.95, 0.05), (0, 0.05)], 28)
    L = U(r, 1.0, 1.5)
    handle = rbox(L, 0.08, 0.16, 0.3).moved(rad + L / 2 - 0.05, h * 0.85, 0)
    return [(pot, pick(r, ['metal_steel', 'copper', 'metal_dark'])), (handle, pick(r, ['plastic_black', 'wood_dark']))]


@shape('frying_pan')
def frying_pan(r):
    rad = U(r, 0.8, 1.0)
    pan = S.revolve([(0, 0), (rad * 0.8, 0), (rad, 0.25), (rad * 0.96, 0.25), (rad * 0.77, 0.04), (0, 0.04)], 28)
    L = U(r, 1.1, 1.5)
    handle = S.tube([(rad * 0.95, 0.2, 0), (rad + L * 0.5, 0.3, 0), (rad + L, 0.36, 0)], 0.06, 10)
    return [(pan, pick(r, ['metal_black', 'metal_dark', 'copper'])), (handle, pick(r, ['plastic_black', 'wood_dark']))]


@shape('jar')
def jar(r):
    rad, h = U(r, 0.45, 0.6), U(r, 0.9, 1.4)
    body = S.revolve([(0, 0), (rad, 0), (rad, h * 0.85), (rad * 0.8, h * 0.92), (rad * 0.8, h), (0, h)], 28)
    lid = cyl(rad * 0.85, 0.15).moved(0, h - 0.05, 0)
    return [(body, pick(r, ['glass', 'glass_green', 'terracotta'])), (lid, pick(r, ['gold', 'metal_steel', 'plastic_red']))]


@shape('pitcher')
def pitcher(r):
    rad, h = U(r, 0.45, 0.55), U(r, 1.3, 1.7)
    body = S.revolve([(0, 0), (rad, 0), (rad * 1.1, h * 0.4), (rad * 0.8, h * 0.85), (rad * 0.9, h),
                      (rad * 0.85, h), (0, h * 0.1)], 28)
    handle = handle_loop(h * 0.3, 0.06).mirrored_x().moved(-rad * 0.95, h * 0.55, 0)
    m = pick(r, CERAMICS + ['glass'])
    return [(body, m), (handle, m)]


@shape('fork')
def fork(r):
    L, tines = U(r, 2.0, 2.6), int(r.integers(3, 5))
    handle = rbox(0.2, 0.05, L * 0.6, 0.3).moved(0, 0, -L * 0.2)
    head = bx(0.28, 0.04, 0.25).moved(0, 0, L * 0.15)
    parts = [(handle, 'metal_steel'), (head, 'metal_steel')]
    for i in range(tines):
        x = (i - (tines - 1) / 2) * 0.26 / tines
        parts.append((bx(0.04, 0.035, 0.4).moved(x, 0, L * 0.15 + 0.3), 'metal_steel'))
    return parts


@shape('spoon')
def spoon(r):
    L = U(r, 2.0, 2.6)
    bowl_ = ell(U(r, 0.18, 0.25), 0.06, U(r, 0.28, 0.36)).moved(0, 0, L * 0.3)
    handle = rbox(0.14, 0.05, L * 0.7, 0.3).moved(0, 0.03, -L * 0.12)
    m = pick(r, ['metal_steel', 'wood_light', 'plastic_white'])
    return [(bowl_, m), (handle, m)]


@shape('knife')
def knife(r):
    L = U(r, 1.0, 1.6)
    blade = S.extrude([(0, 0), (L, 0), (L * 0.8, 0.22), (0, 0.25)], 0.03).turned('y', 90)
    handle = rbox(0.12, 0.2, U(r, 0.7, 1.0), 0.3).moved(0, 0.12, 0.4)
    return [(blade.moved(0, 0, 0), 'metal_chrome'), (handle.moved(0, 0, 0.02), pick(r, ['wood_dark', 'plastic_black']))]


@shape('rolling_pin')
def rolling_pin(r):
    L, rad = U(r, 1.6, 2.2), U(r, 0.18, 0.26)
    body = cyl(rad, L).turned('z', 90).moved(L / 2, 0, 0)
    hl = U(r, 0.4, 0.6)
    h1 = cyl(0.07, hl).turned('z', 90).moved(L / 2 + hl, 0, 0)
    h2 = cyl(0.07, hl).turned('z', 90).moved(-L / 2, 0, 0)
    m = pick(r, WOODS)
    return [(body, m), (h1, m), (h2, m)]


@shape('cutting_board')
def cutting_board(r):
    w, l = U(r, 1.2, 1.6), U(r, 1.8, 2.4)
    board = rbox(w, 0.12, l, 0.15)
    hole = S.torus(0.1, 0.04, 12, 6).moved(0, 0.07, l * 0.4)
    return [(board, pick(r, WOODS + ['plastic_white'])), (hole, 'metal_steel')]


@shape('toaster')
def toaster(r):
    w, h, d = U(r, 1.0, 1.4), U(r, 0.8, 1.0), U(r, 0.6, 0.8)
    body = rbox(w, h, d, 0.3).moved(0, h / 2, 0)
    slots = [(bx(w * 0.7, 0.02, 0.12).moved(0, h, z), 'plastic_black') for z in (-0.12, 0.12)]
    lever = bx(0.06, 0.06, 0.2).moved(w / 2 + 0.05, h * 0.7, 0)
    return [(body, pick(r, ['metal_chrome', 'plastic_red', 'plastic_white', 'metal_steel']))] + slots + [(lever, 'plastic_black')]


@shape('blender')
def blender(r):
    base_h = U(r, 0.5, 0.7)
    base = rbox(0.8, base_h, 0.8, 0.3).moved(0, base_h / 2, 0)
    jug = S.revolve([(0, 0), (0.3, 0), (0.42, 1.2), (0.38, 1.2), (0, 0.05)], 6).moved(0, base_h, 0)
    lid = cyl(0.43, 0.08, seg=6).moved(0, base_h + 1.2, 0)
    return [(base, pick(r, ['plastic_black', 'metal_steel', 'plastic_red'])), (jug, 'glass'), (lid, 'plastic_black')]


# ----------------------------------------------------------------------------- furniture
def _legs(w, d, h, rad, inset, square=False):
    out = []
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (w / 2 - inset), sz * (d / 2 - inset)
            leg = bx(rad * 2, h, rad * 2).moved(x, h / 2, z) if square else cyl(rad, h, seg=10).moved(x, 0, z)
            out.append(leg)
    return out


@shape('chair')
def chair(r):
    w, seat_h, back_h = U(r, 0.9, 1.1), U(r, 0.9, 1.1), U(r, 0.8, 1.3)
    m = pick(r, WOODS + ['metal_dark', 'plastic_white'])
    parts = [(leg, m) for leg in _legs(w, w, seat_h, 0.05, 0.08, r.random() < 0.5)]
    parts.append((bx(w, 0.1, w).moved(0, seat_h, 0), pick(r, [m] + FABRICS)))
    if r.random() < 0.5:
        parts.append((bx(w, back_h, 0.08).moved(0, seat_h + back_h / 2, -w / 2 + 0.04), m))
    else:
        for x in (-w / 2 + 0.05, w / 2 - 0.05):
            parts.append((bx(0.08, back_h, 0.08).moved(x, seat_h + back_h / 2, -w / 2 + 0.04), m))
        for k in range(3):
            parts.append((bx(w, 0.08, 0.05).moved(0, seat_h + back_h * (0.35 + 0.3 * k), -w / 2 + 0.04), m))
    return parts


@shape('stool')
def stool(r):
    h, rad = U(r, 1.2, 1.8), U(r, 0.35, 0.5)
    m = pick(r, WOODS + ['metal_steel'])
    seat = cyl(rad, 0.1, seg=20).moved(0, h, 0) if r.random() < 0.6 else rbox(rad * 2, 0.1, rad * 2).moved(0, h + 0.05, 0)
    n = int(r.integers(3, 5))
    parts = [(seat, pick(r, [m, 'leather_black', 'fabric_red']))]
    for k in range(n):
        a = 2 * np.pi * k / n
        parts.append((rod((np.cos(a) * rad * 1.2, 0, np.sin(a) * rad * 1.2), (np.cos(a) * rad * 0.7, h, np.sin(a) * rad * 0.7), 0.04), m))
    parts.append((S.torus(rad * 1.0, 0.03, 20, 6).moved(0, h * 0.35, 0), m))
    return parts


@shape('table')
def table(r):
    w, d, h = U(r, 2.0, 3.0), U(r, 1.2, 1.8), U(r, 1.1, 1.4)
    m = pick(r, WOODS + ['marble_white'])
    if r.random() < 0.3:
        top = cyl(d / 2 * 1.2, 0.1, seg=32).moved(0, h - 0.1, 0)
        legs = [(cyl(0.08, h).moved(0, 0, 0), m), (cyl(0.5, 0.06).moved(0, 0, 0), m)]
        return [(top, m)] + legs
    return [(bx(w, 0.1, d).moved(0, h - 0.05, 0), m)] + [(leg, pick(r, [m, 'metal_dark'])) for leg in
                                                         _legs(w, d, h - 0.1, 0.06, 0.15, True)]


@shape('bench')
def bench(r):
    L, h = U(r, 2.5, 3.5), U(r, 0.7, 0.9)
    m = pick(r, WOODS)
    parts = []
    for k in range(int(r.integers(2, 5))):
        parts.append((bx(L, 0.06, 0.18).moved(0, h, -0.3 + 0.2 * k), m))
    for x in (-L / 2 + 0.2, L / 2 - 0.2):
        parts.append((bx(0.1, h, 0.7).moved(x, h / 2, 0), pick(r, ['metal_black', m])))
    if r.random() < 0.6:
        parts.append((bx(L, 0.5, 0.06).moved(0, h + 0.5, -0.4), m))
    return parts


@shape('bed')
def bed(r):
    w, l = U(r, 1.6, 2.2), U(r, 2.6, 3.2)
    frame = bx(w, 0.3, l).moved(0, 0.35, 0)
    mattress = rbox(w * 0.95, 0.3, l * 0.95, 0.2).moved(0, 0.62, 0)
    head = bx(w, U(r, 0.8, 1.4), 0.1).moved(0, 0.9, -l / 2)
    pillow = rbox(w * 0.6, 0.15, 0.4, 0.5).moved(0, 0.82, -l / 2 + 0.35)
    m = pick(r, WOODS)
    return [(frame, m), (mattress, pick(r, ['fabric_grey', 'paper_white', 'fabric_blue'])), (head, m),
            (pillow, 'plastic_white')] + [(leg, m) for leg in _legs(w, l, 0.2, 0.06, 0.1, True)]


@shape('sofa')
def sofa(r):
    L, d = U(r, 2.4, 3.2), U(r, 1.0, 1.2)
    m = pick(r, FABRICS)
    parts = [(rbox(L, 0.45, d, 0.2).moved(0, 0.4, 0), m), (rbox(L, 0.8, 0.25, 0.25).moved(0, 0.8, -d / 2 + 0.12), m)]
    for x in (-L / 2, L / 2):
        parts.append((rbox(0.25, 0.6, d, 0.3).moved(x, 0.55, 0), m))
    n = int(r.integers(2, 4))
    for k in range(n):
        parts.append((rbox(L / n * 0.95, 0.18, d * 0.8, 0.4).moved(-L / 2 + L / n * (k + 0.5), 0.7, 0.05), m))
    return parts


@shape('bookshelf')
def bookshelf(r):
    w, h, d = U(r, 1.2, 1.8), U(r, 2.0, 3.0), 0.5
    m = pick(r, WOODS)
    parts = [(bx(0.06, h, d).moved(x, h / 2, 0), m) for x in (-w / 2, w / 2)]
    parts.append((bx(w, h, 0.04).moved(0, h / 2, -d / 2), m))
    n = int(r.integers(3, 6))
    for k in range(n + 1):
        y = k * h / n
        parts.append((bx(w, 0.05, d).moved(0, y, 0), m))
        if k < n:
            x = -w / 2 + 0.05
            while x < w / 2 - 0.15:
                bw = U(r, 0.05, 0.12)
                bh = U(r, 0.5, 0.85) * h / n
                parts.append((bx(bw, bh, d * 0.8).moved(x + bw / 2, y + bh / 2 + 0.03, 0), pick(r, PLASTICS[:8])))
                x += bw + 0.01
    return parts


@shape('cabinet')
def cabinet(r):
    w, h, d = U(r, 1.0, 1.6), U(r, 1.0, 2.0), U(r, 0.6, 0.8)
    m = pick(r, WOODS + ['metal_steel'])
    parts = [(bx(w, h, d).moved(0, h / 2 + 0.1, 0), m)]
    n = int(r.integers(2, 5))
    for k in range(n):
        y = 0.1 + h * (k + 0.5) / n
        parts.append((bx(w * 0.9, h / n * 0.85, 0.03).moved(0, y, d / 2 + 0.015), m))
        parts.append((bx(0.25, 0.04, 0.05).moved(0, y + h / n * 0.25, d / 2 + 0.05), 'metal_chrome'))
    parts += [(leg, 'metal_dark') for leg in _legs(w, d, 0.1, 0.04, 0.06)]
    return parts


@shape('desk_lamp')
def desk_lamp(r):
    base = cyl(U(r, 0.35, 0.45), 0.08)
    a1, a2 = U(r, 0.9, 1.3), U(r, 0.8, 1.1)
    t1, t2 = np.radians(U(r, 60, 80)), np.radians(U(r, -20, 20))
    p1 = np.array([0, 0.08, 0])
    p2 = p1 + a1 * np.array([np.cos(t1), np.sin(t1), 0])
    p3 = p2 + a2 * np.array([-np.cos(t2), np.sin(t2), 0])
    shade = cyl(0.3, 0.4, rt=0.1).turned('z', 140).moved(*p3)
    m = pick(r, ['metal_steel', 'plastic_black', 'plastic_red', 'plastic_white'])
    return [(base, m), (rod(p1, p2, 0.035), m), (rod(p2, p3, 0.035), m), (sph(0.06).moved(*p2), 'metal_dark'),
            (shade, m)]


@shape('floor_lamp')
def floor_lamp(r):
    h = U(r, 3.0, 4.0)
    base = cyl(U(r, 0.3, 0.45), 0.08)
    pole = cyl(0.035, h)
    sr = U(r, 0.35, 0.55)
    shade = S.revolve([(sr * U(r, 0.5, 0.8), 0), (sr, 0), (sr * 0.95, 0.01), (sr * U(r, 0.5, 0.75), 0.5),
                       (sr * 0.5, 0.49)], 24).moved(0, h - 0.3, 0)
    return [(base, 'metal_dark'), (pole, pick(r, ['metal_steel', 'brass'])),
            (shade, pick(r, ['paper_white', 'fabric_grey', 'cream', 'fabric_red']))]


@shape('side_table')
def side_table(r):
    rad, h = U(r, 0.4, 0.6), U(r, 0.9, 1.2)
    m = pick(r, WOODS + ['glass'])
    top = cyl(rad, 0.06, seg=28).moved(0, h, 0)
    n = int(r.integers(3, 5))
    legs = []
    for k in range(n):
        a = 2 * np.pi * k / n
        legs.append((rod((np.cos(a) * rad * 0.9, 0, np.sin(a) * rad * 0.9), (np.cos(a) * rad * 0.6, h, np.sin(a) * rad * 0.6), 0.04), pick(r, WOODS[:3] + ['brass'])))
    return [(top, m)] + legs


# ----------------------------------------------------------------------------- tools
@shape('hammer')
def hammer(r):
    L = U(r, 2.0, 2.6)
    handle = rbox(0.16, L, 0.1, 0.4).moved(0, L / 2, 0)
    hw = U(r, 0.7, 1.0)
    head = bx(hw, 0.22, 0.2).moved(hw * 0.1, L, 0)
    claw = S.tube([(-hw * 0.4, L, 0), (-hw * 0.6, L - 0.1, 0), (-hw * 0.7, L - 0.3, 0)], [0.08, 0.06, 0.03], 8)
    return [(handle, pick(r, ['wood_light', 'rubber_black', 'plastic_red'])), (head, 'metal_dark'), (claw, 'metal_dark')]


@shape('screwdriver')
def screwdriver(r):
    hl, sl = U(r, 0.8, 1.1), U(r, 1.0, 1.6)
    handle = S.revolve([(0, 0), (0.14, 0.02), (0.17, hl * 0.5), (0.14, hl), (0, hl)], 6)
    shaft = cyl(0.04, sl, seg=10).moved(0, hl, 0)
    tip = bx(0.1, 0.12, 0.02).moved(0, hl + sl + 0.04, 0)
    return [(handle, pick(r, ['plastic_yellow', 'plastic_red', 'plastic_blue', 'plastic_black'])), (shaft, 'metal_chrome'),
            (tip, 'metal_chrome')]


@shape('wrench')
def wrench(r):
    L = U(r, 2.0, 2.6)
    bar = rbox(0.22, L, 0.07, 0.3).moved(0, L / 2, 0)
    head = S.extrude([(-0.3, -0.2), (0.3, -0.2), (0.3, 0.25), (0.12, 0.25), (0.12, 0.0), (-0.12, 0.0), (-0.12, 0.25), (-0.3, 0.25)], 0.08)
    ring = S.torus(0.18, 0.07, 16, 8).turned('x', 90).moved(0, -0.1, 0)
    return [(bar, 'metal_steel'), (head.moved(0, L + 0.1, 0), 'metal_steel'), (ring, 'metal_steel')]


@shape('axe')
def axe(r):
    L = U(r, 2.2, 2.8)
    handle = S.tube([(0, 0, 0), (0.05, L * 0.5, 0), (0, L, 0)], 0.07, 8)
    bw = U(r, 0.6, 0.9)
    blade = S.extrude([(0, -0.15), (bw, -0.35), (bw * 1.05, 0.3), (0, 0.15), (-0.2, 0.1), (-0.2, -0.1)], 0.08)
    return [(handle, pick(r, ['wood_light', 'wood_oak'])), (blade.moved(0, L * 0.9, 0), pick(r, ['metal_dark', 'metal_steel', 'plastic_red']))]


@shape('shovel')
def shovel(r):
    L = U(r, 2.5, 3.2)
    handle = cyl(0.06, L, seg=10).moved(0, 0.7, 0)
    grip = S.torus(0.15, 0.04, 12, 6).turned('x', 90).moved(0, L + 0.8, 0)
    bw = U(r, 0.45, 0.65)
    blade = S.extrude([(-bw / 2, 0.7), (bw / 2, 0.7), (bw / 2, 0.15), (0, 0), (-bw / 2, 0.15)], 0.05)
    return [(handle, pick(r, WOODS[:3])), (grip, 'plastic_black'), (blade, pick(r, ['metal_dark', 'metal_steel', 'rust']))]


@shape('bucket')
def bucket(r):
    rt, rb, h = U(r, 0.55, 0.7), U(r, 0.4, 0.5), U(r, 0.8, 1.0)
    body = S.revolve([(0, 0), (rb, 0), (rt, h), (rt * 0.96, h), (rb * 0.96, 0.04), (0, 0.04)], 28)
    arc = S.arc_path(rt, 0, 180, 16, 'xy') + np.array([0, h, 0])
    return [(body, pick(r, ['metal_steel', 'plastic_red', 'plastic_blue', 'plastic_yellow'])), (S.tube(arc, 0.025, 6), 'metal_dark')]


@shape('ladder')
def ladder(r):
    h, w = U(r, 3.0, 4.0), U(r, 0.6, 0.9)
    m = pick(r, WOODS[:3] + ['aluminium'])
    parts = [(bx(0.08, h, 0.12).moved(x, h / 2, 0), m) for x in (-w / 2, w / 2)]
    n = int(r.integers(5, 9))
    for k in range(n):
        parts.append((cyl(0.035, w, seg=8).turned('z', 90).moved(w / 2, h * (k + 0.7) / (n + 0.5), 0), m))
    return parts


@shape('paintbrush')
def paintbrush(r):
    L = U(r, 1.4, 2.0)
    handle = S.revolve([(0, 0), (0.06, 0), (0.09, L * 0.7), (0.07, L), (0, L)], 10)
    ferrule = rbox(0.3, 0.25, 0.1, 0.3).moved(0, L + 0.1, 0)
    bristles = rbox(0.28, 0.4, 0.08, 0.5).moved(0, L + 0.4, 0)
    return [(handle, pick(r, ['wood_light', 'plastic_red', 'plastic_blue'])), (ferrule, 'metal_chrome'),
            (bristles, pick(r, ['fur_brown', 'bone', 'plastic_black']))]


@shape('pliers')
def pliers(r):
    L = U(r, 1.5, 2.0)
    spread = U(r, 8, 20)
    parts = []
    for s in (-1, 1):
        arm = S.tube([(0, 0, 0), (s * 0.08, L * 0.5, 0), (s * 0.3, L, 0)], [0.06, 0.07, 0.08], 8).turned('z', s * spread * 0.2)
        jaw = S.tube([(0, 0, 0), (-s * 0.05, -0.5, 0)], [0.07, 0.03], 8)
        parts += [(arm, pick(r, ['plastic_red', 'plastic_blue', 'rubber_black'])), (jaw, 'metal_steel')]
    parts.append((cyl(0.1, 0.12).turned('x', 90).moved(0, 0, 0.06), 'metal_steel'))
    return parts


# ----------------------------------------------------------------------------- sports & toys
@shape('ball')
def ball(r):
    b = sph(1.0, 14, 28)
    seam = S.torus(1.0, 0.03, 32, 6).turned('x', U(r, 0, 90))
    return [(b, pick(r, PLASTICS + ['leather_brown', 'fruit_orange'])), (seam, pick(r, ['plastic_white', 'plastic_black']))]


@shape('dumbbell')
def dumbbell(r):
    L = U(r, 1.2, 1.6)
    bar = cyl(0.06, L, seg=10).turned('z', 90).moved(L / 2, 0, 0)
    parts = [(bar, 'metal_chrome')]
    n = int(r.integers(1, 4))
    hexa = r.random() < 0.4
    for s in (-1, 1):
        for k in range(n):
            rad = U(r, 0.3, 0.45) - 0.05 * k
            w = cyl(rad, 0.12, seg=6 if hexa else 24).turned('z', 90).moved(s * (L / 2 - 0.1 - 0.13 * k) + 0.06, 0, 0)
            parts.append((w, pick(r, ['metal_black', 'rubber_black', 'plastic_red', 'metal_dark'])))
    return parts


@shape('kettlebell')
def kettlebell(r):
    rad = U(r, 0.5, 0.65)
    body = ell(rad, rad * 0.95, rad).moved(0, rad, 0)
    arc = S.arc_path(rad * 0.6, -10, 190, 16, 'xy') + np.array([0, rad * 1.7, 0])
    return [(body, pick(r, ['metal_black', 'plastic_red', 'plastic_blue', 'metal_dark'])), (S.tube(arc, 0.1, 10), 'metal_black')]


@shape('skateboard')
def skateboard(r):
    L, w = U(r, 2.6, 3.2), U(r, 0.7, 0.85)
    deck = S.superquadric(w / 2, 0.04, L / 2, 1.0, 0.3, 8, 28).moved(0, 0.35, 0)
    parts = [(deck, pick(r, WOODS[:3] + PLASTICS[:4]))]
    for z in (-L * 0.33, L * 0.33):
        parts.append((bx(w * 0.6, 0.1, 0.15).moved(0, 0.25, z), 'metal_steel'))
        for x in (-w * 0.38, w * 0.38):
            parts.append((cyl(0.12, 0.12).turned('z', 90).moved(x + 0.06, 0.14, z), pick(r, ['plastic_white', 'plastic_yellow', 'plastic_green'])))
    return parts


@shape('tennis_racket')
def tennis_racket(r):
    a, b = U(r, 0.45, 0.55), U(r, 0.6, 0.75)
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    loop = np.column_stack([a * np.cos(t), b * np.sin(t) + 1.3 + b, np.zeros_like(t)])
    frame = S.tube(loop, 0.05, 8, closed=True)
    handle = cyl(0.07, 1.3, seg=8)
    parts = [(frame, pick(r, ['plastic_black', 'plastic_red', 'plastic_blue', 'aluminium'])), (handle, pick(r, ['rubber_black', 'leather_black']))]
    for k in range(-3, 4):
        x = k * a / 4
        hh = b * np.sqrt(max(0.0, 1 - (x / a) ** 2))
        parts.append((rod((x, 1.3 + b - hh, 0), (x, 1.3 + b + hh, 0), 0.01, 4), 'plastic_white'))
        y = k * b / 4
        ww = a * np.sqrt(max(0.0, 1 - (y / b) ** 2))
        parts.append((rod((-ww, 1.3 + b + y, 0), (ww, 1.3 + b + y, 0), 0.01, 4), 'plastic_white'))
    return parts


@shape('baseball_bat')
def baseball_bat(r):
    L = U(r, 3.0, 3.5)
    prof = [(0, 0), (0.1, 0), (0.1, 0.05), (0.06, 0.1), (0.06, L * 0.4), (U(r, 0.13, 0.18), L * 0.85), (0.14, L), (0, L)]
    return [(S.revolve(prof, 16), pick(r, ['wood_light', 'wood_dark', 'aluminium', 'metal_black']))]


@shape('bowling_pin')
def bowling_pin(r):
    s = U(r, 0.9, 1.1)
    prof = [(0, 0), (0.2, 0), (0.33 * s, 0.5), (0.34 * s, 0.7), (0.14, 1.3), (0.13, 1.45), (0.17, 1.7), (0.1, 1.9), (0, 1.95)]
    body = S.revolve(prof, 24)
    stripe = S.torus(0.14, 0.025, 24, 6).moved(0, 1.32, 0)
    return [(body, pick(r, ['plastic_white', 'ceramic_white'])), (stripe, pick(r, ['plastic_red', 'plastic_blue']))]


@shape('frisbee')
def frisbee(r):
    rad = U(r, 1.0, 1.2)
    prof = [(0, 0.12), (rad * 0.9, 0.1), (rad, 0.05), (rad * 0.98, -0.08), (rad * 0.92, -0.08), (rad * 0.9, 0.05), (0, 0.07)]
    return [(S.revolve(prof, 32), pick(r, PLASTICS))]


@shape('dice')
def dice(r):
    body = rbox(1, 1, 1, U(r, 0.12, 0.25))
    parts = [(body, pick(r, ['plastic_white', 'plastic_red', 'bone', 'plastic_black']))]
    pip = 'plastic_black' if parts[0][1] != 'plastic_black' else 'plastic_white'
    faces = [((0, 0, 1), [(0, 0)]), ((1, 0, 0), [(-0.25, -0.25), (0.25, 0.25)]),
             ((0, 1, 0), [(-0.25, -0.25), (0, 0), (0.25, 0.25)])]
    for n, pts in faces:
        for a, b in pts:
            c = np.array(n, float) * 0.5
            off = np.array([b, a, 0]) if n[2] else (np.array([0, a, b]) if n[0] else np.array([a, 0, b]))
            parts.append((sph(0.09, 6, 10).moved(*(c + off)), pip))
    return parts


@shape('spinning_top')
def spinning_top(r):
    rad = U(r, 0.6, 0.8)
    prof = [(0, 0), (rad * 0.3, 0.25), (rad, U(r, 0.5, 0.7)), (rad * 0.9, 0.8), (0.08, 0.9), (0.08, 1.3), (0, 1.3)]
    return [(S.revolve(prof, 24), pick(r, PLASTICS + WOODS[:2]))]


@shape('yo_yo')
def yo_yo(r):
    rad = U(r, 0.8, 1.0)
    half = cyl(rad, 0.3, rt=rad * U(r, 0.8, 1.0), seg=28).turned('x', 90)
    m = pick(r, PLASTICS)
    return [(half.moved(0, 0, 0.36), m), (half.moved(0, 0, -0.06), m), (cyl(0.2, 0.2).turned('x', 90).moved(0, 0, 0.1), 'plastic_white'),
            (S.tube([(0, 0, 0.02), (0.05, 1.5, 0.02)], 0.015, 4), 'paper_white')]


@shape('kite')
def kite(r):
    w, h = U(r, 1.0, 1.4), U(r, 1.6, 2.0)
    sail = S.extrude([(0, h), (w / 2, h * 0.65), (0, 0), (-w / 2, h * 0.65)], 0.03)
    tail = S.tube([(0, 0, 0), (0.2, -0.4, 0), (-0.1, -0.8, 0), (0.15, -1.2, 0)], 0.02, 4)
    bows = [(rbox(0.15, 0.08, 0.04, 0.5).moved(0.05 * (-1) ** k, -0.3 * (k + 1), 0), pick(r, PLASTICS)) for k in range(3)]
    return [(sail, pick(r, PLASTICS + ['fabric_plaid'])), (tail, 'paper_white'),
            (rod((0, 0, 0.03), (0, h, 0.03), 0.015, 4), 'wood_light'), (rod((-w / 2, h * 0.65, 0.03), (w / 2, h * 0.65, 0.03), 0.015, 4), 'wood_light')] + bows


@shape('rubber_duck')
def rubber_duck(r):
    body = ell(0.7, 0.5, 0.55).moved(0, 0.5, 0)
    head = sph(U(r, 0.3, 0.38)).moved(0.45, 1.1, 0)
    beak = ell(0.2, 0.06, 0.14, 6, 12).moved(0.8, 1.05, 0)
    tail = ell(0.2, 0.15, 0.2, 6, 12).moved(-0.7, 0.75, 0)
    eyes = [(sph(0.05, 6, 8).moved(0.7, 1.2, s * 0.15), 'plastic_black') for s in (-1, 1)]
    m = pick(r, ['plastic_yellow', 'plastic_yellow', 'plastic_pink', 'plastic_white'])
    return [(body, m), (head, m), (beak, 'plastic_orange'), (tail, m)] + eyes


@shape('chess_pawn')
def chess_pawn(r):
    s = U(r, 0.9, 1.1)
    prof = [(0, 0), (0.55, 0), (0.55, 0.12), (0.42, 0.2), (0.22 * s, 0.6), (0.18, 0.95), (0.3, 1.0), (0.15, 1.08)]
    body = S.revolve(prof + [(0, 1.08)], 24)
    head = sph(0.28 * s).moved(0, 1.3, 0)
    m = pick(r, ['wood_light', 'wood_dark', 'plastic_black', 'plastic_white', 'marble_white'])
    return [(body, m), (head, m)]


@shape('chess_rook')
def chess_rook(r):
    prof = [(0, 0), (0.6, 0), (0.6, 0.15), (0.45, 0.25), (0.35, 1.0), (0.45, 1.1), (0.45, 1.4), (0, 1.4)]
    m = pick(r, ['wood_light', 'wood_dark', 'plastic_black', 'plastic_white', 'marble_white'])
    parts = [(S.revolve(prof, 24), m)]
    for k in range(int(r.integers(4, 7))):
        a = 2 * np.pi * k / 6
        parts.append((bx(0.2, 0.2, 0.15).turned('y', -np.degrees(a)).moved(np.cos(a) * 0.38, 1.5, np.sin(a) * 0.38), m))
    return parts


@shape('chess_king')
def chess_king(r):
    prof = [(0, 0), (0.6, 0), (0.6, 0.15), (0.4, 0.3), (0.25, 1.4), (0.4, 1.5), (0.3, 1.6), (0.38, 1.9), (0, 1.95)]
    m = pick(r, ['wood_light', 'wood_dark', 'plastic_black', 'plastic_white', 'marble_white'])
    cross = [(bx(0.1, 0.45, 0.1).moved(0, 2.15, 0), m), (bx(0.3, 0.1, 0.1).moved(0, 2.2, 0), m)]
    return [(S.revolve(prof, 24), m)] + cross


@shape('teddy_bear')
def teddy_bear(r):
    m = pick(r, ['fur_brown', 'fabric_grey', 'cream', 'fabric_red'])
    body = ell(0.55, 0.7, 0.45).moved(0, 0.75, 0)
    head = sph(0.45).moved(0, 1.75, 0.05)
    ears = [(sph(0.16).moved(s * 0.35, 2.12, 0), m) for s in (-1, 1)]
    arms = [(ell(0.18, 0.4, 0.18).turned('z', s * 40).moved(s * 0.6, 1.0, 0.1), m) for s in (-1, 1)]
    legs = [(ell(0.22, 0.22, 0.38).moved(s * 0.3, 0.2, 0.25), m) for s in (-1, 1)]
    snout = ell(0.18, 0.14, 0.14).moved(0, 1.65, 0.45)
    eyes = [(sph(0.05, 6, 8).moved(s * 0.15, 1.85, 0.42), 'plastic_black') for s in (-1, 1)]
    return [(body, m), (head, m), (snout, 'cream')] + ears + arms + legs + eyes


# ----------------------------------------------------------------------------- vehicles
def _wheel(rad, w, x, y, z):
    tire = S.torus(rad * 0.75, rad * 0.28, 20, 8).turned('x', 90).moved(x, y, z)
    hub = cyl(rad * 0.5, w * 0.6, seg=12).turned('x', 90).moved(x, y, z + w * 0.3)
    return [(tire, 'rubber_black'), (hub, 'metal_chrome')]


@shape('car')
def car(r):
    L, w, h = U(r, 3.6, 4.4), U(r, 1.6, 1.9), U(r, 0.6, 0.8)
    col = pick(r, PLASTICS[:8] + ['metal_chrome'])
    body = rbox(L, h, w, 0.25).moved(0, 0.55 + h / 2, 0)
    cab_l = L * U(r, 0.4, 0.55)
    cabin = rbox(cab_l, h * 0.8, w * 0.85, 0.35).moved(-L * U(r, 0.0, 0.12), 0.55 + h + h * 0.35, 0)
    parts = [(body, col), (cabin, 'glass')]
    for x in (-L * 0.32, L * 0.32):
        for z in (-w / 2, w / 2):
            parts += _wheel(0.4, 0.3, x, 0.4, z)
    return parts


@shape('truck')
def truck(r):
    L, w = U(r, 5.0, 6.0), U(r, 2.0, 2.3)
    cab = rbox(1.4, 1.6, w, 0.15).moved(L / 2 - 0.7, 1.5, 0)
    box_h = U(r, 1.6, 2.2)
    cargo = bx(L - 1.6, box_h, w).moved(-0.8, 0.8 + box_h / 2, 0)
    chassis = bx(L, 0.3, w * 0.8).moved(0, 0.6, 0)
    parts = [(cab, pick(r, PLASTICS[:6])), (cargo, pick(r, ['plastic_white', 'metal_steel', 'plastic_grey', 'plastic_blue'])),
             (chassis, 'metal_dark'), (bx(0.05, 0.6, w * 0.8).moved(L / 2, 1.8, 0), 'glass')]
    for x in (-L * 0.35, -L * 0.15, L * 0.35):
        for z in (-w / 2, w / 2):
            parts += _wheel(0.5, 0.35, x, 0.5, z)
    return parts


@shape('bus')
def bus(r):
    L, w, h = U(r, 6.0, 7.5), 2.2, U(r, 2.2, 2.8)
    body = rbox(L, h, w, 0.12).moved(0, 0.5 + h / 2, 0)
    parts = [(body, pick(r, ['plastic_yellow', 'plastic_red', 'plastic_blue', 'plastic_white']))]
    n = int(L / 1.1)
    for k in range(n):
        x = -L / 2 + 0.6 + k * (L - 1.2) / max(1, n - 1)
        parts.append((bx(0.8, h * 0.35, 0.05).moved(x, 0.5 + h * 0.7, w / 2 + 0.02), 'glass'))
    parts.append((bx(0.05, h * 0.45, w * 0.8).moved(L / 2 + 0.02, 0.5 + h * 0.65, 0), 'glass'))
    for x in (-L * 0.33, L * 0.33):
        for z in (-w / 2, w / 2):
            parts += _wheel(0.5, 0.35, x, 0.5, z)
    return parts


@shape('bicycle')
def bicycle(r):
    rad = U(r, 0.6, 0.75)
    wb = U(r, 2.0, 2.4)
    col = pick(r, PLASTICS[:8] + ['metal_chrome'])
    parts = []
    for x in (-wb / 2, wb / 2):
        parts.append((S.torus(rad, 0.05, 28, 6).turned('x', 90).moved(x, rad, 0), 'rubber_black'))
        for k in range(6):
            a = np.pi * k / 6
            parts.append((rod((x - rad * np.cos(a), rad - rad * np.sin(a), 0), (x + rad * np.cos(a), rad + rad * np.sin(a), 0), 0.01, 4), 'metal_chrome'))
    seat = np.array([-wb * 0.15, rad + 1.0, 0])
    bb = np.array([0, rad, 0])
    head = np.array([wb * 0.32, rad + 0.95, 0])
    for a, b in ((bb, seat), (bb, head), (seat, head), ((-wb / 2, rad, 0), bb), ((-wb / 2, rad, 0), seat), ((wb / 2, rad, 0), head)):
        parts.append((rod(a, b, 0.04, 6), col))
    parts.append((rbox(0.35, 0.08, 0.15, 0.5).moved(*(seat + [0, 0.06, 0])), 'leather_black'))
    parts.append((rod(head + [0, 0.1, -0.35], head + [0, 0.1, 0.35], 0.03, 6), 'metal_chrome'))
    return parts


@shape('boat')
def boat(r):
    L, w, d = U(r, 3.0, 4.0), U(r, 1.0, 1.4), U(r, 0.5, 0.8)
    n = 12
    xs = np.linspace(-L / 2, L / 2, n)
    outline = [(x, w / 2 * np.sqrt(max(0.0, 1 - (x / (L / 2)) ** 4)) if x > 0 else w / 2 * (1 - 0.1 * abs(x) / (L / 2))) for x in xs]
    top = [(x, y) for x, y in outline] + [(x, -y) for x, y in outline[::-1]]
    hull = S.extrude(top, d).turned('x', 90).moved(0, d / 2, 0)
    parts = [(hull, pick(r, ['wood_dark', 'plastic_white', 'plastic_red', 'wood_oak']))]
    if r.random() < 0.6:
        mh = U(r, 2.0, 3.0)
        parts.append((cyl(0.05, mh).moved(L * 0.05, d, 0), 'wood_light'))
        parts.append((S.extrude([(0, 0), (L * 0.35, 0), (0, mh * 0.85)], 0.02).moved(L * 0.07, d + 0.2, 0), 'paper_white'))
    else:
        parts.append((bx(L * 0.3, 0.6, w * 0.7).moved(-L * 0.1, d + 0.3, 0), 'plastic_white'))
    return parts


@shape('airplane')
def airplane(r):
    L = U(r, 4.0, 5.0)
    rad = U(r, 0.28, 0.38)
    fus = S.revolve([(0, 0), (rad * 0.6, 0.2), (rad, 0.8), (rad, L * 0.7), (rad * 0.4, L), (0, L)], 20).turned('z', -90)
    span = U(r, 3.5, 5.0)
    sweep = U(r, 0.0, 0.6)
    wing = S.extrude([(0, 0), (sweep, span / 2), (sweep + 0.4, span / 2), (1.0, 0), (sweep + 0.4, -span / 2), (sweep, -span / 2)], 0.08)
    wing = wing.turned('x', 90).moved(L * 0.35, 0, 0)
    tail = S.extrude([(0, 0), (0.6, 0), (0.9, 0.9), (0.6, 0.9)], 0.06).moved(L * 0.82, rad * 0.5, 0)
    stab = S.extrude([(0, -0.8), (0.5, -0.8), (0.6, 0.8), (0.1, 0.8)], 0.06).turned('x', 90).moved(L * 0.85, 0, 0)
    col = pick(r, ['plastic_white', 'aluminium', 'plastic_red', 'plastic_blue'])
    return [(fus, col), (wing, col), (tail, pick(r, [col, 'plastic_red', 'plastic_blue'])), (stab, col)]


@shape('rocket')
def rocket(r):
    h, rad = U(r, 3.0, 4.0), U(r, 0.3, 0.42)
    body = S.revolve([(0, 0), (rad * 0.8, 0), (rad, 0.3), (rad, h * 0.7), (rad * 0.5, h * 0.9), (0, h)], 24)
    parts = [(body, pick(r, ['plastic_white', 'aluminium', 'metal_chrome']))]
    n = int(r.integers(3, 5))
    for k in range(n):
        fin = S.extrude([(rad * 0.9, 0), (rad * 2.0, -0.2), (rad * 2.0, 0.3), (rad * 0.9, 0.9)], 0.05)
        parts.append((fin.turned('y', 360 * k / n), pick(r, ['plastic_red', 'plastic_blue', 'plastic_black'])))
    parts.append((S.torus(rad * 0.45, 0.06, 16, 6).turned('x', 90).moved(0, h * 0.55, rad), 'glass'))
    return parts


@shape('train_engine')
def train_engine(r):
    L = U(r, 4.0, 5.0)
    boiler = cyl(0.55, L * 0.6, seg=20).turned('z', -90).moved(-L * 0.15, 1.2, 0)
    cab = bx(L * 0.3, 1.6, 1.4).moved(-L * 0.32, 1.5, 0)
    chimney = cyl(0.18, 0.6, rt=0.28).moved(L * 0.32, 1.6, 0)
    base = bx(L, 0.3, 1.2).moved(0, 0.55, 0)
    col = pick(r, ['plastic_black', 'plastic_red', 'plastic_green', 'plastic_blue'])
    parts = [(boiler, col), (cab, col), (chimney, 'metal_black'), (base, 'metal_dark'),
             (bx(L * 0.32, 0.12, 1.5).moved(-L * 0.32, 2.35, 0), 'metal_black')]
    for x in np.linspace(-L * 0.4, L * 0.35, 4):
        for z in (-0.65, 0.65):
            parts.append((cyl(0.35, 0.1).turned('x', 90).moved(x, 0.4, z + 0.05), 'metal_dark'))
    return parts


@shape('tractor')
def tractor(r):
    body = bx(2.0, 0.9, 1.0).moved(0.3, 1.2, 0)
    cab = bx(1.0, 1.2, 1.1).moved(-0.6, 2.0, 0)
    col = pick(r, ['plastic_green', 'plastic_red', 'plastic_yellow', 'plastic_blue'])
    parts = [(body, col), (cab, 'glass'), (bx(1.05, 0.08, 1.15).moved(-0.6, 2.62, 0), col),
             (cyl(0.08, 0.8).moved(1.0, 1.6, 0.2), 'metal_black')]
    for z in (-0.7, 0.7):
        parts += _wheel(U(r, 0.8, 1.0), 0.5, -0.7, 0.9, z)
        parts += _wheel(0.5, 0.3, 1.0, 0.5, z)
    return parts


@shape('helicopter')
def helicopter(r):
    body = ell(1.3, 0.8, 0.8, 12, 20).moved(0, 1.2, 0)
    boom = S.tube([(-1.0, 1.3, 0), (-3.5, 1.6, 0)], [0.25, 0.1], 10)
    fin = S.extrude([(0, 0), (0.5, 0), (0.3, 0.8), (0.0, 0.8)], 0.05).moved(-3.7, 1.5, 0)
    mast = cyl(0.08, 0.4).moved(0, 1.95, 0)
    L = U(r, 2.5, 3.2)
    parts = [(body, pick(r, PLASTICS[:7])), (boom, 'plastic_grey'), (fin, 'plastic_grey'), (mast, 'metal_dark'),
             (ell(0.6, 0.45, 0.55).moved(0.75, 1.4, 0), 'glass')]
    nb = int(r.integers(2, 5))
    for k in range(nb):
        parts.append((bx(L * 2, 0.04, 0.2).turned('y', 180 * k / nb).moved(0, 2.35, 0), 'metal_black'))
    for z in (-0.6, 0.6):
        parts.append((rod((-0.8, 0.1, z), (0.9, 0.1, z), 0.05, 6), 'metal_dark'))
        parts.append((rod((0.3, 0.1, z), (0.2, 0.7, z * 0.6), 0.04, 6), 'metal_dark'))
    return parts


# ----------------------------------------------------------------------------- outdoor & buildings
@shape('house')
def house(r):
    w, d, h = U(r, 2.5, 3.5), U(r, 2.0, 3.0), U(r, 1.5, 2.2)
    walls = bx(w, h, d).moved(0, h / 2, 0)
    rh = U(r, 0.8, 1.4)
    roof = S.extrude([(-w / 2 - 0.2, 0), (w / 2 + 0.2, 0), (0, rh)], d + 0.3).moved(0, h, 0)
    door = bx(0.5, 0.9, 0.05).moved(U(r, -w / 3, w / 3), 0.45, d / 2 + 0.02)
    parts = [(walls, pick(r, ['brick_red', 'wood_painted_white', 'concrete', 'cream'])), (roof, pick(r, ['terracotta', 'metal_dark', 'wood_dark'])),
             (door, pick(r, WOODS[:3] + ['plastic_red']))]
    for x in (-w / 3, w / 3):
        parts.append((bx(0.5, 0.5, 0.05).moved(x, h * 0.65, d / 2 + 0.02), 'glass'))
    if r.random() < 0.5:
        parts.append((bx(0.35, 1.0, 0.35).moved(w / 4, h + rh * 0.6, 0), 'brick_red'))
    return parts


@shape('lighthouse')
def lighthouse(r):
    h = U(r, 4.0, 5.5)
    tower = S.revolve([(0, 0), (0.9, 0), (0.55, h), (0, h)], 20)
    stripes = [(S.revolve([(0.9 - 0.35 * y0 / h + 0.01, y0), (0.9 - 0.35 * (y0 + 0.5) / h + 0.01, y0 + 0.5)], 20, 10), 'plastic_red')
               for y0 in np.arange(0.5, h - 0.5, 1.2)]
    lamp = cyl(0.45, 0.6, seg=12).moved(0, h, 0)
    cap = S.cone(0.6, 0.5, 16).moved(0, h + 0.6, 0)
    return [(tower, 'plastic_white'), (lamp, 'glass'), (cap, pick(r, ['plastic_red', 'metal_black']))] + stripes


@shape('conifer_tree')
def conifer_tree(r):
    h = U(r, 3.0, 4.5)
    trunk = cyl(0.15, h * 0.3, seg=10)
    parts = [(trunk, 'bark_brown')]
    n = int(r.integers(2, 5))
    for k in range(n):
        y = h * (0.2 + 0.7 * k / n)
        rad = U(r, 0.9, 1.2) * (1 - 0.6 * k / n)
        parts.append((S.cone(rad, h * 0.45, 16).moved(0, y, 0), pick(r, ['foliage_green', 'foliage_green', 'felt_green'])))
    return parts


@shape('deciduous_tree')
def deciduous_tree(r):
    h = U(r, 2.0, 3.0)
    trunk = S.revolve([(0, 0), (0.3, 0), (0.18, 0.3), (0.14, h), (0, h)], 12)
    parts = [(trunk, 'bark_brown')]
    for _ in range(int(r.integers(3, 7))):
        c = np.array([U(r, -0.8, 0.8), h + U(r, -0.2, 1.0), U(r, -0.8, 0.8)])
        parts.append((sph(U(r, 0.6, 1.0), 8, 14).moved(*c), pick(r, ['foliage_green', 'foliage_green', 'fruit_green'])))
    return parts


@shape('mushroom')
def mushroom(r):
    sh_, cap_r = U(r, 0.8, 1.4), U(r, 0.7, 1.1)
    stem = S.revolve([(0, 0), (0.28, 0), (0.22, sh_), (0, sh_)], 16)
    cap = S.revolve([(0, sh_ - 0.1), (cap_r, sh_ - 0.05), (cap_r * 0.9, sh_ + 0.2), (cap_r * 0.5, sh_ + U(r, 0.4, 0.7)), (0, sh_ + U(r, 0.6, 0.8))], 24)
    m = pick(r, ['fruit_red', 'bread_crust', 'cream', 'chocolate'])
    parts = [(stem, 'cream'), (cap, m)]
    if m == 'fruit_red':
        for _ in range(6):
            a, e = U(r, 0, 2 * np.pi), U(r, 0.3, 0.7)
            parts.append((sph(0.09, 5, 8).moved(np.cos(a) * cap_r * e, sh_ + 0.45 * (1 - e) + 0.2, np.sin(a) * cap_r * e), 'plastic_white'))
    return parts


@shape('cactus')
def cactus(r):
    h = U(r, 2.5, 3.5)
    m = pick(r, ['fruit_green', 'foliage_green'])
    parts = [(S.revolve([(0, 0), (0.35, 0), (0.35, h - 0.35), (0.2, h - 0.08), (0, h)], 10), m)]
    for s in (-1, 1):
        if r.random() < 0.8:
            y = U(r, 0.8, 1.8)
            up = U(r, 0.5, 1.0)
            parts.append((S.tube([(0, y, 0), (s * 0.7, y, 0), (s * 0.75, y + 0.1, 0), (s * 0.75, y + up, 0)], 0.2, 10), m))
    parts.append((cyl(0.6, 0.5, rt=0.7).moved(0, -0.45, 0), 'terracotta'))
    return parts


@shape('potted_plant')
def potted_plant(r):
    ph = U(r, 0.6, 0.9)
    pot = S.revolve([(0, 0), (0.4, 0), (0.55, ph), (0.5, ph), (0, ph - 0.05)], 20)
    parts = [(pot, pick(r, ['terracotta', 'ceramic_white', 'ceramic_blue', 'plastic_green']))]
    for k in range(int(r.integers(5, 10))):
        a = U(r, 0, 360)
        t = U(r, 20, 60)
        L = U(r, 0.8, 1.4)
        leaf = S.superquadric(0.12, 0.02, L / 2, 1.0, 1.0, 6, 10).moved(0, 0, L / 2).turned('x', -90 + t).turned('y', a)
        parts.append((leaf.moved(0, ph - 0.05, 0), 'foliage_green'))
    return parts


@shape('traffic_cone')
def traffic_cone(r):
    h = U(r, 1.4, 1.8)
    base = bx(1.0, 0.08, 1.0).moved(0, 0.04, 0)
    cone_ = S.revolve([(0, 0.08), (0.4, 0.08), (0.08, h), (0, h)], 20)
    stripe = S.revolve([(0.4 - 0.32 * 0.45 + 0.01, h * 0.45), (0.4 - 0.32 * 0.65 + 0.01, h * 0.65)], 20)
    return [(base, 'plastic_black'), (cone_, pick(r, ['plastic_orange', 'plastic_orange', 'plastic_red'])), (stripe, 'plastic_white')]


@shape('fire_hydrant')
def fire_hydrant(r):
    h = U(r, 1.4, 1.8)
    body = S.revolve([(0, 0), (0.45, 0), (0.45, 0.1), (0.3, 0.15), (0.3, h * 0.75), (0.35, h * 0.78), (0.3, h * 0.8),
                      (0.25, h * 0.95), (0.08, h), (0, h)], 16)
    col = pick(r, ['plastic_red', 'plastic_yellow', 'plastic_green'])
    parts = [(body, col), (cyl(0.14, 0.25).turned('z', 90).moved(0.5, h * 0.55, 0), col),
             (cyl(0.14, 0.25).turned('z', -90).moved(-0.5, h * 0.55, 0), col),
             (cyl(0.17, 0.2).turned('x', 90).moved(0, h * 0.5, 0.48), col)]
    return parts


@shape('mailbox')
def mailbox(r):
    post_h = U(r, 1.5, 2.0)
    post = bx(0.15, post_h, 0.15).moved(0, post_h / 2, 0)
    L = U(r, 0.9, 1.2)
    box_ = S.extrude([(0.3 * np.cos(a), 0.3 * np.sin(a)) for a in np.linspace(0, np.pi, 10)] + [(-0.3, -0.3), (0.3, -0.3)], L)
    flag = bx(0.03, 0.4, 0.15).moved(0.33, post_h + 0.35, -L * 0.2)
    return [(post, 'wood_oak'), (box_.moved(0, post_h + 0.3, 0), pick(r, ['metal_steel', 'plastic_black', 'plastic_blue'])),
            (flag, 'plastic_red')]


@shape('street_lamp')
def street_lamp(r):
    h = U(r, 4.0, 5.5)
    pole = cyl(0.08, h, rt=0.05, seg=10)
    arm_l = U(r, 0.6, 1.2)
    arm = S.tube([(0, h - 0.3, 0), (arm_l * 0.5, h + 0.1, 0), (arm_l, h - 0.05, 0)], 0.045, 8)
    lamp = S.revolve([(0, 0), (0.15, 0.05), (0.35, 0.25), (0, 0.3)], 12).moved(arm_l, h - 0.35, 0)
    return [(pole, pick(r, ['metal_dark', 'metal_black', 'plastic_green'])), (arm, 'metal_dark'), (lamp, 'metal_black'),
            (cyl(0.3, 0.2).moved(0, 0, 0), 'metal_black')]


@shape('tent')
def tent(r):
    w, l, h = U(r, 2.0, 2.8), U(r, 2.5, 3.5), U(r, 1.4, 2.0)
    if r.random() < 0.5:
        body = S.extrude([(-w / 2, 0), (w / 2, 0), (0, h)], l)
    else:
        body = S.revolve([(0, 0), (w / 2 * 1.3, 0), (0, h)], 6).scaled(1, 1, l / w)
    door = S.extrude([(-0.35, 0), (0.35, 0), (0, h * 0.7)], 0.03).moved(0, 0, l / 2 + 0.01)
    return [(body, pick(r, ['fabric_green', 'fabric_red', 'fabric_blue', 'plastic_orange', 'plastic_yellow'])), (door, 'plastic_black')]


@shape('windmill')
def windmill(r):
    h = U(r, 3.0, 4.0)
    tower = S.revolve([(0, 0), (0.9, 0), (0.55, h), (0, h)], 8)
    cap = S.cone(0.7, 0.7, 8).moved(0, h, 0)
    hub = cyl(0.12, 0.3).turned('x', 90).moved(0, h * 0.9, 0.65)
    parts = [(tower, pick(r, ['wood_painted_white', 'brick_red', 'stone_grey'])), (cap, 'wood_dark'), (hub, 'wood_dark')]
    n = int(r.integers(3, 6))
    L = U(r, 1.5, 2.2)
    for k in range(n):
        blade = bx(0.3, L, 0.04).moved(0, L / 2 + 0.1, 0).turned('z', 360 * k / n + U(r, 0, 30))
        parts.append((blade.moved(0, h * 0.9, 0.95), pick(r, ['wood_light', 'fabric_grey'])))
    return parts


@shape('umbrella')
def umbrella(r):
    h, rad = U(r, 1.8, 2.4), U(r, 1.1, 1.5)
    n = int(r.integers(6, 10))
    canopy = S.revolve([(0, h + 0.35), (rad * 0.5, h + 0.25), (rad, h - 0.1), (rad * 0.98, h - 0.13), (0, h + 0.3)], n)
    shaft = cyl(0.03, h + 0.5, seg=8)
    handle = S.tube(S.arc_path(0.15, 180, 360, 10, 'xy') + np.array([0.15, 0, 0]), 0.04, 8)
    return [(canopy, pick(r, PLASTICS[:9] + ['fabric_plaid'])), (shaft, 'metal_dark'), (handle, pick(r, ['wood_dark', 'plastic_black']))]


@shape('birdhouse')
def birdhouse(r):
    w, h = U(r, 0.8, 1.1), U(r, 0.9, 1.3)
    body = bx(w, h, w).moved(0, h / 2 + 1.5, 0)
    roof = S.extrude([(-w / 2 - 0.15, 0), (w / 2 + 0.15, 0), (0, 0.5)], w + 0.2).moved(0, h + 1.5, 0)
    hole = cyl(0.12, 0.04).turned('x', 90).moved(0, 1.5 + h * 0.6, w / 2 + 0.02)
    return [(body, pick(r, WOODS + ['plastic_red'])), (roof, pick(r, ['wood_dark', 'terracotta', 'plastic_green'])), (hole, 'plastic_black'),
            (bx(0.12, 1.5, 0.12).moved(0, 0.75, 0), 'wood_dark'), (rod((0, 1.5 + h * 0.4, w / 2), (0, 1.5 + h * 0.4, w / 2 + 0.25), 0.025, 6), 'wood_dark')]


@shape('snowman')
def snowman(r):
    r1, r2, r3 = U(r, 0.7, 0.9), U(r, 0.5, 0.65), U(r, 0.35, 0.45)
    y2 = r1 * 1.7 + r2 * 0.8
    y3 = y2 + r2 * 0.8 + r3
    parts = [(sph(r1).moved(0, r1, 0), 'paper_white'), (sph(r2).moved(0, y2, 0), 'paper_white'), (sph(r3).moved(0, y3, 0), 'paper_white'),
             (S.cone(0.06, 0.35, 10).turned('x', 90).moved(0, y3, r3 * 0.9), 'plastic_orange')]
    if r.random() < 0.6:
        parts.append((cyl(r3 * 0.7, 0.5).moved(0, y3 + r3 * 0.8, 0), 'plastic_black'))
        parts.append((cyl(r3 * 1.1, 0.05).moved(0, y3 + r3 * 0.8, 0), 'plastic_black'))
    for s in (-1, 1):
        parts.append((S.tube([(s * r2 * 0.9, y2 + 0.1, 0), (s * (r2 + 0.6), y2 + 0.5, 0)], 0.03, 5), 'bark_brown'))
    return parts


# ----------------------------------------------------------------------------- food
@shape('apple')
def apple(r):
    rad = U(r, 0.9, 1.1)
    prof = [(0, 0.15)] + [(rad * np.sin(t) * (1 + 0.1 * np.sin(t)), rad * (1 - np.cos(t)) * U(r, 0.9, 1.0)) for t in np.linspace(0.2, np.pi - 0.25, 10)] + [(0, rad * 1.75)]
    body = S.revolve(prof, 24)
    stem = S.tube([(0, rad * 1.7, 0), (0.05, rad * 2.0, 0.02)], 0.04, 6)
    parts = [(body, pick(r, ['fruit_red', 'fruit_green', 'fruit_yellow', 'fruit_red'])), (stem, 'bark_brown')]
    if r.random() < 0.5:
        parts.append((S.superquadric(0.15, 0.02, 0.3, 1, 1, 4, 8).moved(0.15, 0, 0.2).turned('z', 30).moved(0, rad * 1.95, 0), 'foliage_green'))
    return parts


@shape('banana')
def banana(r):
    R = U(r, 1.5, 2.0)
    sweep = U(r, 70, 110)
    path = S.arc_path(R, 270 - sweep / 2, 270 + sweep / 2, 16, 'xy')
    rad = 0.22 * np.sin(np.linspace(0.15, np.pi - 0.15, 16)) ** 0.5 + 0.02
    body = S.tube(path, rad, 6)
    m = pick(r, ['fruit_yellow', 'fruit_yellow', 'fruit_green'])
    return [(body, m), (S.tube([path[-1], path[-1] + np.array([0.1, 0.2, 0])], 0.05, 6), 'bark_brown')]


@shape('pear')
def pear(r):
    prof = [(0, 0.05), (0.5, 0.1), (0.75, 0.5), (0.65, 1.0), (0.35, 1.4), (0.28, 1.8), (0.1, 2.0), (0, 2.0)]
    prof = [(a * U(r, 0.9, 1.1), b) for a, b in prof]
    return [(S.revolve(prof, 24), pick(r, ['fruit_green', 'fruit_yellow', 'bread_crust'])), (S.tube([(0, 1.95, 0), (0.1, 2.3, 0)], 0.04, 6), 'bark_brown')]


@shape('orange')
def orange(r):
    rad = U(r, 0.9, 1.1)
    body = ell(rad, rad * U(r, 0.88, 1.0), rad, 14, 28)
    return [(body, pick(r, ['fruit_orange', 'fruit_orange', 'fruit_yellow'])), (sph(0.08, 5, 8).moved(0, rad * 0.95, 0), 'foliage_green')]


@shape('carrot')
def carrot(r):
    L = U(r, 2.0, 2.8)
    body = S.revolve([(0, 0), (0.1, 0.2), (0.3, L * 0.85), (0.28, L), (0, L)], 14)
    parts = [(body, 'plastic_orange')]
    for k in range(int(r.integers(3, 6))):
        a = 360 * k / 5
        parts.append((S.superquadric(0.06, 0.4, 0.02, 1, 1, 5, 8).moved(0, 0.4, 0).turned('z', U(r, -25, 25)).turned('y', a).moved(0, L, 0), 'foliage_green'))
    return parts


@shape('donut')
def donut(r):
    R, rr = U(r, 0.6, 0.75), U(r, 0.3, 0.4)
    ring = S.torus(R, rr, 28, 14)
    ic = S.torus(R, rr * 1.04, 28, 14)      # icing: the upper part of a slightly fatter torus
    keep = (ic.pos.reshape(-1, 3, 3)[:, :, 1].min(1) > rr * 0.1)
    ic = Mesh(ic.pos.reshape(-1, 3, 3)[keep].reshape(-1, 3), ic.nrm.reshape(-1, 3, 3)[keep].reshape(-1, 3))
    parts = [(ring, 'bread_crust'), (ic, pick(r, ['plastic_pink', 'chocolate', 'cream', 'plastic_white']))]
    for _ in range(int(r.integers(0, 12))):
        a = U(r, 0, 2 * np.pi)
        rr2 = R + U(r, -0.6, 0.6) * rr
        parts.append((bx(0.12, 0.03, 0.03).turned('y', U(r, 0, 180)).moved(np.cos(a) * rr2, rr * 1.02, np.sin(a) * rr2), pick(r, PLASTICS[:6])))
    return parts


@shape('cake')
def cake(r):
    tiers = int(r.integers(1, 4))
    parts = []
    y = 0.0
    rad = U(r, 1.0, 1.3)
    for k in range(tiers):
        h = U(r, 0.5, 0.8)
        parts.append((cyl(rad, h, seg=32).moved(0, y, 0), pick(r, ['cream', 'chocolate', 'plastic_pink', 'paper_white'])))
        parts.append((S.torus(rad, 0.06, 32, 6).moved(0, y + h, 0), 'cream'))
        y += h
        rad *= 0.7
    for k in range(int(r.integers(0, 6))):
        a = 2 * np.pi * k / 6
        parts.append((cyl(0.03, 0.35, seg=6).moved(np.cos(a) * rad * 0.7, y, np.sin(a) * rad * 0.7), 'wax_white'))
    parts.insert(0, (cyl(rad / 0.7 ** tiers * 1.2, 0.04, seg=32).moved(0, -0.04, 0), 'ceramic_white'))
    return parts


@shape('ice_cream_cone')
def ice_cream_cone(r):
    h = U(r, 1.4, 1.8)
    cone_ = S.revolve([(0, 0), (0.45, h), (0, h)], 16).turned('x', 180).moved(0, h, 0)
    parts = [(cone_, 'bread_crust')]
    y = h
    for k in range(int(r.integers(1, 4))):
        parts.append((sph(0.48 - 0.05 * k, 10, 16).moved(U(r, -0.05, 0.05), y + 0.25, 0), pick(r, ['cream', 'chocolate', 'plastic_pink', 'fruit_green', 'fruit_red'])))
        y += 0.6
    return parts


@shape('hamburger')
def hamburger(r):
    rad = U(r, 1.0, 1.2)
    bottom = cyl(rad, 0.3, rt=rad * 0.95, seg=28)
    patty = S.superquadric(rad * 1.03, 0.15, rad * 1.03, 0.5, 1, 8, 28).moved(0, 0.45, 0)
    top = S.revolve([(0, 0), (rad, 0), (rad * 0.95, 0.3), (rad * 0.6, 0.65), (0, 0.75)], 28).moved(0, 0.85, 0)
    parts = [(bottom, 'bread_crust'), (patty, 'chocolate'), (top, 'bread_crust')]
    if r.random() < 0.7:
        parts.append((cyl(rad * 1.08, 0.05, seg=10).moved(0, 0.62, 0), 'fruit_green'))
    if r.random() < 0.6:
        parts.append((bx(rad * 1.7, 0.04, rad * 1.7).turned('y', 45).moved(0, 0.7, 0), 'fruit_yellow'))
    if r.random() < 0.5:
        parts.append((cyl(rad * 0.9, 0.08, seg=20).moved(0, 0.76, 0), 'fruit_red'))
    return parts


@shape('egg')
def egg(r):
    k = U(r, 0.7, 0.8)
    prof = [(np.sin(t) * k * (1 - 0.15 * np.cos(t)), 1 - np.cos(t)) for t in np.linspace(0, np.pi, 14)]
    return [(S.revolve(prof, 24), pick(r, ['cream', 'bone', 'paper_white', 'bread_crust']))]


@shape('lollipop')
def lollipop(r):
    stick = cyl(0.04, U(r, 1.6, 2.2), seg=8)
    L = stick.pos[:, 1].max()
    rad = U(r, 0.45, 0.6)
    if r.random() < 0.5:
        candy = cyl(rad, 0.15, seg=28).turned('x', 90).moved(0, L + rad * 0.9, 0.075)
    else:
        candy = sph(rad).moved(0, L + rad * 0.9, 0)
    swirl = S.tube([(rad * 0.8 * t * np.cos(12 * t), L + rad * 0.9 + rad * 0.8 * t * np.sin(12 * t), 0.09) for t in np.linspace(0.05, 1, 40)], 0.04, 5)
    return [(stick, 'paper_white'), (candy, pick(r, PLASTICS[:9])), (swirl, 'plastic_white')]


@shape('pretzel')
def pretzel(r):
    t = np.linspace(0, 2 * np.pi, 60)
    k = U(r, 0.9, 1.1)
    x = np.sin(t) * (1 + 0.6 * np.cos(t)) * k
    y = np.cos(t) * 0.9 + 0.5 * np.cos(2 * t) * 0.5
    z = 0.15 * np.sin(2 * t)
    return [(S.tube(np.column_stack([x, y, z]), U(r, 0.12, 0.16), 8, closed=True), pick(r, ['bread_crust', 'chocolate']))]


@shape('pizza')
def pizza(r):
    rad = U(r, 1.2, 1.5)
    base = S.revolve([(0, 0), (rad, 0), (rad * 1.02, 0.1), (rad, 0.16), (rad * 0.93, 0.1), (0, 0.1)], 32)
    parts = [(base, 'bread_crust'), (cyl(rad * 0.92, 0.03, seg=32).moved(0, 0.1, 0), 'fruit_yellow')]
    for _ in range(int(r.integers(5, 12))):
        a, e = U(r, 0, 2 * np.pi), np.sqrt(U(r, 0, 1)) * rad * 0.8
        parts.append((cyl(0.16, 0.04, seg=12).moved(np.cos(a) * e, 0.12, np.sin(a) * e), pick(r, ['fruit_red', 'chocolate'])))
    return parts


# ----------------------------------------------------------------------------- electronics
@shape('laptop')
def laptop(r):
    w, d = U(r, 2.0, 2.6), U(r, 1.4, 1.8)
    angle = U(r, 95, 125)
    col = pick(r, ['aluminium', 'plastic_black', 'plastic_grey', 'plastic_white'])
    base = rbox(w, 0.08, d, 0.1).moved(0, 0.04, 0)
    keys = bx(w * 0.85, 0.01, d * 0.4).moved(0, 0.085, -d * 0.1)
    lid = bx(w, d, 0.06).moved(0, d / 2, 0).turned('x', -(angle - 90)).moved(0, 0.08, -d / 2)
    screen = bx(w * 0.9, d * 0.85, 0.01).moved(0, d / 2, 0.035).turned('x', -(angle - 90)).moved(0, 0.08, -d / 2)
    return [(base, col), (keys, 'plastic_black'), (lid, col), (screen, 'screen_black')]


@shape('monitor')
def monitor(r):
    w = U(r, 2.2, 3.0)
    h = w * U(r, 0.5, 0.65)
    panel = rbox(w, h, 0.1, 0.08).moved(0, 1.0 + h / 2, 0)
    screen = bx(w * 0.95, h * 0.92, 0.01).moved(0, 1.0 + h / 2, 0.055)
    stand = bx(0.15, 1.1, 0.1).moved(0, 0.55, -0.08)
    foot = rbox(0.9, 0.06, 0.6, 0.3).moved(0, 0.03, 0)
    col = pick(r, ['plastic_black', 'aluminium', 'plastic_white'])
    return [(panel, col), (screen, 'screen_black'), (stand, col), (foot, col)]


@shape('phone')
def phone(r):
    w, h = U(r, 0.65, 0.8), U(r, 1.3, 1.6)
    body = rbox(w, h, 0.08, U(r, 0.08, 0.15)).moved(0, h / 2, 0)
    screen = bx(w * 0.9, h * 0.88, 0.01).moved(0, h / 2, 0.042)
    cam = cyl(0.06, 0.02).turned('x', -90).moved(-w * 0.3, h * 0.88, -0.04)
    return [(body, pick(r, ['plastic_black', 'aluminium', 'gold', 'plastic_blue', 'plastic_white'])), (screen, 'screen_black'), (cam, 'glass')]


@shape('keyboard')
def keyboard(r):
    cols, rows = int(r.integers(10, 15)), int(r.integers(4, 6))
    w, d = cols * 0.2 + 0.2, rows * 0.2 + 0.2
    base = rbox(w, 0.12, d, 0.1).moved(0, 0.06, 0)
    parts = [(base, pick(r, ['plastic_black', 'plastic_white', 'plastic_grey']))]
    km = pick(r, ['plastic_grey', 'plastic_white', 'plastic_black'])
    for i in range(rows):
        for j in range(cols):
            parts.append((bx(0.16, 0.06, 0.16).moved(-w / 2 + 0.2 + j * 0.2, 0.14, -d / 2 + 0.2 + i * 0.2), km))
    return parts


@shape('headphones')
def headphones(r):
    R = U(r, 0.8, 1.0)
    band = S.tube(S.arc_path(R, 10, 170, 20, 'xy') + np.array([0, 0.5, 0]), 0.07, 8)
    col = pick(r, ['plastic_black', 'plastic_white', 'plastic_red', 'aluminium'])
    parts = [(band, col)]
    for s in (-1, 1):
        cup = cyl(U(r, 0.3, 0.38), 0.25, seg=20).turned('z', 90).moved(s * R * 0.98 + (0.125 if s < 0 else 0.125) - (0.25 if s > 0 else 0), 0.5, 0)
        parts.append((cup, col))
        parts.append((cyl(0.3, 0.08, seg=20).turned('z', 90).moved(s * (R * 0.98 - 0.17) + 0.04, 0.5, 0), 'leather_black'))
    return parts


@shape('camera')
def camera(r):
    w, h, d = U(r, 1.4, 1.8), U(r, 0.9, 1.1), U(r, 0.5, 0.7)
    body = rbox(w, h, d, 0.15).moved(0, h / 2, 0)
    lens_l = U(r, 0.3, 0.9)
    lens = cyl(U(r, 0.3, 0.4), lens_l, seg=24).turned('x', 90).moved(0, h * 0.45, d / 2)
    glass = cyl(0.25, 0.02, seg=20).turned('x', 90).moved(0, h * 0.45, d / 2 + lens_l)
    grip = rbox(0.35, h * 0.9, d * 1.2, 0.3).moved(w / 2 - 0.2, h * 0.45, 0.05)
    return [(body, pick(r, ['plastic_black', 'metal_dark', 'aluminium'])), (lens, 'metal_black'), (glass, 'glass'), (grip, 'leather_black'),
            (bx(0.3, 0.15, 0.2).moved(-w * 0.25, h + 0.07, 0), 'metal_dark')]


@shape('speaker')
def speaker(r):
    w, h, d = U(r, 0.8, 1.1), U(r, 1.4, 2.0), U(r, 0.7, 0.9)
    body = bx(w, h, d).moved(0, h / 2, 0)
    parts = [(body, pick(r, ['wood_dark', 'plastic_black', 'wood_oak']))]
    for y, rad in ((h * 0.3, w * 0.38), (h * 0.7, w * 0.22)):
        parts.append((S.revolve([(rad, 0), (rad * 0.3, -0.1), (0, -0.1)], 20).turned('x', 90).moved(0, y, d / 2 + 0.01), 'plastic_black'))
        parts.append((S.torus(rad, 0.03, 20, 6).turned('x', 90).moved(0, y, d / 2), 'metal_chrome'))
    return parts


@shape('light_bulb')
def light_bulb(r):
    prof = [(0, 0), (0.25, 0.02), (0.27, 0.45), (0.3, 0.55)] + [(0.3 + 0.4 * np.sin(t), 0.55 + 0.5 * (1 - np.cos(t)) + 0.3 * t) for t in np.linspace(0.3, np.pi / 2, 4)] \
        + [(0.7 * np.cos(t), 1.5 + 0.65 * np.sin(t)) for t in np.linspace(0, np.pi / 2, 6)]
    glass = S.revolve(prof[3:], 24)
    base = S.revolve(prof[:4] + [(0, 0.55)], 16)
    threads = S.tube(S.helix_path(0.27, 0.4, 3, 40) + np.array([0, 0.05, 0]), 0.025, 5)
    return [(glass, pick(r, ['glass', 'paper_white', 'glass'])), (base, 'aluminium'), (threads, 'aluminium')]


@shape('wall_clock')
def wall_clock(r):
    rad = U(r, 1.0, 1.2)
    n = 4 if r.random() < 0.3 else 32
    rim = cyl(rad, 0.2, seg=n).turned('x', 90).moved(0, rad, 0.1)
    face = cyl(rad * 0.9, 0.02, seg=n).turned('x', 90).moved(0, rad, 0.12)
    parts = [(rim, pick(r, ['plastic_black', 'wood_dark', 'plastic_red', 'metal_chrome'])), (face, 'paper_white')]
    for k in range(12):
        a = 2 * np.pi * k / 12
        parts.append((bx(0.05, 0.15, 0.02).turned('z', -np.degrees(a)).moved(np.sin(a) * rad * 0.78, rad + np.cos(a) * rad * 0.78, 0.14), 'plastic_black'))
    for L, a in ((rad * 0.5, U(r, 0, 360)), (rad * 0.75, U(r, 0, 360))):
        parts.append((bx(0.06, L, 0.02).moved(0, L / 2, 0).turned('z', a).moved(0, rad, 0.16), 'plastic_black'))
    return parts


@shape('alarm_clock')
def alarm_clock(r):
    rad = U(r, 0.6, 0.75)
    body = cyl(rad, 0.45, seg=28).turned('x', 90).moved(0, rad + 0.15, 0.22)
    face = cyl(rad * 0.85, 0.02, seg=28).turned('x', 90).moved(0, rad + 0.15, 0.24)
    col = pick(r, ['plastic_red', 'metal_chrome', 'plastic_blue', 'plastic_yellow', 'plastic_green'])
    parts = [(body, col), (face, 'paper_white')]
    for s in (-1, 1):
        parts.append((sph(0.28, 8, 12).scaled(1, 0.6, 1).moved(s * rad * 0.55, rad * 1.95 + 0.05, 0), col))
        parts.append((rod((s * rad * 0.5, 0.25, 0), (s * rad * 0.75, 0, 0), 0.04, 6), 'metal_dark'))
    parts.append((bx(0.05, rad * 0.6, 0.02).moved(0, rad * 0.3, 0).turned('z', U(r, 0, 360)).moved(0, rad + 0.15, 0.26), 'plastic_black'))
    return parts


@shape('desk_fan')
def desk_fan(r):
    base = cyl(0.5, 0.12, seg=24)
    pole = cyl(0.06, U(r, 1.0, 1.4), seg=10)
    top = pole.pos[:, 1].max()
    motor = ell(0.25, 0.25, 0.35).moved(0, top + 0.2, -0.1)
    R = U(r, 0.7, 0.9)
    cage = [(S.torus(R, 0.02, 28, 4).turned('x', 90).moved(0, top + 0.2, 0.3 + dz), 'metal_chrome') for dz in (0.0, 0.15)]
    parts = [(base, pick(r, ['plastic_white', 'plastic_black', 'metal_steel'])), (pole, 'metal_chrome'), (motor, 'plastic_white')] + cage
    n = int(r.integers(3, 6))
    for k in range(n):
        blade = S.superquadric(0.22, R * 0.42, 0.02, 1, 1, 6, 10).moved(0, R * 0.45, 0).turned('z', 360 * k / n)
        parts.append((blade.moved(0, top + 0.2, 0.38), pick(r, ['plastic_blue', 'plastic_white', 'glass'])))
    return parts


@shape('flashlight')
def flashlight(r):
    L = U(r, 1.8, 2.4)
    body = S.revolve([(0, 0), (0.16, 0), (0.16, L * 0.7), (0.3, L * 0.9), (0.3, L), (0, L)], 16).turned('z', -90)
    lens = cyl(0.26, 0.02, seg=16).turned('z', -90).moved(L, 0, 0)
    return [(body, pick(r, ['metal_black', 'aluminium', 'plastic_yellow', 'plastic_red'])), (lens, 'glass'),
            (bx(0.15, 0.06, 0.1).moved(L * 0.5, 0.17, 0), 'rubber_black')]


# ----------------------------------------------------------------------------- everyday objects
@shape('book')
def book(r):
    w, h, t = U(r, 1.2, 1.6), U(r, 1.7, 2.2), U(r, 0.2, 0.6)
    cover_m = pick(r, ['plastic_red', 'plastic_blue', 'plastic_green', 'leather_brown', 'fabric_red', 'plastic_black'])
    pages = bx(w - 0.05, h - 0.08, t - 0.06).moved(0.03, h / 2, 0)
    parts = [(pages, 'paper_white'), (bx(w, h, 0.03).moved(0, h / 2, t / 2), cover_m), (bx(w, h, 0.03).moved(0, h / 2, -t / 2), cover_m),
             (bx(0.04, h, t + 0.03).moved(-w / 2, h / 2, 0), cover_m)]
    if r.random() < 0.5:
        parts = [(m.turned('z', 90).moved(h / 2, 0, 0), mat) for m, mat in parts]
    return parts


@shape('pencil')
def pencil(r):
    L = U(r, 2.5, 3.2)
    body = cyl(0.1, L, seg=6).turned('z', -90)
    tip = S.cone(0.1, 0.35, 6).turned('z', -90).moved(L, 0, 0)
    lead = S.cone(0.03, 0.1, 6).turned('z', -90).moved(L + 0.26, 0, 0)
    parts = [(body, pick(r, ['plastic_yellow', 'plastic_red', 'plastic_blue', 'plastic_green', 'wood_light'])), (tip, 'wood_light'), (lead, 'plastic_black')]
    if r.random() < 0.7:
        parts += [(cyl(0.105, 0.15, seg=12).turned('z', 90).moved(0, 0, 0), 'aluminium'), (cyl(0.1, 0.15, seg=12).turned('z', 90).moved(-0.15, 0, 0), 'plastic_pink')]
    return parts


@shape('scissors')
def scissors(r):
    L = U(r, 1.2, 1.6)
    ang = U(r, 10, 35)
    col = pick(r, ['plastic_red', 'plastic_blue', 'plastic_black', 'plastic_orange'])
    parts = []
    for s in (-1, 1):
        blade = S.extrude([(0, -0.05), (L, -0.02), (L, 0.02), (0, 0.08)], 0.03).turned('z', s * ang / 2)
        loop = S.torus(0.22, 0.05, 16, 6).turned('x', 90).moved(-0.4, 0, 0).turned('z', s * ang / 2)
        parts += [(blade.moved(0, 0, s * 0.02), 'metal_chrome'), (loop.moved(0, -s * 0.25, 0), col)]
    parts.append((cyl(0.06, 0.1).turned('x', 90).moved(0, 0, 0.05), 'metal_steel'))
    return parts


@shape('key')
def key(r):
    L = U(r, 1.5, 2.0)
    bow = S.torus(0.3, 0.08, 20, 6).turned('x', 90) if r.random() < 0.5 else S.extrude(S.regular_polygon(int(r.integers(4, 7)), 0.4), 0.08)
    shaft = bx(L, 0.15, 0.08).moved(L / 2 + 0.3, 0, 0)
    parts = [(bow, pick(r, ['brass', 'metal_steel', 'gold'])), (shaft, pick(r, ['brass', 'metal_steel']))]
    x = L * 0.6
    while x < L + 0.2:
        d = U(r, 0.1, 0.22)
        parts.append((bx(0.1, d, 0.08).moved(x, -0.075 - d / 2, 0), parts[1][1]))
        x += U(r, 0.12, 0.2)
    return parts


@shape('padlock')
def padlock(r):
    w, h = U(r, 0.9, 1.2), U(r, 0.8, 1.1)
    body = rbox(w, h, 0.4, 0.2).moved(0, h / 2, 0)
    sh_ = S.tube(S.arc_path(w * 0.32, 0, 180, 14, 'xy') + np.array([0, h + U(r, 0.2, 0.5), 0]), 0.07, 8)
    sh_legs = [(rod((s * w * 0.32, h * 0.8, 0), (s * w * 0.32, h + 0.3, 0), 0.07), 'metal_chrome') for s in (-1, 1)]
    return [(body, pick(r, ['brass', 'metal_steel', 'plastic_red', 'plastic_blue'])), (sh_, 'metal_chrome'),
            (cyl(0.08, 0.02).turned('x', 90).moved(0, h * 0.35, 0.2), 'plastic_black')] + sh_legs


@shape('bell')
def bell(r):
    rad = U(r, 0.8, 1.0)
    prof = [(rad, 0), (rad * 0.95, 0.1), (rad * 0.65, 0.5), (rad * 0.55, 1.0), (rad * 0.45, 1.3), (0, 1.35)]
    body = S.revolve(prof + [(0, 1.3)], 28)
    inner = S.revolve([(0, 1.2), (rad * 0.4, 1.2), (rad * 0.5, 0.9), (rad * 0.9, 0.05), (rad * 0.95, 0.05)][::-1], 28)
    loop = S.torus(0.18, 0.06, 14, 6).turned('x', 90).moved(0, 1.5, 0)
    return [(body, pick(r, ['brass', 'gold', 'copper', 'metal_steel'])), (inner, 'metal_dark'), (loop, 'brass'), (sph(0.12).moved(0, 0.1, 0), 'metal_dark')]


@shape('trophy')
def trophy(r):
    cup_h = U(r, 0.8, 1.2)
    prof = [(0, 0), (0.6, 0), (0.6, 0.3), (0.3, 0.35), (0.1, 0.5), (0.1, 0.9), (0.2, 1.0)]
    prof += [(0.2 + 0.5 * np.sin(t * np.pi / 2), 1.0 + cup_h * t) for t in np.linspace(0.2, 1, 5)] + [(0.65, 1.0 + cup_h), (0, 1.1)]
    parts = [(S.revolve(prof, 28), pick(r, ['gold', 'gold', 'metal_chrome', 'copper']))]
    if r.random() < 0.7:
        for s in (-1, 1):
            h_ = handle_loop(cup_h * 0.3, 0.05)
            if s < 0:
                h_ = h_.mirrored_x()
            parts.append((h_.moved(s * 0.62, 1.0 + cup_h * 0.6, 0), parts[0][1]))
    return parts


@shape('crown')
def crown(r):
    rad = U(r, 0.8, 1.0)
    band = S.revolve([(rad, 0), (rad * 1.02, 0.35), (rad * 0.96, 0.35), (rad * 0.94, 0)], 32)
    parts = [(band, 'gold')]
    n = int(r.integers(5, 9))
    for k in range(n):
        a = 360 * k / n
        spike = S.extrude([(-0.22, 0), (0.22, 0), (0, U(r, 0.4, 0.7))], 0.05).moved(0, 0.33, rad).turned('y', a)
        parts.append((spike, 'gold'))
        parts.append((sph(0.08, 5, 8).moved(0, 0.18, rad + 0.03).turned('y', a), pick(r, ['plastic_red', 'plastic_blue', 'fruit_green'])))
    return parts


@shape('candle')
def candle(r):
    h, rad = U(r, 1.2, 2.0), U(r, 0.2, 0.35)
    body = cyl(rad, h, seg=20)
    wick = cyl(0.02, 0.12).moved(0, h, 0)
    flame = ell(0.07, 0.16, 0.07, 6, 10).moved(0, h + 0.25, 0)
    parts = [(body, pick(r, ['wax_white', 'plastic_red', 'cream', 'plastic_purple'])), (wick, 'plastic_black'), (flame, 'fruit_yellow')]
    if r.random() < 0.6:
        parts.append((S.revolve([(0, 0), (rad * 2.2, 0), (rad * 2.3, 0.15), (rad * 2.1, 0.15), (rad * 1.05, 0.06), (0, 0.06)], 24).moved(0, -0.06, 0), 'brass'))
    return parts


@shape('hourglass')
def hourglass(r):
    h = U(r, 1.6, 2.0)
    w = U(r, 0.45, 0.6)
    glass = S.revolve([(0, 0.1), (w, 0.1), (w * 0.95, h * 0.3), (0.06, h / 2), (w * 0.95, h * 0.7), (w, h - 0.1), (0, h - 0.1)], 20)
    sand = S.revolve([(0, 0.11), (w * 0.9, 0.11), (0, 0.11 + U(r, 0.2, 0.5))], 20)
    plate_ = cyl(w * 1.25, 0.1, seg=20 if r.random() < 0.5 else 6)
    parts = [(glass, 'glass'), (sand, 'fruit_yellow'), (plate_, pick(r, WOODS[:3])), (plate_.moved(0, h - 0.1, 0), pick(r, WOODS[:3]))]
    for k in range(3):
        a = 2 * np.pi * k / 3
        parts.append((cyl(0.04, h, seg=6).moved(np.cos(a) * w * 1.1, 0, np.sin(a) * w * 1.1), 'wood_dark'))
    return parts


@shape('globe')
def globe(r):
    rad = U(r, 0.8, 1.0)
    ball = sph(rad, 14, 28).moved(0, rad + 0.45, 0)
    ring = S.torus(rad + 0.06, 0.03, 28, 6, 200).turned('x', 90).turned('z', 80).moved(0, rad + 0.45, 0)
    stand = cyl(0.08, 0.45, seg=10)
    base = cyl(0.5, 0.08, seg=24)
    return [(ball, pick(r, ['ceramic_blue', 'camo_011', 'plastic_blue'])), (ring, 'brass'), (stand, 'brass'), (base, pick(r, ['wood_dark', 'metal_black']))]


@shape('anchor')
def anchor(r):
    h = U(r, 2.0, 2.6)
    shank = cyl(0.08, h, seg=10)
    arc = S.arc_path(U(r, 0.7, 0.9), 200, 340, 16, 'xy') + np.array([0, 0.8, 0])
    arms = S.tube(arc, 0.08, 8)
    flukes = [(S.cone(0.15, 0.35, 8).turned('z', 90 * s).moved(*(arc[0 if s > 0 else -1] + np.array([0, 0.1, 0]))), 'metal_dark') for s in (1, -1)]
    ring = S.torus(0.22, 0.05, 16, 6).turned('x', 90).moved(0, h + 0.2, 0)
    stock = cyl(0.06, 1.0, seg=8).turned('x', 90).moved(0, h * 0.8, 0.5)
    return [(shank, 'metal_dark'), (arms, 'metal_dark'), (ring, 'metal_dark'), (stock, pick(r, ['metal_dark', 'wood_dark']))] + flukes


@shape('star')
def star(r):
    n = int(r.integers(5, 8))
    return [(S.extrude(S.star_polygon(n, 1.0, U(r, 0.4, 0.55)), U(r, 0.2, 0.4)), pick(r, ['gold', 'plastic_yellow', 'plastic_red', 'plastic_blue']))]


@shape('heart')
def heart(r):
    return [(S.extrude(S.heart_polygon() * np.array([U(r, 0.9, 1.1), 1.0]), U(r, 0.25, 0.45)), pick(r, ['plastic_red', 'plastic_pink', 'chocolate', 'fabric_red']))]


@shape('gear')
def gear(r):
    teeth = int(r.integers(8, 20))
    g = S.extrude(S.gear_polygon(teeth, 1.0, U(r, 0.78, 0.86)), U(r, 0.2, 0.35))
    hub = cyl(0.25, 0.5, seg=16).turned('x', 90).moved(0, 0, 0.25)
    return [(g, pick(r, ['metal_steel', 'brass', 'metal_dark', 'plastic_white'])), (hub, 'metal_chrome')]


@shape('spring')
def spring(r):
    turns = U(r, 4, 8)
    return [(S.tube(S.helix_path(U(r, 0.4, 0.6), U(r, 1.6, 2.4), turns, int(turns * 16)), 0.06, 6), pick(r, ['metal_chrome', 'metal_steel', 'copper', 'plastic_red']))]


@shape('ring')
def ring_(r):
    band = S.torus(0.7, U(r, 0.08, 0.14), 32, 8).turned('x', 90).moved(0, 0.7, 0)
    gem = S.superquadric(0.22, 0.2, 0.22, 1.5 if r.random() < 0.5 else 0.6, 1.2, 6, 8).moved(0, 1.5, 0)
    return [(band, pick(r, ['gold', 'metal_chrome', 'copper'])), (gem, pick(r, ['glass', 'plastic_red', 'plastic_blue', 'fruit_green'])),
            (cyl(0.15, 0.2, rt=0.22, seg=8).moved(0, 1.28, 0), 'gold')]


@shape('top_hat')
def top_hat(r):
    h, rad = U(r, 1.0, 1.4), U(r, 0.5, 0.6)
    crown_ = S.revolve([(0, 0), (rad, 0), (rad * U(r, 1.0, 1.15), h), (0, h)], 28)
    brim = S.revolve([(0, 0), (rad * 1.6, 0.05), (rad * 1.65, 0.1), (0, 0.06)], 28)
    band = cyl(rad * 1.01, 0.15, seg=28).moved(0, 0.08, 0)
    return [(crown_, pick(r, ['plastic_black', 'felt_green', 'fabric_grey', 'leather_brown'])), (brim, 'plastic_black'),
            (band, pick(r, ['fabric_red', 'plastic_white', 'fabric_blue']))]


@shape('suitcase')
def suitcase(r):
    w, h, d = U(r, 1.4, 1.8), U(r, 1.0, 1.4), U(r, 0.5, 0.7)
    body = rbox(w, h, d, 0.15).moved(0, h / 2, 0)
    handle = S.tube(S.arc_path(0.25, 0, 180, 10, 'xy') + np.array([0, h, 0]), 0.05, 6)
    parts = [(body, pick(r, ['leather_brown', 'plastic_black', 'plastic_blue', 'plastic_red', 'aluminium'])), (handle, 'plastic_black')]
    for x in (-w * 0.35, w * 0.35):
        parts.append((bx(0.12, 0.2, 0.06).moved(x, h * 0.85, d / 2), 'brass'))
    return parts


@shape('basket')
def basket(r):
    rad, h = U(r, 0.8, 1.0), U(r, 0.6, 0.9)
    body = S.revolve([(0, 0), (rad * 0.8, 0), (rad, h), (rad * 0.96, h), (rad * 0.77, 0.05), (0, 0.05)], 24)
    parts = [(body, pick(r, ['straw', 'wood_light', 'plastic_green']))]
    if r.random() < 0.7:
        parts.append((S.tube(S.arc_path(rad * 0.95, 0, 180, 16, 'xy') + np.array([0, h, 0]), 0.05, 6), 'straw'))
    return parts


@shape('barrel')
def barrel(r):
    h, rad = U(r, 1.6, 2.0), U(r, 0.6, 0.75)
    prof = [(0, 0), (rad * 0.85, 0)] + [(rad * (0.85 + 0.15 * np.sin(np.pi * t)), h * t) for t in np.linspace(0.05, 0.95, 7)] + [(rad * 0.85, h), (0, h)]
    body = S.revolve(prof, 24)
    parts = [(body, pick(r, ['wood_oak', 'wood_dark', 'metal_steel', 'plastic_blue']))]
    for t in (0.12, 0.88):
        rr = rad * (0.85 + 0.15 * np.sin(np.pi * t)) + 0.02
        parts.append((cyl(rr, 0.1, seg=24).moved(0, h * t - 0.05, 0), 'metal_dark'))
    return parts


@shape('crate')
def crate(r):
    s = U(r, 1.0, 1.3)
    box_ = bx(s, s, s).moved(0, s / 2, 0)
    parts = [(box_, pick(r, ['wood_light', 'wood_oak', 'cardboard']))]
    for y in (0.05, s - 0.05):          # slats along the front and back
        for z in (-s / 2, s / 2):
            parts.append((bx(s + 0.04, 0.1, 0.05).moved(0, y, z), 'wood_dark'))
    return parts + [(bx(0.05, s, s * 0.1).moved(x, s / 2, 0), 'wood_dark') for x in (-s / 2, s / 2)]


@shape('watering_can')
def watering_can(r):
    rad, h = U(r, 0.5, 0.6), U(r, 0.8, 1.0)
    body = cyl(rad, h, rt=rad * 0.85, seg=24)
    spout = S.tube([(rad * 0.8, h * 0.2, 0), (rad * 1.6, h * 0.7, 0), (rad * 2.2, h * 1.2, 0)], [0.1, 0.07, 0.06], 8)
    rose = cyl(0.14, 0.08, seg=12).turned('z', -40).moved(rad * 2.2, h * 1.2, 0)
    handle = S.tube(S.arc_path(rad * 0.8, 10, 170, 14, 'xy') + np.array([-0.1, h, 0]), 0.05, 6)
    m = pick(r, ['metal_steel', 'plastic_green', 'plastic_red', 'copper'])
    return [(body, m), (spout, m), (rose, m), (handle, m)]


@shape('guitar')
def guitar(r):
    lower = ell(U(r, 0.6, 0.7), 0.15, U(r, 0.55, 0.65), 8, 24).turned('x', 90).moved(0, 0.6, 0)
    upper = ell(U(r, 0.45, 0.55), 0.15, 0.45, 8, 24).turned('x', 90).moved(0, 1.3, 0)
    neck = bx(0.18, 1.6, 0.08).moved(0, 2.4, 0.05)
    head = bx(0.28, 0.45, 0.08).moved(0, 3.35, 0.05)
    hole = cyl(0.17, 0.02).turned('x', 90).moved(0, 1.05, 0.16)
    m = pick(r, ['wood_light', 'wood_oak', 'plastic_red', 'plastic_black', 'wood_dark'])
    parts = [(lower, m), (upper, m), (neck, 'wood_dark'), (head, 'wood_dark'), (hole, 'plastic_black')]
    for k in range(6):
        x = (k - 2.5) * 0.025
        parts.append((rod((x, 0.55, 0.17), (x, 3.2, 0.11), 0.006, 3), 'metal_chrome'))
    return parts


@shape('drum')
def drum(r):
    rad, h = U(r, 0.8, 1.0), U(r, 0.6, 1.0)
    shell = cyl(rad, h, seg=28)
    parts = [(shell, pick(r, ['plastic_red', 'plastic_blue', 'wood_oak', 'metal_chrome', 'plastic_white'])),
             (cyl(rad * 0.99, 0.01, seg=28).moved(0, h, 0), 'paper_white')]
    for y in (0.02, h - 0.04):
        parts.append((S.torus(rad, 0.04, 28, 6).moved(0, y, 0), 'metal_chrome'))
    for k in range(8):
        a = 2 * np.pi * k / 8
        parts.append((rod((np.cos(a) * rad * 1.02, 0.05, np.sin(a) * rad * 1.02), (np.cos(a) * rad * 1.02, h - 0.05, np.sin(a) * rad * 1.02), 0.02, 4), 'metal_chrome'))
    if r.random() < 0.5:
        for s in (-1, 1):
            parts.append((S.tube([(s * 0.2, h + 0.05, 0), (s * 0.5, h + 0.6, 0.3)], 0.03, 6), 'wood_light'))
    return parts


@shape('trumpet')
def trumpet(r):
    L = U(r, 2.2, 2.8)
    bell_r = U(r, 0.35, 0.45)
    tube_ = S.tube([(0, 0, 0), (L * 0.7, 0, 0), (L * 0.75, -0.3, 0), (L * 0.1, -0.3, 0), (0, -0.15, 0)], 0.05, 8)
    bell_ = S.revolve([(0.05, 0), (0.08, 0.4), (bell_r * 0.6, 0.65), (bell_r, 0.75), (bell_r * 0.95, 0.76), (0.04, 0.05)], 20).turned('z', 90).moved(0, 0, 0)
    valves = [(cyl(0.07, 0.45, seg=10).moved(L * 0.35 + 0.18 * k, -0.3, 0), 'brass') for k in range(3)]
    mouth = S.revolve([(0.05, 0), (0.1, 0.15), (0.06, 0.17)], 12).turned('z', -90).moved(L * 0.7, 0, 0)
    m = pick(r, ['brass', 'gold', 'metal_chrome'])
    return [(tube_, m), (bell_.moved(0, 0, 0), m), (mouth, 'metal_chrome')] + valves


@shape('lantern')
def lantern(r):
    w, h = U(r, 0.6, 0.8), U(r, 1.0, 1.3)
    n = int(r.integers(4, 7))
    glass = cyl(w / 2, h, seg=n)
    cap = S.cone(w * 0.65, 0.4, n).moved(0, h, 0)
    base = cyl(w * 0.6, 0.12, seg=n)
    m = pick(r, ['metal_black', 'brass', 'copper', 'metal_dark'])
    return [(glass, 'glass'), (cap, m), (base, m), (S.torus(0.15, 0.03, 12, 5).turned('x', 90).moved(0, h + 0.5, 0), m),
            (cyl(0.1, h * 0.4, seg=8).moved(0, 0.12, 0), 'wax_white')]


@shape('coat_hanger')
def coat_hanger(r):
    w = U(r, 2.0, 2.6)
    h = U(r, 0.5, 0.8)
    tri = [(-w / 2, 0, 0), (0, h, 0), (w / 2, 0, 0), (-w / 2, 0, 0)]
    pts = []
    for a, b in zip(tri[:-1], tri[1:]):
        for t in np.linspace(0, 1, 6, endpoint=False):
            pts.append(np.array(a) * (1 - t) + np.array(b) * t)
    body = S.tube(np.array(pts), 0.05, 6, closed=True)
    hook = S.tube(S.arc_path(0.18, -90, 200, 14, 'xy') + np.array([0, h + 0.35, 0]), 0.03, 6)
    return [(body, pick(r, ['wood_light', 'plastic_white', 'metal_chrome', 'plastic_pink'])), (hook, 'metal_chrome'),
            (rod((0, h, 0), (0, h + 0.2, 0), 0.03, 6), 'metal_chrome')]


@shape('tire')
def tire(r):
    R, rr = U(r, 0.9, 1.1), U(r, 0.3, 0.4)
    t = S.torus(R, rr, 32, 12).scaled(1, U(r, 0.7, 1.0), 1).turned('x', 90)
    rim = cyl(R * 0.75, rr * 1.2, seg=24).turned('x', 90).moved(0, 0, rr * 0.6)
    return [(t, 'rubber_black'), (rim, pick(r, ['metal_chrome', 'aluminium', 'metal_dark']))]


@shape('traffic_light')
def traffic_light(r):
    h = U(r, 3.0, 3.8)
    pole = cyl(0.08, h, seg=10)
    box_ = rbox(0.5, 1.4, 0.4, 0.2).moved(0, h + 0.7, 0)
    parts = [(pole, 'metal_dark'), (box_, pick(r, ['plastic_black', 'plastic_yellow', 'metal_dark']))]
    for k, c in enumerate(['fruit_green', 'fruit_yellow', 'fruit_red']):
        parts.append((sph(0.15, 6, 10).moved(0, h + 0.25 + 0.45 * k, 0.18), c))
    return parts


@shape('sword')
def sword(r):
    L = U(r, 2.8, 3.4)
    blade = S.extrude([(-0.12, 0), (0.12, 0), (0.1, L * 0.9), (0, L), (-0.1, L * 0.9)], 0.04).moved(0, 0.9, 0)
    guard = rbox(U(r, 0.8, 1.2), 0.12, 0.14, 0.4).moved(0, 0.85, 0)
    grip = cyl(0.07, 0.7, seg=8).moved(0, 0.15, 0)
    pommel = sph(0.12).moved(0, 0.12, 0)
    return [(blade, 'metal_chrome'), (guard, pick(r, ['brass', 'gold', 'metal_dark'])), (grip, pick(r, ['leather_brown', 'leather_black'])), (pommel, 'brass')]


@shape('shield')
def shield(r):
    w = U(r, 1.4, 1.8)
    if r.random() < 0.5:
        shape_ = S.extrude([(-w / 2, 0.6), (w / 2, 0.6), (w / 2, -0.2), (0, -1.2), (-w / 2, -0.2)], 0.12)
    else:
        shape_ = cyl(w / 2 + 0.2, 0.12, seg=28).turned('x', 90)
    boss = sph(0.25).scaled(1, 1, 0.5).moved(0, 0, 0.08)
    return [(shape_, pick(r, ['wood_oak', 'plastic_red', 'plastic_blue', 'metal_steel'])), (boss, 'metal_chrome')]


@shape('telescope')
def telescope(r):
    L = U(r, 2.4, 3.0)
    tube_ = S.revolve([(0, 0), (0.18, 0), (0.2, L * 0.5), (0.25, L * 0.5), (0.28, L), (0, L)], 20).turned('z', -90 + U(r, 20, 40)).moved(-L * 0.3, 1.6, 0)
    parts = [(tube_, pick(r, ['brass', 'plastic_white', 'metal_black', 'plastic_blue']))]
    for k in range(3):
        a = 2 * np.pi * k / 3
        parts.append((rod((0, 1.6, 0), (np.cos(a) * 0.7, 0, np.sin(a) * 0.7), 0.04, 6), 'wood_dark'))
    return parts


@shape('balloon')
def balloon(r):
    rad = U(r, 0.7, 0.85)
    prof = [(0, 0)] + [(rad * np.sin(t) * (1 - 0.15 * np.cos(t)), rad * (1 - np.cos(t)) * 1.15) for t in np.linspace(0.25, np.pi, 10)]
    body = S.revolve(prof + [(0, rad * 2.3)], 24).moved(0, 1.5, 0)
    knot = S.cone(0.08, 0.12, 8).turned('x', 180).moved(0, 1.55, 0)
    string = S.tube([(0, 1.45, 0), (0.1, 1.0, 0.05), (-0.05, 0.5, 0), (0.05, 0, 0)], 0.012, 4)
    return [(body, pick(r, PLASTICS[:9])), (knot, 'plastic_red'), (string, 'paper_white')]


@shape('sunglasses')
def sunglasses(r):
    rad = U(r, 0.35, 0.45)
    parts = []
    col = pick(r, ['plastic_black', 'gold', 'plastic_red', 'metal_chrome'])
    n = 28 if r.random() < 0.5 else 6
    for s in (-1, 1):
        parts.append((cyl(rad, 0.04, seg=n).turned('x', 90).moved(s * (rad + 0.12), 0, 0), 'screen_black'))
        parts.append((S.torus(rad, 0.04, n, 5).turned('x', 90).moved(s * (rad + 0.12), 0, 0.02), col))
        parts.append((rod((s * (2 * rad + 0.12), 0.05, 0), (s * (2 * rad + 0.15), 0.05, -1.3), 0.035, 5), col))
    parts.append((S.tube(S.arc_path(0.12, 20, 160, 8, 'xy'), 0.03, 5), col))
    return parts


@shape('shoe')
def shoe(r):
    L = U(r, 2.4, 2.8)
    sole = rbox(L, 0.2, 0.9, 0.3).moved(0, 0.1, 0)
    upper = S.superquadric(L * 0.45, 0.45, 0.42, 0.6, 0.8, 10, 20).moved(L * 0.05, 0.4, 0)
    ankle = cyl(0.38, U(r, 0.4, 1.0), seg=20).moved(-L * 0.28, 0.3, 0)
    parts = [(sole, pick(r, ['rubber_black', 'plastic_white', 'chocolate'])), (upper, pick(r, ['leather_brown', 'leather_black', 'plastic_red', 'denim', 'plastic_white'])),
             (ankle, pick(r, ['leather_brown', 'leather_black', 'fabric_grey']))]
    for k in range(3):
        parts.append((bx(0.05, 0.03, 0.5).moved(L * 0.05 + 0.2 * k, 0.82, 0), 'paper_white'))
    return parts


@shape('backpack')
def backpack(r):
    w, h, d = U(r, 1.2, 1.5), U(r, 1.6, 2.0), U(r, 0.6, 0.8)
    body = rbox(w, h, d, 0.35).moved(0, h / 2, 0)
    pocket = rbox(w * 0.7, h * 0.4, 0.25, 0.4).moved(0, h * 0.3, d / 2)
    col = pick(r, ['fabric_red', 'fabric_blue', 'fabric_green', 'fabric_grey', 'denim', 'plastic_black'])
    parts = [(body, col), (pocket, col), (S.tube(S.arc_path(0.2, 0, 180, 10, 'xy') + np.array([0, h - 0.05, 0]), 0.04, 6), 'plastic_black')]
    for s in (-1, 1):
        parts.append((S.tube([(s * w * 0.3, h * 0.9, -d / 2), (s * w * 0.3, h * 0.5, -d / 2 - 0.2), (s * w * 0.3, h * 0.1, -d / 2)], 0.05, 6), 'plastic_black'))
    return parts


@shape('toilet')
def toilet(r):
    bowl_ = S.revolve([(0, 0), (0.35, 0), (0.4, 0.6), (0.55, 0.9), (0, 0.9)], 24).scaled(1, 1, 1.3)
    seat = S.torus(0.42, 0.06, 24, 6).scaled(1, 1, 1.3).moved(0, 0.95, 0)
    tank = rbox(0.9, 0.8, 0.35, 0.15).moved(0, 1.3, -0.65)
    m = pick(r, ['ceramic_white', 'ceramic_white', 'ceramic_blue', 'plastic_black'])
    return [(bowl_, m), (seat, pick(r, [m, 'wood_light', 'plastic_white'])), (tank, m), (bx(0.15, 0.05, 0.05).moved(0.3, 1.6, -0.45), 'metal_chrome')]


@shape('bathtub')
def bathtub(r):
    L, w, h = U(r, 2.8, 3.4), U(r, 1.3, 1.6), U(r, 0.8, 1.0)
    outer = S.superquadric(L / 2, h / 2, w / 2, 0.2, 0.3, 8, 28).moved(0, h / 2 + 0.15, 0)
    inner = S.superquadric(L / 2 - 0.1, h / 2, w / 2 - 0.1, 0.2, 0.3, 8, 28).moved(0, h / 2 + 0.27, 0)
    parts = [(outer, 'ceramic_white'), (inner, pick(r, ['ceramic_white', 'ceramic_blue', 'glass']))]
    for x in (-L * 0.38, L * 0.38):
        for z in (-w * 0.35, w * 0.35):
            parts.append((sph(0.12, 6, 8).moved(x, 0.1, z), pick(r, ['gold', 'metal_chrome', 'brass'])))
    return parts


@shape('faucet')
def faucet(r):
    h = U(r, 1.2, 1.6)
    base = cyl(0.25, 0.1, seg=20)
    column = cyl(0.1, h, seg=12)
    reach = U(r, 0.6, 0.9)
    spout = S.tube([(0, h, 0)] + [tuple(p) for p in S.arc_path(reach / 2, 180, 0, 10, 'xy') + np.array([reach / 2, h, 0])][1:] +
                   [(reach, h - 0.2, 0)], 0.07, 8)
    lever = rbox(0.5, 0.06, 0.08, 0.3).moved(-0.15, h * 0.7, 0.12)
    return [(base, 'metal_chrome'), (column, 'metal_chrome'), (spout, pick(r, ['metal_chrome', 'brass', 'metal_black'])), (lever, 'metal_chrome')]


@shape('microscope')
def microscope(r):
    base = rbox(1.0, 0.2, 1.2, 0.2).moved(0, 0.1, 0)
    arm = S.tube(S.arc_path(0.8, -60, 80, 12, 'xy') + np.array([-0.7, 0.9, 0]), 0.12, 8)
    stage = bx(0.8, 0.08, 0.8).moved(0.2, 0.8, 0)
    tube_ = cyl(0.13, U(r, 0.8, 1.1), seg=14).turned('z', 25).moved(0.35, 1.1, 0)
    return [(base, pick(r, ['plastic_black', 'plastic_white', 'metal_dark'])), (arm, pick(r, ['plastic_white', 'plastic_black'])),
            (stage, 'metal_black'), (tube_, 'metal_chrome'), (cyl(0.16, 0.2, seg=12).moved(0.2, 0.95, 0), 'metal_black')]


@shape('piano')
def piano(r):
    w, h = U(r, 2.4, 3.0), U(r, 2.0, 2.6)
    body = bx(w, h, 0.8).moved(0, h / 2, -0.2)
    ledge = bx(w, 0.15, 0.5).moved(0, 1.2, 0.45)
    parts = [(body, pick(r, ['plastic_black', 'wood_dark', 'wood_oak', 'plastic_white'])), (ledge, 'plastic_white')]
    for k in range(0, 14):
        if k % 7 in (0, 1, 3, 4, 5):
            parts.append((bx(0.09, 0.06, 0.28).moved(-w / 2 + 0.3 + k * w / 15 + w / 30, 1.3, 0.5), 'plastic_black'))
    for x in (-w / 2 + 0.1, w / 2 - 0.1):
        parts.append((bx(0.15, 1.2, 0.15).moved(x, 0.6, 0.55), parts[0][1]))
    return parts


@shape('watch')
def watch(r):
    rad = U(r, 0.5, 0.65)
    n = 28 if r.random() < 0.7 else 4
    case = cyl(rad, 0.25, seg=n).turned('x', 90).moved(0, 0, 0.12)
    face = cyl(rad * 0.85, 0.02, seg=n).turned('x', 90).moved(0, 0, 0.13)
    strap = S.tube(S.arc_path(1.0, -60, 240, 24, 'xy') + np.array([0, -0.95, 0]), 0.3, 4).scaled(1, 1, 0.3)
    return [(case, pick(r, ['metal_chrome', 'gold', 'plastic_black'])), (face, pick(r, ['paper_white', 'screen_black'])),
            (strap, pick(r, ['leather_brown', 'leather_black', 'rubber_black', 'metal_steel']))]
