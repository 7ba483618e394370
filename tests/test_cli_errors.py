"""Every CLI on bad input: exit 2, one line naming the value and what is allowed, no traceback, and the
corrected command then succeeds in the same folders (a failed run never blocks the rerun).

Cases run in-process through ``common.cli.run_cli`` (fast); a few also run as real processes to check
what a user sees. Each group's corrected command runs once, after all of the group's bad commands.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

from common.cli import run_cli
from tests.controller_toys import write_toy_dbs
from tests.engine_utils import ROOT, make_split_folder

ZERO = '0_0_0_0_0_1_0_0_0'


def _clis() -> dict[str, Callable]:
    from controller.predict import main as predict
    from controller.task_db import main as task_db
    from controller.train_controller import main as train_controller
    from controller_db.build_reward_db import main as reward_db
    from datasets.check import main as check
    from engine.run_classifier import main as engine
    from generator.gen_from_tuple_str import main as gen
    from generator.generate_256_sets import main as gen256
    return {'gen': gen, 'gen256': gen256, 'engine': engine, 'train_controller': train_controller,
            'predict': predict, 'task_db': task_db, 'reward_db': reward_db,
            'check': lambda argv: sys.exit(check(argv))}


# -- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def fx(tmp_path_factory) -> dict[str, str]:
    """Bad and good input files shared by the cases."""
    from controller.task_db import save_task_db
    from controller.train_controller import main as train_main
    from engine.checkpoint import save_checkpoint
    from models.backbone import create_backbone
    from models.probes import build_probe
    from tests.controller_toys import GRID
    d = tmp_path_factory.mktemp('cli_errors')
    (d / 'text.txt').write_text('hello\n')
    (d / 'zero.yaml').write_text('0\n')
    (d / 'list.yaml').write_text('[1, 2]\n')
    (d / 'tag.yaml').write_text('SEED: !!python/object/apply:os.system ["echo hi"]\n')
    (d / 'dtag.yaml').write_text('Digits: !!python/object/apply:os.system ["echo hi"]\n')
    (d / 'list.json').write_text('[]')
    (d / 'evil.json').write_text(json.dumps({'../../../../ESCAPED': ['004_rose_pink'], 'ok': ['005_calendula']}))
    (d / 'abs.json').write_text(json.dumps({str(d / 'ABSOLUTE'): ['004_rose_pink'], 'ok': ['005_calendula']}))
    (d / 'a_dir').mkdir()
    make_split_folder(d / 'folder', num_classes=3, train=8, val=4, size=16)
    torch.manual_seed(0)
    net = create_backbone('resnet18', 3)
    save_checkpoint(d / 'r18.pth.tar', net, epoch=0)
    torch.save({'epoch': 1}, d / 'no_model.pth.tar')
    half = {k: (v if i % 2 else torch.zeros(1)) for i, (k, v) in enumerate(net.state_dict().items())}
    torch.save({'model': half}, d / 'half.pth.tar')
    np.save(d / 'obj.npy', np.array([{'a': 1}], dtype=object), allow_pickle=True)
    tdb, rdb, train, test, _ = write_toy_dbs(d)
    rewards = json.loads(Path(rdb).read_text())
    first = train[0]
    nan = json.loads(json.dumps(rewards))
    nan[first][GRID[5]] = float('nan')
    (d / 'nan.json').write_text(json.dumps(nan))
    abc = json.loads(json.dumps(rewards))
    abc[first][GRID[5]] = 'abc'
    (d / 'abc.json').write_text(json.dumps(abc))
    # a controller over efficientnet-lite0-sized vectors, for predict.py
    dim = build_probe('efficientnet_lite0', weights='none').embedding_dim()
    g = torch.Generator().manual_seed(0)
    lite = {f't{i}': {'hessian': torch.rand(dim, generator=g), 'scale': torch.ones(dim)} for i in range(3)}
    lite_db = save_task_db(d / 'lite.pt', lite)
    (d / 'lite_rewards.json').write_text(json.dumps({t: {k: float((i * 7 + j) % 13) for j, k in enumerate(GRID)}
                                                     for i, t in enumerate(lite)}))
    torch_threads = torch.get_num_threads()
    train_main(['--debug', '--cfg-override', 'TASK_DB_PATHS', f'["{lite_db}"]', 'REWARD_DB_PATH',
                str(d / 'lite_rewards.json'), 'TRAIN_TASKS', str(list(lite)), 'TEST_TASKS', '[]', 'SAVE_DIR',
                str(d / 'ctrl'), 'USE_PBAR', 'False', 'NUM_HIDDEN_NODES', '8', 'NUM_EPOCHS', '3', 'ENSEMBLE', '1',
                'PROBE', 'efficientnet_lite0', 'SAVE_PLOTS', 'False'])
    torch.set_num_threads(torch_threads)
    return {'d': str(d), 'text': str(d / 'text.txt'), 'zero_yaml': str(d / 'zero.yaml'),
            'list_yaml': str(d / 'list.yaml'), 'tag_yaml': str(d / 'tag.yaml'), 'dtag_yaml': str(d / 'dtag.yaml'),
            'list_json': str(d / 'list.json'), 'evil': str(d / 'evil.json'), 'abs': str(d / 'abs.json'),
            'a_dir': str(d / 'a_dir'), 'folder': str(d / 'folder'), 'r18': str(d / 'r18.pth.tar'),
            'no_model': str(d / 'no_model.pth.tar'), 'half': str(d / 'half.pth.tar'), 'obj_npy': str(d / 'obj.npy'),
            'tdb': str(tdb), 'rdb': str(rdb), 'nan': str(d / 'nan.json'), 'abc': str(d / 'abc.json'),
            'train': str(train), 'test': str(test), 'first': first, 'lite_db': str(lite_db),
            'ctrl': str(d / 'ctrl' / 'checkpoint.pth.tar')}


# -- the command groups: base arguments and the corrected command -----------------------------------

GEN = ['--root_dir', '{out}/sets', '--tuple_str', ZERO, '--num_imgs', '16', '--size', '16', '--backend', 'flat',
       '--num_classes', '2', '--no_progress']
GEN256 = ['--start_idx', '0', '--end_idx', '1', '--root_dir', '{out}/sets', *GEN[4:]]
KNN = ['--debug', '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override', 'MODEL', 'resnet18', 'INPUT_SIZE', '16',
       'DATA_DIR', '{folder}', 'SAVE_DIR', '{out}/knn', 'NUM_WORKERS', '0', 'BATCH_SIZE', '8', 'LOG_LEVEL', '1']
PT = ['--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override', 'MODEL', 'resnet18', 'INPUT_SIZE', '16',
      'DATA_DIR', '{folder}/train', 'SAVE_DIR', '{out}/pt', 'NUM_WORKERS', '0', 'BATCH_SIZE', '8', 'MAX_EPOCHS', '1',
      'WARMUP_EPOCHS', '0', 'LOG_LEVEL', '1']
CTRL = ['--debug', '--cfg-override', 'TASK_DB_PATHS', '["{tdb}"]', 'REWARD_DB_PATH', '{rdb}', 'TRAIN_TASKS',
        '{train}', 'TEST_TASKS', '{test}', 'SAVE_DIR', '{out}/ctrl', 'USE_PBAR', 'False', 'NUM_HIDDEN_NODES', '8',
        'NUM_EPOCHS', '3', 'ENSEMBLE', '1', 'SAVE_PLOTS', 'False']
PREDICT = ['--dataset', 't1', '--task_db', '{lite_db}', '--model', '{ctrl}', '--output', '{out}/pred.json']
TASK_DB = ['--tasks', 'Digits0to4', '--output', '{out}/tdb.pt', '--input_size', '32', '--max_images', '20',
           '--fisher_samples', '16', '--classifier_samples', '32', '--classifier_epochs', '1', '--batch_size', '8']
REWARD = ['--settings', '0', '--tasks', 'LFWFaces', '--num_imgs', '80', '--size', '16', '--epochs', '1',
          '--warmup_epochs', '0', '--work_dir', '{out}/rw', '--output', '{out}/rewards.json', '--no_progress']
CHECK = ['Digits', '--decode', '1']

GROUPS: dict[str, tuple[str, list[str]]] = {
    'gen': ('gen', GEN), 'gen256': ('gen256', GEN256), 'knn': ('engine', KNN), 'pt': ('engine', PT),
    'ctrl': ('train_controller', CTRL), 'predict': ('predict', PREDICT), 'task_db': ('task_db', TASK_DB),
    'reward_db': ('reward_db', REWARD), 'check': ('check', CHECK),
}


@dataclass
class Case:
    id: str
    group: str
    argv: list[str]          # appended to (or, with replace=True, replacing) the group's corrected command
    expect: tuple[str, ...]  # substrings of the one error line
    replace: bool = False


def _gen(cid, extra, *expect):
    return Case(cid, 'gen', extra, expect)


CASES = [
    # generator/gen_from_tuple_str.py
    _gen('gen-traversal-relative', ['--library', 'tdw', '--library_opt', 'objects={evil}'], "'../../../../ESCAPED'", 'folder name'),
    _gen('gen-traversal-absolute', ['--library', 'tdw', '--library_opt', 'objects={abs}'], 'ABSOLUTE', 'folder name'),
    Case('gen-tuple-negative', 'gen', ['--root_dir', '{out}/sets', '--tuple_str', '-1_0_0_0_0_1_0_0_0', '--backend', 'flat'],
         ("'-1_0_0_0_0_1_0_0_0'", 'cannot be negative'), replace=True),
    Case('gen-tuple-short', 'gen', ['--root_dir', '{out}/sets', '--tuple_str', '0_0', '--backend', 'flat'], ("'0_0'",), replace=True),
    Case('gen-tuple-letters', 'gen', ['--root_dir', '{out}/sets', '--tuple_str', 'a_0_0_0_0_1_0_0_0', '--backend', 'flat'],
         ('a_0_0_0_0_1_0_0_0',), replace=True),
    Case('gen-tuple-level', 'gen', ['--root_dir', '{out}/sets', '--tuple_str', '5_0_0_0_0_1_0_0_0', '--backend', 'flat'],
         ('5',), replace=True),
    _gen('gen-num-imgs-float', ['--num_imgs', '1.5'], "'1.5'", 'int'),
    _gen('gen-num-imgs-zero', ['--num_imgs', '0'], '--num_imgs=0', 'allowed: 1..'),
    _gen('gen-num-imgs-huge', ['--num_imgs', '99999999999999999999'], '99999999999999999999', 'allowed: 1..10000000'),
    _gen('gen-num-imgs-too-few', ['--num_imgs', '3'], 'num_imgs=3', 'use num_imgs >='),
    _gen('gen-gl-size-7', ['--backend', 'gl', '--size', '7'], 'size 7', '8..8192'),
    _gen('gen-root-is-file', ['--root_dir', '{text}'], 'text.txt', 'is a file'),
    _gen('gen-root-under-file', ['--root_dir', '{text}/sets'], 'text.txt', 'under the file'),
    _gen('gen-root-read-only', ['--root_dir', '/proc/task2sim_cli_test'], '/proc/task2sim_cli_test', 'cannot be created'),
    _gen('gen-backend-opt-unknown', ['--backend_opt', 'foo=1'], "'foo'", 'allowed: delay'),
    _gen('gen-backend-opt-form', ['--backend_opt', 'foo'], "'foo'", 'KEY=VALUE'),
    _gen('gen-library-opt-unknown', ['--library_opt', 'bar=1'], "'bar'", 'allowed: seed, models_per_class, classes'),
    _gen('gen-backend-unknown', ['--backend', 'vulkan'], "'vulkan'", "allowed: ['flat', 'gl', 'tdw']"),
    _gen('gen-library-unknown', ['--library', 'nope'], "'nope'", 'allowed'),
    _gen('gen-workers-zero', ['--workers', '0'], '--workers=0', '>= 1'),
    _gen('gen-shard-range', ['--shard_idx', '5', '--num_shards', '2'], '--shard_idx=5', 'allowed: 0..1'),
    _gen('gen-shard-alone', ['--shard_idx', '0'], '--shard_idx', '--num_shards'),
    _gen('gen-jpeg-quality', ['--jpeg_quality', '0'], 'jpeg_quality=0', 'allowed: 1..100'),
    _gen('gen-num-classes', ['--num_classes', '0'], 'num_classes=0', 'allowed: 1..'),
    _gen('gen-unknown-flag', ['--bogus'], '--bogus', 'see --help'),
    # generator/generate_256_sets.py
    Case('gen256-range', 'gen256', ['--start_idx', '10', '--end_idx', '300'], ('--end_idx=300', '<= 256')),
    Case('gen256-nodes', 'gen256', ['--num_nodes', '0'], ('--num_nodes=0',)),
    Case('gen256-idx', 'gen256', ['--num_nodes', '2', '--idx', '2'], ('--idx=2', 'allowed: 0..1')),
    # engine/run_classifier.py (kNN and pre-training)
    Case('engine-backbone-text', 'knn', ['BACKBONE_PATH', '{text}'], ('text.txt', 'tensors-only torch file')),
    Case('engine-backbone-missing', 'knn', ['BACKBONE_PATH', '{d}/none.pth'], ('none.pth', 'does not exist')),
    Case('engine-backbone-half', 'knn', ['BACKBONE_PATH', '{half}'], ('half.pth.tar', 'ALLOW_PARTIAL_LOAD')),
    Case('engine-backbone-other-arch', 'knn', ['BACKBONE_PATH', '{r18}', 'MODEL', 'resnet34'], ('r18.pth.tar', 'MODEL')),
    Case('engine-seed', 'knn', ['SEED', 'abc'], ('SEED', "'abc'", 'int or None')),
    Case('engine-grad-clip', 'knn', ['GRAD_CLIP', 'abc'], ('GRAD_CLIP', "'abc'", 'float or None')),
    Case('engine-split-frac-type', 'knn', ['SPLIT_FRAC', 'abc'], ('SPLIT_FRAC', "'abc'")),
    Case('engine-split-frac-range', 'knn', ['SPLIT_FRAC', '1.5'], ('SPLIT_FRAC=1.5', '(0, 1)')),
    Case('engine-interpolation', 'knn', ['INTERPOLATION', 'bogus'], ("'bogus'", 'allowed: bicubic')),
    Case('engine-auto-augment', 'knn', ['AUTO_AUGMENT', 'bogus'], ("'bogus'", 'rand-m9-mstd0.5-inc1')),
    Case('engine-num-workers', 'knn', ['NUM_WORKERS', '-1'], ('NUM_WORKERS=-1', 'allowed: 0')),
    Case('engine-neighbors-zero', 'knn', ['NUM_NEIGHBORS', '[0]'], ('NUM_NEIGHBORS=[0]', '>= 1')),
    Case('engine-batch-size', 'knn', ['BATCH_SIZE', '0'], ('BATCH_SIZE=0', '>= 1')),
    Case('engine-unknown-key', 'knn', ['BOGUS_KEY', '1'], ("'BOGUS_KEY'", 'allowed keys')),
    Case('engine-mode', 'knn', ['DOWNSTREAM_EVAL', 'bogus'], ("'bogus'", 'allowed')),
    Case('engine-knn-features', 'knn', ['KNN_FEATURES', 'train'], ("'train'", 'eval, original')),
    Case('engine-model', 'knn', ['MODEL', 'resnet_bogus'], ("'resnet_bogus'", 'timm names')),
    Case('engine-device', 'knn', ['DEVICE', 'tpu'], ("'tpu'", 'allowed')),
    Case('engine-data-dir-missing', 'knn', ['DATA_DIR', '{d}/no_such_folder'], ('no_such_folder',)),
    Case('engine-dataset-unknown', 'knn', ['DATA_DIR', "''", 'DATASET', 'Bogus'], ("'Bogus'", 'allowed')),
    Case('engine-subset-object', 'knn', ['SUBSET_PATH', '{obj_npy}'], ('obj.npy', 'object arrays are refused')),
    Case('engine-yaml-zero', 'knn', ['--cfg-yml', '{zero_yaml}', '--debug'], ('zero.yaml', 'mapping', 'int'), replace=True),
    Case('engine-yaml-list', 'knn', ['--cfg-yml', '{list_yaml}', '--debug'], ('list.yaml', 'mapping', 'list'), replace=True),
    Case('engine-yaml-tag', 'knn', ['--cfg-yml', '{tag_yaml}', '--debug'], ('tag.yaml', 'tag'), replace=True),
    Case('engine-yaml-missing', 'knn', ['--cfg-yml', '{d}/none.yaml', '--debug'], ('none.yaml', 'does not exist'), replace=True),
    Case('engine-odd-override', 'knn', ['--debug', '--cfg-override', 'SEED'], ('odd number',), replace=True),
    Case('engine-bad-flag', 'knn', ['--debug', 'stray'], ("'stray'", '--KEY=VALUE'), replace=True),
    Case('pt-max-epochs-zero', 'pt', ['MAX_EPOCHS', '0'], ('MAX_EPOCHS=0', '>= 1')),
    Case('pt-warmup', 'pt', ['WARMUP_EPOCHS', '-1'], ('WARMUP_EPOCHS=-1', '>= 0')),
    Case('pt-resume-text', 'pt', ['RESUME', '{text}'], ('text.txt', 'tensors-only torch file')),
    Case('pt-resume-no-model', 'pt', ['RESUME', '{no_model}'], ('no_model.pth.tar', '"model"')),
    Case('pt-resume-other-arch', 'pt', ['RESUME', '{r18}', 'MODEL', 'resnet34'], ('r18.pth.tar', 'does not fit')),
    Case('pt-optimizer', 'pt', ['OPTIM', 'bogus'], ("'bogus'",)),
    # controller/train_controller.py
    Case('ctrl-nan-reward', 'ctrl', ['REWARD_DB_PATH', '{nan}'], ('nan.json', '{first}')),
    Case('ctrl-abc-reward', 'ctrl', ['REWARD_DB_PATH', '{abc}'], ('abc.json', '{first}')),
    Case('ctrl-reward-missing', 'ctrl', ['REWARD_DB_PATH', '{d}/none.json'], ('none.json',)),
    Case('ctrl-task-db-text', 'ctrl', ['TASK_DB_PATHS', '["{text}"]'], ('text.txt', 'tensors-only torch file')),
    Case('ctrl-epochs', 'ctrl', ['NUM_EPOCHS', '0'], ('NUM_EPOCHS=0', '>= 1')),
    Case('ctrl-seed', 'ctrl', ['SEED', 'abc'], ('SEED', "'abc'")),
    Case('ctrl-norm', 'ctrl', ['REWARD_NORM', 'bogus'], ("'bogus'", 'zscore')),
    Case('ctrl-shrink', 'ctrl', ['SHRINK_COS', 'abc'], ("'abc'", 'auto')),
    Case('ctrl-unknown-key', 'ctrl', ['TASK_DB', 'x'], ("'TASK_DB'", 'TASK_DB_PATHS')),
    Case('ctrl-unknown-task', 'ctrl', ['TRAIN_TASKS', "['Nope']"], ("'Nope'",)),
    # controller/predict.py
    Case('predict-model-text', 'predict', ['--model', '{text}'], ('text.txt', 'tensors-only torch file')),
    Case('predict-model-missing', 'predict', ['--model', '{d}/none.pt'], ('none.pt', 'does not exist')),
    Case('predict-model-engine-ckpt', 'predict', ['--model', '{r18}'], ('r18.pth.tar', 'not a checkpoint of this project')),
    Case('predict-task-db-text', 'predict', ['--task_db', '{text}'], ('text.txt',)),
    Case('predict-unknown-dataset', 'predict', ['--dataset', 'Bogus'], ("'Bogus'",)),
    # controller/task_db.py
    Case('task-db-unknown', 'task_db', ['--tasks', 'Bogus'], ("'Bogus'", 'allowed')),
    Case('task-db-probe', 'task_db', ['--probe', 'vgg'], ("'vgg'", 'invalid choice')),
    Case('task-db-max-images', 'task_db', ['--max_images', '-1'], ('--max_images=-1',)),
    Case('task-db-output-dir', 'task_db', ['--output', '{a_dir}'], ('a_dir', 'folder')),
    Case('task-db-output-text', 'task_db', ['--output', '{text}'], ('text.txt',)),
    # controller_db/build_reward_db.py
    Case('reward-output-dir', 'reward_db', ['--output', '{a_dir}'], ('a_dir', 'is a folder')),
    Case('reward-output-list', 'reward_db', ['--output', '{list_json}'], ('list.json', 'JSON list')),
    Case('reward-backend', 'reward_db', ['--backend', 'vulkan'], ("'vulkan'", 'allowed')),
    Case('reward-num-imgs', 'reward_db', ['--num_imgs', '3'], ('num_imgs=3', 'use num_imgs >=')),
    Case('reward-model', 'reward_db', ['--model', 'bad'], ("'bad'", 'timm names')),
    Case('reward-settings', 'reward_db', ['--settings', '300'], ("'300'", '0..255')),
    Case('reward-tasks', 'reward_db', ['--tasks', 'Bogus'], ("'Bogus'", 'allowed')),
    Case('reward-knn-features', 'reward_db', ['--knn_features', 'x'], ("'x'", 'eval')),
    Case('reward-engine-override', 'reward_db', ['--engine_override', 'BOGUS', '1'], ("'BOGUS'",)),
    Case('reward-workers', 'reward_db', ['--workers', '0'], ('--workers 0', '>= 1')),
    Case('reward-lr', 'reward_db', ['--lr', '-1'], ('--lr -1', '> 0')),
    Case('reward-max-settings', 'reward_db', ['--max_settings', '0'], ('--max_settings 0', '>= 1')),
    Case('reward-num-imgs-huge', 'reward_db', ['--num_imgs', '99999999999'], ('99999999999', 'allowed: 1..')),
    # python -m datasets.check
    Case('check-decode', 'check', ['--decode=-1'], ('--decode=-1', 'allowed: 0')),
    Case('check-config-tag', 'check', ['--config', '{dtag_yaml}'], ('dtag.yaml', 'tag')),
    Case('check-unknown', 'check', ['Bogus', '--decode', '1'], ("'Bogus'", 'allowed'), replace=True),
    Case('check-nothing', 'check', [], ('name at least one dataset',), replace=True),
]


def _fill(items: list[str], values: dict[str, str]) -> list[str]:
    return [s.format(**values) for s in items]


def _run(cli: str, argv: list[str], capsys) -> tuple[int, list[str]]:
    main = _clis()[cli]
    capsys.readouterr()
    try:
        run_cli(lambda: main(argv))
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out = capsys.readouterr()
    return code, [ln for ln in (out.out + out.err).splitlines() if ln.strip()]


def _argv(case: Case, values: dict[str, str]) -> list[str]:
    return _fill(case.argv if case.replace else GROUPS[case.group][1] + case.argv, values)


@pytest.fixture(scope='module')
def group_out(tmp_path_factory) -> dict[str, Path]:
    return {g: tmp_path_factory.mktemp(f'out_{g}') for g in GROUPS}


def test_there_are_enough_cases_on_every_cli():
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)
    assert {GROUPS[c.group][0] for c in CASES} == {'gen', 'gen256', 'engine', 'train_controller', 'predict',
                                                    'task_db', 'reward_db', 'check'}


@pytest.mark.usefixtures('one_torch_thread')
@pytest.mark.parametrize('group', list(GROUPS))
def test_bad_inputs_give_one_line_then_the_corrected_command_succeeds(group, fx, group_out, capsys):
    values = {**fx, 'out': str(group_out[group])}
    cli, base = GROUPS[group]
    before_outside = set(os.listdir(Path(fx['d']).parent))
    for case in (c for c in CASES if c.group == group):
        code, lines = _run(cli, _argv(case, values), capsys)
        assert code == 2, f'{case.id}: exit {code}, output {lines}'
        assert len(lines) == 1 and lines[0].startswith('error: '), f'{case.id}: {lines}'
        assert 'Traceback' not in lines[0]
        for part in case.expect:
            assert part.format(**values) in lines[0], f'{case.id}: {part!r} not in {lines[0]!r}'
    assert not (Path(fx['d']) / 'ABSOLUTE').exists()
    assert set(os.listdir(Path(fx['d']).parent)) == before_outside, 'a bad command wrote next to the output root'
    code, lines = _run(cli, _fill(base, values), capsys)
    assert code == 0, f'the corrected {group} command failed: {lines[-3:]}'


# -- the same through real processes (what a user sees, warnings and all) -----------------------------

@pytest.mark.parametrize('script, argv, expect', [
    ('generator/gen_from_tuple_str.py', ['--root_dir', '{out}/s', '--tuple_str', '-1_0_0_0_0_1_0_0_0'], 'cannot be negative'),
    ('generator/gen_from_tuple_str.py', [*GEN, '--library', 'tdw', '--library_opt', 'objects={evil}'], 'folder name'),
    ('engine/run_classifier.py', [*KNN, 'BACKBONE_PATH', '{text}'], 'tensors-only'),
    ('controller_db/build_reward_db.py', [*REWARD, '--output', '{a_dir}'], 'is a folder'),
])
def test_real_processes_print_one_line(script, argv, expect, fx, tmp_path):
    values = {**fx, 'out': str(tmp_path)}
    res = subprocess.run([sys.executable, script, *_fill(argv, values)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    lines = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
    assert res.returncode == 2 and len(lines) == 1 and expect in lines[0], lines


def test_submitit_job_error_is_the_jobs_own_line_and_the_fix_runs(fx, tmp_path):
    base = [sys.executable, 'run_with_submitit.py', '--cluster', 'local', '--ngpus', '1', '--debug',
            '--cfg-yml', 'configs/knn_defaults.yaml', '--MODEL=resnet18', '--INPUT_SIZE=16', '--BATCH_SIZE=8',
            f'--DATA_DIR={fx["folder"]}', f'--SAVE_DIR={tmp_path / "sub"}', '--NUM_WORKERS=0', '--LOG_LEVEL=1']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    for extra, expect in ([f'--BACKBONE_PATH={fx["d"]}/none.pth'], 'none.pth'), (['--nodes', '2'], '--nodes 2'), \
                         (['--BOGUS=1'], "'BOGUS'"):
        res = subprocess.run(base + extra, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        lines = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
        assert res.returncode == 2 and len(lines) == 1 and expect in lines[0], lines
    res = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0 and 'finished' in res.stdout, res.stderr[-500:]


# -- path traversal, orphans, --verify --------------------------------------------------------------

class _EvilLibrary:
    name = 'evil'

    def __init__(self, cls: str = 'ok', model: str = 'm'):
        self._cls, self._model = cls, model

    def classes(self):
        return [self._cls]

    def models(self, c):
        return [self._model]


@pytest.mark.parametrize('cls, model', [('../up', 'm'), ('/abs', 'm'), ('ok', '../m'), ('.', 'm'), ('a\\b', 'm'),
                                        ('', 'm'), ('ok', 'x/y')])
def test_no_class_or_model_name_can_leave_the_root(tmp_path, cls, model):
    from common.errors import UserError
    from generator.generator import Generator
    from generator.generator_params import GenParams
    root = tmp_path / 'root' / 'sets'
    with pytest.raises(UserError, match='folder name'):
        with Generator(root, backend='flat', library=_EvilLibrary(cls, model), screen_size=16, output_size=16) as gen:
            gen.gen_data(GenParams.from_tuple_str(ZERO), 4)
    assert {p.name for p in tmp_path.iterdir()} <= {'root'} and not any(p.is_file() for p in tmp_path.rglob('*'))


def _children(pid: int) -> set[int]:
    """All descendants of ``pid`` (from /proc)."""
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f'/proc/{p}/task').glob('*'):
            try:
                kids = {int(x) for x in (task / 'children').read_text().split()}
            except OSError:
                continue
            todo += list(kids - out)
            out |= kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except OSError:
        return False
    return state not in ('Z', 'X')


@pytest.mark.parametrize('script, argv, workers', [
    ('generator/gen_from_tuple_str.py', ['--root_dir', '{out}/sets', '--tuple_str', ZERO, '--num_imgs', '4000',
                                         '--size', '16', '--backend', 'flat', '--backend_opt', 'delay=0.05',
                                         '--num_classes', '2', '--no_progress', '--workers', '2'], 2),
    ('controller_db/build_reward_db.py', [*REWARD, '--workers', '2', '--settings', '0', '1'], 2),
])
def test_workers_die_with_their_parent(script, argv, workers, tmp_path):
    values = {'out': str(tmp_path)}
    proc = subprocess.Popen([sys.executable, script, *_fill(argv, values)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS='1'))
    deadline = time.time() + 120
    kids: set[int] = set()
    while time.time() < deadline and len(kids) < workers + 1:   # the pool's workers and the resource tracker
        time.sleep(0.5)
        kids = _children(proc.pid)
    assert len(kids) >= workers, f'the workers did not start: {kids}'
    time.sleep(2.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.25)
    alive = [k for k in kids if _alive(k)]
    for k in alive:
        os.kill(k, signal.SIGKILL)
    assert not alive, f'children still running 10 s after the parent was killed: {alive}'


def test_verify_renders_a_truncated_image_of_a_complete_set_again(tmp_path, capsys):
    values = {'out': str(tmp_path)}
    assert _run('gen', _fill(GEN, values), capsys)[0] == 0
    images = sorted((tmp_path / 'sets' / f'dataset_{ZERO}' / 'images').rglob('*.jpg'))
    good = images[3].read_bytes()
    images[3].write_bytes(good[:len(good) // 2] + b'\xff\xd9')   # ends like a JPEG, does not decode
    assert _run('gen', _fill(GEN, values), capsys)[0] == 0
    assert images[3].read_bytes() != good, 'without --verify a complete set is not re-read'
    assert _run('gen', _fill(GEN, values) + ['--verify'], capsys)[0] == 0
    assert images[3].read_bytes() == good


def test_a_set_or_table_without_finished_items_is_not_started(tmp_path, capsys):
    """Left-overs of a run that failed before its first image / reward never block a run with other settings."""
    values = {'out': str(tmp_path)}
    meta = tmp_path / 'sets' / f'dataset_{ZERO}' / 'metadata.txt'
    meta.parent.mkdir(parents=True)
    stale = tmp_path / 'stale' / f'dataset_{ZERO}'
    (stale / 'images' / 'other_class').mkdir(parents=True)   # an image of a class the new plan does not have
    (stale / 'images' / 'other_class' / 'img_x_0000.jpg').write_bytes(b'\xff\xd8 \xff\xd9')
    (stale / 'metadata.txt').write_text(json.dumps({'seed': 0, 'backend': 'flat', 'library': 'procedural',
                                                    'num_classes': 2, 'num_imgs': 16, 'screen_size': 7}))
    code, lines = _run('gen', _fill(GEN, {'out': str(tmp_path)}) + ['--root_dir', str(tmp_path / 'stale')], capsys)
    assert code == 2 and 'different settings' in lines[0]
    meta.write_text(json.dumps({'seed': 0, 'backend': 'flat', 'library': 'procedural', 'num_classes': 2,
                                'num_imgs': 16, 'screen_size': 7, 'output_size': 7}))
    assert _run('gen', _fill(GEN, values), capsys)[0] == 0
    assert json.loads(meta.read_text())['screen_size'] == 16 and 'end' in json.loads(meta.read_text())
    from rewards.config import BuildConfig
    from rewards.store import RewardStore
    out = tmp_path / 'rewards.json'
    stale = BuildConfig(output=str(out), num_imgs=3)
    RewardStore(stale).write_header({})
    assert json.loads(out.read_text()) == {t: {} for t in stale.tasks}
    fresh = RewardStore(BuildConfig(output=str(out), num_imgs=80))
    fresh.check_compatible()    # no reward yet: forgotten, not refused
    assert not out.exists() and not fresh.meta_path.exists()
    RewardStore(stale).write_header({})
    RewardStore(stale).record(ZERO, {t: 50.0 for t in stale.tasks}, {})
    from common.errors import UserError
    with pytest.raises(UserError, match='num_imgs=3'):
        RewardStore(BuildConfig(output=str(out), num_imgs=80)).check_compatible()
