"""The object-library contract: which classes and models exist (geometry lives with each backend)."""
from __future__ import annotations

from typing import Protocol


class ObjectLibrary(Protocol):
    """Lists classes (e.g. WordNet ids or names) and the model names of each class, both in a fixed order."""

    name: str

    def classes(self) -> list[str]:
        """All class names, in a fixed, documented order (the CLIs' ``--num_classes K`` takes the first K)."""

    def models(self, class_name: str) -> list[str]:
        """Model names of one class, in a fixed order."""
