"""ThreeDWorld backend: renders ImageSpecs with a TDW build, the way the original generator does.

A ``tdw.controller.Controller`` subclass (tdw 1.13; see requirements-tdw.txt). It sets up the scene,
avatar and camera as the original, loads one model at a time (unit scale from the record bounds, the
max/min scale clamps against the scene region, re-centring, and the ``_mask`` frame-fraction loop
0.002 / 0.005), then per image poses object and camera from the spec and applies skybox, sun
rotation/colour/intensity, focus blur and materials, and returns the ``_img`` pass.

Differences from the original (see docs/generator.md): state is tracked and commands are sent only on
change, with absolute targets (the sun is rotated back before each new rotation; camera and object
are reset for every image), so an image never depends on the previous one; TDW >= 1.9 names are used
(``send_scene_regions``, ``set_directional_light_color``); numpy floats are cast to ``float``.
"""
from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import numpy as np
from PIL import Image

from common.errors import UserError
from generator.backends.tdw_library import DEFAULT_MATERIAL, TDWLibrary
from generator.spec import NUM_MATERIAL_SLOTS, SHARP_APERTURE, ImageSpec

try:
    with warnings.catch_warnings():   # tdw imports the deprecated pkg_resources
        warnings.simplefilter('ignore')
        from tdw.controller import Controller
        from tdw.output_data import Bounds, Images, ImageSensors, OutputData, SceneRegions, Transforms
except ImportError as e:   # keep the error readable: the backend registry turns it into a UserError
    raise ImportError(f'the tdw backend needs the tdw package: pip install -r requirements-tdw.txt ({e})') from e

log = logging.getLogger('generator')

AVATAR_ID = 'a'
AVATAR_POSITION = (1.0, 1.5, 1.8)          # the original's default avatar position
DEFAULT_REGION = (10.0, 4.5, 10.0)         # w, h, l when the scene reports no region
FIELD_OF_VIEW = 60.0
MIN_FRACTION, CLOSE_FRACTION = 0.002, 0.005
MAX_DOUBLINGS = 30                          # the original loops without a bound; we stop eventually
SETUP_SIZE = 32                             # screen size during scale normalisation


def vec(x: Any, y: Any, z: Any) -> dict[str, float]:
    return {'x': float(x), 'y': float(y), 'z': float(z)}


def quat(q: Any) -> dict[str, float]:
    return {'x': float(q[0]), 'y': float(q[1]), 'z': float(q[2]), 'w': float(q[3])}


def find_output(resp: list, type_id: str, cls):
    """The first output-data frame of ``type_id`` in a reply (the last frame is the frame counter)."""
    for r in resp[:-1]:
        if OutputData.get_data_type_id(r) == type_id:
            return cls(r)
    raise RuntimeError(f'the TDW build did not send {type_id!r} output data')


def unit_scale(bounds: dict) -> float:
    """1 / the largest extent of a record's bounds (height, depth, width)."""
    h = bounds['top']['y'] - bounds['bottom']['y']
    d = bounds['front']['z'] - bounds['back']['z']
    w = bounds['right']['x'] - bounds['left']['x']
    return 1.0 / max(abs(h), abs(d), abs(w), 1e-6)


