"""ModelMesh: the geometry a library hands to the embedded renderer (triangles, normals, material slots)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from generator.library.shapes import Mesh


@dataclass
class ModelMesh:
    """Unit-size triangle soup: bottom at y=0, centred in x/z, largest bounding-box side 1.

    ``slot`` gives each vertex its material slot; ``slot_materials[i]`` names the natural material of slot i
    (a name in ``MaterialBank``; unknown names fall back to a neutral material).
    """

    pos: np.ndarray            # (V, 3) float32
    nrm: np.ndarray            # (V, 3) float32
    slot: np.ndarray           # (V,) int32
    slot_materials: list[str]

    @property
    def num_triangles(self) -> int:
        return len(self.pos) // 3

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.pos.min(0), self.pos.max(0)


class MeshSource(Protocol):
    """An ObjectLibrary that can also hand geometry to the embedded renderer."""

    def mesh(self, class_name: str, model_name: str) -> ModelMesh:
        """The normalized geometry and natural materials of one model."""


def assemble(parts: Sequence[tuple[Mesh, str]]) -> ModelMesh:
    """Join (mesh, material name) parts; parts naming the same material share one slot."""
    names: list[str] = []
    pos, nrm, slot = [], [], []
    for mesh, material in parts:
        if material not in names:
            names.append(material)
        pos.append(mesh.pos)
        nrm.append(mesh.nrm)
        slot.append(np.full(len(mesh.pos), names.index(material), np.int32))
    return normalize(ModelMesh(np.concatenate(pos), np.concatenate(nrm), np.concatenate(slot), names))


def normalize(m: ModelMesh) -> ModelMesh:
    """Scale to a largest side of 1, centre in x/z and put the bottom on y=0 (TDW models' pivot convention)."""
    pos = np.asarray(m.pos, np.float64)
    finite = np.isfinite(pos).all(1)
    if not finite.all():
        raise ValueError('mesh has non-finite vertex coordinates')
    lo, hi = pos.min(0), pos.max(0)
    size = float((hi - lo).max())
    if size <= 0:
        raise ValueError('mesh is degenerate (zero size)')
    centre = np.array([(lo[0] + hi[0]) / 2, lo[1], (lo[2] + hi[2]) / 2])
    pos = (pos - centre) / size
    nrm = np.asarray(m.nrm, np.float64)
    nrm = nrm / (np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-12)
    return ModelMesh(pos.astype(np.float32), nrm.astype(np.float32), m.slot.astype(np.int32),
                     list(m.slot_materials))
