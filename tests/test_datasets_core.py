"""Registry, ImageFolder with index, the seeded split, the SPLIT_FRAC carve-out and the transforms."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from common.errors import UserError
from datasets import build_dataset, get_num_classes, list_datasets
from datasets.folder import build_image_folder
from datasets.registry import resolve_data_path
from datasets.split import carve_train_val, seeded_class_split
from datasets.transforms import build_eval_transform, build_train_transform

REPO = Path(__file__).resolve().parents[1]


def test_import_resolves_to_this_repository():
    import datasets
    assert Path(datasets.__file__).resolve().parent == REPO / 'datasets'
    find = 'import importlib.util; print(importlib.util.find_spec("datasets").origin)'
    out = subprocess.run([sys.executable, '-c', find], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert Path(out).resolve().parent == REPO / 'datasets'


# ------------------------------------------------------------------ seeded per-class split

def _oracle_split(targets, fraction=0.7):
    """DATASETS.md 1.3 written out literally: insertion-ordered dict, one RandomState(0), list shuffles."""
    by_label = {}
    for i, t in enumerate(targets):
        by_label.setdefault(t, []).append(i)
    rng = np.random.RandomState(0)
    train, test = [], []
    for idxs in by_label.values():
        rng.shuffle(idxs)
        train += idxs[:int(fraction * len(idxs))]
        test += idxs[int(fraction * len(idxs)):]
    return train, test


def test_seeded_split_700_gives_489():
    train, test = seeded_class_split([0] * 700)
    assert len(train) == 489 and len(test) == 211


def test_seeded_split_matches_the_spec_rule_with_first_appearance_order():
    rng = np.random.default_rng(3)
    targets = rng.permutation(np.repeat([4, 0, 2, 1, 3], [13, 7, 20, 3, 10])).tolist()
    train, test = seeded_class_split(targets)
    o_train, o_test = _oracle_split(targets)
    assert train.tolist() == o_train and test.tolist() == o_test
    first = list(dict.fromkeys(targets))
    assert [targets[i] for i in train] == sorted((targets[i] for i in train), key=first.index)  # grouped
    assert sorted(train.tolist() + test.tolist()) == list(range(len(targets)))
    # independent of the run: a second call gives the same split
    assert seeded_class_split(targets)[0].tolist() == train.tolist()


def test_numpy_shuffle_of_list_and_array_agree():
    a, b = list(range(50)), np.arange(50)
    np.random.RandomState(0).shuffle(a)
    np.random.RandomState(0).shuffle(b)
    assert a == b.tolist()


# ------------------------------------------------------------------ SPLIT_FRAC carve-out

def _folder(root: Path, sizes: dict[str, int], ext: str = '.png') -> Path:
    for c, (cls, n) in enumerate(sizes.items()):
        (root / cls).mkdir(parents=True, exist_ok=True)
        for k in range(n):
            Image.new('RGB', (8, 8), (20 * c, k, 0)).save(root / cls / f'{k:03d}{ext}')
    return root


def test_carve_train_val_global_permutation_and_renumbered_positions(tmp_path):
    ds = build_image_folder(_folder(tmp_path / 'f', {'a': 9, 'b': 8}), with_index=True)
    train, val = carve_train_val(ds, 0.8)
    order = list(range(17))
    np.random.RandomState(0).shuffle(order)
    assert len(train) == int(17 * 0.8) == 13 and len(val) == 4
    assert train.indices.tolist() == order[:13] and val.indices.tolist() == order[13:]
    assert [train[j][2] for j in range(len(train))] == list(range(13))
    assert val.targets.tolist() == ds.targets[order[13:]].tolist() and val.num_classes == 2
    plain_train, _ = carve_train_val(build_image_folder(tmp_path / 'f'), 0.8)
    assert len(plain_train[0]) == 2
    with pytest.raises(UserError, match='SPLIT_FRAC'):
        carve_train_val(ds, 1.5)


def test_data_dir_split_is_the_originals_per_class_permutation_with_seed_44(tmp_path):
    ds = build_image_folder(_folder(tmp_path / 'f', {'a': 9, 'b': 8, 'c': 5}), with_index=True)
    train, val = carve_train_val(ds, 0.6, per_class=True)
    # the original's procedure, written out with its global RNG (data/prep_datasets.py)
    state = np.random.get_state()
    np.random.seed(44)
    targets, want_train, want_val = np.asarray(ds.targets), [], []
    for cl in range(3):
        perm = np.random.permutation(np.arange(len(targets))[targets == cl])
        want_train.append(perm[:int(0.6 * len(perm))])
        want_val.append(perm[int(0.6 * len(perm)):])
    np.random.set_state(state)
    assert train.indices.tolist() == np.concatenate(want_train).tolist()
    assert val.indices.tolist() == np.concatenate(want_val).tolist()
    assert np.bincount(train.targets).tolist() == [5, 4, 3]       # int(0.6 * n) per class
    assert train.indices.tolist() != carve_train_val(ds, 0.6)[0].indices.tolist()   # not the global rule


def test_carve_train_val_on_a_plain_torch_dataset():
    data = torch.utils.data.TensorDataset(torch.arange(10), torch.arange(10), torch.arange(10))
    train, val = carve_train_val(data, 0.5)
    assert [int(train[j][2]) for j in range(5)] == list(range(5))
    assert sorted([int(train[j][0]) for j in range(5)] + [int(val[j][0]) for j in range(5)]) == list(range(10))
    assert train.targets is None and len(val) == 5


# ------------------------------------------------------------------ ImageFolder with index

def test_image_folder_order_labels_and_items(tmp_path):
    root = _folder(tmp_path / 'f', {'cat': 3, 'ant': 2})
    (root / 'ant' / 'sub').mkdir()
    Image.new('RGB', (8, 8), (0, 99, 0)).save(root / 'ant' / 'sub' / '000.png')
    (root / 'ant' / 'notes.txt').write_text('not an image')
    (root / '.ipynb_checkpoints').mkdir()
    ds = build_image_folder(root, build_eval_transform(16), with_index=True)
    assert ds.classes == ['ant', 'cat'] and ds.targets.tolist() == [0, 0, 0, 1, 1, 1]
    assert [Path(p).relative_to(root).as_posix() for p in ds.source.paths[:3]] == \
        ['ant/000.png', 'ant/001.png', 'ant/sub/000.png']
    img, label, i = ds[4]
    assert img.shape == (3, 16, 16) and label == 1 and i == 4
    assert len(build_image_folder(root)[0]) == 2


def test_image_folder_errors_name_the_problem(tmp_path):
    with pytest.raises(UserError, match='nowhere'):
        build_image_folder(tmp_path / 'nowhere')
    root = _folder(tmp_path / 'f', {'a': 2})
    (root / 'empty').mkdir()
    with pytest.raises(UserError, match=r'f/empty holds no image'):
        build_image_folder(root)
    (root / 'empty' / 'bad.jpg').write_bytes(b'this is not a jpeg')
    ds = build_image_folder(root)
    with pytest.raises(UserError, match='bad.jpg'):
        ds[2]
    for workers in (0, 1):  # raised through a DataLoader, also from a worker process
        batches = iter(torch.utils.data.DataLoader(ds, batch_size=3, num_workers=workers, collate_fn=lambda b: b))
        with pytest.raises(UserError, match='bad.jpg') as caught:
            next(batches)
        del caught, batches  # shuts the worker down now (a lingering iterator waits 5 s when collected)


def test_truncated_jpeg_still_loads(tmp_path):
    root = tmp_path / 'f' / 'a'
    root.mkdir(parents=True)
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / 'x.jpg', quality=90)  # big scan data: the cut lands inside it
    data = (root / 'x.jpg').read_bytes()
    (root / 'x.jpg').write_bytes(data[:len(data) * 2 // 3])
    assert build_image_folder(tmp_path / 'f')[0][0].size == (64, 64)


# ------------------------------------------------------------------ registry

def test_registry_lists_yaml_names_and_classes():
    names = list_datasets()
    assert names[:20] == ['CropDisease', 'EuroSAT', 'SVHN', 'ChestX', 'Sketch', 'DTD', 'Flowers102', 'DeepWeeds',
                          'Resisc45', 'Omniglot', 'ISIC', 'Kaokore', 'CUB', 'PacsC', 'PacsS', 'AID', 'USPS',
                          'FMD', 'CactusAerial', 'ChestXPneumonia']
    assert get_num_classes('Omniglot') == 1623 and get_num_classes('Sketch') == 1000
    assert get_num_classes('CropDisease-EuroSAT') == 48
    cfg = yaml.safe_load((REPO / 'configs' / 'datasets.yaml').read_text())
    for name in names[:20]:
        assert cfg[name]['data_path'].startswith('/path/to/downstream/data/')


def test_unknown_name_and_split_are_user_errors():
    with pytest.raises(UserError, match=r"unknown dataset 'ImageNet'.*EuroSAT"):
        build_dataset('ImageNet', 'train')
    with pytest.raises(UserError, match=r"unknown dataset 'Nope'"):
        get_num_classes('Digits-Nope')
    with pytest.raises(UserError, match="split 'val'.*train, test"):
        build_dataset('Digits', 'val')


def test_data_root_replaces_only_the_placeholder(monkeypatch, tmp_path):
    monkeypatch.setenv('TASK2SIM_DATA_ROOT', '/env/root')
    assert resolve_data_path('/path/to/downstream/data/dtd/') == Path('/env/root/dtd')
    assert resolve_data_path('/path/to/downstream/data/dtd/', tmp_path) == tmp_path / 'dtd'
    assert resolve_data_path('/my/own/EuroSAT') == Path('/my/own/EuroSAT')
    monkeypatch.delenv('TASK2SIM_DATA_ROOT')
    assert resolve_data_path('/path/to/downstream/data/AID') == Path('/path/to/downstream/data/AID')


def test_user_entries_with_generic_loaders(tmp_path):
    _folder(tmp_path / 'mine', {'x': 10, 'y': 10})
    _folder(tmp_path / 'tt' / 'train', {'x': 3, 'y': 2})
    _folder(tmp_path / 'tt' / 'test', {'x': 1, 'y': 1})
    cfg = tmp_path / 'ds.yaml'
    cfg.write_text(yaml.safe_dump({
        'Mine': {'data_path': str(tmp_path / 'mine'), 'num_class': 2, 'loader': 'folder_seeded'},
        'Tt': {'data_path': str(tmp_path / 'tt'), 'num_class': 2, 'loader': 'folder_train_test'},
        'Nameless': {'data_path': str(tmp_path / 'mine'), 'num_class': 2},
        'Bad': {'data_path': str(tmp_path / 'mine'), 'num_class': 1, 'loader': 'folder_seeded'}}))
    assert len(build_dataset('Mine', 'train', config_path=cfg)) == 14
    assert len(build_dataset('Tt', 'test', config_path=cfg)) == 2
    with pytest.raises(UserError, match='loader: folder_seeded'):
        build_dataset('Nameless', 'train', config_path=cfg)
    with pytest.raises(UserError, match='num_class is 1'):
        build_dataset('Bad', 'train', config_path=cfg)
    cfg.write_text(yaml.safe_dump({'Broken': {'data_path': 'x'}}))
    with pytest.raises(UserError, match='Broken.*num_class'):
        list_datasets(cfg)


# ------------------------------------------------------------------ transforms

def test_eval_transform_resize_crop_normalize():
    img = Image.new('RGB', (100, 50), (124, 116, 104))  # ~ ImageNet mean
    out = build_eval_transform(32)(img)
    assert out.shape == (3, 32, 32) and out.abs().max() < 0.05
    t = build_eval_transform()
    assert t.transforms[0].size == 256 and t.transforms[1].size == (224, 224)


def test_train_transform_is_timm_with_the_given_knobs():
    t = build_train_transform(48, color_jitter=0.0, auto_augment='', interpolation='bilinear')
    names = [type(x).__name__ for x in t.transforms]
    assert names[0] == 'RandomResizedCropAndInterpolation' and 'RandAugment' not in names
    assert t(Image.new('RGB', (64, 64))).shape == (3, 48, 48)
    assert 'RandAugment' in [type(x).__name__ for x in build_train_transform(48).transforms]
