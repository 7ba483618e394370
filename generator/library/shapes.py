"""Mesh primitives for shape programs: surfaces of revolution, boxes, tori, tubes, extrusions, superquadrics.

Every builder returns a ``Mesh`` (triangle soup with per-vertex normals) in its own local frame; parts
are placed with ``Mesh.moved`` / ``Mesh.turned`` / ``Mesh.scaled``. Units are arbitrary: a model is
normalized to unit size afterwards (``meshdata.normalize``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

SEG = 24  # default segments around a surface of revolution (cheap for llvmpipe, smooth enough at 256 px)


@dataclass
class Mesh:
    """Unindexed triangles: ``pos`` and ``nrm`` are (3*T, 3) float32, vertices of triangle t at 3t..3t+2."""

    pos: np.ndarray
    nrm: np.ndarray

    def moved(self, x: float = 0.0, y: float = 0.0, z: float = 0.0) -> 'Mesh':
        return Mesh(self.pos + np.array([x, y, z], np.float32), self.nrm)

    def scaled(self, sx: float, sy: float | None = None, sz: float | None = None) -> 'Mesh':
        s = np.array([sx, sx if sy is None else sy, sx if sz is None else sz], np.float32)
        n = self.nrm / s
        n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
        if np.prod(s) < 0:  # mirrored: keep counter-clockwise winding
            return Mesh(_flip(self.pos * s), _flip(n))
        return Mesh(self.pos * s, n.astype(np.float32))

    def turned(self, axis: str, degrees: float) -> 'Mesh':
        r = rotation(axis, degrees)
        return Mesh(self.pos @ r.T, self.nrm @ r.T)

    def mirrored_x(self) -> 'Mesh':
        return self.scaled(-1.0, 1.0, 1.0)


def _flip(a: np.ndarray) -> np.ndarray:
    t = a.reshape(-1, 3, 3)
    return t[:, ::-1].reshape(-1, 3).astype(np.float32)


def rotation(axis: str, degrees: float) -> np.ndarray:
    """3x3 rotation matrix about a coordinate axis ('x', 'y' or 'z')."""
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    if axis == 'x':
        m = [[1, 0, 0], [0, c, -s], [0, s, c]]
    elif axis == 'y':
        m = [[c, 0, s], [0, 1, 0], [-s, 0, c]]
    elif axis == 'z':
        m = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
    else:
        raise ValueError(f'axis {axis!r} is invalid; allowed: x, y, z')
    return np.array(m, np.float32)


def merge(meshes: Sequence[Mesh]) -> Mesh:
    return Mesh(np.concatenate([m.pos for m in meshes]).astype(np.float32),
                np.concatenate([m.nrm for m in meshes]).astype(np.float32))


def _soup(verts: np.ndarray, faces: np.ndarray, normals: np.ndarray | None = None) -> Mesh:
    """Indexed mesh -> triangle soup; smooth area-weighted normals unless given per vertex."""
    verts = np.asarray(verts, np.float64)
    faces = np.asarray(faces, np.int64)
    if normals is None:
        fn = np.cross(verts[faces[:, 1]] - verts[faces[:, 0]], verts[faces[:, 2]] - verts[faces[:, 0]])
        normals = np.zeros_like(verts)
        for k in range(3):
            np.add.at(normals, faces[:, k], fn)
    normals = normals / (np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12)
    return Mesh(verts[faces].reshape(-1, 3).astype(np.float32),
                normals[faces].reshape(-1, 3).astype(np.float32))


def _grid_faces(rows: int, cols: int, wrap_cols: bool = True) -> np.ndarray:
    """Two triangles per cell of a rows x cols vertex grid (columns wrap around when ``wrap_cols``)."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols if wrap_cols else cols - 1), indexing='ij')
    r, c = r.ravel(), c.ravel()
    c1 = (c + 1) % cols
    a, b, d, e = r * cols + c, r * cols + c1, (r + 1) * cols + c, (r + 1) * cols + c1
    return np.concatenate([np.stack([a, d, b], 1), np.stack([b, d, e], 1)])


