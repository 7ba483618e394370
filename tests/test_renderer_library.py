"""Object, material and environment libraries of the embedded renderer."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from common.errors import UserError
from generator.library import LIBRARIES, create_library
from generator.library.environments import EnvironmentBank, procedural_environment, read_hdr, sh_irradiance
from generator.library.materials import BANK_SIZE, SINGLE_MATERIAL, MaterialBank
from generator.library.procedural import ProceduralLibrary
from generator.spec import NUM_SKIES

REFERENCE = Path(__file__).resolve().parents[1].parent / 'shared' / 'reference'
MESHES = REFERENCE / 'meshes'


def _digest(m) -> str:
    return hashlib.sha1(np.round(m.pos, 5).tobytes()).hexdigest()


def test_procedural_library_size_and_order():
    lib = create_library('procedural')
    classes = lib.classes()
    assert len(classes) == 100 and len(set(classes)) == len(classes)        # the paper's 100 classes
    everything = create_library('procedural', classes=151).classes()
    assert len(everything) == 151 and everything[:100] == classes
    with pytest.raises(UserError, match='classes=500'):
        create_library('procedural', classes=500)
    assert classes == ProceduralLibrary().classes()          # fixed order
    counts = [len(lib.models(c)) for c in classes]
    assert min(counts) >= 5 and max(counts) <= 10


def test_procedural_models_are_deterministic_normalized_and_distinct():
    a, b = ProceduralLibrary(), ProceduralLibrary()
    for c in a.classes()[::15]:
        digests = []
        for m in a.models(c)[:5]:
            mesh = a.mesh(c, m)
            assert _digest(mesh) == _digest(b.mesh(c, m))          # same seed -> same geometry
            lo, hi = mesh.bounds
            assert abs(float((hi - lo).max()) - 1.0) < 1e-4 and abs(float(lo[1])) < 1e-5
            assert np.isfinite(mesh.nrm).all() and mesh.slot.max() < len(mesh.slot_materials)
            digests.append(_digest(mesh))
        assert len(set(digests)) == len(digests), f'models of {c} are not all different'
    assert _digest(ProceduralLibrary(seed=1).mesh('mug', 'mug_00')) != _digest(a.mesh('mug', 'mug_00'))


def test_procedural_classes_differ_in_shape():
    """Silhouette statistics (bounding-box proportions) separate classes: not 100 copies of one shape."""
    lib = ProceduralLibrary()
    shapes = set()
    for c in lib.classes()[:100]:
        lo, hi = lib.mesh(c, lib.models(c)[0]).bounds
        shapes.add(tuple(np.round(hi - lo, 1)))
    assert len(shapes) >= 40


def test_library_errors_name_the_value():
    lib = ProceduralLibrary()
    with pytest.raises(UserError, match='no_such_class'):
        lib.models('no_such_class')
    with pytest.raises(UserError, match='mug_99'):
        lib.mesh('mug', 'mug_99')
    with pytest.raises(UserError, match='nope'):
        create_library('nope')
    assert 'procedural' in LIBRARIES and 'meshes' in LIBRARIES


def test_material_bank():
    bank = MaterialBank(texture_size=32)
    assert len(bank) == BANK_SIZE >= 100 and len(set(bank.names)) == len(bank)
    assert bank.names[0] == SINGLE_MATERIAL
    tex = bank.textures()
    assert tex.shape == (BANK_SIZE, 32, 32, 3) and tex.dtype == np.uint8
    assert len({t.tobytes() for t in tex}) == BANK_SIZE                      # all distinct
    assert np.array_equal(tex, MaterialBank(texture_size=32).textures())     # deterministic
    props = bank.properties()
    assert ((props[:, 1] > 0) & (props[:, 1] <= 1)).all() and ((props[:, 2] >= 0) & (props[:, 2] <= 1)).all()
    assert (props[:, 2] == 1).sum() >= 10 and (props[:, 2] == 0).sum() >= 60   # metals and dielectrics
    assert bank.index('wood_oak') != bank.index('metal_steel')


def test_procedural_environments():
    bank = EnvironmentBank(width=128)
    assert len(bank) == NUM_SKIES == 43
    e0, e0b, e1 = procedural_environment(0, 128), procedural_environment(0, 128), bank.get(1)
    assert np.array_equal(e0.pano, e0b.pano) and not np.array_equal(e0.pano, e1.pano)
    assert e0.pano.shape == (64, 128, 3) and np.isfinite(e0.pano).all()
    assert abs(np.linalg.norm(e0.sun_dir) - 1) < 1e-5 and e0.sun_dir[1] > 0
    sky, ground = e0.pano[:20].mean(), e0.pano[-20:].mean()
    assert sky > 0.2 and ground > 0.02
    # SH of the panorama agrees with it: irradiance from above > from below for a bright sky
    assert e0.sh[0].mean() > 0 and e0.sh[1].mean() > 0
    with pytest.raises(ValueError, match='43'):
        bank.get(43)


def test_sh_irradiance_of_constant_sky_is_constant():
    pano = np.full((32, 64, 3), 0.5, np.float32)
    sh = sh_irradiance(pano)
    assert sh[0] * 0.282095 == pytest.approx(np.full(3, 0.5), rel=0.02)   # E/pi = L for a uniform sky
    assert np.abs(sh[1:]).max() < 0.02


def _write_hdr(path: Path, img: np.ndarray) -> None:
    """Flat (uncompressed) Radiance RGBE writer, for the reader test."""
    h, w, _ = img.shape
    m = img.max(-1)
    e = np.where(m > 1e-32, np.floor(np.log2(np.maximum(m, 1e-32))) + 1, 0)
    scale = np.where(m > 1e-32, 256.0 / np.exp2(e), 0)
    rgbe = np.concatenate([(img * scale[..., None]).astype(np.uint8), (e + 128).astype(np.uint8)[..., None]], -1)
    path.write_bytes(b'#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n' + f'-Y {h} +X {w}\n'.encode() + rgbe.tobytes())


def test_user_panorama_folder(tmp_path):
    from PIL import Image
    grad = np.linspace(0, 1, 32, dtype=np.float32)[:, None, None] * np.ones((32, 64, 3), np.float32)
    hdr = np.ascontiguousarray(grad[::-1] * 4 + 0.1)
    _write_hdr(tmp_path / 'a_sky.hdr', hdr)
    assert np.allclose(read_hdr(tmp_path / 'a_sky.hdr'), hdr, rtol=0.02, atol=0.01)
    Image.fromarray((grad * 255).astype(np.uint8)).save(tmp_path / 'b_pano.png')
    (tmp_path / 'notes.txt').write_text('ignored')
    bank = EnvironmentBank(tmp_path, width=64)
    assert [p.name for p in bank.files] == ['a_sky.hdr', 'b_pano.png']
    a, b = bank.get(0), bank.get(1)
    assert a.name == 'a_sky' and b.name == 'b_pano' and bank.get(2).name == 'a_sky'   # index wraps
    assert a.pano.shape == (32, 64, 3) and a.sun_dir[1] > 0
    (tmp_path / 'empty').mkdir()
    with pytest.raises(UserError, match='holds no panoramas'):
        EnvironmentBank(tmp_path / 'empty')
    with pytest.raises(UserError, match='does not exist'):
        EnvironmentBank(tmp_path / 'missing')


@pytest.mark.skipif(not MESHES.is_dir(), reason=f'reference meshes not found at {MESHES}')
def test_mesh_folder_library_reads_real_meshes():
    lib = create_library(f'meshes:{MESHES}')
    assert lib.classes() == sorted(lib.classes()) and len(lib.classes()) == 7
    for c in lib.classes():
        for m in lib.models(c):
            mesh = lib.mesh(c, m)        # several reference a missing .mtl: must not fail
            lo, hi = mesh.bounds
            assert abs(float((hi - lo).max()) - 1) < 1e-4 and abs(float(lo[1])) < 1e-5
            assert abs(float(lo[0] + hi[0])) < 1e-4 and mesh.num_triangles > 10
    z_up = create_library('meshes', root=str(MESHES), up_axis='z').mesh('mug', 'mug')
    assert not np.allclose(z_up.bounds[1], lib.mesh('mug', 'mug').bounds[1])
    assert create_library(str(MESHES)).classes() == lib.classes()


def test_mesh_folder_errors(tmp_path):
    with pytest.raises(UserError, match='does not exist'):
        create_library(f'meshes:{tmp_path / "missing"}')
    with pytest.raises(UserError, match='has no'):
        create_library(f'meshes:{tmp_path}')
    (tmp_path / 'cube').mkdir()
    (tmp_path / 'cube' / 'bad.obj').write_text('this is not an obj file\n')
    lib = create_library(f'meshes:{tmp_path}')
    with pytest.raises(UserError, match='bad'):
        lib.mesh('cube', 'bad')
