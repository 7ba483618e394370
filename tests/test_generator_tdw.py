"""The TDW backend against a fake TDW build speaking the real tdw 1.13 zmq protocol over loopback."""
import json
import socket
from collections import Counter

import pytest

pytest.importorskip('tdw', reason='tdw is optional: pip install -r requirements-tdw.txt')

from generator.backends.tdw import TDWBackend  # noqa: E402
from generator.backends.tdw_library import TDWLibrary  # noqa: E402
from generator.generator import Generator, image_name, is_complete  # noqa: E402
from generator.generator_params import GenParams  # noqa: E402
from tests.fake_tdw.build import FakeTDWBuild  # noqa: E402
from tests.fake_tdw.command_api import check_command, command_api  # noqa: E402

LIGHT_COMMANDS = {'rotate_directional_light_by', 'set_directional_light_color', 'adjust_directional_light_intensity_by'}
OBJECTS = {'n02933112': ['24_in_wall_cabinet_white_wood', '24_in_wall_cabinet_wood_beach_honey'],
           'n03001627': ['chair_billiani_doll']}


@pytest.fixture(scope='module')
def library(tmp_path_factory):
    path = tmp_path_factory.mktemp('tdw') / 'objects.json'
    path.write_text(json.dumps(OBJECTS))
    return TDWLibrary(objects=str(path))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('localhost', 0))
        return s.getsockname()[1]


class Session:
    """A fake build plus a real TDW controller connected to it."""

    def __init__(self, library, size=32, region=(10.0, 4.5, 10.0), **options):
        port = free_port()
        self.fake = FakeTDWBuild(port, model_records=library.model_librarian, region=region)
        self.fake.start()
        self.backend = TDWBackend(library=library, size=size, port=port, timeout_ms=20000, **options)

    def close(self):
        self.backend.close()
        self.fake.stop()

    def frames_after(self, frame: int) -> list[dict]:
        return [c for f, c in self.fake.log if f >= frame]


@pytest.fixture
def session(library):
    s = Session(library)
    yield s
    s.close()


def render_frames(log):
    """Per-image command lists: the frames that end with send_images while the _img pass is on."""
    frames: dict[int, list[dict]] = {}
    for f, c in log:
        frames.setdefault(f, []).append(c)
    img_on, out = False, []
    for f in sorted(frames):
        cmds = frames[f]
        for c in cmds:
            if c['$type'] == 'set_pass_masks':
                img_on = c['pass_masks'] == ['_img']
        if img_on and any(c['$type'] == 'send_images' and c['frequency'] == 'once' for c in cmds):
            out.append(cmds)
    return out


def test_command_api_comes_from_tdw_1_13():
    api = command_api()
    assert len(api) > 300
    assert 'send_scene_regions' in api and 'set_directional_light_color' in api
    assert 'send_environments' not in api and 'set_directionial_light_color' not in api   # renamed in 1.9
    assert check_command({'$type': 'create_avatar', 'type': 'A_Img_Caps_Kinematic', 'envs': [0]})  # unknown field
    assert check_command({'$type': 'look_at', 'object_id': 1})                                   # missing field


def test_generates_a_set_end_to_end(session, library, tmp_path):
    p = GenParams.from_tuple_str('1_1_1_1_1_3_1_1_1')
    with Generator(tmp_path, backend=session.backend, library=library, screen_size=32, output_size=32) as g:
        images = g.gen_data(p, 24)
    assert session.fake.errors == []
    assert is_complete(images.parent)
    files = sorted(images.rglob('*.jpg'))
    assert len(files) == 24 and (images / 'n03001627' / image_name('chair_billiani_doll', 11)).is_file()
    types = Counter(c['$type'] for _, c in session.fake.log)
    assert types['send_scene_regions'] == 1 and types['add_object'] == 3 and types['destroy_object'] == 2
    per_image = render_frames(session.fake.log)
    assert len(per_image) == 24
    for cmds in per_image:
        t = {c['$type'] for c in cmds}
        assert {'set_directional_light_color', 'adjust_directional_light_intensity_by',
                'rotate_directional_light_by', 'set_visual_material'} <= t
    # materials=3: every slot of every image takes a material of the library's bank
    mats = [c['material_name'] for cmds in per_image for c in cmds if c['$type'] == 'set_visual_material']
    assert set(mats) <= set(library.materials) and len(set(mats)) > 10
    json.dumps([c for _, c in session.fake.log])         # every value is JSON-serialisable (no numpy floats)


