"""The Generator: renders one synthetic dataset per GenParams into ``dataset_<tuple_str>/``.

Layout (as the original)::

    <dataset_dir>/dataset_<tuple_str>/
        metadata.txt                      JSON; ``end`` and ``total_time`` appear on completion
        preview.png                       8x8 grid of samples, written on completion
        timings.json                      per-stage seconds of the last run (timings_shard<i>of<n>.json per shard)
        images/<class>/img_<model>_<NNNN>.jpg

Counts: images per class = num_imgs // num_classes, images per model = that // models in the class
(both floors, so a set may hold slightly fewer than ``num_imgs``). Resume works per image: a
finished file (written to a temp name, then renamed) is never rendered again. A shard (i of n) renders
the (class, model) units ``i::n`` of the library order; the pixels do not depend on the sharding.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image
from tqdm import tqdm

from common.errors import UserError
from common.io import atomic_write_bytes, atomic_write_json
from common.validate import check_path_name
from generator.generator_params import GenParams
from generator.sampling import (MAX_DIST, MAX_HEIGHT, MAX_LIGHT_INTENSITY_VAR, MAX_ROT_ANGLE, MIN_DIST,
                                ModelDraws, sample_image_spec)

log = logging.getLogger('generator')

IMG_PREFIX = 'img_'          # TDWUtils.save_images adds the pass name: img_<model>_<NNNN>.jpg
METADATA_NAME = 'metadata.txt'
MAX_IMAGES_PER_SET = 10_000_000   # 250x the paper's 40k; a bound so a typo cannot run for ever
PREVIEW_NAME = 'preview.png'
TIME_FORMAT = '%H:%M %d.%m.%y'
# Metadata fields that must match for a run to resume an existing, unfinished dataset.
RESUME_KEYS = ('seed', 'backend', 'library', 'num_classes', 'num_imgs', 'screen_size', 'output_size',
               'gen_params', 'units_sha256')


def image_name(model_name: str, index: int) -> str:
    return f'{IMG_PREFIX}{model_name}_{index:04d}.jpg'


def is_valid_jpeg(path: Path) -> bool:
    """A cheap completeness test: the file ends with the JPEG end-of-image marker."""
    try:
        with open(path, 'rb') as f:
            if f.read(2) != b'\xff\xd8':
                return False
            f.seek(-2, os.SEEK_END)
            return f.read(2) == b'\xff\xd9'
    except OSError:
        return False


def decodes(path: Path) -> bool:
    """A full read test: the file decodes as an image (``--verify``)."""
    try:
        with Image.open(path) as im:
            im.load()
        return True
    except (OSError, SyntaxError, ValueError):
        return False


def dataset_name(params: GenParams) -> str:
    return f'dataset_{params.get_tuple_str()}'


def is_complete(dataset_path: str | os.PathLike) -> bool:
    """True when the dataset's metadata carries the completion marker ``end``."""
    meta = Path(dataset_path) / METADATA_NAME
    try:
        return 'end' in json.loads(meta.read_text())
    except (OSError, ValueError):
        return False


def existing_params(root: str | os.PathLike, complete_only: bool = True) -> list[GenParams]:
    """GenParams of the datasets found under ``root`` (parsed back from the folder names)."""
    out = []
    for p in sorted(Path(root).glob('dataset_*')):
        try:
            params = GenParams.from_tuple_str(p.name[len('dataset_'):])
        except ValueError:
            continue
        if not complete_only or is_complete(p):
            out.append(params)
    return out


@dataclass(frozen=True)
class WorkUnit:
    """All images of one model of one class."""

    class_name: str
    model_name: str
    num_images: int


class StageTimer:
    """Accumulates seconds per named stage."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        self.counts[stage] = self.counts.get(stage, 0) + 1

    def summary(self) -> dict[str, Any]:
        return {k: {'seconds': round(v, 4), 'count': self.counts[k]} for k, v in self.seconds.items()}


def check_num_imgs(num_imgs: int, name: str = 'num_imgs') -> int:
    """Images per set: an int in 1..MAX_IMAGES_PER_SET (``name``: the flag or argument named in the error)."""
    if isinstance(num_imgs, bool) or not isinstance(num_imgs, int) or not 1 <= num_imgs <= MAX_IMAGES_PER_SET:
        raise UserError(f'{name}={num_imgs!r} is invalid; allowed: 1..{MAX_IMAGES_PER_SET} images per set')
    return num_imgs


def make_output_dir(path: Path) -> None:
    """Create ``path`` (and parents); a file in the way or an unwritable place is one UserError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f'output folder {str(path)!r} cannot be created: a file of that name (or above it) '
                        f'is in the way') from None
    except NotADirectoryError:
        raise UserError(f'output folder {str(path)!r} cannot be created: a file is in its path') from None
    except OSError as e:
        raise UserError(f'output folder {str(path)!r} cannot be created: {e.strerror or e}') from None
    if not os.access(path, os.W_OK):
        raise UserError(f'output folder {str(path)!r} is not writable')