def revolve(profile: Sequence[tuple[float, float]], seg: int = SEG, crease: float = 35.0) -> Mesh:
    """Surface of revolution about +y of a profile of (radius, y) points, listed bottom to top.

    Start/end the profile at radius 0 for a closed solid. Corners sharper than ``crease`` degrees
    get split normals (flat rims), gentle bends are smooth.
    """
    p = np.asarray(profile, np.float64)
    d = np.diff(p, axis=0)
    keep = np.linalg.norm(d, axis=1) > 1e-9
    if not keep.all():
        p = np.concatenate([p[:1], p[1:][keep]])
        d = np.diff(p, axis=0)
    seg_n = np.stack([d[:, 1], -d[:, 0]], 1)  # outward normal of each segment in (r, y)
    seg_n /= np.linalg.norm(seg_n, axis=1, keepdims=True) + 1e-12
    cos_crease = np.cos(np.radians(crease))
    theta = np.linspace(0, 2 * np.pi, seg, endpoint=False)
    ct, st = np.cos(theta), np.sin(theta)
    strips = []
    for i in range(len(d)):
        ends = []
        for j, k in ((i, i - 1), (i + 1, i + 1)):  # (point index, neighbour segment)
            n = seg_n[i]
            if 0 <= k < len(d) and np.dot(seg_n[k], n) > cos_crease:
                n = seg_n[k] + n
                n /= np.linalg.norm(n)
            if p[j, 0] < 1e-9 and abs(n[1]) > 0.5:  # on the axis: the cap normal is axial
                n = np.array([0.0, np.sign(n[1])])
            ends.append((p[j], n))
        verts, norms = [], []
        for (r, y), (nr, ny) in ends:
            verts.append(np.stack([r * ct, np.full(seg, y), r * st], 1))
            norms.append(np.stack([nr * ct, np.full(seg, ny), nr * st], 1))
        v, n = np.concatenate(verts), np.concatenate(norms)
        faces = _grid_faces(2, seg)
        m = _soup(v, faces[:, ::-1], n)
        strips.append(m)
    return merge(strips)


def cylinder(r: float, h: float, seg: int = SEG, r_top: float | None = None) -> Mesh:
    """Closed cylinder (or frustum when ``r_top`` differs) standing on y=0."""
    rt = r if r_top is None else r_top
    return revolve([(0, 0), (r, 0), (rt, h), (0, h)], seg)


def cone(r: float, h: float, seg: int = SEG) -> Mesh:
    return revolve([(0, 0), (r, 0), (0, h)], seg)


def sphere(r: float = 1.0, rows: int = 12, seg: int = SEG) -> Mesh:
    return superquadric(r, r, r, 1.0, 1.0, rows, seg)


def superquadric(ax: float, ay: float, az: float, e1: float = 1.0, e2: float = 1.0,
                 rows: int = 12, seg: int = SEG) -> Mesh:
    """Superellipsoid centred at 0 with half-axes (ax, ay, az); e1 (vertical) and e2 (around) < 1 are boxier."""
    def spow(x, e):
        return np.sign(x) * np.abs(x) ** e
    eta = np.linspace(-np.pi / 2, np.pi / 2, rows + 1)[:, None]
    om = np.linspace(0, 2 * np.pi, seg, endpoint=False)[None, :]
    x = ax * spow(np.cos(eta), e1) * spow(np.cos(om), e2)
    y = ay * spow(np.sin(eta), e1) * np.ones_like(om)
    z = az * spow(np.cos(eta), e1) * spow(np.sin(om), e2)
    v = np.stack([x, y, z], -1).reshape(-1, 3)
    # analytic normal of the implicit surface
    nx = spow(np.cos(eta), 2 - e1) * spow(np.cos(om), 2 - e2) / ax
    ny = spow(np.sin(eta), 2 - e1) * np.ones_like(om) / ay
    nz = spow(np.cos(eta), 2 - e1) * spow(np.sin(om), 2 - e2) / az
    n = np.stack([nx, ny, nz], -1).reshape(-1, 3)
    faces = _grid_faces(rows + 1, seg)[:, ::-1]
    return _soup(v, faces, n)


