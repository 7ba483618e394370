"""Test helpers for the generator: a tiny object library and a backend that counts its renders."""
from __future__ import annotations

from generator.backends.flat import FlatBackend


class ToyLibrary:
    """``num_classes`` classes named c0, c1, ... with ``models_per_class`` models each (m0_0, m0_1, ...)."""

    name = 'toy'

    def __init__(self, num_classes: int = 3, models_per_class: int | list[int] = 2):
        counts = (models_per_class if isinstance(models_per_class, list)
                  else [models_per_class] * num_classes)
        self._models = {f'c{i}': [f'm{i}_{j}' for j in range(n)] for i, n in enumerate(counts)}

    def classes(self) -> list[str]:
        return list(self._models)

    def models(self, class_name: str) -> list[str]:
        return list(self._models[class_name])


def flat_backend(size: int = 32, delay: float = 0.0) -> FlatBackend:
    return FlatBackend(library=None, size=size, delay=delay)