class Generator:
    """Renders datasets of synthetic images for GenParams with a render backend and an object library."""

    def __init__(self, dataset_dir: str | os.PathLike, backend: Any = 'gl', library: Any = 'procedural',
                 screen_size: int = 256, output_size: int = 256, seed: int = 0,
                 num_classes: int | None = None, backend_options: dict | None = None,
                 library_options: dict | None = None, jpeg_quality: int = 90, progress: bool = True,
                 verify: bool = False):
        if screen_size < 1 or output_size < 1:
            raise UserError(f'screen_size={screen_size} and output_size={output_size} must be >= 1')
        if not 1 <= jpeg_quality <= 100:
            raise UserError(f'jpeg_quality={jpeg_quality} is invalid; allowed: 1..100')
        if isinstance(backend, str):
            from generator.backends import BACKENDS
            if backend not in BACKENDS:
                raise UserError(f'unknown backend {backend!r}; allowed: {sorted(BACKENDS)}')
        self.dataset_dir = Path(dataset_dir)
        self.screen_size = int(screen_size)
        self.output_size = int(output_size)
        self.seed = int(seed)
        self.jpeg_quality = int(jpeg_quality)
        self.progress = progress
        self.verify = verify   # decode every image of a complete set; re-render the broken ones
        if isinstance(library, str):
            from generator.library import create_library
            library = create_library(library, **(library_options or {}))
        self.library = library
        classes = list(library.classes())
        if num_classes is not None:
            if not 1 <= num_classes <= len(classes):
                raise UserError(f'num_classes={num_classes} is invalid; library {library.name!r} has '
                                f'{len(classes)} classes (allowed: 1..{len(classes)})')
            classes = classes[:num_classes]
        for c in classes:   # class (and model) names become folder and file names under dataset_dir
            check_path_name(c, f'class name of library {getattr(library, "name", library)!r}')
        self.classes = classes
        self._backend_name = backend if isinstance(backend, str) else getattr(backend, 'name', type(backend).__name__)
        self._backend = None if isinstance(backend, str) else backend
        self._owns_backend = isinstance(backend, str)
        self._backend_options = dict(backend_options or {})

    # -- backend lifecycle -------------------------------------------------------------------------
    @property
    def backend(self):
        """The render backend, created on first use."""
        if self._backend is None:
            from generator.backends import create_backend
            t0 = time.perf_counter()
            self._backend = create_backend(self._backend_name, self.library, self.screen_size,
                                           **self._backend_options)
            log.info('backend %s ready in %.2fs', self._backend_name, time.perf_counter() - t0)
        return self._backend

    def close(self) -> None:
        if self._backend is not None and self._owns_backend:
            self._backend.close()
            self._backend = None

    def __enter__(self) -> 'Generator':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- planning ----------------------------------------------------------------------------------
    def plan(self, num_imgs: int) -> list[WorkUnit]:
        """The (class, model, count) units of a set of ``num_imgs`` images, in library order."""
        per_class = num_imgs // len(self.classes)
        models = {c: list(self.library.models(c)) for c in self.classes}
        units = []
        for c, names in models.items():
            for m in names:
                check_path_name(m, f'model name of class {c!r}')
            if not names:
                raise UserError(f'class {c!r} of library {self.library.name!r} has no models')
            if per_class // len(names) < 1:
                most = max(len(v) for v in models.values())
                raise UserError(f'num_imgs={num_imgs} is too small: class {c!r} has {len(names)} models '
                                f'and there are {len(self.classes)} classes (the largest has {most} models); '
                                f'use num_imgs >= {len(self.classes) * most} or fewer classes (--num_classes)')
            units.extend(WorkUnit(c, m, per_class // len(names)) for m in names)
        return units

    @staticmethod
    def shard_units(units: list[WorkUnit], shard: tuple[int, int]) -> list[WorkUnit]:
        index, count = shard
        if count < 1 or not 0 <= index < count:
            raise UserError(f'shard {index} of {count} is invalid; allowed: 0 <= index < count')
        return units[index::count]

    def dataset_path(self, params: GenParams) -> Path:
        return self.dataset_dir / dataset_name(params)

    def _metadata(self, params: GenParams, num_imgs: int) -> dict[str, Any]:
        return {
            'datadir': str(self.dataset_path(params)),
            'screen_size': self.screen_size,
            'output_size': self.output_size,
            'max_rot_angle': MAX_ROT_ANGLE,
            'min_dist': MIN_DIST,
            'max_dist': MAX_DIST,
            'max_height': MAX_HEIGHT,
            'simple_objs': True,           # one object per image, as the original's simple-objects path
            'gen_params': {k: int(params[k]) for k in params.get_keys()},
            'max_lighting_intensity_var': MAX_LIGHT_INTENSITY_VAR,
            'start': datetime.now().strftime(TIME_FORMAT),
            # Additions of this reproduction (needed to regenerate or resume the set exactly).
            'seed': self.seed,
            'backend': self._backend_name,
            'library': getattr(self.library, 'name', type(self.library).__name__),
            'num_classes': len(self.classes),
            'num_imgs': int(num_imgs),
            'start_time': time.time(),
        }

    def _check_resumable(self, meta_path: Path, wanted: dict[str, Any],
                         any_finished: Callable[[], bool]) -> dict[str, Any] | None:
        try:
            old = json.loads(meta_path.read_text())
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise UserError(f'{meta_path.parent} cannot be a dataset folder: a file is in its path') from None
        except ValueError:
            log.warning('unreadable %s; rewriting it', meta_path)
            return None
        diff = [k for k in RESUME_KEYS if k in old and old[k] != wanted[k]]
        if diff and not any_finished():   # a run that failed before its first image: not started
            log.info('%s has no finished image; starting it with the new settings', meta_path.parent)
            return None
        if diff:
            got = ', '.join(f'{k}={old[k]!r} (now {wanted[k]!r})' for k in diff)
            raise UserError(f'{meta_path.parent} was generated with different settings: {got}; '
                            f'rerun with the same settings to resume, or use another --root_dir')
        return old

    # -- generation --------------------------------------------------------------------------------
    def gen_data(self, gen_params: GenParams, num_imgs: int, shard: tuple[int, int] = (0, 1)) -> Path:
        """Render (or finish) the set of ``gen_params``; returns its ``images`` folder."""
        try:
            gen_params.validate()
        except ValueError as e:
            raise UserError(str(e)) from e
        check_num_imgs(num_imgs)
        t_start = time.perf_counter()
        path = self.dataset_path(gen_params)
        images_dir = path / 'images'
        meta_path = path / METADATA_NAME
        units = self.plan(num_imgs)
        wanted = self._metadata(gen_params, num_imgs)
        wanted['units_sha256'] = hashlib.sha256(json.dumps(
            [[u.class_name, u.model_name, u.num_images] for u in units]).encode()).hexdigest()
        old = self._check_resumable(meta_path, wanted, lambda: self._any_finished(images_dir))
        if old is not None and 'end' in old and not (self.verify and self._remove_broken(images_dir, units)):
            log.info('%s is complete; nothing to do', path)
            return images_dir
        mine = self.shard_units(units, shard)
        if old is not None:
            wanted['start'], wanted['start_time'] = old.get('start', wanted['start']), old.get('start_time')
        _ = self.backend   # a backend that refuses its options fails here, before anything is written
        make_output_dir(path)
        atomic_write_json(meta_path, wanted, indent=4, sort_keys=True)

        timer = StageTimer()
        tuple_str = gen_params.get_tuple_str()
        t0 = time.perf_counter()
        todo = [(u, self._missing(images_dir, u, clean=True)) for u in mine]
        timer.add('scan', time.perf_counter() - t0)
        total = sum(u.num_images for u in mine)
        done = total - sum(len(m) for _, m in todo)
        desc = tuple_str if shard[1] == 1 else f'{tuple_str} [{shard[0]}/{shard[1]}]'
        with tqdm(total=total, initial=done, unit='img', desc=desc, disable=not self.progress,
                  dynamic_ncols=True, position=shard[0] if shard[1] > 1 else None) as bar:
            for unit, missing in todo:
                if missing:
                    self._render_unit(gen_params, unit, missing, images_dir, timer, bar)
        timer.add('total', time.perf_counter() - t_start)
        rendered = timer.counts.get('render', 0)
        timing_name = 'timings.json' if shard[1] == 1 else f'timings_shard{shard[0]}of{shard[1]}.json'
        atomic_write_json(path / timing_name, {'rendered': rendered, 'stages': timer.summary()},
                          indent=2, sort_keys=True)
        log.info('%s: rendered %d images; stages %s', path.name, rendered, timer.summary())

        if all(not self._missing(images_dir, u) for u in units):
            self._finalize(path, units, wanted)
        return images_dir

    def _remove_broken(self, images_dir: Path, units: list[WorkUnit]) -> int:
        """Delete the images of a complete set that do not decode (they are rendered again); their count."""
        broken = [f for u in units for f in (images_dir / u.class_name / image_name(u.model_name, i)
                                             for i in range(u.num_images)) if not decodes(f)]
        for f in broken:
            f.unlink(missing_ok=True)
        if broken:
            log.warning('%s: %d image(s) did not decode; rendering them again', images_dir.parent, len(broken))
        return len(broken)

    @staticmethod
    def _any_finished(images_dir: Path) -> bool:
        """True when any image is already on disk, of this plan's classes or not (the set has been started)."""
        return images_dir.is_dir() and any(images_dir.rglob('*.jpg'))

    def _missing(self, images_dir: Path, unit: WorkUnit, clean: bool = False) -> list[int]:
        """Indices of the unit's images not finished yet; ``clean`` removes its stale temp files.

        Only the shard that owns a unit may clean it (another shard may be writing its temp files).
        """
        folder = images_dir / unit.class_name
        if clean and folder.is_dir():
            stale = re.compile(rf'^\.{re.escape(IMG_PREFIX + unit.model_name)}_\d{{4,}}\.jpg\..*\.tmp$')
            for f in folder.iterdir():      # temp files left by a killed run of this unit
                if f.name.startswith('.') and stale.match(f.name):
                    f.unlink(missing_ok=True)
        return [i for i in range(unit.num_images)
                if not is_valid_jpeg(folder / image_name(unit.model_name, i))]

    def _render_unit(self, params: GenParams, unit: WorkUnit, indices: list[int], images_dir: Path,
                     timer: StageTimer, bar: tqdm) -> None:
        backend = self.backend
        t0 = time.perf_counter()
        backend.load(unit.class_name, unit.model_name)
        timer.add('load', time.perf_counter() - t0)
        draws = ModelDraws(self.seed, params.get_tuple_str(), unit.class_name, unit.model_name)
        folder = images_dir / unit.class_name
        for i in indices:
            t0 = time.perf_counter()
            spec = sample_image_spec(params, self.seed, unit.class_name, unit.model_name, i,
                                     unit.num_images, draws)
            t1 = time.perf_counter()
            img = backend.render(spec)
            t2 = time.perf_counter()
            data = self._encode(img)
            t3 = time.perf_counter()
            # No fsync per image (it dominated the run time): a rename is atomic against kills, and
            # resume re-renders any file without both JPEG markers (e.g. after a power loss).
            atomic_write_bytes(folder / image_name(unit.model_name, i), data, fsync=False)
            t4 = time.perf_counter()
            timer.add('sample', t1 - t0)
            timer.add('render', t2 - t1)
            timer.add('encode', t3 - t2)
            timer.add('write', t4 - t3)
            bar.update(1)

    def _encode(self, img: np.ndarray) -> bytes:
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise RuntimeError(f'backend returned an array of shape {img.shape} and dtype {img.dtype}; '
                               f'expected H x W x 3 uint8')
        pil = Image.fromarray(img)
        if pil.size != (self.output_size, self.output_size):
            pil = pil.resize((self.output_size, self.output_size), Image.LANCZOS)
        buf = io.BytesIO()
        pil.save(buf, format='JPEG', quality=self.jpeg_quality)
        return buf.getvalue()

    def _finalize(self, path: Path, units: list[WorkUnit], meta: dict[str, Any]) -> None:
        write_preview(path / PREVIEW_NAME, [path / 'images' / u.class_name / image_name(u.model_name, i)
                                            for u in units for i in range(u.num_images)])
        meta = dict(meta)
        meta['end'] = datetime.now().strftime(TIME_FORMAT)
        if meta.get('start_time') is not None:
            meta['total_time'] = round(time.time() - meta['start_time'], 3)
        atomic_write_json(path / METADATA_NAME, meta, indent=4, sort_keys=True)
        log.info('%s complete', path)


def write_preview(out_path: Path, files: list[Path], grid: int = 8, tile: int = 64) -> Path:
    """An 8x8 grid of evenly spaced samples (deterministic choice) as a PNG."""
    n = min(grid * grid, len(files))
    picks = [files[int(k * len(files) / n)] for k in range(n)] if n else []
    cols = min(grid, max(n, 1))
    rows = max(1, math.ceil(n / cols))
    sheet = Image.new('RGB', (cols * tile, rows * tile), (255, 255, 255))
    for k, f in enumerate(picks):
        with Image.open(f) as im:
            sheet.paste(im.convert('RGB').resize((tile, tile), Image.LANCZOS),
                        ((k % cols) * tile, (k // cols) * tile))
    buf = io.BytesIO()
    sheet.save(buf, format='PNG')
    return atomic_write_bytes(out_path, buf.getvalue())


def read_metadata(dataset_path: str | os.PathLike) -> dict[str, Any]:
    return json.loads((Path(dataset_path) / METADATA_NAME).read_text())