def box(sx: float, sy: float, sz: float) -> Mesh:
    """Axis-aligned box centred at the origin with full sizes (sx, sy, sz), flat shaded."""
    h = np.array([sx, sy, sz]) / 2
    tris, norms = [], []
    for axis in range(3):
        for sign in (-1, 1):
            n = np.zeros(3)
            n[axis] = sign
            u, v = [a for a in range(3) if a != axis]
            corners = []
            for cu, cv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                c = np.zeros(3)
                c[axis] = sign * h[axis]
                c[u], c[v] = cu * h[u], cv * h[v]
                corners.append(c)
            c = np.array(corners)
            quad = [c[0], c[1], c[2], c[0], c[2], c[3]]
            if np.dot(np.cross(c[1] - c[0], c[2] - c[0]), n) < 0:
                quad = [c[0], c[2], c[1], c[0], c[3], c[2]]
            tris.extend(quad)
            norms.extend([n] * 6)
    return Mesh(np.array(tris, np.float32), np.array(norms, np.float32))


def rounded_box(sx: float, sy: float, sz: float, roundness: float = 0.25) -> Mesh:
    """Box with rounded edges (a superquadric); roundness 0 -> sharp, 1 -> ellipsoid."""
    e = max(0.08, min(1.0, roundness))
    return superquadric(sx / 2, sy / 2, sz / 2, e, e, rows=12, seg=24)


def torus(R: float, r: float, seg: int = SEG, rings: int = 10, arc: float = 360.0) -> Mesh:
    """Torus around +y (in the xz plane); ``arc`` < 360 gives an open section (e.g. a handle), with caps."""
    full = arc >= 360.0
    nu = seg if full else max(4, int(seg * arc / 360.0)) + 1
    u = np.linspace(0, np.radians(arc), nu, endpoint=not full)
    v = np.linspace(0, 2 * np.pi, rings, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing='ij')
    cx, cz = np.cos(uu), np.sin(uu)
    x = (R + r * np.cos(vv)) * cx
    y = r * np.sin(vv)
    z = (R + r * np.cos(vv)) * cz
    verts = np.stack([x, y, z], -1).reshape(-1, 3)
    n = np.stack([np.cos(vv) * cx, np.sin(vv), np.cos(vv) * cz], -1).reshape(-1, 3)
    return _soup(verts, _grid_faces(nu, rings), n)


