"""ThreeDWorld object, material and skybox lists for the TDW backend (the ``tdw`` library).

Objects: a JSON file ``{wnid: [model names]}`` or a TXT file of ``wnid model`` lines passed by the
user (``objects=PATH``), or by default the rule below applied to the tdw package's librarian metadata:

    records of models_full.json with do_not_use false, grouped by wnid; wnids with at least
    MIN_MODELS usable models, sorted by model count (descending) then wnid; the first NUM_CLASSES
    wnids; in each, the first MAX_MODELS model names in sorted order.

Materials: a TXT file of names, one per line (``materials=PATH``), or by default the original's bank:
the 141 names of its ``configs/material_subset.txt`` (here ``configs/tdw_material_subset.txt``), as
records of materials_low.json in librarian order (the original filters the records by that list). Skyboxes: the 43 exterior HDRI skyboxes with sun elevation
>= 120 (the original's filter), fish_hoek_beach_4k first (the fixed sky of backgr=0), then the
others in librarian order.
"""
from __future__ import annotations

import json
import warnings
from collections import defaultdict
from pathlib import Path

from common.errors import UserError

MIN_MODELS, MAX_MODELS, NUM_CLASSES = 5, 10, 100
FIXED_SKYBOX = 'fish_hoek_beach_4k'
DEFAULT_MATERIAL = 'cotton_natural_rough'   # materials=0: every slot of every sub-object
MATERIAL_SUBSET = Path(__file__).resolve().parents[2] / 'configs' / 'tdw_material_subset.txt'


def _librarians():
    with warnings.catch_warnings():   # tdw imports the deprecated pkg_resources
        warnings.simplefilter('ignore')
        from tdw.librarian import HDRISkyboxLibrarian, MaterialLibrarian, ModelLibrarian
    return ModelLibrarian, MaterialLibrarian, HDRISkyboxLibrarian


def default_objects(records) -> dict[str, list[str]]:
    """The documented default rule over model records (see the module docstring)."""
    by_wnid: dict[str, list[str]] = defaultdict(list)
    for r in records:
        if not r.do_not_use:
            by_wnid[r.wnid].append(r.name)
    kept = [w for w, names in by_wnid.items() if len(names) >= MIN_MODELS]
    kept.sort(key=lambda w: (-len(by_wnid[w]), w))
    return {w: sorted(by_wnid[w])[:MAX_MODELS] for w in kept[:NUM_CLASSES]}


def read_objects_file(path: str | Path) -> dict[str, list[str]]:
    """``{class: [models]}`` from a JSON dict or a TXT file of ``class model`` lines."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f'objects file {path} does not exist')
    text = path.read_text()
    if path.suffix == '.json':
        data = json.loads(text)
        if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
            raise UserError(f'objects file {path} must hold a JSON object {{class: [model names]}}')
        return {str(k): [str(m) for m in v] for k, v in data.items()}
    out: dict[str, list[str]] = defaultdict(list)
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts or parts[0].startswith('#'):
            continue
        if len(parts) != 2:
            raise UserError(f'{path}:{n}: expected "class model", got {line!r}')
        out[parts[0]].append(parts[1])
    return dict(out)


def read_names_file(path: str | Path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f'materials file {path} does not exist')
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith('#')]


class TDWLibrary:
    """Classes (WordNet ids), model records, materials and skyboxes from the tdw librarians."""

    name = 'tdw'

    def __init__(self, objects: str | None = None, materials: str | None = None,
                 model_library: str = 'models_full.json', material_library: str = 'materials_low.json'):
        ModelLibrarian, MaterialLibrarian, HDRISkyboxLibrarian = _librarians()
        self.model_librarian = ModelLibrarian(model_library)
        self.material_librarian = MaterialLibrarian(material_library)
        self.skybox_librarian = HDRISkyboxLibrarian('hdri_skyboxes.json')
        self._objects = (read_objects_file(objects) if objects
                         else default_objects(self.model_librarian.records))
        for c, names in self._objects.items():
            for m in names:
                if self.model_librarian.get_record(m) is None:
                    raise UserError(f'model {m!r} of class {c!r} is not in {model_library}')
        if materials:
            names = read_names_file(materials)
        else:
            subset = set(read_names_file(str(MATERIAL_SUBSET)))
            names = [r.name for r in self.material_librarian.records if r.name in subset]
        for m in names + [DEFAULT_MATERIAL]:
            if self.material_librarian.get_record(m) is None:
                raise UserError(f'material {m!r} is not in {material_library}')
        self.materials = names
        skies = [r for r in self.skybox_librarian.records
                 if r.location != 'interior' and r.sun_elevation >= 120]
        skies.sort(key=lambda r: r.name != FIXED_SKYBOX)    # stable: the fixed sky first
        self.skyboxes = skies

    def classes(self) -> list[str]:
        return list(self._objects)

    def models(self, class_name: str) -> list[str]:
        return list(self._objects[class_name])

    def record(self, model_name: str):
        return self.model_librarian.get_record(model_name)

    def material_record(self, name: str):
        return self.material_librarian.get_record(name)
