"""The Generator: layout, counts, metadata, preview, resume, sharding, resize, and kill -9 recovery."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.errors import UserError
from generator.backends import create_backend
from generator.generator import Generator, existing_params, image_name, is_complete, is_valid_jpeg
from generator.generator_params import GenParams
from tests.generator_toys import ToyLibrary, flat_backend

P = GenParams.from_tuple_str('1_1_1_1_1_3_1_1_1')


def all_files(images_dir: Path) -> dict[str, bytes]:
    return {str(f.relative_to(images_dir)): f.read_bytes() for f in sorted(images_dir.rglob('*.jpg'))}


def test_layout_counts_metadata_and_preview(tmp_path):
    lib = ToyLibrary(3, [2, 3, 1])
    backend = flat_backend()
    with Generator(tmp_path, backend=backend, library=lib, screen_size=32, output_size=32, seed=1) as g:
        images = g.gen_data(P, 50, )
    # 50 // 3 = 16 per class; per model 8, 5 (floor 16/3), 16
    counts = {c.name: len(list(c.glob('*.jpg'))) for c in images.iterdir()}
    assert counts == {'c0': 16, 'c1': 15, 'c2': 16}
    assert (images / 'c1' / 'img_m1_2_0004.jpg').is_file()
    assert backend.num_renders == 47 and backend.num_loads == 6
    meta = json.loads((tmp_path / 'dataset_1_1_1_1_1_3_1_1_1' / 'metadata.txt').read_text())
    for k in ['datadir', 'screen_size', 'output_size', 'max_rot_angle', 'min_dist', 'max_dist', 'max_height',
              'simple_objs', 'gen_params', 'max_lighting_intensity_var', 'start', 'end', 'total_time']:
        assert k in meta, k
    assert meta['gen_params']['materials'] == 3 and meta['min_dist'] == 0.4 and meta['max_dist'] == 1.5
    assert is_complete(images.parent) and [p.get_tuple_str() for p in existing_params(tmp_path)] == [P.get_tuple_str()]
    preview = Image.open(images.parent / 'preview.png')
    assert preview.size == (8 * 64, 6 * 64)                 # 47 samples -> 6 rows of 8
    assert np.asarray(preview).std() > 10
    timings = json.loads((images.parent / 'timings.json').read_text())
    assert timings['rendered'] == 47 and {'load', 'render', 'encode', 'write'} <= set(timings['stages'])


def test_resume_renders_only_missing_images(tmp_path):
    lib = ToyLibrary(2, 2)
    with Generator(tmp_path, backend=flat_backend(), library=lib, screen_size=32, output_size=32) as g:
        images = g.gen_data(P, 40)
    before = all_files(images)
    meta = images.parent / 'metadata.txt'
    m = json.loads(meta.read_text())
    del m['end']
    meta.write_text(json.dumps(m))
    (images / 'c0' / image_name('m0_1', 3)).unlink()
    (images / 'c1' / image_name('m1_0', 0)).write_bytes(before['c1/img_m1_0_0000.jpg'][:100])  # truncated
    (images / 'c1' / '.img_m1_0_0005.jpg.abc.tmp').write_bytes(b'junk')     # temp of a killed run
    backend = flat_backend()
    with Generator(tmp_path, backend=backend, library=lib, screen_size=32, output_size=32) as g:
        g.gen_data(P, 40)
    assert backend.num_renders == 2 and backend.num_loads == 2
    assert all_files(images) == before and is_complete(images.parent)
    assert not list(images.rglob('*.tmp'))
    backend = flat_backend()                       # complete: nothing to do, no backend work at all
    with Generator(tmp_path, backend=backend, library=lib, screen_size=32, output_size=32) as g:
        g.gen_data(P, 40)
    assert backend.num_renders == 0 and backend.num_loads == 0


def test_sharding_does_not_change_a_pixel(tmp_path):
    lib = ToyLibrary(3, [2, 1, 3])
    kw = dict(library=lib, screen_size=32, output_size=32, seed=5)
    with Generator(tmp_path / 'one', backend=flat_backend(), **kw) as g:
        one = g.gen_data(P, 60)
    for shard in [(2, 3), (0, 3), (1, 3)]:
        with Generator(tmp_path / 'three', backend=flat_backend(), **kw) as g:
            three = g.gen_data(P, 60, shard=shard)
        assert is_complete(three.parent) == (shard == (1, 3))    # the last shard finishes the set
    assert all_files(one) == all_files(three) and len(all_files(one)) == 58   # 20/2*2 + 20 + 20//3*3


def test_resize_and_settings_mismatch(tmp_path):
    lib = ToyLibrary(1, 1)
    with Generator(tmp_path, backend=flat_backend(48), library=lib, screen_size=48, output_size=24) as g:
        images = g.gen_data(P, 4)
    assert Image.open(images / 'c0' / image_name('m0_0', 0)).size == (24, 24)
    meta = images.parent / 'metadata.txt'
    m = json.loads(meta.read_text())
    del m['end']
    meta.write_text(json.dumps(m))
    with Generator(tmp_path, backend=flat_backend(48), library=lib, screen_size=48, output_size=24, seed=9) as g:
        with pytest.raises(UserError, match='seed=0 .now 9.'):
            g.gen_data(P, 4)
    other_models = ToyLibrary(1, 2)                  # same library name, different object list
    with Generator(tmp_path, backend=flat_backend(48), library=other_models, screen_size=48, output_size=24) as g:
        with pytest.raises(UserError, match='units_sha256'):
            g.gen_data(P, 4)


def test_bad_inputs_raise_user_errors(tmp_path):
    lib = ToyLibrary(2, 3)
    with pytest.raises(UserError, match='num_classes=5'):
        Generator(tmp_path, backend=flat_backend(), library=lib, num_classes=5)
    g = Generator(tmp_path, backend=flat_backend(), library=lib, screen_size=32, output_size=32)
    with pytest.raises(UserError, match='num_imgs >= 6'):
        g.gen_data(P, 4)
    with pytest.raises(UserError, match='materials=7'):
        g.gen_data(GenParams({'materials': 7}), 4)
    with pytest.raises(UserError, match="unknown backend 'nope'"):
        create_backend('nope', lib, 32)


KILL_SCRIPT = '''
import sys
from generator.generator import Generator
from generator.generator_params import GenParams
from tests.generator_toys import ToyLibrary, flat_backend
g = Generator(sys.argv[1], backend=flat_backend(64, delay=float(sys.argv[2])), library=ToyLibrary(2, 2),
              screen_size=64, output_size=64, progress=False)
g.gen_data(GenParams.from_tuple_str('1_1_1_1_1_3_1_1_1'), 200)
'''


def test_kill_9_then_rerun(tmp_path):
    root = tmp_path / 'root'
    proc = subprocess.Popen([sys.executable, '-c', KILL_SCRIPT, str(root), '0.01'],
                            env=dict(os.environ, PYTHONPATH='.'))
    images = root / 'dataset_1_1_1_1_1_3_1_1_1' / 'images'
    deadline = time.time() + 60
    while time.time() < deadline and len(list(images.rglob('*.jpg'))) < 40:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = list(images.rglob('*.jpg'))
    assert 40 <= len(done) < 200 and not is_complete(images.parent)
    assert all(is_valid_jpeg(f) for f in done)          # atomic writes: no half file under a final name
    before = {f: f.read_bytes() for f in done}
    backend = flat_backend(64)
    with Generator(root, backend=backend, library=ToyLibrary(2, 2), screen_size=64, output_size=64) as g:
        g.gen_data(P, 200)
    files = sorted(images.rglob('*.jpg'))
    assert len(files) == 200 and backend.num_renders == 200 - len(done)   # nothing re-rendered
    assert all(f.read_bytes() == b for f, b in before.items())
    for f in files:
        with Image.open(f) as im:
            im.load()
    assert not [f for f in images.rglob('*') if f.is_file() and f.suffix != '.jpg']
    assert is_complete(images.parent)
