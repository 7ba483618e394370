"""Mesh-folder library: ``<root>/<class>/<model>.(obj|glb|gltf|ply|stl|off)`` read with trimesh.

The layout of ModelNet / ShapeNet / Google-Scanned-Objects style exports. Meshes are normalized for
scale and centre; missing ``.mtl`` files and textures are tolerated (the geometry is what counts). Each
sub-mesh of a scene file becomes one material slot; natural materials come from the file's material
colour when there is one (mapped to the nearest bank material), else a neutral plastic.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from common.errors import UserError
from generator.library.meshdata import ModelMesh, normalize

MESH_EXTENSIONS = ('.obj', '.glb', '.gltf', '.ply', '.stl', '.off')
MAX_TRIANGLES = 200_000
_COLOR_MATERIALS = {  # sRGB colour -> bank material, for files that carry a diffuse colour
    'plastic_white': (240, 240, 240), 'plastic_black': (28, 28, 30), 'plastic_red': (200, 40, 42),
    'plastic_blue': (36, 86, 184), 'plastic_yellow': (240, 196, 25), 'plastic_green': (47, 158, 72),
    'plastic_orange': (240, 120, 24), 'plastic_grey': (140, 142, 146), 'plastic_pink': (240, 140, 180),
    'plastic_purple': (122, 76, 176), 'wood_oak': (185, 138, 85), 'wood_dark': (107, 67, 38),
}


def _material_for(color) -> str:
    if color is None:
        return 'plastic_grey'
    c = np.asarray(color[:3], float)
    if c.max() <= 1.0:
        c = c * 255
    names = list(_COLOR_MATERIALS)
    d = [np.sum((c - np.array(_COLOR_MATERIALS[n])) ** 2) for n in names]
    return names[int(np.argmin(d))]


def load_mesh_file(path: Path, up_axis: str = 'y') -> ModelMesh:
    """Read one mesh file into a normalized ModelMesh (one slot per sub-mesh); ``up_axis='z'`` turns z-up files."""
    import trimesh
    logging.getLogger('trimesh').setLevel(logging.ERROR)
    try:
        loaded = trimesh.load(str(path), force=None, process=False, skip_materials=False)
    except Exception as e:
        raise UserError(f'cannot read mesh {path}: {e}') from None
    if isinstance(loaded, trimesh.Scene):
        geoms = [g for g in loaded.dump(concatenate=False) if isinstance(g, trimesh.Trimesh)]
    elif isinstance(loaded, trimesh.Trimesh):
        geoms = [loaded]
    else:
        geoms = []
    geoms = [g for g in geoms if len(g.faces)]
    if not geoms:
        raise UserError(f'mesh {path} holds no triangles')
    pos, nrm, slot, names = [], [], [], []
    total = sum(len(g.faces) for g in geoms)
    for k, g in enumerate(geoms):
        faces = np.asarray(g.faces)
        if total > MAX_TRIANGLES:  # keep the renderer fast on huge scans: uniform face subsample
            faces = faces[:: int(np.ceil(total / MAX_TRIANGLES))]
        v = np.asarray(g.vertices, np.float64)
        tri = v[faces]
        fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        fn /= np.linalg.norm(fn, axis=1, keepdims=True) + 1e-12
        # smooth vertex normals, but split where faces bend sharply (crease ~ 40 deg)
        vn = np.zeros_like(v)
        for j in range(3):
            np.add.at(vn, faces[:, j], fn)
        vn /= np.linalg.norm(vn, axis=1, keepdims=True) + 1e-12
        per_corner = vn[faces]
        sharp = (per_corner * fn[:, None, :]).sum(-1) < np.cos(np.radians(40))
        per_corner[sharp] = np.repeat(fn[:, None, :], 3, 1)[sharp]
        color = None
        vis = getattr(g, 'visual', None)
        mat = getattr(vis, 'material', None)
        for attr in ('main_color', 'baseColorFactor', 'diffuse'):
            val = getattr(mat, attr, None)
            if val is not None:
                color = val
                break
        names.append(_material_for(color))
        pos.append(tri.reshape(-1, 3))
        nrm.append(per_corner.reshape(-1, 3))
        slot.append(np.full(len(faces) * 3, k, np.int32))
    # parts with the same material share a slot
    uniq = list(dict.fromkeys(names))
    slot = [np.full_like(s, uniq.index(n)) for s, n in zip(slot, names)]
    pos, nrm = np.concatenate(pos), np.concatenate(nrm)
    if up_axis == 'z':  # (x, y, z) -> (x, z, -y)
        pos = np.column_stack([pos[:, 0], pos[:, 2], -pos[:, 1]])
        nrm = np.column_stack([nrm[:, 0], nrm[:, 2], -nrm[:, 1]])
    return normalize(ModelMesh(pos.astype(np.float32), nrm.astype(np.float32), np.concatenate(slot), uniq))


class MeshFolderLibrary:
    """Classes are the sub-folders of ``root`` (sorted); models are their mesh files (sorted, by file stem)."""

    name = 'meshes'

    def __init__(self, root: str | Path, up_axis: str = 'y'):
        if up_axis not in ('y', 'z'):
            raise UserError(f"up_axis={up_axis!r} is invalid; allowed: 'y' (glTF, ShapeNet) or 'z' (many OBJ/STL)")
        self.up_axis = up_axis
        self.root = Path(root)
        if not self.root.is_dir():
            raise UserError(f'mesh folder {str(self.root)!r} does not exist or is not a folder')
        self._files: dict[str, dict[str, Path]] = {}
        for d in sorted(p for p in self.root.iterdir() if p.is_dir()):
            files = sorted(p for p in d.iterdir() if p.suffix.lower() in MESH_EXTENSIONS and p.is_file())
            if files:
                self._files[d.name] = {p.stem: p for p in files}
        if not self._files:
            raise UserError(f'mesh folder {str(self.root)!r} has no <class>/<model>.(' +
                            '|'.join(e[1:] for e in MESH_EXTENSIONS) + ') files')
        self._cache: dict[tuple[str, str], ModelMesh] = {}

    def classes(self) -> list[str]:
        return list(self._files)

    def models(self, class_name: str) -> list[str]:
        if class_name not in self._files:
            raise UserError(f'class {class_name!r} is not in mesh folder {str(self.root)!r}; '
                            f'allowed: {self.classes()}')
        return list(self._files[class_name])

    def mesh(self, class_name: str, model_name: str) -> ModelMesh:
        key = (class_name, model_name)
        if key not in self._cache:
            models = self._files.get(class_name, {})
            if model_name not in models:
                raise UserError(f'model {model_name!r} is not in class {class_name!r} of {str(self.root)!r}; '
                                f'allowed: {list(models)}')
            if len(self._cache) > 16:
                self._cache.clear()
            self._cache[key] = load_mesh_file(models[model_name], self.up_axis)
        return self._cache[key]
