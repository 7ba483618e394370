"""The embedded renderer as the default backend of the generation CLIs: all 256 sets, workers, resume."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], timeout: int = 240) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*.jpg'))}


def test_generate_256_sets_default_backend_tiny(tmp_path):
    """All 256 settings with the default (gl) backend: 10 classes, 1 model each, 32 px, 10 images per set."""
    _run(['generator/generate_256_sets.py', '--root_dir', str(tmp_path), '--num_imgs', '10',
          '--num_classes', '10', '--size', '32', '--library_opt', 'models_per_class=1', '--no_progress'])
    sets = sorted(p for p in tmp_path.iterdir() if p.name.startswith('dataset_'))
    assert len(sets) == 256
    for d in sets:
        meta = json.loads((d / 'metadata.txt').read_text())
        assert 'end' in meta and meta['backend'] == 'gl'
        assert len(list((d / 'images').rglob('*.jpg'))) == 10
    # the settings really differ: the all-varied set's images are not the default set's
    a = _digests(tmp_path / 'dataset_0_0_0_0_0_1_0_0_0')
    b = _digests(tmp_path / 'dataset_1_1_1_1_1_3_0_1_1')
    assert set(a.values()).isdisjoint(b.values())


def test_workers_and_resume_do_not_change_a_file(tmp_path):
    args = ['generator/gen_from_tuple_str.py', '--tuple_str', '1_1_1_1_1_3_0_1_1', '--num_imgs', '24',
            '--num_classes', '4', '--size', '32', '--library_opt', 'models_per_class=2', '--no_progress']
    one, two = tmp_path / 'one', tmp_path / 'two'
    _run(args + ['--root_dir', str(one)])
    _run(args + ['--root_dir', str(two), '--workers', '2'])
    ref = _digests(one)
    assert len(ref) == 24 and _digests(two) == ref
    # interrupted run: drop the end mark and some images, then resume
    d = one / 'dataset_1_1_1_1_1_3_0_1_1'
    meta = json.loads((d / 'metadata.txt').read_text())
    meta.pop('end')
    (d / 'metadata.txt').write_text(json.dumps(meta))
    for p in sorted(d.rglob('*.jpg'))[::3]:
        p.unlink()
    _run(args + ['--root_dir', str(one)])
    assert _digests(one) == ref
