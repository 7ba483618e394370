"""A fake TDW build: speaks the real TDW 1.13 zmq protocol to a real ``tdw.controller.Controller``.

It connects a REQ socket to the controller, sends the opening message, then for every command list
validates each ``$type`` and its fields against the installed command API, applies the commands to a
small scene model, and replies with the requested output data (built with the tdw package's own
FlatBuffer modules, 4-character type id at bytes 4-8) followed by the big-endian frame counter.
Images: a box silhouette projected with a 60 degree pinhole camera (so its area follows the object's
scale and distance), as a PNG ``_mask`` pass and a JPEG ``_img`` pass tinted by sky, sun and materials.
Every received command is logged with its frame number in ``self.log``; invalid ones in ``self.errors``.
"""
from __future__ import annotations

import io
import json
import threading
from typing import Any

import numpy as np
import zmq
from PIL import Image, ImageFilter
from scipy.spatial.transform import Rotation

from tdw.FBOutput import (Bounds as FBBounds, ImagePass, Images as FBImages, ImageSensor, ImageSensors as FBSensors,
                          Quaternion as FBQuat, QuitSignal as FBQuit, SceneRegion, SceneRegions as FBRegions,
                          Transforms as FBTransforms, Vector3 as FBVector3)
from tdw.flatbuffers import Builder

from tests.fake_tdw.command_api import check_command

PASS_MASK_BITS = {'_img': 1, '_id': 2, '_category': 4, '_mask': 8}
AXES = {'pitch': 'x', 'yaw': 'y', 'roll': 'z'}


def finish(builder: Builder, root: int, type_id: str) -> bytes:
    """Finish a buffer with a 4-character file identifier (the vendored Builder.Finish cannot)."""
    builder.Prep(builder.minalign, 8)
    for b in reversed(type_id.encode('ascii')):
        builder.PrependByte(b)
    builder.PrependUOffsetTRelative(root)
    builder.finished = True
    return bytes(builder.Output())


def float_vector(builder: Builder, start, values) -> int:
    values = [float(v) for v in values]
    start(builder, len(values))
    for v in reversed(values):
        builder.PrependFloat32(v)
    return builder.EndVector(len(values))


def int_vector(builder: Builder, start, values) -> int:
    start(builder, len(values))
    for v in reversed(list(values)):
        builder.PrependInt32(int(v))
    return builder.EndVector(len(values))


def to_xyz(d: dict) -> np.ndarray:
    return np.array([d['x'], d['y'], d['z']], dtype=float)


def look_rotation(forward: np.ndarray) -> Rotation:
    """Unity's Quaternion.LookRotation(forward, up=y)."""
    f = forward / np.linalg.norm(forward)
    up = np.array([0.0, 1.0, 0.0])
    right = np.cross(up, f)
    if np.linalg.norm(right) < 1e-9:
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    return Rotation.from_matrix(np.stack([right, np.cross(f, right), f], axis=1))


class SceneObject:
    def __init__(self, name: str, record: Any, position: np.ndarray):
        self.name = name
        self.record = record
        self.position = position
        self.rotation = Rotation.identity()
        self.scale = np.ones(3)
        b = record.bounds
        self.native_min = np.array([b['left']['x'], b['bottom']['y'], b['back']['z']], dtype=float)
        self.native_max = np.array([b['right']['x'], b['top']['y'], b['front']['z']], dtype=float)
        self.materials = {(s['name'], k): m for s in record.substructure for k, m in enumerate(s['materials'])}
        self.parent_offset: tuple[np.ndarray, Rotation] | None = None

    def corners(self) -> np.ndarray:
        lo, hi = self.native_min * self.scale, self.native_max * self.scale
        c = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        return self.rotation.apply(c) + self.position


