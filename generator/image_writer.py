"""JPEG encoding and atomic file writes on a background thread, overlapping the next render.

PIL's encoder and file writes release the GIL, so one writer thread runs next to the render loop; a bounded
number of pending images caps memory. Files are written to a temp name and renamed, as everywhere else.
"""
from __future__ import annotations

import io
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image

from common.io import atomic_write_bytes


def encode_jpeg(img: np.ndarray, output_size: int, quality: int) -> bytes:
    """H x W x 3 uint8 RGB -> JPEG bytes, resized (Lanczos) to output_size x output_size when needed."""
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise RuntimeError(f'backend returned an array of shape {img.shape} and dtype {img.dtype}; '
                           f'expected H x W x 3 uint8')
    pil = Image.fromarray(img)
    if pil.size != (output_size, output_size):
        pil = pil.resize((output_size, output_size), Image.LANCZOS)
    buf = io.BytesIO()
    pil.save(buf, format='JPEG', quality=quality)
    return buf.getvalue()


class ImageWriter:
    """Encodes and writes images in submission order on one thread; ``close`` waits and re-raises errors.

    ``record(stage, seconds)`` is called from the writer thread for the 'encode' and 'write' stages.
    ``max_pending`` bounds the images held in memory; ``threaded=False`` writes inline (same bytes).
    """

    def __init__(self, output_size: int, quality: int, record: Callable[[str, float], Any] | None = None,
                 max_pending: int = 8, threaded: bool = True):
        self.output_size, self.quality = output_size, quality
        self.record = record or (lambda stage, seconds: None)
        self.max_pending = max(1, int(max_pending))
        self._pool = ThreadPoolExecutor(1, thread_name_prefix='image-writer') if threaded else None
        self._pending: list[Future] = []

    def _write(self, path: Path, img: np.ndarray) -> None:
        t0 = time.perf_counter()
        data = encode_jpeg(img, self.output_size, self.quality)
        t1 = time.perf_counter()
        # No fsync per image (it dominated the run time): a rename is atomic against kills, and resume
        # re-renders any file without both JPEG markers (e.g. after a power loss).
        atomic_write_bytes(path, data, fsync=False)
        self.record('encode', t1 - t0)
        self.record('write', time.perf_counter() - t1)

    def submit(self, path: Path, img: np.ndarray) -> None:
        """Queue ``img`` (not modified afterwards by the caller) for writing to ``path``."""
        if self._pool is None:
            self._write(path, img)
            return
        still = []
        for f in self._pending:
            if f.done():
                f.result()          # re-raise a failed write now
            else:
                still.append(f)
        self._pending = still
        while len(self._pending) >= self.max_pending:
            self._pending.pop(0).result()
        self._pending.append(self._pool.submit(self._write, path, img))

    def close(self) -> None:
        """Wait for every queued image; raise the first error of any of them."""
        try:
            for f in self._pending:
                f.result()
        finally:
            self._pending = []
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def __enter__(self) -> 'ImageWriter':
        return self

    def __exit__(self, *exc) -> None:
        self.close()