class TDWBackend(Controller):
    """RenderBackend over a TDW build (launched by tdw, or your own with ``launch_build=False``)."""

    name = 'tdw'

    def __init__(self, library: TDWLibrary | None = None, size: int = 256, port: int = 1071,
                 launch_build: bool = False, check_version: bool = False, load_path: str | None = None,
                 skybox_preload: bool = False, terminate_on_close: bool = True,
                 timeout_ms: int | None = None):
        library = TDWLibrary() if library is None else library
        if not isinstance(library, TDWLibrary):
            raise UserError(f'the tdw backend needs the tdw object library (--library tdw), '
                            f'not {getattr(library, "name", library)!r}')
        self.library = library
        self.size = int(size)
        self.load_path = load_path
        self.terminate_on_close = terminate_on_close
        self.timeout_ms = timeout_ms
        self.object_id = 0
        self._num_loads = 0
        # tdw 1.13 only launches (and downloads) a build after its version check.
        super().__init__(port=port, check_version=check_version or launch_build, launch_build=launch_build)
        if timeout_ms is not None:
            import zmq
            self.socket.setsockopt(zmq.RCVTIMEO, int(timeout_ms))
            self.socket.setsockopt(zmq.LINGER, 0)
        self._init_scene(skybox_preload)

    # -- transport --------------------------------------------------------------------------------
    def send(self, commands: list[dict]) -> list:
        """``communicate`` that fails loudly when the build quits or (with ``timeout_ms``) goes silent."""
        import zmq
        try:
            resp = self.communicate(commands)
        except zmq.Again as e:
            raise RuntimeError(f'no reply from the TDW build within timeout_ms={self.timeout_ms}') from e
        for r in resp[:-1]:
            if OutputData.get_data_type_id(r) == 'quit':
                raise RuntimeError('the TDW build quit (an invalid command?); see its log')
        return resp

    # -- scene ------------------------------------------------------------------------------------
    def _init_scene(self, skybox_preload: bool) -> None:
        resp = self.send([
            {'$type': 'use_pre_signed_urls', 'value': True},
            {'$type': 'create_avatar', 'type': 'A_Img_Caps_Kinematic', 'id': AVATAR_ID},
            {'$type': 'simulate_physics', 'value': False},
            {'$type': 'set_img_pass_encoding', 'value': False},
            {'$type': 'set_camera_clipping_planes', 'near': 0.01, 'far': 160, 'avatar_id': AVATAR_ID},
            {'$type': 'set_vignette', 'enabled': False},
            {'$type': 'set_post_exposure', 'post_exposure': 0.6},
            {'$type': 'set_contrast', 'contrast': -20},
            {'$type': 'set_saturation', 'saturation': 10},
            {'$type': 'set_screen_space_reflections', 'enabled': False},
            {'$type': 'set_shadow_strength', 'strength': 1.0},
            {'$type': 'set_aperture', 'aperture': SHARP_APERTURE},
            {'$type': 'set_field_of_view', 'field_of_view': FIELD_OF_VIEW, 'avatar_id': AVATAR_ID},
            {'$type': 'set_anti_aliasing', 'mode': 'subpixel', 'avatar_id': AVATAR_ID},
            {'$type': 'set_render_quality', 'render_quality': 5},
            {'$type': 'set_screen_size', 'width': self.size, 'height': self.size},
            {'$type': 'send_scene_regions', 'frequency': 'once'},
        ])
        try:
            regions = find_output(resp, 'sreg', SceneRegions)
            self.region = tuple(float(v) for v in regions.get_bounds(0)) if regions.get_num() else DEFAULT_REGION
        except RuntimeError:
            self.region = DEFAULT_REGION
        if skybox_preload:
            for i in range(len(self.library.skyboxes)):
                self.send([self._skybox_command(i)])
        self.sky_index: int | None = None
        self.sun_color = (1.0, 1.0, 1.0)
        self.aperture = SHARP_APERTURE
        self.focus: float | None = None
        self.added_materials: set[str] = set()
        self._set_sky(0)

    def _skybox_command(self, index: int) -> dict:
        r = self.library.skyboxes[index]
        return {'$type': 'add_hdri_skybox', 'name': r.name, 'url': r.get_url(),
                'exposure': float(r.exposure), 'initial_skybox_rotation': float(r.initial_skybox_rotation),
                'sun_elevation': float(r.sun_elevation), 'sun_initial_angle': float(r.sun_initial_angle),
                'sun_intensity': float(r.sun_intensity)}

    def _set_sky(self, index: int, commands: list[dict] | None = None) -> None:
        """Add a skybox; it resets the sun's rotation and intensity to the skybox's own."""
        cmd = self._skybox_command(index)
        if commands is None:
            self.send([cmd])
        else:
            commands.append(cmd)
        self.sky_index = index
        self.sun_rotation = (0.0, 0.0)
        self.intensity = 0.0

    # -- models -----------------------------------------------------------------------------------
    def _unload(self) -> list[dict]:
        if not self.object_id:
            return []
        cmds = [{'$type': 'send_images', 'frequency': 'never'},
                {'$type': 'destroy_object', 'id': self.object_id},
                {'$type': 'unload_asset_bundles', 'bundle_type': 'models'}]
        self.object_id = 0
        return cmds

    def _bounds(self, extra: list[dict]) -> Bounds:
        resp = self.send(extra + [{'$type': 'send_bounds', 'ids': [self.object_id], 'frequency': 'once'}])
        return find_output(resp, 'boun', Bounds)

    def _recentre(self, b: Bounds) -> list[dict]:
        """Centroid at 1 m, bottom not below the floor, centroid not above 2.5 m; then look at it."""
        y, cy, by = float(self.position[1]), float(b.get_center(0)[1]), float(b.get_bottom(0)[1])
        new_y = min(max(y + 1.0 - cy, y - by), y + 2.5 - cy)
        self.position = (self.position[0], new_y, self.position[2])
        return [{'$type': 'teleport_object', 'id': self.object_id, 'position': vec(*self.position)},
                {'$type': 'look_at', 'object_id': self.object_id, 'use_centroid': True,
                 'avatar_id': AVATAR_ID}]

    def _mask_fraction(self, commands: list[dict]) -> float:
        resp = self.send(commands + [{'$type': 'send_images', 'frequency': 'once'}])
        images = find_output(resp, 'imag', Images)
        for i in range(images.get_num_passes()):
            if images.get_pass_mask(i) == '_mask':
                mask = np.asarray(Image.open(io.BytesIO(images.get_image(i).tobytes())).convert('L'))
                return float((mask > 0).mean())
        raise RuntimeError('the TDW build sent no _mask pass')

    def load(self, class_name: str, model_name: str) -> None:
        record = self.library.record(model_name)
        if record is None:
            raise UserError(f'model {model_name!r} is not in the TDW model library')
        self._num_loads += 1
        cmds = self._unload()
        self.object_id = self._num_loads
        self.record = record
        url = (f'file://{self.load_path}/tdw_asset_bundles/models/{model_name}' if self.load_path
               else record.get_url())
        s = unit_scale(record.bounds)
        self.position = (0.0, 0.0, 0.0)
        w, h, l = self.region
        cmds += [
            {'$type': 'set_screen_size', 'width': SETUP_SIZE, 'height': SETUP_SIZE},
            {'$type': 'set_pass_masks', 'pass_masks': [], 'avatar_id': AVATAR_ID},
            {'$type': 'set_render_quality', 'render_quality': 0},
            {'$type': 'add_object', 'name': model_name, 'url': url, 'id': self.object_id,
             'scale_factor': float(record.scale_factor), 'category': record.wcategory,
             'position': vec(0, 0, 0)},
            {'$type': 'scale_object', 'id': self.object_id, 'scale_factor': vec(s, s, s)},
            {'$type': 'send_images', 'frequency': 'never'},
            {'$type': 'rotate_object_to', 'id': self.object_id, 'rotation': quat((0, 0, 0, 1))},
            {'$type': 'teleport_object', 'id': self.object_id, 'position': vec(0, 0, 0)},
            {'$type': 'teleport_avatar_to', 'position': vec(*AVATAR_POSITION), 'avatar_id': AVATAR_ID},
            {'$type': 'look_at', 'object_id': self.object_id, 'use_centroid': True, 'avatar_id': AVATAR_ID},
        ]
        b = self._bounds(cmds)

        def extents(b: Bounds) -> tuple[float, float, float]:
            return (float(np.max(np.abs(b.get_front(0) - b.get_back(0)))),
                    float(np.max(np.abs(b.get_top(0) - b.get_bottom(0)))),
                    float(np.max(np.abs(b.get_left(0) - b.get_right(0)))))

        fb, tb, lr = extents(b)
        big = max(2 * fb / w, tb / (0.9 * h), 2 * lr / l)
        if big > 1:        # max clamp: the object must fit the scene region
            f = 1.0 / big
            b = self._bounds([{'$type': 'scale_object', 'id': self.object_id, 'scale_factor': vec(f, f, f)}])
            fb, tb, lr = extents(b)
        small = max(10 * fb / w, 5 * tb / (0.9 * h), 10 * lr / l)
        if small < 1:      # min clamp: not vanishingly small against the region
            f = 1.0 / max(small, 1e-6)
            b = self._bounds([{'$type': 'scale_object', 'id': self.object_id, 'scale_factor': vec(f, f, f)}])
        masks = [{'$type': 'set_pass_masks', 'pass_masks': ['_mask'], 'avatar_id': AVATAR_ID}]
        fraction = self._mask_fraction(masks + self._recentre(b))
        doublings = 0
        while fraction < MIN_FRACTION and doublings < MAX_DOUBLINGS:
            b = self._bounds([{'$type': 'scale_object', 'id': self.object_id, 'scale_factor': vec(2, 2, 2)}])
            fraction = self._mask_fraction(self._recentre(b))
            doublings += 1
        if fraction < CLOSE_FRACTION:   # move halfway to the camera
            self.position = tuple((np.array(self.position) + np.array(AVATAR_POSITION)) / 2)
            self.send([{'$type': 'teleport_object', 'id': self.object_id, 'position': vec(*self.position)},
                       {'$type': 'look_at', 'object_id': self.object_id, 'use_centroid': True,
                        'avatar_id': AVATAR_ID}])
        resp = self.send([{'$type': 'send_transforms', 'ids': [self.object_id], 'frequency': 'once'},
                          {'$type': 'send_image_sensors', 'ids': [AVATAR_ID], 'frequency': 'once'}])
        t = find_output(resp, 'tran', Transforms)
        sensors = find_output(resp, 'imse', ImageSensors)
        self.init_position = tuple(float(v) for v in t.get_position(0))
        self.init_rotation = tuple(float(v) for v in t.get_rotation(0))
        self.init_sensor_rotation = tuple(float(v) for v in sensors.get_sensor_rotation(0))
        self.mask_fraction = fraction
        self.materials = self._natural_materials()
        self.send([{'$type': 'set_pass_masks', 'pass_masks': ['_img'], 'avatar_id': AVATAR_ID},
                   {'$type': 'set_screen_size', 'width': self.size, 'height': self.size},
                   {'$type': 'set_render_quality', 'render_quality': 5}])

    def _natural_materials(self) -> dict[tuple[str, int], str]:
        return {(sub['name'], k): name for sub in self.record.substructure
                for k, name in enumerate(sub['materials'])}

    # -- images -----------------------------------------------------------------------------------
    def _pose_commands(self, spec: ImageSpec) -> list[dict]:
        oid = self.object_id
        avatar = np.array(AVATAR_POSITION)
        cmds = [{'$type': 'teleport_avatar_to', 'position': vec(*avatar), 'avatar_id': AVATAR_ID},
                {'$type': 'rotate_sensor_container_to', 'rotation': quat(self.init_sensor_rotation),
                 'avatar_id': AVATAR_ID},
                {'$type': 'teleport_object', 'id': oid, 'position': vec(*self.init_position)},
                {'$type': 'rotate_object_to', 'id': oid, 'rotation': quat(self.init_rotation)}]
        if any(spec.obj_rotation):
            for angle, axis in zip(spec.obj_rotation, ('pitch', 'yaw', 'roll')):
                cmds.append({'$type': 'rotate_object_by', 'id': oid, 'angle': float(angle), 'axis': axis,
                             'is_world': True})
        if spec.distance_factor != 1.0:
            p = avatar + spec.distance_factor * (np.array(self.init_position) - avatar)
            cmds += [{'$type': 'teleport_object', 'id': oid, 'position': vec(*p)},
                     {'$type': 'look_at', 'object_id': oid, 'use_centroid': True, 'avatar_id': AVATAR_ID}]
        if spec.look_dir is not None:
            target = avatar + np.array(spec.look_dir)
            cmds += [{'$type': 'parent_object_to_avatar', 'id': oid, 'avatar_id': AVATAR_ID, 'sensor': True},
                     {'$type': 'look_at_position', 'position': vec(*target), 'avatar_id': AVATAR_ID},
                     {'$type': 'unparent_object', 'id': oid}]
        if spec.cam_pitch or spec.cam_yaw:
            cmds += [{'$type': 'rotate_sensor_container_by', 'angle': float(spec.cam_pitch), 'axis': 'pitch',
                      'avatar_id': AVATAR_ID},
                     {'$type': 'rotate_sensor_container_by', 'angle': float(spec.cam_yaw), 'axis': 'yaw',
                      'avatar_id': AVATAR_ID}]
        return cmds

    def _light_commands(self, spec: ImageSpec) -> list[dict]:
        cmds: list[dict] = []
        if spec.sky_index != self.sky_index:
            self._set_sky(spec.sky_index, cmds)
        target = (float(spec.sun_yaw), float(spec.sun_pitch))
        if target != self.sun_rotation:
            yaw0, pitch0 = self.sun_rotation   # undo in reverse order (local-space rotations), then apply
            for angle, axis in ((-pitch0, 'pitch'), (-yaw0, 'yaw'), (target[0], 'yaw'), (target[1], 'pitch')):
                if angle:
                    cmds.append({'$type': 'rotate_directional_light_by', 'angle': angle, 'axis': axis,
                                 'index': 0})
            self.sun_rotation = target
        color = tuple(float(c) for c in (spec.sun_color or (1.0, 1.0, 1.0)))
        if color != self.sun_color:
            cmds.append({'$type': 'set_directional_light_color', 'index': 0,
                         'color': {'r': color[0], 'g': color[1], 'b': color[2], 'a': 1.0}})
            self.sun_color = color
        if spec.intensity_offset != self.intensity:
            cmds.append({'$type': 'adjust_directional_light_intensity_by', 'index': 0,
                         'intensity': float(spec.intensity_offset - self.intensity)})
            self.intensity = float(spec.intensity_offset)
        return cmds

    def _blur_commands(self, spec: ImageSpec, distance: float) -> list[dict]:
        cmds: list[dict] = []
        if spec.blurred:
            focus = max(0.01, distance + spec.focus_offset)
            cmds.append({'$type': 'set_focus_distance', 'focus_distance': float(focus)})
            self.focus = focus
        if float(spec.aperture) != self.aperture:
            cmds.append({'$type': 'set_aperture', 'aperture': float(spec.aperture)})
            self.aperture = float(spec.aperture)
        return cmds

    def _material_commands(self, spec: ImageSpec) -> list[dict]:
        slots = list(self._natural_materials())
        if spec.material_mode == 0:
            wanted = {s: DEFAULT_MATERIAL for s in slots}
        elif spec.material_mode in (2, 3):
            bank = self.library.materials
            wanted = {s: bank[min(len(bank) - 1, int(spec.material_draws[k % NUM_MATERIAL_SLOTS] * len(bank)))]
                      for k, s in enumerate(slots)}
        else:
            wanted = self._natural_materials()
        cmds: list[dict] = []
        for (sub_name, index), name in wanted.items():
            if self.materials.get((sub_name, index)) == name:
                continue
            if name not in self.added_materials:
                cmds.append({'$type': 'add_material', 'name': name,
                             'url': self.library.material_record(name).get_url()})
                self.added_materials.add(name)
            cmds.append({'$type': 'set_visual_material', 'id': self.object_id, 'material_name': name,
                         'object_name': sub_name, 'material_index': index})
            self.materials[(sub_name, index)] = name
        return cmds

    def render(self, spec: ImageSpec) -> np.ndarray:
        if not self.object_id or self.record.name != spec.model_name:
            raise RuntimeError(f'render of {spec.model_name!r} before load()')
        resp = self.send(self._pose_commands(spec)
                         + [{'$type': 'send_transforms', 'ids': [self.object_id], 'frequency': 'once'}])
        position = np.array(find_output(resp, 'tran', Transforms).get_position(0), dtype=float)
        distance = float(np.linalg.norm(position - np.array(AVATAR_POSITION)))
        cmds = (self._light_commands(spec) + self._blur_commands(spec, distance)
                + self._material_commands(spec) + [{'$type': 'send_images', 'frequency': 'once'}])
        images = find_output(self.send(cmds), 'imag', Images)
        for i in range(images.get_num_passes()):
            if images.get_pass_mask(i) == '_img':
                img = Image.open(io.BytesIO(images.get_image(i).tobytes())).convert('RGB')
                return np.asarray(img, dtype=np.uint8)
        raise RuntimeError('the TDW build sent no _img pass')

    def close(self) -> None:
        if getattr(self, 'socket', None) is None:
            return
        try:
            cmds = self._unload()
            if cmds:
                self.send(cmds)
            if self.terminate_on_close:
                self.socket.send_multipart([b'[{"$type": "terminate"}]'])
        except Exception as e:   # a dead or silent build: still release the port
            log.warning('closing the TDW connection uncleanly: %s', e)
        finally:
            self.socket.close(linger=0)
            self.socket = None

