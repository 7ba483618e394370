"""Engine behaviour on tiny CPU jobs: pre-training, linear probe, finetune, kNN, resume, results files."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine.args import parse_args
from engine.checkpoint import load_checkpoint_file
from engine.run_classifier import run
from tests.engine_utils import ROOT, make_image_folder, make_split_folder, tiny_overrides

STABLE = {'MIXUP': 0.0, 'CUTMIX': 0.0, 'AUTO_AUGMENT': "''", 'WARMUP_EPOCHS': 0}


def _cfg(yml: str | None, save_dir: Path, **extra):
    argv = (['--cfg-yml', f'configs/{yml}'] if yml else []) + ['--cfg-override'] + tiny_overrides(save_dir, **extra)
    return parse_args(argv)[1]


@pytest.fixture(scope='module')
def data(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp('engine')
    return {'pt': make_image_folder(root / 'pt', num_classes=4, per_class=32),
            'ds': make_split_folder(root / 'ds', num_classes=4, train=24, val=12), 'root': root}


@pytest.fixture(scope='module')
def pretrained(data) -> Path:
    """A resnet18 pre-trained for a few epochs; its results record the loss curve."""
    save = data['root'] / 'pt_run'
    cfg = _cfg('pt_default.yaml', save, DATA_DIR=data['pt'], MAX_EPOCHS=6, LR=2e-3, **STABLE)
    run(cfg)
    return save


def test_pretraining_reduces_training_loss(pretrained):
    epochs = json.loads((pretrained / 'results.json').read_text())['epochs']
    losses = [e['train_loss'] for e in epochs]
    assert len(losses) == 6
    assert losses[-1] < 0.7 * losses[0], losses
    ckpt = load_checkpoint_file(pretrained / 'checkpoint.pth.tar')
    assert {'model', 'epoch', 'optimizer', 'lr_scheduler'} <= set(ckpt) and ckpt['epoch'] == 5


def test_pretraining_with_mixup_cutmix_and_randaugment_runs(data, tmp_path):
    cfg = _cfg('pt_default.yaml', tmp_path, DATA_DIR=data['pt'], MAX_EPOCHS=2, WARMUP_EPOCHS=1,
               CKPT_SAVE_INTERVAL=1, GRAD_CLIP=1.0)
    assert cfg.MIXUP == 0.8 and cfg.AUTO_AUGMENT.startswith('rand')
    out = run(cfg)
    assert np.isfinite(out['train']['loss'])
    assert (tmp_path / 'checkpoint_0001.pth.tar').is_file() and (tmp_path / 'checkpoint_0002.pth.tar').is_file()
    assert not list(tmp_path.glob('.*.tmp'))


def _backbone_state(state: dict, prefix: str = '') -> dict:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix) and not k.startswith(prefix + 'fc.')}


def test_linear_probe_keeps_backbone_bit_identical(data, pretrained, tmp_path):
    cfg = _cfg('lineval_defaults.yaml', tmp_path, DATA_DIR=data['ds'], MAX_EPOCHS=2, VAL_INTERVAL=1,
               BACKBONE_PATH=pretrained / 'checkpoint.pth.tar')
    out = run(cfg)
    before = _backbone_state(load_checkpoint_file(pretrained / 'checkpoint.pth.tar')['model'])
    after_full = load_checkpoint_file(tmp_path / 'checkpoint.pth.tar')['model']
    after = _backbone_state(after_full, 'backbone.')
    assert set(before) == set(after)
    assert all(torch.equal(before[k], after[k]) for k in before)  # BN statistics included
    assert {'head.1.running_mean', 'head.2.weight'} <= set(after_full)
    assert not torch.equal(after_full['head.1.running_mean'], torch.zeros_like(after_full['head.1.running_mean']))
    assert 0.0 <= out['test']['acc1'] <= 100.0 and out['test']['num_samples'] == 48


def test_finetune_changes_the_backbone(data, pretrained, tmp_path):
    cfg = _cfg('finetune_defaults.yaml', tmp_path, DATA_DIR=data['ds'], MAX_EPOCHS=1,
               BACKBONE_PATH=pretrained / 'checkpoint.pth.tar', LR=0.01)
    run(cfg)
    before = _backbone_state(load_checkpoint_file(pretrained / 'checkpoint.pth.tar')['model'])
    after = _backbone_state(load_checkpoint_file(tmp_path / 'checkpoint.pth.tar')['model'], 'backbone.')
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert 'conv1.weight' in changed and 'layer4.1.conv2.weight' in changed


def _make_separable(root: Path, per_class: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    colours = [(230, 30, 30), (30, 220, 40), (40, 60, 230), (240, 230, 40), (20, 20, 20)]
    for c, colour in enumerate(colours):
        d = root / f'c{c}'
        d.mkdir(parents=True)
        for i in range(per_class):
            img = np.clip(np.array(colour) + rng.normal(0, 12, (32, 32, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(img).save(d / f'{i}.png')


def test_knn_on_separable_toy_set(tmp_path):
    _make_separable(tmp_path / 'toy' / 'train', 20, 0)
    _make_separable(tmp_path / 'toy' / 'val', 10, 1)
    cfg = _cfg('knn_defaults.yaml', tmp_path / 'out', DATA_DIR=tmp_path / 'toy', NUM_NEIGHBORS='[1,5]')
    out = run(cfg)
    assert out['knn_acc']['5'] >= 90.0 and out['knn_acc']['1'] >= 90.0
    assert json.loads((tmp_path / 'out' / 'results.json').read_text())['final']['knn_acc']['5'] == out['knn_acc']['5']


def test_eval_only_reports_the_checkpoint_accuracy(data, pretrained, tmp_path):
    lin = tmp_path / 'lin'
    run(_cfg('lineval_defaults.yaml', lin, DATA_DIR=data['ds'], MAX_EPOCHS=1,
             BACKBONE_PATH=pretrained / 'checkpoint.pth.tar'))
    trained = json.loads((lin / 'results.json').read_text())['final']['test']
    out = run(_cfg('lineval_defaults.yaml', tmp_path / 'eval', DATA_DIR=data['ds'], EVAL_ONLY=True,
                   RESUME=lin / 'checkpoint.pth.tar'))
    assert out['test']['acc1'] == pytest.approx(trained['acc1'])


def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path):
    make_image_folder(tmp_path / 'pt', num_classes=4, per_class=8)
    common = ['--debug', '--cfg-yml', 'configs/pt_default.yaml', '--cfg-override'] + tiny_overrides(
        tmp_path, DATA_DIR=tmp_path / 'pt', MAX_EPOCHS=3, WARMUP_EPOCHS=1, BATCH_SIZE=8)
    full = common + ['SAVE_DIR', str(tmp_path / 'full')]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    subprocess.run([sys.executable, 'engine/run_classifier.py'] + full, cwd=ROOT, check=True,
                   capture_output=True, timeout=600, env=env)

    killed = common + ['SAVE_DIR', str(tmp_path / 'killed')]
    proc = subprocess.Popen([sys.executable, 'engine/run_classifier.py'] + killed, cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.time() + 600
    for line in proc.stderr:  # the log goes to stderr; the checkpoint is written before this line
        if 'epoch 1 done' in line:
            proc.send_signal(signal.SIGKILL)
            break
        assert time.time() < deadline
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert load_checkpoint_file(tmp_path / 'killed' / 'checkpoint.pth.tar')['epoch'] == 1

    resumed = killed + ['RESUME', str(tmp_path / 'killed' / 'checkpoint.pth.tar')]
    res = subprocess.run([sys.executable, 'engine/run_classifier.py'] + resumed, cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'resumed from' in res.stderr and 'Epoch [2]' in res.stderr and 'Epoch [1]' not in res.stderr
    a = load_checkpoint_file(tmp_path / 'full' / 'checkpoint.pth.tar')
    b = load_checkpoint_file(tmp_path / 'killed' / 'checkpoint.pth.tar')
    assert a['epoch'] == b['epoch'] == 2
    for k in a['model']:
        assert torch.equal(a['model'][k], b['model'][k]), k
    epochs = json.loads((tmp_path / 'killed' / 'results.json').read_text())['epochs']
    assert [e['epoch'] for e in epochs] == [0, 1, 2]


@pytest.mark.parametrize('per_update', [False, True])
def test_lr_changes_once_per_epoch_as_the_original_unless_per_update(per_update):
    import torch.nn as nn

    from engine.config import ClassifierConfig
    from engine.run_classifier import _optimizer_and_scheduler
    cfg = ClassifierConfig({'OPTIM': 'adamw', 'LR': 1e-3, 'WARMUP_EPOCHS': 2, 'WARMUP_LR': 1e-6, 'MAX_EPOCHS': 10,
                            'LR_STEP_ON_UPDATES': per_update})
    optimizer, scheduler = _optimizer_and_scheduler(cfg, nn.Linear(2, 2), updates_per_epoch=4)
    lrs = []
    for epoch in range(3):
        for k in range(4):
            lrs.append(optimizer.param_groups[0]['lr'])
            scheduler.step_update(num_updates=epoch * 4 + k + 1)
        scheduler.step(epoch + 1)
    within_epoch = [len(set(lrs[e * 4:(e + 1) * 4])) for e in range(3)]
    assert within_epoch == ([1, 1, 1] if not per_update else [4, 4, 4])
    assert lrs[0] == pytest.approx(1e-6) and lrs[-1] == pytest.approx(1e-3, rel=0.25)