def test_fields_at_zero_send_no_per_image_commands(session, library, tmp_path):
    p = GenParams.from_tuple_str('0_1_0_0_0_1_0_1_1')       # blur, pose_rot, pose_scale only
    with Generator(tmp_path, backend=session.backend, library=library, screen_size=32, output_size=32) as g:
        g.gen_data(p, 28)                                    # 14 per class: 7 + 7 and 14 per model
    assert session.fake.errors == []
    per_image = render_frames(session.fake.log)
    assert len(per_image) == 28
    sent = Counter(c['$type'] for cmds in per_image for c in cmds)
    assert not LIGHT_COMMANDS & set(sent)
    assert 'add_hdri_skybox' not in sent and 'set_visual_material' not in sent and 'add_material' not in sent
    assert 0 < sent['set_focus_distance'] < 28                  # blur on ~75% of the images
    all_types = Counter(c['$type'] for _, c in session.fake.log)
    assert all_types['rotate_object_by'] == 3 * 28 and all_types['look_at_position'] == 0   # pose_rot yes, backgr no
    assert all_types['add_hdri_skybox'] == 1                    # only the fixed sky, at start-up


def test_resume_through_tdw(library, tmp_path):
    p = GenParams.from_tuple_str('0_0_1_0_0_2_0_0_0')
    s = Session(library)
    try:
        with Generator(tmp_path, backend=s.backend, library=library, screen_size=32, output_size=32) as g:
            images = g.gen_data(p, 12)
    finally:
        s.close()
    before = {f: f.read_bytes() for f in images.rglob('*.jpg')}
    meta = images.parent / 'metadata.txt'
    m = json.loads(meta.read_text())
    del m['end']
    meta.write_text(json.dumps(m))
    gone = images / 'n02933112' / image_name('24_in_wall_cabinet_white_wood', 2)
    gone.unlink()
    s = Session(library)
    try:
        with Generator(tmp_path, backend=s.backend, library=library, screen_size=32, output_size=32) as g:
            g.gen_data(p, 12)
        assert s.fake.errors == [] and len(render_frames(s.fake.log)) == 1
        assert Counter(c['$type'] for _, c in s.fake.log)['add_object'] == 1
    finally:
        s.close()
    assert is_complete(images.parent) and set(images.rglob('*.jpg')) == set(before)
    assert gone.read_bytes() == before[gone]              # the same pixels as the first run


def test_scale_normalisation_loop(library):
    s = Session(library, region=(0.05, 0.02, 0.05))        # tiny region: clamps make the object tiny
    try:
        start = len(s.fake.log)
        s.backend.load('n02933112', '24_in_wall_cabinet_white_wood')
        cmds = [c for _, c in s.fake.log[start:]]
        scales = [c['scale_factor']['x'] for c in cmds if c['$type'] == 'scale_object']
        assert scales[1] < 1 and 2.0 in scales                # max clamp, then doubling in the _mask loop
        assert s.backend.mask_fraction >= 0.002
        assert s.fake.errors == []
    finally:
        s.close()


def test_no_region_skybox_preload_and_load_path(library):
    s = Session(library, region=None, skybox_preload=True, load_path='/data/tdw')
    try:
        s.backend.load('n03001627', 'chair_billiani_doll')
        urls = [c['url'] for _, c in s.fake.log if c['$type'] == 'add_object']
        assert urls == ['file:///data/tdw/tdw_asset_bundles/models/chair_billiani_doll']
        assert s.backend.region == (10.0, 4.5, 10.0)
        skies = [c['name'] for _, c in s.fake.log if c['$type'] == 'add_hdri_skybox']
        assert len(skies) == 44 and len(set(skies)) == 43 and skies[-1] == 'fish_hoek_beach_4k'
        assert s.fake.errors == []
    finally:
        s.close()


