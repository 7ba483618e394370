"""The generator CLIs: run by path, user errors, node chunks, local workers and submitit's local executor."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.generate_256_sets import node_chunk, selected_params
from generator.generator import is_complete

ROOT = Path(__file__).resolve().parents[1]
OBJECTS = {'n02933112': ['24_in_wall_cabinet_white_wood', '24_in_wall_cabinet_wood_beach_honey'],
           'n03001627': ['chair_billiani_doll']}


def run(script, *args, check=True):
    return subprocess.run([sys.executable, '-W', 'ignore', f'generator/{script}.py', *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, check=check)


@pytest.fixture
def objects(tmp_path):
    pytest.importorskip('tdw', reason='these CLI runs take class names from the tdw library')
    path = tmp_path / 'objects.json'
    path.write_text(json.dumps(OBJECTS))
    return path


def common(tmp_path, objects, n=16):
    return ['--root_dir', tmp_path / 'out', '--num_imgs', n, '--backend', 'flat', '--library', 'tdw',
            '--tdw_objects', objects, '--size', 32, '--no_progress']


def test_node_chunks_cover_the_range_once_with_the_originals_ceiling_rule():
    chunks = [list(node_chunk(0, 256, 7, i)) for i in range(7)]
    assert sum(chunks, []) == list(range(256)) and [len(c) for c in chunks] == [37] * 6 + [34]
    # the original's 5 nodes: [0, 52), [52, 104), ..., [208, 256)
    assert [(c.start, c.stop) for c in (node_chunk(0, 256, 5, i) for i in range(5))] == \
        [(0, 52), (52, 104), (104, 156), (156, 208), (208, 256)]
    assert [len(node_chunk(10, 15, 4, i)) for i in range(4)] == [2, 2, 1, 0]   # a trailing node can be idle
    assert list(node_chunk(64, 128, 4, 2)) == list(range(96, 112))
    assert [p.get_tuple_str() for p in selected_params(254, 256, 1, 0)] == ['1_1_1_1_1_1_0_1_1',
                                                                           '1_1_1_1_1_3_0_1_1']


def test_user_errors_print_one_line(tmp_path):
    r = run('gen_from_tuple_str', '--root_dir', tmp_path, '--tuple_str', '1_0_1', check=False)
    assert r.returncode == 2 and r.stderr.strip().count('\n') == 0 and "tuple string '1_0_1'" in r.stderr
    r = run('generate_256_sets', '--root_dir', tmp_path, '--num_nodes', 4, '--idx', 4, check=False)
    assert r.returncode == 2 and '--idx=4' in r.stderr
    r = run('gen_from_tuple_str', '--root_dir', tmp_path, '--tuple_str', '1_0_1_1_1_1_0_1_0',
            '--backend', 'nope', check=False)
    assert r.returncode == 2 and "unknown backend 'nope'" in r.stderr


def test_gen_from_tuple_str_with_local_workers(tmp_path, objects):
    r = run('gen_from_tuple_str', '--tuple_str', '1_0_1_1_1_1_0_1_0', *common(tmp_path, objects), '--workers', 2)
    images = tmp_path / 'out' / 'dataset_1_0_1_1_1_1_0_1_0' / 'images'
    assert r.stdout.strip().endswith(str(images))
    assert len(list(images.rglob('*.jpg'))) == 16 and is_complete(images.parent)
    assert (images.parent / 'timings_shard1of2.json').is_file() and (images.parent / 'preview.png').is_file()


def test_generate_256_sets_with_submitit_local(tmp_path, objects):
    pytest.importorskip('submitit')
    r = run('generate_256_sets', '--start_idx', 6, '--end_idx', 8, *common(tmp_path, objects),
            '--workers', 2, '--submitit', '--cluster', 'local')
    assert 'submitted 2 generation job(s) to local' in r.stdout
    for ts in ['1_1_0_0_0_1_0_0_0', '1_1_0_0_0_3_0_0_0']:     # sets 6 and 7: blur, backgr, materials 1/3
        d = tmp_path / 'out' / f'dataset_{ts}'
        assert is_complete(d) and len(list((d / 'images').rglob('*.jpg'))) == 16


def test_single_shard_option(tmp_path, objects):
    args = ['--tuple_str', '0_0_0_0_0_1_0_0_0', *common(tmp_path, objects), '--num_shards', 2]
    run('gen_from_tuple_str', *args, '--shard_idx', 0)
    d = tmp_path / 'out' / 'dataset_0_0_0_0_0_1_0_0_0'
    assert not is_complete(d) and len(list(d.rglob('*.jpg'))) == 12    # shard 0: units 0 and 2 (4 + 8)
    run('gen_from_tuple_str', *args, '--shard_idx', 1)
    assert is_complete(d) and len(list(d.rglob('*.jpg'))) == 16


def test_local_gl_workers_rasterize_on_their_own_thread():
    from generator.gen_from_tuple_str import build_parser
    from generator.launch import generator_kwargs
    base = ['--root_dir', 'x', '--tuple_str', '0_0_0_0_0_1_0_0_0']
    assert 'threads' not in generator_kwargs(build_parser().parse_args(base))['backend_options']
    assert generator_kwargs(build_parser().parse_args(base + ['--workers', '2']))['backend_options']['threads'] == 0
    two = build_parser().parse_args(base + ['--workers', '2', '--backend_opt', 'threads=2'])
    assert generator_kwargs(two)['backend_options']['threads'] == 2
    assert 'threads' not in generator_kwargs(build_parser().parse_args(base + ['--workers', '2', '--submitit']))[
        'backend_options']


def test_run_with_submitit_submits_generation_shards(tmp_path):
    from run_with_submitit import submit
    dirs = submit(['--generate', '--cluster', 'debug', '--shards', '2', '--root_dir', str(tmp_path / 'sets'),
                   '--tuple_str', '0_0_0_0_0_1_0_0_0', '--num_imgs', '16', '--size', '16', '--backend', 'flat',
                   '--num_classes', '2', '--no_progress'])
    images = sorted((tmp_path / 'sets' / 'dataset_0_0_0_0_0_1_0_0_0' / 'images').rglob('*.jpg'))
    assert len(images) == 12 and [str(d) for d in dirs] == [str(images[0].parents[1])]
    assert {p.name for p in (tmp_path / 'sets' / 'dataset_0_0_0_0_0_1_0_0_0').glob('timings_shard*')} == {
        'timings_shard0of2.json', 'timings_shard1of2.json'}
