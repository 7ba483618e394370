"""The built-in procedural object library: >=100 classes of shape programs, 5-8 models each, no files needed."""
from __future__ import annotations

import zlib

import numpy as np

from common.errors import UserError
from generator.library.meshdata import ModelMesh, assemble
from generator.library.procedural_classes import SHAPES


NUM_CLASSES = 100   # as the paper's object set; the library holds more (``classes=len(SHAPES)`` for all)


class ProceduralLibrary:
    """Classes in a fixed order (the order of the shape programs); model k of a class is its program run with
    a generator seeded by (seed, class, k). ``classes`` picks how many of the shape programs form the
    library (default 100, as the paper; up to all of them); ``models_per_class`` overrides the default 5-8."""

    name = 'procedural'

    def __init__(self, seed: int = 0, models_per_class: int | None = None, classes: int = NUM_CLASSES):
        if models_per_class is not None and (not isinstance(models_per_class, int) or models_per_class < 1):
            raise UserError(f'models_per_class={models_per_class!r} is invalid; allowed: an integer >= 1')
        if not isinstance(classes, int) or not 1 <= classes <= len(SHAPES):
            raise UserError(f'classes={classes!r} is invalid; allowed: 1..{len(SHAPES)}')
        self.seed = int(seed)
        self.models_per_class = models_per_class
        self._classes = list(SHAPES)[:classes]
        self._cache: dict[tuple[str, str], ModelMesh] = {}

    def classes(self) -> list[str]:
        return list(self._classes)

    def _count(self, class_name: str) -> int:
        if self.models_per_class is not None:
            return self.models_per_class
        return 5 + zlib.crc32(class_name.encode()) % 4   # 5..8 models, as the original's 5-10 per class

    def models(self, class_name: str) -> list[str]:
        self._check_class(class_name)
        return [f'{class_name}_{k:02d}' for k in range(self._count(class_name))]

    def _check_class(self, class_name: str) -> None:
        if class_name not in self._classes:
            raise UserError(f'class {class_name!r} is not in the procedural library; allowed: '
                            f'{", ".join(self._classes[:8])}, ... ({len(self._classes)} classes)')

    def mesh(self, class_name: str, model_name: str) -> ModelMesh:
        """Geometry and natural materials of one model (deterministic; cached)."""
        key = (class_name, model_name)
        if key not in self._cache:
            self._check_class(class_name)
            names = self.models(class_name)
            if model_name not in names:
                raise UserError(f'model {model_name!r} is not in class {class_name!r}; allowed: {names}')
            k = names.index(model_name)
            rng = np.random.default_rng([self.seed, zlib.crc32(class_name.encode()), k])
            if len(self._cache) >= 256:
                self._cache.clear()
            self._cache[key] = assemble(SHAPES[class_name](rng))
        return self._cache[key]
