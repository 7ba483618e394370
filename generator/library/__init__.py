"""Object libraries: which classes/models exist, and (for the embedded renderer) their geometry.

``create_library(name, **kw)``: 'procedural' (default, built in), a mesh folder path, or 'meshes:<root>'.
Other backends register their own libraries in LIBRARIES (e.g. 'tdw').
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from common.errors import UserError
from common.validate import check_options


def _procedural(**kw: Any):
    from generator.library.procedural import ProceduralLibrary
    check_options(ProceduralLibrary, kw, "library 'procedural' option (--library_opt)")
    return ProceduralLibrary(**kw)


def _meshes(root: str | None = None, **kw: Any):
    from generator.library.mesh_folder import MeshFolderLibrary
    if root is None:
        raise UserError("the 'meshes' library needs a folder: use 'meshes:<root>' or pass root=<folder>")
    check_options(MeshFolderLibrary, kw, "library 'meshes' option (--library_opt)", reserved=('root',))
    return MeshFolderLibrary(root, **kw)


def _tdw(**kw: Any):
    from generator.backends.tdw_library import TDWLibrary
    check_options(TDWLibrary, kw, "library 'tdw' option (--library_opt)")
    try:
        return TDWLibrary(**kw)
    except ImportError as e:   # tdw is optional (requirements-tdw.txt)
        raise UserError(f"the 'tdw' library needs the tdw package: pip install -r requirements-tdw.txt ({e})") from e


LIBRARIES: dict[str, Callable[..., Any]] = {
    'procedural': _procedural,
    'meshes': _meshes,
    'tdw': _tdw,
}


def create_library(name: str = 'procedural', **kw: Any):
    """Build an object library by registry name, 'meshes:<root>', or an existing mesh-folder path."""
    if name in LIBRARIES:
        return LIBRARIES[name](**kw)
    if name.startswith('meshes:'):
        return _meshes(name.split(':', 1)[1], **kw)
    if Path(name).is_dir():
        return _meshes(name, **kw)
    raise UserError(f'object library {name!r} is unknown; allowed: {", ".join(sorted(LIBRARIES))}, '
                    f"'meshes:<folder>' or a mesh folder path")
