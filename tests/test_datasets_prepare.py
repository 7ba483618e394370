"""Preparation helpers: Kaggle ChestX flattening, RESISC45 folders, CropDisease split, CUB lists."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.errors import UserError
from datasets import build_dataset
from datasets.prepare import chestx_from_kaggle, cropdisease_split, main, resisc45_from_flat
from tests.datasets_fakes import label_of, make_fake, save_image

REPO = Path(__file__).resolve().parents[1]


def test_chestx_kaggle_layout_is_flattened_and_loads(tmp_path):
    make_fake('ChestX', tmp_path / 'ref')
    ref = tmp_path / 'ref' / 'chest_xray'
    kaggle = tmp_path / 'kaggle'
    pngs = sorted((ref / 'images_resized').iterdir())
    for k, png in enumerate(pngs):  # spread over images_001/images, images_002/images like the Kaggle release
        out = kaggle / f'images_{k % 2 + 1:03d}' / 'images' / png.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(png.read_bytes())
    (kaggle / 'Data_Entry_2017.csv').write_bytes((ref / 'Data_Entry_2017.csv').read_bytes())
    assert chestx_from_kaggle(kaggle, tmp_path / 'data' / 'chest_xray') == len(pngs)
    got = build_dataset('ChestX', 'train', data_root=tmp_path / 'data')
    want = build_dataset('ChestX', 'train', data_root=tmp_path / 'ref')
    assert got.targets.tolist() == want.targets.tolist()
    assert [Path(p).name for p in got.source.paths] == [Path(p).name for p in want.source.paths]
    with pytest.raises(UserError, match='already exists'):
        chestx_from_kaggle(kaggle, tmp_path / 'data' / 'chest_xray')


def test_resisc45_flat_files_get_class_folders(tmp_path):
    for cls, label in (('airplane', 0), ('baseball_diamond', 1)):
        for k in range(1, 4):
            save_image(tmp_path / 'flat' / f'{cls}_{k:03d}.jpg', label)
    assert resisc45_from_flat(tmp_path / 'flat', tmp_path / 'data' / 'Resisc45') == 6
    assert sorted(p.name for p in (tmp_path / 'data' / 'Resisc45').iterdir()) == ['airplane', 'baseball_diamond']
    ds = build_dataset('Resisc45', 'test', data_root=tmp_path / 'data')
    assert all(label_of(img) == label for img, label in ds)


def test_cropdisease_split_from_raw_plantvillage(tmp_path):
    for label, cls in enumerate(['Apple___Apple_scab', 'Tomato___healthy']):
        for k in range(10):
            save_image(tmp_path / 'raw' / cls / f'{k:03d}.JPG', label)
    assert cropdisease_split(tmp_path / 'raw', tmp_path / 'data' / 'CropDiseases', copy=True) == \
        {'train': 16, 'test': 4}
    train = build_dataset('CropDisease', 'train', data_root=tmp_path / 'data')
    test = build_dataset('CropDisease', 'test', data_root=tmp_path / 'data')
    assert (len(train), len(test)) == (16, 4)
    assert not {Path(p).name + str(t) for p, t in zip(train.source.paths, train.targets)} & \
        {Path(p).name + str(t) for p, t in zip(test.source.paths, test.targets)}
    assert not list((tmp_path / 'data').glob('.*partial'))


def test_cub_command_and_bad_input(tmp_path, capsys):
    make_fake('CUB', tmp_path)
    main(['cub', str(tmp_path / 'CUB_data' / 'CUB_200_2011')])
    assert '(9) and test_filelist.txt (3)' in capsys.readouterr().out
    proc = subprocess.run([sys.executable, '-m', 'datasets.prepare', 'resisc45', str(tmp_path / 'nope'),
                           str(tmp_path / 'out')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip() == f'error: folder not found: {tmp_path / "nope"}'
