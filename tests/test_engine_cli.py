"""Engine CLI: user errors give one clear line; torchrun on CPU; submitit's local executor; config merging."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from common.errors import UserError
from engine.args import parse_args
from tests.engine_utils import ROOT, make_image_folder, make_split_folder, run_cli, tiny_overrides


def _cli_in_process(argv: list[str], capsys):
    """Run the engine CLI wrapper in this process; returns (exit code, stderr)."""
    from common.cli import run_cli as wrap
    from engine.run_classifier import main
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        wrap(lambda: main(argv))
    return subprocess.CompletedProcess(argv, exc.value.code, '', capsys.readouterr().err)


def _assert_one_line_error(res, *fragments: str) -> None:
    assert res.returncode == 2
    lines = [l for l in res.stderr.strip().splitlines() if l.startswith('error:')]
    assert len(lines) == 1, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr and res.stderr.strip().splitlines()[-1] == lines[0]
    for f in fragments:
        assert f in lines[0], lines[0]


def test_config_merging_order_and_types():
    _, cfg = parse_args(['--cfg-yml', 'configs/lineval_defaults.yaml', '--cfg-override', 'LR', '1',
                         'DECAY_EPOCHS', '[10, 20]', '--MAX_EPOCHS=7'])
    assert cfg.OPTIM == 'sgd' and cfg.LR == 1.0 and isinstance(cfg.LR, float)
    assert cfg.DECAY_EPOCHS == [10, 20] and cfg.MAX_EPOCHS == 7
    _, cfg = parse_args(['--cfg-yml', 'configs/lineval_defaults.yaml', '--best-hps', '--DATASET=Omniglot'])
    assert (cfg.LR, cfg.BATCH_SIZE, cfg.WD) == (0.01, 32, 1e-5)
    with pytest.raises(UserError, match='MAX_EPOCHS expects int'):
        parse_args(['--MAX_EPOCHS=ten'])
    with pytest.raises(UserError, match="DOWNSTREAM_EVAL='lin'"):
        parse_args(['--DOWNSTREAM_EVAL=lin'])


def test_unknown_config_key_is_one_line(tmp_path):
    res = run_cli(['--debug', '--cfg-override', 'LEARNING_RATE', '0.1'])
    _assert_one_line_error(res, "unknown config key 'LEARNING_RATE'")


def test_missing_data_dir_is_one_line(tmp_path, capsys):
    res = _cli_in_process(['--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override']
                  + tiny_overrides(tmp_path / 'out', DATA_DIR=tmp_path / 'nope'), capsys)
    _assert_one_line_error(res, str(tmp_path / 'nope'))


def test_empty_class_folder_is_one_line(tmp_path, capsys):
    make_image_folder(tmp_path / 'pt', num_classes=2, per_class=4)
    (tmp_path / 'pt' / 'empty_class').mkdir()
    res = _cli_in_process(['--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override']
                  + tiny_overrides(tmp_path / 'out', DATA_DIR=tmp_path / 'pt'), capsys)
    _assert_one_line_error(res, 'empty_class')


@pytest.mark.parametrize('workers', [0, 1])
def test_corrupt_jpeg_is_one_line(tmp_path, workers, capsys):
    make_image_folder(tmp_path / 'pt', num_classes=2, per_class=4)
    bad = tmp_path / 'pt' / 'class_01' / '002.jpg'
    bad.write_bytes(bad.read_bytes()[:40])
    res = _cli_in_process(['--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override']
                  + tiny_overrides(tmp_path / 'out', DATA_DIR=tmp_path / 'pt', BATCH_SIZE=2,
                                   MAX_EPOCHS=1, NUM_WORKERS=workers), capsys)
    _assert_one_line_error(res, '002.jpg')


def test_torchrun_two_processes_match_single_process_knn(tmp_path):
    if shutil.which('torchrun') is None and not (ROOT / '.venv' / 'bin' / 'torchrun').exists():
        pytest.skip('torchrun is not installed')
    make_split_folder(tmp_path / 'ds', num_classes=4, train=15, val=9)  # odd sizes: uneven rank slices
    make_image_folder(tmp_path / 'pt', num_classes=4, per_class=8)
    pt = tiny_overrides(tmp_path / 'pt_out', DATA_DIR=tmp_path / 'pt', MAX_EPOCHS=1, BATCH_SIZE=8)
    res = run_cli(['2', '--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override'] + pt,
                  script='distributed_train.sh', launcher=['bash'])
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'x2' in res.stderr and (tmp_path / 'pt_out' / 'checkpoint.pth.tar').is_file()

    knn = ['--debug', '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override'] + tiny_overrides(
        tmp_path / 'k', DATA_DIR=tmp_path / 'ds', NUM_NEIGHBORS='[1,5]', BATCH_SIZE=4,
        BACKBONE_PATH=tmp_path / 'pt_out' / 'checkpoint.pth.tar')
    single = run_cli(knn + ['SAVE_DIR', str(tmp_path / 'k1')])
    assert single.returncode == 0, single.stderr[-3000:]
    double = run_cli(['2'] + knn + ['SAVE_DIR', str(tmp_path / 'k2')], script='distributed_train.sh',
                     launcher=['bash'])
    assert double.returncode == 0, double.stderr[-3000:]
    a = json.loads((tmp_path / 'k1' / 'results.json').read_text())['final']['knn_acc']
    b = json.loads((tmp_path / 'k2' / 'results.json').read_text())['final']['knn_acc']
    assert a == b


def test_submitit_local_executor_completes_a_job(tmp_path):
    make_split_folder(tmp_path / 'ds', num_classes=3, train=6, val=3)
    res = run_cli(['--cluster', 'local', '--ngpus', '1', '--timeout', '10', '--debug',
                   '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override']
                  + tiny_overrides(tmp_path / 'out', DATA_DIR=tmp_path / 'ds'), script='run_with_submitit.py')
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert 'finished' in res.stdout
    final = json.loads((tmp_path / 'out' / 'results.json').read_text())['final']
    assert 0.0 <= final['knn_acc']['5'] <= 100.0
    assert list((tmp_path / 'out' / 'slurm').iterdir())


def test_submitit_rejects_a_bad_cluster(tmp_path):
    res = run_cli(['--cluster', 'pbs', '--debug'], script='run_with_submitit.py')
    _assert_one_line_error(res, "--cluster 'pbs'", 'slurm')


def test_split_frac_with_data_dir_uses_the_originals_per_class_split(tmp_path):
    from datasets.folder import build_image_folder
    from datasets.split import carve_positions_per_class
    from engine.config import ClassifierConfig
    from engine.run_classifier import build_data
    root = make_split_folder(tmp_path / 'data', num_classes=3, train=10, val=4)
    cfg = ClassifierConfig({'DATA_DIR': str(root), 'SPLIT_FRAC': 0.7, 'VAL_AS_TEST': True, 'INPUT_SIZE': 32,
                            'DOWNSTREAM_EVAL': 'linear'})
    data = build_data(cfg, quick=False, world_size=1)
    want_train, want_val = carve_positions_per_class(build_image_folder(root / 'train').targets, 0.7)
    assert data['train'].indices.tolist() == want_train.tolist() and data['test'].indices.tolist() == want_val.tolist()
    assert sorted(set(data['train'].targets.tolist())) == [0, 1, 2] and len(data['train']) == 3 * 7
