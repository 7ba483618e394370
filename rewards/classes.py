"""The object classes of a table's synthetic sets: K classes picked from a library."""
from __future__ import annotations

from typing import Any, Sequence

from common.errors import UserError
from generator.library import create_library
from generator.library.procedural_classes import SHAPES

CLASS_PICKS = ('spread', 'first')


class ClassSubset:
    """A view of an object library restricted to some of its classes (everything else is delegated)."""

    def __init__(self, library: Any, classes: Sequence[str], label: str):
        self._library, self._classes = library, list(classes)
        self.name = f'{library.name}[{label}]'

    def classes(self) -> list[str]:
        return list(self._classes)

    def __getattr__(self, item: str) -> Any:
        return getattr(self._library, item)


def make_library(library: str, num_classes: int, class_pick: str) -> ClassSubset:
    """The library view of a table: ``spread`` picks K classes evenly over every class the library can hold
    (for ``procedural``: all of its shape programs, not only its default first 100); ``first`` the first K."""
    lib = create_library(library, classes=len(SHAPES)) if library == 'procedural' else create_library(library)
    classes = list(lib.classes())
    k = num_classes
    if not 1 <= k <= len(classes):
        raise UserError(f'--num_classes {k} is invalid; library {library!r} has {len(classes)} classes')
    if class_pick == 'spread':
        picked = [classes[(i * len(classes)) // k] for i in range(k)]
    elif class_pick == 'first':
        picked = classes[:k]
    else:
        raise UserError(f'--class_pick {class_pick!r} is invalid; allowed: {", ".join(CLASS_PICKS)}')
    return ClassSubset(lib, picked, f'{class_pick}{k}')
