"""kNN feature modes: ``original`` reproduces the original's train-mode extraction; ``eval`` differs from it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from engine.args import parse_args
from engine.knn import knn_classify, knn_features, knn_loader
from engine.run_classifier import build_data, build_model, run, seed_everything
from models.backbone import features_of
from tests.engine_utils import make_split_folder, run_cli, tiny_overrides

BATCH = 8   # 4 classes x 7 training images = 28 = 3 full batches + 4 dropped rows


def _cfg(save_dir: Path, data_dir: Path, mode: str):
    argv = ['--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override'] + tiny_overrides(
        save_dir, DATA_DIR=data_dir, BATCH_SIZE=BATCH, INPUT_SIZE=32, KNN_FEATURES=mode, DROP_PATH_RATE=0.1)
    return parse_args(argv)[1]


def _original_extraction(model, train_set, test_set, seed: int):
    """The original's kNN path re-written from its description: no model.eval(), train loader shuffled
    with drop_last, features stored with index_copy_ into zero banks, L2-normalised afterwards."""
    torch.manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, drop_last=True,
                              generator=torch.Generator().manual_seed(seed))
    test_loader = DataLoader(test_set, batch_size=BATCH, shuffle=False, drop_last=False)
    model.train()
    out = []
    with torch.no_grad():
        for loader in (train_loader, test_loader):
            feats = labels = None
            for x, y, idx in loader:
                f = F.adaptive_avg_pool2d(model.forward_features(x), 1).flatten(1)
                if feats is None:
                    feats = torch.zeros(len(loader.dataset), f.shape[1])
                    labels = torch.zeros(len(loader.dataset), dtype=torch.long)
                feats.index_copy_(0, idx, f)
                labels.index_copy_(0, idx, y.long())
            out += [F.normalize(feats, dim=1, p=2), labels]
    return out


@pytest.fixture(scope='module')
def folder(tmp_path_factory) -> Path:
    return make_split_folder(tmp_path_factory.mktemp('knn') / 'ds', num_classes=4, train=7, val=5, size=32)


def _engine_features(cfg, mode: str, seed: int = 0):
    data = build_data(cfg, quick=False, world_size=1)
    seed_everything(seed)
    model = build_model(cfg, data['num_classes'])
    loaders = [knn_loader(data[s], BATCH, mode, bank=s == 'train', seed=seed) for s in ('train', 'test')]
    got = knn_features(model, *loaders, mode, torch.device('cpu'), seed, len(data['train']), len(data['test']),
                       features_of, log_enabled=False)
    return model, data, got


def test_original_mode_equals_a_reimplementation_of_the_original(folder, tmp_path):
    cfg = _cfg(tmp_path, folder, 'original')
    model, data, (train_f, train_y, test_f, test_y, _) = _engine_features(cfg, 'original')
    assert any(m.drop_prob > 0 for m in model.modules() if type(m).__name__ == 'DropPath')
    ref = _original_extraction(model, data['train'], data['test'], seed=0)
    torch.testing.assert_close(train_f, ref[0], rtol=1e-5, atol=1e-6)
    assert torch.equal(train_y, ref[1]) and torch.equal(test_y, ref[3])
    torch.testing.assert_close(test_f, ref[2], rtol=1e-5, atol=1e-6)
    zero_rows = (train_f.abs().sum(1) == 0)
    assert zero_rows.sum() == len(data['train']) % BATCH and (train_y[zero_rows] == 0).all()


def test_original_mode_differs_from_eval_mode(folder, tmp_path):
    _, _, orig = _engine_features(_cfg(tmp_path, folder, 'original'), 'original')
    _, _, ev = _engine_features(_cfg(tmp_path, folder, 'eval'), 'eval')
    assert (ev[0].abs().sum(1) > 0).all(), 'the eval bank is complete'
    assert not torch.allclose(orig[2], ev[2], atol=1e-3), 'train-mode test features differ from eval mode'
    again = _engine_features(_cfg(tmp_path, folder, 'original'), 'original')[2]
    assert all(torch.equal(a, b) for a, b in zip(orig[:4], again[:4])), 'the original mode is seeded'
    assert 0 <= knn_classify(*orig[:4], [5], 4)[5] <= 100


def test_run_records_the_mode_and_refuses_a_bank_smaller_than_a_batch(folder, tmp_path):
    out = run(_cfg(tmp_path / 'a', folder, 'original'))
    assert out['knn_features'] == 'original'
    assert json.loads((tmp_path / 'a' / 'results.json').read_text())['config']['KNN_FEATURES'] == 'original'
    args = ['--debug', '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override'] + tiny_overrides(
        tmp_path / 'b', DATA_DIR=folder, BATCH_SIZE=64, KNN_FEATURES='original')
    res = run_cli(args)
    assert res.returncode == 2 and 'KNN_FEATURES=original' in res.stderr and 'BATCH_SIZE' in res.stderr
    bad = run_cli(['--debug', '--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override', 'KNN_FEATURES', 'train'])
    assert bad.returncode == 2 and "'train'" in bad.stderr and 'eval, original' in bad.stderr