def test_fake_build_rejects_commands_outside_the_api(session):
    with pytest.raises(RuntimeError, match='quit'):
        session.backend.send([{'$type': 'set_directionial_light_color', 'color': {'r': 1, 'g': 0, 'b': 0, 'a': 1}}])
    with pytest.raises(RuntimeError, match='quit'):
        session.backend.send([{'$type': 'send_environments', 'frequency': 'once'}])
    assert len(session.fake.errors) == 2 and 'set_directionial_light_color' in session.fake.errors[0]
    session.fake.errors.clear()


def test_no_state_leaks_between_sets(session, library, tmp_path):
    """The original kept blur and sun colour of one set in the next; here every image is absolute."""
    with Generator(tmp_path, backend=session.backend, library=library, screen_size=32, output_size=32,
                   num_classes=1) as g:
        g.gen_data(GenParams.from_tuple_str('0_1_1_1_1_1_0_0_0'), 4)
        assert session.fake.aperture < 70 or session.fake.sun_color.min() < 1
        g.gen_data(GenParams.from_tuple_str('0_0_0_0_0_1_0_0_0'), 4)
    assert session.fake.errors == []
    assert session.fake.aperture == 70 and session.fake.sun_color.tolist() == [1.0, 1.0, 1.0]
    assert session.fake.sun_intensity == pytest.approx(library.skyboxes[0].sun_intensity)
    from scipy.spatial.transform import Rotation
    sky = library.skyboxes[0]
    base = Rotation.from_euler('xy', [sky.sun_elevation, sky.sun_initial_angle], degrees=True)
    assert (session.fake.sun * base.inv()).magnitude() < 1e-6     # the sun rotated back exactly


def test_cli_with_two_workers_on_two_builds(library, tmp_path):
    """--backend tdw --workers 2: worker i talks to the build on --port + i."""
    import subprocess
    import sys
    from pathlib import Path
    while True:
        port = free_port()
        with socket.socket() as s:
            if s.connect_ex(('localhost', port + 1)) != 0:
                break
    fakes = [FakeTDWBuild(port + i, model_records=library.model_librarian) for i in range(2)]
    for f in fakes:
        f.start()
    objects = tmp_path / 'objects.json'
    objects.write_text(json.dumps(OBJECTS))
    try:
        r = subprocess.run([str(a) for a in [sys.executable, '-W', 'ignore', 'generator/gen_from_tuple_str.py',
                            '--root_dir', tmp_path / 'out', '--tuple_str', '1_0_0_1_0_2_0_0_1',
                            '--num_imgs', 16, '--backend', 'tdw', '--library', 'tdw', '--tdw_objects', objects,
                            '--size', 32, '--no_progress', '--workers', 2, '--port', port,
                            '--backend_opt', 'timeout_ms=20000']],
                           cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120)
    finally:
        for f in fakes:
            f.stop()
    assert r.returncode == 0, r.stderr
    images = tmp_path / 'out' / 'dataset_1_0_0_1_0_2_0_0_1' / 'images'
    assert is_complete(images.parent) and len(list(images.rglob('*.jpg'))) == 16
    for f in fakes:
        assert f.errors == [] and f.terminated
    added = [sorted(c['name'] for _, c in f.log if c['$type'] == 'add_object') for f in fakes]
    assert added == [['24_in_wall_cabinet_white_wood', 'chair_billiani_doll'], ['24_in_wall_cabinet_wood_beach_honey']]


def test_silent_build_times_out_and_close_still_releases_the_port(library):
    import zmq
    s = Session(library)
    s.fake.stop()                                            # the build dies
    s.backend.timeout_ms = 200
    s.backend.socket.setsockopt(zmq.RCVTIMEO, 200)
    with pytest.raises(RuntimeError, match='no reply from the TDW build'):
        s.backend.send([{'$type': 'send_images', 'frequency': 'never'}])
    s.backend.close()
    assert s.backend.socket is None


def test_default_material_bank_is_the_originals_141_subset_in_librarian_order(library):
    from generator.backends.tdw_library import MATERIAL_SUBSET, read_names_file
    subset = read_names_file(MATERIAL_SUBSET)
    assert len(subset) == len(set(subset)) == 141
    assert sorted(library.materials) == sorted(subset)               # every name, nothing of the other 442
    order = [r.name for r in library.material_librarian.records]
    assert library.materials == sorted(library.materials, key=order.index)
