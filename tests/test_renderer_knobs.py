"""Every GenParams knob does what it says on rendered images (one model, one field on vs off), at 48-64 px."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from common.errors import UserError
from generator.backends.gl import GLBackend
from generator.generator_params import GenParams
from generator.library.procedural import ProceduralLibrary
from generator.sampling import ModelDraws, sample_image_spec
from generator.spec import ImageSpec

SIZE = 48
N = 12
CLS, MODEL = 'chair', 'chair_00'
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def lib():
    return ProceduralLibrary()


@pytest.fixture(scope='module')
def gl(lib):
    b = GLBackend(lib, size=SIZE)
    yield b
    b.close()


def specs(field: str, value: int = 1, model: str = MODEL, n: int = N, cls: str = CLS):
    params = GenParams({field: value}) if field else GenParams()
    draws = ModelDraws(0, params.get_tuple_str(), cls, model)
    return [sample_image_spec(params, 0, cls, model, i, n, draws) for i in range(n)]


def render_all(gl, ss):
    gl.load(ss[0].class_name, ss[0].model_name)
    return [gl.render(s).astype(np.float64) for s in ss], [gl.mask(s) for s in ss]


def iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


def laplacian_var(img):
    g = img.mean(-1)
    lap = g[1:-1, 1:-1] * 4 - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(lap.var())


def test_output_contract(gl, lib):
    gl.load(CLS, MODEL)
    img = gl.render(ImageSpec(CLS, MODEL, 0))
    assert img.shape == (SIZE, SIZE, 3) and img.dtype == np.uint8
    assert 20 < img.mean() < 235 and img.std() > 5            # not a black or blank frame
    m = gl.mask(ImageSpec(CLS, MODEL, 0))
    assert 0.03 < m.mean() < 0.6                             # a sensible share of the frame
    assert not m[0].any() and not m[:, 0].any() and not m[:, -1].any()  # not clipped at the top/sides
    wide = GLBackend(lib, size=(64, 40), samples=0)
    wide.load(CLS, MODEL)
    assert wide.render(ImageSpec(CLS, MODEL, 0)).shape == (40, 64, 3)
    wide.close()


def test_field_at_zero_changes_nothing(gl):
    imgs, masks = render_all(gl, specs(''))
    for im in imgs[1:]:
        assert np.array_equal(im, imgs[0])
    # draws present but mode 1 (natural): ignored
    gl.load(CLS, MODEL)
    a = gl.render(ImageSpec(CLS, MODEL, 0))
    b = gl.render(ImageSpec(CLS, MODEL, 0, material_draws=(0.3,) * 16))
    assert np.array_equal(a, b)


def test_pose_rot_changes_silhouette(gl):
    _, base = render_all(gl, specs(''))
    _, masks = render_all(gl, specs('pose_rot'))
    ious = [iou(base[0], m) for m in masks]
    assert np.mean(ious) < 0.7 and sum(i < 0.85 for i in ious) >= N - 2


def test_pose_scale_changes_pixel_area(gl):
    ss = specs('pose_scale')
    _, masks = render_all(gl, ss)
    d = np.array([s.distance_factor for s in ss])
    area = np.array([m.mean() for m in masks])
    assert area.std() > 0.02
    assert np.corrcoef(1 / d ** 2, area)[0, 1] > 0.7          # closer -> larger


def test_pose_cam_shifts_framing(gl):
    _, base = render_all(gl, specs(''))
    ss = specs('pose_cam')
    _, masks = render_all(gl, ss)
    ys, xs = np.nonzero(base[0])
    c0 = np.array([xs.mean(), ys.mean()])
    shifts = []
    for m in masks:
        ys, xs = np.nonzero(m)
        shifts.append(np.linalg.norm(np.array([xs.mean(), ys.mean()]) - c0))
    assert np.median(shifts) > 1.5


def test_lighting_color_changes_chroma(gl):
    def chroma(imgs, masks):
        out = []
        for im, m in zip(imgs, masks):
            rgb = im[m].mean(0)
            out.append(rgb / rgb.sum())
        return np.array(out)
    off = chroma(*render_all(gl, specs('')))
    on = chroma(*render_all(gl, specs('lighting_color')))
    assert off.std(0).max() < 1e-9
    assert on.std(0).max() > 0.02


def test_lighting_intensity_changes_brightness(gl):
    ss = specs('lighting_intensity')
    imgs, masks = render_all(gl, ss)
    bright = np.array([im[m].mean() for im, m in zip(imgs, masks)])
    off = np.array([s.intensity_offset for s in ss])
    assert bright.max() - bright.min() > 10
    assert np.corrcoef(off, bright)[0, 1] > 0.8
    bg = [im[~m].mean() for im, m in zip(imgs, masks)]
    assert max(bg) - min(bg) < 1.0                            # the sun, not the sky, changes


def test_lighting_dir_moves_shading(gl):
    base_imgs, base_masks = render_all(gl, specs(''))
    imgs, masks = render_all(gl, specs('lighting_dir'))
    diffs = []
    for im, m in zip(imgs, masks):
        assert iou(m, base_masks[0]) > 0.99                      # same geometry and framing
        diffs.append(np.abs(im[m] - base_imgs[0][m]).mean())
    assert np.median(diffs) > 8
    # the light's direction, not only its strength: the shading pattern's centre moves across the object
    centres = []
    for im, m in zip(imgs, masks):
        lum = im.mean(-1) * m
        ys, xs = np.nonzero(m)
        w = lum[ys, xs] + 1e-6
        centres.append(((xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()))
    assert np.std(np.array(centres), 0).max() > 0.3


def test_blur_lowers_sharpness_on_about_75_percent(lib):
    b = GLBackend(lib, size=64)
    try:
        n = 24
        ss = specs('blur', n=n)
        b.load(CLS, MODEL)
        sharp = laplacian_var(b.render(ImageSpec(CLS, MODEL, 0)).astype(float))
        ratios = np.array([laplacian_var(b.render(s).astype(float)) / sharp for s in ss])
        blurred = np.array([s.blurred for s in ss])
        assert 0.5 <= blurred.mean() <= 0.95
        assert (ratios[~blurred] == 1.0).all()                        # all-in-focus images stay sharp
        assert (ratios[blurred] < 0.9).mean() >= 0.85
        assert np.median(ratios[blurred]) < 0.85
    finally:
        b.close()


def test_backgr_changes_background_keeps_framing(gl):
    base_imgs, base_masks = render_all(gl, specs(''))
    ss = specs('backgr')
    imgs, masks = render_all(gl, ss)
    assert len({s.sky_index for s in ss}) >= 2
    bg_diff = []
    for im, m in zip(imgs, masks):
        assert iou(m, base_masks[0]) > 0.95                     # object parented to the camera
        keep = ~m & ~base_masks[0]
        bg_diff.append(np.abs(im[keep] - base_imgs[0][keep]).mean())
    assert np.median(bg_diff) > 10


def test_materials_modes(gl, lib):
    def colour(cls, model, spec_list):
        imgs, masks = render_all(gl, spec_list)
        return np.array([im[m].mean(0) for im, m in zip(imgs, masks)])
    # mode 0: one material everywhere -> every slot is the single material
    gl.load(CLS, MODEL)
    single = gl.materials.index('cotton_natural_rough')
    assert set(gl._material_layers(ImageSpec(CLS, MODEL, 0, material_mode=0))) == {single}
    natural = colour(CLS, MODEL, specs('materials', 1))
    mode0 = colour(CLS, MODEL, specs('materials', 0))
    assert np.abs(natural[0] - mode0[0]).max() > 5
    # mode 0 makes two different models of a class look alike; mode 1 keeps their own materials
    other = 'chair_01'
    m0_other = colour(CLS, other, specs('materials', 0, model=other))
    assert np.abs(mode0[0] - m0_other[0]).max() < 25
    # mode 2: fixed per model (all images of a model alike), different across models
    m2 = colour(CLS, MODEL, specs('materials', 2))
    m2_other = colour(CLS, other, specs('materials', 2, model=other))
    assert np.ptp(m2, 0).max() < 1e-9 and np.abs(m2[0] - m2_other[0]).max() > 5
    # mode 3: random per image
    m3 = colour(CLS, MODEL, specs('materials', 3))
    assert np.ptp(m3, 0).max() > 20
    with pytest.raises(ValueError, match='material_draws'):
        gl.render(ImageSpec(CLS, MODEL, 0, material_mode=2))


def test_errors(gl, lib):
    gl.load(CLS, MODEL)
    with pytest.raises(ValueError, match='load'):
        gl.render(ImageSpec('mug', 'mug_00', 0))
    with pytest.raises(ValueError, match='material_mode'):
        gl.render(ImageSpec(CLS, MODEL, 0, material_mode=7))

    class NoGeometry:
        name = 'tdw'
    with pytest.raises(UserError, match='no geometry'):
        GLBackend(NoGeometry(), size=32)
    with pytest.raises(UserError, match='size'):
        GLBackend(lib, size=4)
    with pytest.raises(UserError, match='samples'):
        GLBackend(lib, size=32, samples=3)


@pytest.mark.skipif(not (ROOT.parent / 'shared' / 'reference' / 'meshes').is_dir(),
                    reason='reference meshes not found at ../shared/reference/meshes')
def test_mesh_folder_models_render(gl):
    from generator.library import create_library
    lib = create_library(f"meshes:{ROOT.parent / 'shared' / 'reference' / 'meshes'}")
    b = GLBackend(lib, size=SIZE)
    try:
        for c in lib.classes():
            m = lib.models(c)[0]
            b.load(c, m)
            assert 0.01 < b.mask(ImageSpec(c, m, 0)).mean() < 0.7
    finally:
        b.close()


_FRESH = """
import hashlib
from generator.backends.gl import GLBackend
from generator.library.procedural import ProceduralLibrary
from generator.generator_params import GenParams
from generator.sampling import sample_image_spec
b = GLBackend(ProceduralLibrary(), size=48)
p = GenParams.from_tuple_str('1_1_1_1_1_3_0_1_1')
for c, m in (('mug', 'mug_00'), ('car', 'car_01')):
    b.load(c, m)
    for i in range(3):
        print(hashlib.sha256(b.render(sample_image_spec(p, 0, c, m, i, 3)).tobytes()).hexdigest())
"""


def test_determinism_in_a_fresh_process(gl):
    p = GenParams.from_tuple_str('1_1_1_1_1_3_0_1_1')
    here = []
    for c, m in (('mug', 'mug_00'), ('car', 'car_01')):
        gl.load(c, m)
        for i in range(3):
            here.append(hashlib.sha256(gl.render(sample_image_spec(p, 0, c, m, i, 3)).tobytes()).hexdigest())
    out = subprocess.run([sys.executable, '-c', _FRESH], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == here


def test_user_panoramas_replace_the_skies(lib, tmp_path):
    from PIL import Image
    h, w = 32, 64
    red = np.zeros((h, w, 3), np.uint8)
    red[..., 0] = 200
    Image.fromarray(red).save(tmp_path / 'red.png')
    b = GLBackend(lib, size=32, env_dir=str(tmp_path))
    try:
        b.load(CLS, MODEL)
        s = ImageSpec(CLS, MODEL, 0, sky_index=5)
        img, m = b.render(s).astype(float), b.mask(s)
        bg = img[~m].mean(0)
        assert bg[0] > 150 and bg[1] < 30 and bg[2] < 30          # the user's sky, not a built-in one
    finally:
        b.close()