def tube(path: Sequence[Sequence[float]], r: float | Sequence[float], sides: int = 10, closed: bool = False,
         caps: bool = True) -> Mesh:
    """Sweep a circle of radius ``r`` (scalar or per point) along a 3-D polyline (parallel-transport frames)."""
    p = np.asarray(path, np.float64)
    n_pts = len(p)
    radii = np.broadcast_to(np.asarray(r, np.float64), (n_pts,))
    if closed:
        t = np.roll(p, -1, 0) - np.roll(p, 1, 0)
    else:
        t = np.gradient(p, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-12
    ref = np.array([0.0, 1.0, 0.0]) if abs(t[0, 1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    nrm = [np.cross(t[0], ref)]
    nrm[0] /= np.linalg.norm(nrm[0])
    for i in range(1, n_pts):
        b = nrm[-1] - np.dot(nrm[-1], t[i]) * t[i]
        nb = np.linalg.norm(b)
        nrm.append(b / nb if nb > 1e-9 else nrm[-1])
    nrm = np.array(nrm)
    bin_ = np.cross(t, nrm)
    ang = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    dirs = np.cos(ang)[None, :, None] * nrm[:, None, :] + np.sin(ang)[None, :, None] * bin_[:, None, :]
    verts = (p[:, None, :] + radii[:, None, None] * dirs).reshape(-1, 3)
    faces = _grid_faces(n_pts, sides)
    if closed:
        last = np.arange(sides)
        a, b = (n_pts - 1) * sides + last, (n_pts - 1) * sides + (last + 1) % sides
        faces = np.concatenate([faces, np.stack([a, last, b], 1), np.stack([b, last, (last + 1) % sides], 1)])
    body = _soup(verts, faces[:, ::-1], dirs.reshape(-1, 3))
    if closed or not caps:
        return body
    parts = [body]
    for i, s in ((0, -1.0), (n_pts - 1, 1.0)):
        ring = p[i] + radii[i] * dirs[i]
        centre = np.repeat(p[i][None], sides, 0)
        tri = np.stack([centre, ring, np.roll(ring, -1, 0)], 1)
        if s < 0:
            tri = tri[:, ::-1]
        parts.append(Mesh(tri.reshape(-1, 3).astype(np.float32),
                          np.repeat((s * t[i])[None], sides * 3, 0).astype(np.float32)))
    return merge(parts)


def extrude(polygon: Sequence[Sequence[float]], depth: float, bevel: float = 0.0) -> Mesh:
    """Prism of a simple 2-D polygon (x, y; any winding) extruded along z from -depth/2 to depth/2.

    Caps are fan-triangulated from the centroid, so the polygon must be star-shaped about it.
    """
    q = np.asarray(polygon, np.float64)
    area = 0.5 * np.sum(q[:, 0] * np.roll(q[:, 1], -1) - np.roll(q[:, 0], -1) * q[:, 1])
    if area < 0:
        q = q[::-1]
    c = q.mean(0)
    z0, z1 = -depth / 2, depth / 2
    nxt = np.roll(q, -1, 0)
    tris, norms = [], []
    for z, s in ((z1, 1.0), (z0, -1.0)):
        cc = np.repeat(np.array([[c[0], c[1], z]]), len(q), 0)
        a = np.column_stack([q, np.full(len(q), z)])
        b = np.column_stack([nxt, np.full(len(q), z)])
        tri = np.stack([cc, a, b], 1) if s > 0 else np.stack([cc, b, a], 1)
        tris.append(tri.reshape(-1, 3))
        norms.append(np.repeat([[0, 0, s]], len(q) * 3, 0))
    e = nxt - q
    side_n = np.column_stack([e[:, 1], -e[:, 0], np.zeros(len(q))])
    side_n /= np.linalg.norm(side_n, axis=1, keepdims=True) + 1e-12
    a0 = np.column_stack([q, np.full(len(q), z0)])
    b0 = np.column_stack([nxt, np.full(len(q), z0)])
    a1 = np.column_stack([q, np.full(len(q), z1)])
    b1 = np.column_stack([nxt, np.full(len(q), z1)])
    tris.append(np.stack([a0, b0, b1, a0, b1, a1], 1).reshape(-1, 3))
    norms.append(np.repeat(side_n, 6, 0))
    return Mesh(np.concatenate(tris).astype(np.float32), np.concatenate(norms).astype(np.float32))


def star_polygon(points: int, r_out: float, r_in: float) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, 2 * points, endpoint=False) + np.pi / 2
    r = np.where(np.arange(2 * points) % 2 == 0, r_out, r_in)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def regular_polygon(n: int, r: float, phase: float = 0.0) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False) + phase
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def heart_polygon(n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return np.column_stack([x, y]) / 16.0


def gear_polygon(teeth: int, r_out: float, r_in: float) -> np.ndarray:
    pts = []
    for i in range(teeth):
        a = 2 * np.pi * i / teeth
        w = np.pi / teeth
        for da, r in ((-0.5 * w, r_in), (-0.3 * w, r_out), (0.3 * w, r_out), (0.5 * w, r_in)):
            pts.append((r * np.cos(a + da), r * np.sin(a + da)))
    return np.array(pts)


def arc_path(radius: float, start_deg: float, end_deg: float, n: int = 16, plane: str = 'xy') -> np.ndarray:
    """Points on a circular arc in a coordinate plane."""
    a = np.radians(np.linspace(start_deg, end_deg, n))
    u, v = radius * np.cos(a), radius * np.sin(a)
    z = np.zeros_like(u)
    return {'xy': np.column_stack([u, v, z]), 'xz': np.column_stack([u, z, v]),
            'yz': np.column_stack([z, u, v])}[plane]


def helix_path(radius: float, height: float, turns: float, n: int = 80) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi * turns, n)
    return np.column_stack([radius * np.cos(a), np.linspace(0, height, n), radius * np.sin(a)])
