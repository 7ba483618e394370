"""The renderer contract every backend implements; the Generator is its only caller."""
from __future__ import annotations

from typing import Protocol

import numpy as np

from generator.spec import ImageSpec


class RenderBackend(Protocol):
    """Draws ImageSpecs of one model at a time at a fixed output size."""

    def load(self, class_name: str, model_name: str) -> None:
        """Prepare one model (geometry, natural materials, scale normalisation and framing)."""

    def render(self, spec: ImageSpec) -> np.ndarray:
        """Return the image of ``spec`` (its model must be loaded) as ``H x W x 3`` uint8 RGB."""

    def close(self) -> None:
        """Release the context, processes and sockets the backend holds."""
