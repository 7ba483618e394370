"""The embedded renderer: moderngl on a headless EGL context (Mesa llvmpipe on CPU, NVIDIA EGL on GPU).

One directional sun with a shadow map, spherical-harmonics ambient light and a cheap sky reflection from
the current environment, metallic-roughness materials with box-projected procedural textures, the
environment (a cube map made from its equirectangular panorama) seen through the camera's real
direction, MSAA, depth of field from each pixel's depth, ACES-like tone curve, sRGB output with dither.
Geometry is uploaded once per ``load``; ``render`` only sets uniforms, draws and reads back.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from common.errors import UserError
from generator.backends import gl_scene as scene
from generator.backends import gl_shaders as sh
from generator.library.environments import EnvironmentBank, equirect_to_cube
from generator.library.materials import SINGLE_MATERIAL, MaterialBank
from generator.library.meshdata import ModelMesh
from generator.spec import SHARP_APERTURE, ImageSpec

MAX_SLOTS = 16
SUN_SCALE = 2.0           # radiance of a white surface facing a sun of intensity 1
EXPOSURE = 1.0
MASK_SIZE = 64            # resolution of the framing check (the original measured at 32 x 32)
MIN_FRACTION_DOUBLE = 0.002
MIN_FRACTION_CLOSER = 0.005


def _preload_triton() -> None:
    """Load triton (torch's compiler, which bundles its own LLVM) before Mesa's llvmpipe: loaded in the other
    order, the two LLVM copies clash and the process segfaults as soon as torch imports torch._dynamo
    (e.g. when an optimizer is built in the same process that renders)."""
    import importlib.util
    if 'triton' not in sys.modules and importlib.util.find_spec('triton') is not None:
        try:
            import triton  # noqa: F401
        except Exception:  # a broken triton only matters to torch.compile, never to rendering
            pass


def create_context(device_index: int | None = None):
    """A standalone OpenGL 3.3+ context on EGL (no window, no X server); one clear error when EGL is missing."""
    _preload_triton()
    import moderngl
    kwargs: dict[str, Any] = {'backend': 'egl'}
    if device_index is not None:
        kwargs['device_index'] = device_index
    try:
        return moderngl.create_standalone_context(require=330, **kwargs)
    except Exception as e:  # libEGL missing, no driver, ...
        raise UserError(f'cannot create a headless OpenGL context through EGL ({e}); install the Mesa EGL '
                        f'libraries (Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1) '
                        f'or an NVIDIA driver with EGL') from None


def _write(prog, name: str, data: bytes) -> None:
    if name in prog:  # the GLSL compiler drops unused uniforms
        prog[name].write(data)


def _value(prog, name: str, value) -> None:
    if name in prog:
        prog[name].value = value


def box_uv(pos: np.ndarray) -> np.ndarray:
    """Texture coordinates of a triangle soup: each triangle is projected along the dominant axis of its
    own normal (a per-triangle box projection: one texture fetch per pixel, no seams inside a triangle)."""
    tri = pos.reshape(-1, 3, 3)
    n = np.abs(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]))
    axis = n.argmax(1)
    keep = np.array([[2, 1], [0, 2], [0, 1]])[axis]          # x-facing: (z, y); y: (x, z); z: (x, y)
    uv = np.take_along_axis(tri, np.repeat(keep[:, None, :], 3, 1), 2)
    return uv.reshape(-1, 2).astype(np.float32)


def _display_srgb(linear: np.ndarray, exposure: float = EXPOSURE) -> np.ndarray:
    """The shaders' tone curve (exposure, ACES fit) and sRGB encoding, in numpy: linear -> uint8."""
    x = np.maximum(linear, 0) * exposure
    m = np.clip((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0, 1)
    srgb = np.where(m <= 0.0031308, m * 12.92, 1.055 * np.power(m, 1 / 2.4) - 0.055)
    return (srgb * 255 + 0.5).astype(np.uint8)


def _flip_y(proj: np.ndarray) -> np.ndarray:
    out = proj.copy()
    out[1] *= -1
    return out


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        w = h = int(size)
    else:
        w, h = (int(v) for v in size)
    if w < 8 or h < 8 or w > 8192 or h > 8192:
        raise UserError(f'image size {size!r} is invalid; allowed: 8..8192 pixels per side')
    return w, h


class GLBackend:
    """RenderBackend drawing ImageSpecs of an ObjectLibrary that provides ``mesh(class, model)``.

    Options: ``samples`` (MSAA samples, 0 = off, default 4), ``env_dir`` (folder of the user's panoramas
    replacing the built-in skies), ``sky_width`` (panorama width; default 3 x image height, 192..768),
    ``shadow_size`` (shadow-map side, default 512), ``threads`` (llvmpipe render threads: sets the
    process's LP_NUM_THREADS before the context exists), ``device_index`` (EGL device).
    """

    def __init__(self, library: Any, size: int | tuple[int, int] = 256, samples: int = 4,
                 env_dir: str | None = None, sky_width: int | None = None, shadow_size: int = 512,
                 threads: int | None = None, device_index: int | None = None):
        if not hasattr(library, 'mesh'):
            raise UserError(f'object library {getattr(library, "name", library)!r} has no geometry for the '
                            f'embedded renderer; use the procedural library, a mesh folder, or the tdw backend')
        if samples not in (0, 1, 2, 4, 8):
            raise UserError(f'samples={samples!r} is invalid; allowed: 0, 1, 2, 4, 8')
        if not isinstance(shadow_size, int) or not 64 <= shadow_size <= 4096:
            raise UserError(f'shadow_size={shadow_size!r} is invalid; allowed: 64..4096')
        self.library = library
        self.width, self.height = _size(size)
        self.samples = 0 if samples <= 1 else samples
        if threads is not None:
            os.environ['LP_NUM_THREADS'] = str(int(threads))
        self.ctx = create_context(device_index)
        self.materials = MaterialBank()
        if sky_width is None:
            sky_width = int(np.clip(3 * self.height // 64 * 64, 192, 768))
        if not 64 <= int(sky_width) <= 8192 or int(sky_width) % 4:
            raise UserError(f'sky_width={sky_width!r} is invalid; allowed: a multiple of 4 in 64..8192')
        self.envs = EnvironmentBank(env_dir, int(sky_width))
        self._placements: dict[tuple[str, str], scene.Placement] = {}
        self._env_cache: dict[int, tuple[Any, Any]] = {}
        self._build_programs()
        self._build_targets(shadow_size)
        self._upload_materials()
        self.loaded: tuple[str, str] | None = None
        self._vao = self._shadow_vao = self._vbo = None

    # ------------------------------------------------------------------ set-up
    def _build_programs(self) -> None:
        ctx = self.ctx
        self.sky_prog = ctx.program(vertex_shader=sh.SKY_VS, fragment_shader=sh.SKY_FS)
        self.obj_prog = ctx.program(vertex_shader=sh.OBJECT_VS, fragment_shader=sh.OBJECT_FS)
        self.depth_prog = ctx.program(vertex_shader=sh.DEPTH_VS, fragment_shader=sh.DEPTH_FS)
        self.dof_prog = ctx.program(vertex_shader=sh.FULLSCREEN_VS, fragment_shader=sh.DOF_FS)
        self.sky_vao = ctx.vertex_array(self.sky_prog, [])
        self.dof_vao = ctx.vertex_array(self.dof_prog, [])
        self.comp_prog = ctx.program(vertex_shader=sh.FULLSCREEN_VS, fragment_shader=sh.DOF_COMPOSITE_FS)
        self.comp_vao = ctx.vertex_array(self.comp_prog, [])
        for prog, name, unit in ((self.obj_prog, 'albedo_tex', 0), (self.obj_prog, 'shadow_map', 1),
                                 (self.sky_prog, 'sky', 2), (self.dof_prog, 'img', 3),
                                 (self.comp_prog, 'img', 3), (self.comp_prog, 'blurred', 4)):
            if name in prog:
                prog[name] = unit
        for prog in (self.sky_prog, self.obj_prog):
            _value(prog, 'exposure', EXPOSURE)

    def _build_targets(self, shadow_size: int) -> None:
        ctx, size = self.ctx, (self.width, self.height)
        self.img_tex = ctx.texture(size, 4)
        self.img_tex.repeat_x = self.img_tex.repeat_y = False
        self.img_fbo = ctx.framebuffer([self.img_tex], ctx.depth_renderbuffer(size))
        if self.samples:
            self.ms_fbo = ctx.framebuffer([ctx.renderbuffer(size, 4, samples=self.samples)],
                                          ctx.depth_renderbuffer(size, samples=self.samples))
        self.out_fbo = ctx.framebuffer([ctx.renderbuffer(size, 4)])
        half = ((self.width + 1) // 2, (self.height + 1) // 2)
        self.half_tex = ctx.texture(half, 4)
        self.half_tex.repeat_x = self.half_tex.repeat_y = False
        self.half_fbo = ctx.framebuffer([self.half_tex])
        self.shadow_tex = ctx.depth_texture((shadow_size, shadow_size))
        self.shadow_tex.compare_func = '<='
        self.shadow_tex.repeat_x = self.shadow_tex.repeat_y = False
        self.shadow_fbo = ctx.framebuffer(depth_attachment=self.shadow_tex)
        self.mask_fbo = ctx.framebuffer([ctx.renderbuffer((MASK_SIZE, MASK_SIZE), 1)],
                                        ctx.depth_renderbuffer((MASK_SIZE, MASK_SIZE)))
        # y is flipped in the projection so glReadPixels returns rows top-first (no copy to flip)
        self.proj = _flip_y(scene.perspective(scene.FOV_Y, self.width / self.height))
        t = np.tan(np.radians(scene.FOV_Y) / 2)
        self.tan_half = (t * self.width / self.height, -t)

    def _upload_materials(self) -> None:
        tex = self.materials.textures()
        n, s = tex.shape[0], tex.shape[1]
        self.albedo_tex = self.ctx.texture_array((s, s, n), 3, np.ascontiguousarray(tex).tobytes())
        self.albedo_tex.build_mipmaps()
        self.albedo_tex.filter = (self.ctx.LINEAR_MIPMAP_NEAREST, self.ctx.LINEAR)
        self.mat_props = self.materials.properties()

    def _environment(self, index: int):
        """(sky cube map, Environment without its panorama, sky up/down means) for a sky index; built on first
        use. The cube map holds the display (tone-mapped sRGB) colours, so the sky pass is one lookup."""
        if index not in self._env_cache:
            env = self.envs.get(index)
            h, w = env.pano.shape[:2]
            cube = equirect_to_cube(env.pano, w // 4)
            tex = self.ctx.texture_cube((w // 4, w // 4), 3, _display_srgb(cube).tobytes())
            wts = np.cos((0.5 - (np.arange(h) + 0.5) / h) * np.pi)[:, None, None]
            clipped = np.minimum(env.pano, 3.0) * wts
            up = clipped[:h // 2].sum((0, 1)) / (wts[:h // 2].sum() * w)
            down = clipped[h // 2:].sum((0, 1)) / (wts[h // 2:].sum() * w)
            env.pano = None  # the texture holds it now
            self._env_cache[index] = (tex, env, (tuple(up), tuple(down)))
        return self._env_cache[index]

    # ------------------------------------------------------------------ contract
    def load(self, class_name: str, model_name: str) -> None:
        """Upload one model's geometry and compute its initial placement with the original's framing rules."""
        mesh: ModelMesh = self.library.mesh(class_name, model_name)
        self._activate()
        self._release_model()
        data = np.concatenate([mesh.pos, mesh.nrm, box_uv(mesh.pos), mesh.slot[:, None].astype(np.float32)], 1)
        self._vbo = self.ctx.buffer(np.ascontiguousarray(data, np.float32).tobytes())
        self._vao = self.ctx.vertex_array(self.obj_prog, [(self._vbo, '3f 3f 2f 1f', 'in_pos', 'in_nrm',
                                                            'in_uv', 'in_slot')])
        self._shadow_vao = self.ctx.vertex_array(self.depth_prog, [(self._vbo, '3f 24x', 'in_pos')])
        self.mesh = mesh
        lo, hi = mesh.bounds
        self.radius = float(np.linalg.norm(hi - lo) / 2)
        self.natural = [self.materials.index(n) for n in mesh.slot_materials]
        key = (class_name, model_name)
        if key not in self._placements:  # deterministic per model: measure the framing once
            place = scene.initial_placement(lo.astype(np.float64), hi.astype(np.float64))
            self._placements[key] = self._enforce_min_fraction(place, lo.astype(np.float64),
                                                               hi.astype(np.float64))
        self.place = self._placements[key]
        self.loaded = key

    def _enforce_min_fraction(self, place: scene.Placement, lo, hi) -> scene.Placement:
        """Double the scale while the object covers < 0.2 % of the frame; then move it halfway to the
        camera if still < 0.5 % (the original's rules, measured on the object mask)."""
        still = ImageSpec('', '', 0)
        for _ in range(8):
            if self._mask_fraction(still, place) >= MIN_FRACTION_DOUBLE:
                break
            scale = place.scale * 2
            place = scene.Placement(scale, scene.recentre(scale, lo, hi), place.centre_local)
        if self._mask_fraction(still, place) < MIN_FRACTION_CLOSER:
            place = scene.Placement(place.scale, (place.position + scene.AVATAR) / 2, place.centre_local)
        return place

    def _mask_fraction(self, spec: ImageSpec, place: scene.Placement) -> float:
        mask = self._draw_mask(scene.image_pose(spec, place), MASK_SIZE, MASK_SIZE)
        return float(mask.mean())

    def _draw_mask(self, pose: scene.Pose, w: int, h: int) -> np.ndarray:
        fbo = self.mask_fbo if (w, h) == (MASK_SIZE, MASK_SIZE) else self._sized_mask_fbo(w, h)
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        proj = _flip_y(scene.perspective(scene.FOV_Y, w / h))
        mvp = proj @ scene.view_matrix(pose.cam_rot, pose.cam_pos) @ pose.model
        self.depth_prog['mvp'].write(mvp.T.astype(np.float32).tobytes())
        self._shadow_vao.render()
        buf = fbo.read(components=1)
        return np.frombuffer(buf, np.uint8).reshape(h, w) > 0

    def _sized_mask_fbo(self, w: int, h: int):
        key = (w, h)
        if getattr(self, '_mask_key', None) != key:
            if getattr(self, '_mask_extra', None) is not None:
                self._mask_extra.release()
            self._mask_extra = self.ctx.framebuffer([self.ctx.renderbuffer((w, h), 1)],
                                                    self.ctx.depth_renderbuffer((w, h)))
            self._mask_key = key
        return self._mask_extra

    def mask(self, spec: ImageSpec) -> np.ndarray:
        """Boolean H x W object mask of ``spec`` at the output size (for framing checks and tests)."""
        self._check_loaded(spec)
        self._activate()
        return self._draw_mask(scene.image_pose(spec, self.place), self.width, self.height)

    def _activate(self) -> None:
        """Make this backend's context current (several backends may live in one process)."""
        self.ctx.__enter__()

    def _check_loaded(self, spec: ImageSpec) -> None:
        if self.loaded != (spec.class_name, spec.model_name):
            raise ValueError(f'spec is for model {spec.class_name}/{spec.model_name} but the loaded model is '
                             f'{self.loaded}; call load() first')

    def _material_layers(self, spec: ImageSpec) -> list[int]:
        n = len(self.natural)
        mode = spec.material_mode
        if mode == 0:
            layers = [self.materials.index(SINGLE_MATERIAL)] * n
        elif mode == 1:
            layers = list(self.natural)
        elif mode in (2, 3):
            if not spec.material_draws:
                raise ValueError(f'material_mode {mode} needs material_draws (uniforms in [0, 1)), got none')
            bank = len(self.materials)
            draws = spec.material_draws
            layers = [min(int(draws[i % len(draws)] * bank), bank - 1) for i in range(n)]
        else:
            raise ValueError(f'material_mode {mode!r} is invalid; allowed: 0, 1, 2, 3')
        layers = layers[:MAX_SLOTS]
        return layers + [layers[-1]] * (MAX_SLOTS - len(layers))

    def render(self, spec: ImageSpec) -> np.ndarray:
        """Draw one ImageSpec and return it as H x W x 3 uint8 RGB (row 0 = top)."""
        self._check_loaded(spec)
        self._activate()
        ctx = self.ctx
        pose = scene.image_pose(spec, self.place)
        sky, env, (sky_up, sky_down) = self._environment(spec.sky_index)
        view = scene.view_matrix(pose.cam_rot, pose.cam_pos)
        sun = scene.sun_direction(env.sun_dir, spec.sun_yaw, spec.sun_pitch)
        color = np.asarray(env.sun_color if spec.sun_color is None else spec.sun_color, np.float64)
        intensity = max(0.0, env.sun_intensity + spec.intensity_offset)
        light_vp = scene.light_matrix(sun, pose.centre, self.radius * self.place.scale)

        # 1. shadow map (the object shadows itself)
        self.shadow_fbo.use()
        self.shadow_fbo.clear(depth=1.0)
        ctx.enable(ctx.DEPTH_TEST)
        self.depth_prog['mvp'].write((light_vp @ pose.model).T.astype(np.float32).tobytes())
        self._shadow_vao.render()

        # depth of field: the sky/object passes write each pixel's circle of confusion into alpha
        dof = spec.blurred and spec.aperture < SHARP_APERTURE
        max_coc = max(1.5, scene.DOF_MAX_COC * self.height)
        focus = max(0.05, pose.distance + spec.focus_offset)
        coc_k = scene.coc_radius_factor(spec.aperture, focus, self.height) if dof else 0.0

        # 2. the object, then the sky behind it, into the (multisampled) 8-bit target
        target = self.ms_fbo if self.samples else self.img_fbo
        target.use()
        target.clear(depth=1.0)
        ctx.enable(ctx.DEPTH_TEST)
        p = self.obj_prog
        _write(p, 'model', pose.model.T.astype(np.float32).tobytes())
        _write(p, 'normal_mat', np.linalg.inv(pose.model[:3, :3]).astype(np.float32).tobytes())
        _write(p, 'view_proj', (self.proj @ view).T.astype(np.float32).tobytes())
        _write(p, 'light_vp', light_vp.T.astype(np.float32).tobytes())
        _write(p, 'sh', env.sh.astype(np.float32).tobytes())
        _value(p, 'cam_pos', tuple(pose.cam_pos))
        _value(p, 'cam_fwd', tuple(-pose.cam_rot[:, 2]))
        _value(p, 'sun_dir', tuple(sun))
        _value(p, 'sun_rad', tuple(color * intensity * SUN_SCALE))
        _value(p, 'sky_up', sky_up)
        _value(p, 'sky_down', sky_down)
        _value(p, 'focus', focus)
        _value(p, 'coc_k', coc_k)
        _value(p, 'max_coc', max_coc)
        layers = self._material_layers(spec)
        _write(p, 'mat_layer', np.array(layers, np.int32).tobytes())
        _write(p, 'mat_props', self.mat_props[layers].tobytes())
        self.albedo_tex.use(0)
        self.shadow_tex.use(1)
        self._vao.render()
        sky.use(2)
        q = self.sky_prog
        q['cam_rot'].write(pose.cam_rot.T.astype(np.float32).tobytes())
        q['tan_half'].value = self.tan_half
        q['sky_coc'].value = min(coc_k, max_coc) / max_coc
        ctx.depth_func = '<='
        self.sky_vao.render(vertices=3)
        ctx.depth_func = '<'
        if self.samples:
            ctx.copy_framebuffer(self.img_fbo, self.ms_fbo)
        result = self.img_fbo

        # 3. depth of field (blurred images only)
        if dof:
            q = self.dof_prog
            q['max_coc'].value = max_coc
            q['texel'].value = (1.0 / self.width, 1.0 / self.height)
            self.img_tex.build_mipmaps()
            self.img_tex.use(3)
            ctx.disable(ctx.DEPTH_TEST)
            self.half_fbo.use()
            self.dof_vao.render(vertices=3)
            self.half_tex.use(4)
            self.comp_prog['max_coc'].value = max_coc
            self.out_fbo.use()
            self.comp_vao.render(vertices=3)
            result = self.out_fbo
        buf = result.read(components=3)
        return np.frombuffer(buf, np.uint8).reshape(self.height, self.width, 3)

    def _release_model(self) -> None:
        for obj in (self._vao, self._shadow_vao, self._vbo):
            if obj is not None:
                obj.release()
        self._vao = self._shadow_vao = self._vbo = None
        self.loaded = None

    def close(self) -> None:
        if getattr(self, 'ctx', None) is None:
            return
        self._activate()
        self._release_model()
        for tex, _, _ in self._env_cache.values():
            tex.release()
        self._env_cache.clear()
        self.ctx.release()
        self.ctx = None

    def __enter__(self) -> 'GLBackend':
        return self

    def __exit__(self, *exc) -> None:
        self.close()