class FakeTDWBuild(threading.Thread):
    """Runs in a thread; ``start()`` then create the Controller on the same port (either order works)."""

    def __init__(self, port: int, model_records: Any = None, region: tuple | None = (10.0, 4.5, 10.0)):
        super().__init__(daemon=True)
        self.port = port
        self.region = region
        if model_records is None:
            from tdw.librarian import ModelLibrarian
            model_records = ModelLibrarian('models_full.json')
        self.model_records = model_records
        self.log: list[tuple[int, dict]] = []
        self.errors: list[str] = []
        self.frame = 0
        self._stop_event = threading.Event()
        self.terminated = False
        # scene state
        self.screen = (256, 256)
        self.pass_masks: list[str] = []
        self.img_png = True
        self.avatar: np.ndarray | None = None
        self.sensor = Rotation.identity()
        self.fov = 54.43223
        self.objects: dict[int, SceneObject] = {}
        self.skybox: str | None = None
        self.sun = Rotation.identity()
        self.sun_color = np.ones(3)
        self.sun_intensity = 1.0
        self.aperture = 70.0
        self.focus = 2.0
        self.materials: set[str] = set()
        self.sends: dict[str, tuple[str, Any]] = {}

    # -- thread -----------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def run(self) -> None:
        ctx = zmq.Context()
        sock = ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f'tcp://localhost:{self.port}')
        sock.send(b'0')
        try:
            while not self._stop_event.is_set():
                if not sock.poll(100):
                    continue
                msg = sock.recv_multipart()
                commands = json.loads(msg[0].decode('utf-8'))
                if isinstance(commands, dict):
                    commands = [commands]
                out = self.step(commands)
                if self.terminated:
                    break
                self.frame += 1
                sock.send_multipart(out + [self.frame.to_bytes(4, 'big')])
        finally:
            sock.close(linger=0)
            ctx.term()

    # -- one frame --------------------------------------------------------------------------------
    def step(self, commands: list[dict]) -> list[bytes]:
        out: list[bytes] = []
        failed = False
        for cmd in commands:
            self.log.append((self.frame, cmd))
            problem = check_command(cmd)
            if problem is None:
                try:
                    self.apply(cmd)
                except Exception as e:    # a command the real build would reject at run time
                    problem = f'{cmd["$type"]}: {type(e).__name__}: {e}'
            if problem:
                self.errors.append(f'frame {self.frame}: {problem}')
                failed = True
        if self.terminated:
            return []
        for key in list(self.sends):
            kind, arg = self.sends[key]
            if kind in ('once', 'always'):
                try:
                    out.append(self.output(key, arg))
                except Exception as e:
                    self.errors.append(f'frame {self.frame}: {key}: {type(e).__name__}: {e}')
                    failed = True
            if kind == 'once':
                del self.sends[key]
        if failed:
            b = Builder(0)
            FBQuit.QuitSignalStart(b)
            FBQuit.QuitSignalAddOk(b, False)
            out.append(finish(b, FBQuit.QuitSignalEnd(b), 'quit'))
        return out

    def apply(self, cmd: dict) -> None:
        t = cmd['$type']
        handler = getattr(self, 'do_' + t, None)
        if handler is not None:
            handler(cmd)
        elif t.startswith('send_'):
            self.sends[t] = (cmd.get('frequency', 'once'), cmd)

    # settings
    def do_terminate(self, c): self.terminated = True
    def do_set_screen_size(self, c): self.screen = (int(c.get('width', 256)), int(c.get('height', 256)))
    def do_set_pass_masks(self, c): self.pass_masks = list(c['pass_masks'])
    def do_set_img_pass_encoding(self, c): self.img_png = bool(c['value'])
    def do_set_field_of_view(self, c): self.fov = float(c.get('field_of_view', 54.43223))
    def do_set_aperture(self, c): self.aperture = float(c.get('aperture', 4.0))
    def do_set_focus_distance(self, c): self.focus = float(c.get('focus_distance', 2.0))

    def do_create_avatar(self, c):
        self.avatar = np.zeros(3)
        self.sensor = Rotation.identity()

    def _avatar(self) -> np.ndarray:
        if self.avatar is None:
            raise ValueError('no avatar; send create_avatar first')
        return self.avatar

    def _object(self, object_id) -> SceneObject:
        if object_id not in self.objects:
            raise ValueError(f'no object with id {object_id}')
        return self.objects[object_id]

    # avatar and sensor
    def do_teleport_avatar_to(self, c):
        self._avatar()
        self.avatar = to_xyz(c['position'])
        self._follow_sensor()

    def _set_sensor(self, rotation: Rotation) -> None:
        self.sensor = rotation
        self._follow_sensor()

    def _follow_sensor(self) -> None:
        for o in self.objects.values():
            if o.parent_offset is not None:
                rel_pos, rel_rot = o.parent_offset
                o.position = self.avatar + self.sensor.apply(rel_pos)
                o.rotation = self.sensor * rel_rot

    def do_look_at(self, c):
        o = self._object(c['object_id'])
        target = o.corners().mean(axis=0) if c['use_centroid'] else o.position
        self._set_sensor(look_rotation(target - self._avatar()))

    def do_look_at_position(self, c):
        self._set_sensor(look_rotation(to_xyz(c['position']) - self._avatar()))

    def do_rotate_sensor_container_to(self, c):
        r = c['rotation']
        self._set_sensor(Rotation.from_quat([r['x'], r['y'], r['z'], r['w']]))

    def do_rotate_sensor_container_by(self, c):
        self._set_sensor(self.sensor * Rotation.from_euler(AXES[c['axis']], c['angle'], degrees=True))

    # objects
    def do_add_object(self, c):
        record = self.model_records.get_record(c['name'])
        if record is None:
            raise ValueError(f'no model record {c["name"]!r}')
        if c['id'] in self.objects:
            raise ValueError(f'object id {c["id"]} exists')
        pos = to_xyz(c['position']) if c.get('position') else np.zeros(3)
        self.objects[c['id']] = SceneObject(c['name'], record, pos)

    def do_destroy_object(self, c):
        self._object(c['id'])
        del self.objects[c['id']]

    def do_scale_object(self, c):
        self._object(c['id']).scale *= to_xyz(c['scale_factor'])

    def do_teleport_object(self, c):
        self._object(c['id']).position = to_xyz(c['position'])

    def do_rotate_object_to(self, c):
        r = c['rotation']
        q = np.array([r['x'], r['y'], r['z'], r['w']], dtype=float)
        if np.linalg.norm(q) < 1e-9:
            raise ValueError('zero quaternion')
        self._object(c['id']).rotation = Rotation.from_quat(q)

    def do_rotate_object_by(self, c):
        o = self._object(c['id'])
        r = Rotation.from_euler(AXES[c.get('axis', 'yaw')], c['angle'], degrees=True)
        o.rotation = r * o.rotation if c.get('is_world', True) else o.rotation * r

    def do_parent_object_to_avatar(self, c):
        o = self._object(c['id'])
        o.parent_offset = (self.sensor.inv().apply(o.position - self._avatar()), self.sensor.inv() * o.rotation)

    def do_unparent_object(self, c):
        self._object(c['id']).parent_offset = None

    # environment, light, materials
    def do_add_hdri_skybox(self, c):
        self.skybox = c['name']
        self.sun = Rotation.from_euler('xy', [c['sun_elevation'], c['sun_initial_angle']], degrees=True)
        self.sun_intensity = float(c['sun_intensity'])

    def do_rotate_directional_light_by(self, c):
        self.sun = self.sun * Rotation.from_euler(AXES[c.get('axis', 'yaw')], c['angle'], degrees=True)

    def do_set_directional_light_color(self, c):
        col = c['color']
        self.sun_color = np.array([col['r'], col['g'], col['b']], dtype=float)

    def do_adjust_directional_light_intensity_by(self, c):
        self.sun_intensity += float(c['intensity'])

    def do_add_material(self, c):
        self.materials.add(c['name'])

    def do_set_visual_material(self, c):
        o = self._object(c['id'])
        key = (c['object_name'], int(c['material_index']))
        if key not in o.materials:
            raise ValueError(f'object {o.name!r} has no material slot {key}')
        if c['material_name'] not in self.materials:
            raise ValueError(f'material {c["material_name"]!r} was not added (add_material)')
        o.materials[key] = c['material_name']

    # -- output data ------------------------------------------------------------------------------
    def output(self, key: str, cmd: dict) -> bytes:
        b = Builder(1024)
        if key == 'send_version':
            version, unity = b'1.13.0.0', b'2020.3.24f1'
            return b'\x00\x00\x00\x00vers\x01' + bytes([len(version)]) + version + unity
        if key == 'send_scene_regions':
            regions = [] if self.region is None else [(0, (0.0, self.region[1] / 2, 0.0), self.region)]
            FBRegions.SceneRegionsStartRegionsVector(b, len(regions))
            for rid, center, bounds in reversed(regions):
                SceneRegion.CreateSceneRegion(b, rid, *center, *bounds)
            vec = b.EndVector(len(regions))
            FBRegions.SceneRegionsStart(b)
            FBRegions.SceneRegionsAddRegions(b, vec)
            return finish(b, FBRegions.SceneRegionsEnd(b), 'sreg')
        if key == 'send_bounds':
            ids = [i for i in cmd['ids'] if i in self.objects]
            points = []
            for i in ids:
                c = self.objects[i].corners()
                lo, hi, mid = c.min(0), c.max(0), c.mean(0)
                front, back = [mid[0], mid[1], hi[2]], [mid[0], mid[1], lo[2]]
                right, left = [hi[0], mid[1], mid[2]], [lo[0], mid[1], mid[2]]
                top, bottom = [mid[0], hi[1], mid[2]], [mid[0], lo[1], mid[2]]
                points += front + back + right + left + top + bottom + list(mid)
            pv = float_vector(b, FBBounds.BoundsStartBoundPositionsVector, points)
            iv = int_vector(b, FBBounds.BoundsStartIdsVector, ids)
            FBBounds.BoundsStart(b)
            FBBounds.BoundsAddIds(b, iv)
            FBBounds.BoundsAddBoundPositions(b, pv)
            return finish(b, FBBounds.BoundsEnd(b), 'boun')
        if key == 'send_transforms':
            ids = [i for i in cmd['ids'] if i in self.objects]
            objs = [self.objects[i] for i in ids]
            pos = float_vector(b, FBTransforms.TransformsStartPositionsVector,
                               [v for o in objs for v in o.position])
            rot = float_vector(b, FBTransforms.TransformsStartRotationsVector,
                               [v for o in objs for v in o.rotation.as_quat()])
            fwd = float_vector(b, FBTransforms.TransformsStartForwardsVector,
                               [v for o in objs for v in o.rotation.apply([0.0, 0.0, 1.0])])
            iv = int_vector(b, FBTransforms.TransformsStartIdsVector, ids)
            FBTransforms.TransformsStart(b)
            FBTransforms.TransformsAddIds(b, iv)
            FBTransforms.TransformsAddPositions(b, pos)
            FBTransforms.TransformsAddRotations(b, rot)
            FBTransforms.TransformsAddForwards(b, fwd)
            return finish(b, FBTransforms.TransformsEnd(b), 'tran')
        if key == 'send_image_sensors':
            name = b.CreateString('SensorContainer')
            ImageSensor.ImageSensorStart(b)
            ImageSensor.ImageSensorAddName(b, name)
            ImageSensor.ImageSensorAddIsOn(b, True)
            q = self.sensor.as_quat()
            ImageSensor.ImageSensorAddRotation(b, FBQuat.CreateQuaternion(b, *[float(v) for v in q]))
            f = self.sensor.apply([0.0, 0.0, 1.0])
            ImageSensor.ImageSensorAddForward(b, FBVector3.CreateVector3(b, *[float(v) for v in f]))
            ImageSensor.ImageSensorAddFieldOfView(b, float(self.fov))
            sensor = ImageSensor.ImageSensorEnd(b)
            avatar = b.CreateString('a')
            FBSensors.ImageSensorsStartSensorsVector(b, 1)
            b.PrependUOffsetTRelative(sensor)
            vec = b.EndVector(1)
            FBSensors.ImageSensorsStart(b)
            FBSensors.ImageSensorsAddAvatarId(b, avatar)
            FBSensors.ImageSensorsAddSensors(b, vec)
            return finish(b, FBSensors.ImageSensorsEnd(b), 'imse')
        if key == 'send_images':
            passes = []
            for p in self.pass_masks:
                if p == '_mask':
                    passes.append((PASS_MASK_BITS[p], self._encode(self.draw(mask=True), 'PNG'), 1))
                elif p == '_img':
                    fmt = 'PNG' if self.img_png else 'JPEG'
                    passes.append((PASS_MASK_BITS[p], self._encode(self.draw(mask=False), fmt), 1 if fmt == 'PNG' else 2))
            pass_offsets = []
            for mask_bit, data, ext in passes:
                data_vec = b.CreateByteVector(data)
                ImagePass.ImagePassStart(b)
                ImagePass.ImagePassAddPassMask(b, mask_bit)
                ImagePass.ImagePassAddImage(b, data_vec)
                ImagePass.ImagePassAddExtension(b, ext)
                pass_offsets.append(ImagePass.ImagePassEnd(b))
            FBImages.ImagesStartPassesVector(b, len(pass_offsets))
            for off in reversed(pass_offsets):
                b.PrependUOffsetTRelative(off)
            vec = b.EndVector(len(pass_offsets))
            avatar, sensor = b.CreateString('a'), b.CreateString('SensorContainer')
            FBImages.ImagesStart(b)
            FBImages.ImagesAddAvatarId(b, avatar)
            FBImages.ImagesAddSensorName(b, sensor)
            FBImages.ImagesAddWidth(b, self.screen[0])
            FBImages.ImagesAddHeight(b, self.screen[1])
            FBImages.ImagesAddPasses(b, vec)
            return finish(b, FBImages.ImagesEnd(b), 'imag')
        raise ValueError(f'fake build cannot answer {key}')

    @staticmethod
    def _encode(img: Image.Image, fmt: str) -> bytes:
        buf = io.BytesIO()
        img.save(buf, format=fmt)
        return buf.getvalue()

    def silhouette(self) -> np.ndarray:
        """Boolean H x W mask: the projected bounding box of every object in front of the camera."""
        w, h = self.screen
        mask = np.zeros((h, w), dtype=bool)
        if self.avatar is None:
            return mask
        f = (h / 2) / np.tan(np.radians(self.fov) / 2)
        for o in self.objects.values():
            cam = self.sensor.inv().apply(o.corners() - self.avatar)
            if np.any(cam[:, 2] <= 1e-3):
                continue
            u = w / 2 + f * cam[:, 0] / cam[:, 2]
            v = h / 2 - f * cam[:, 1] / cam[:, 2]
            x0, x1 = int(np.clip(np.round(u.min()), 0, w)), int(np.clip(np.round(u.max()), 0, w))
            y0, y1 = int(np.clip(np.round(v.min()), 0, h)), int(np.clip(np.round(v.max()), 0, h))
            mask[y0:y1, x0:x1] = True
        return mask

    def draw(self, mask: bool) -> Image.Image:
        sil = self.silhouette()
        if mask:
            return Image.fromarray((sil * 255).astype(np.uint8), mode='L')
        sky_seed = sum(map(ord, self.skybox or 'none'))
        sky = np.array([sky_seed * 37 % 200 + 30, sky_seed * 91 % 200 + 30, 200], dtype=float)
        tint = np.array([200.0, 180.0, 160.0])
        for o in self.objects.values():
            names = sorted(set(o.materials.values()))
            if names:
                s = sum(map(ord, names[0]))
                tint = np.array([s * 13 % 200 + 40, s * 29 % 200 + 40, s * 53 % 200 + 40], dtype=float)
        light = self.sun_color * max(0.1, self.sun_intensity) * (0.6 + 0.4 * abs(self.sun.apply([0, 0, 1])[1]))
        img = np.where(sil[..., None], tint * light, sky)
        out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), mode='RGB')
        if self.aperture < 70:
            out = out.filter(ImageFilter.BoxBlur(max(1, int(round(2 / self.aperture)))))
        return out
