"""The background JPEG writer: same bytes as inline writing, errors surface, nothing half-written."""
from pathlib import Path

import numpy as np
import pytest

from generator.image_writer import ImageWriter, encode_jpeg


def _images(n: int, size: int = 24) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]


def test_threaded_writes_equal_inline_writes(tmp_path: Path):
    imgs = _images(12)
    stages: dict[str, int] = {}

    def record(stage, seconds):
        stages[stage] = stages.get(stage, 0) + 1

    for threaded in (False, True):
        folder = tmp_path / str(threaded)
        folder.mkdir()
        with ImageWriter(32, 90, record, max_pending=3, threaded=threaded) as w:
            for i, img in enumerate(imgs):
                w.submit(folder / f'{i}.jpg', img)
    for i, img in enumerate(imgs):
        a = (tmp_path / 'False' / f'{i}.jpg').read_bytes()
        b = (tmp_path / 'True' / f'{i}.jpg').read_bytes()
        assert a == b == encode_jpeg(img, 32, 90)
    assert stages == {'encode': 24, 'write': 24}
    assert not [p for p in tmp_path.rglob('*') if p.name.endswith('.tmp')]


def test_write_error_is_raised(tmp_path: Path):
    (tmp_path / 'not_a_folder').write_text('x')
    w = ImageWriter(24, 90)
    w.submit(tmp_path / 'not_a_folder' / 'a.jpg', _images(1)[0])
    with pytest.raises(OSError):
        w.close()


def test_bad_array_is_rejected(tmp_path: Path):
    with pytest.raises(RuntimeError, match='expected H x W x 3 uint8'):
        with ImageWriter(24, 90) as w:
            w.submit(tmp_path / 'a.jpg', np.zeros((24, 24), np.float32))
