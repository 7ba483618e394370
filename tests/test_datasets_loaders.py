"""The 20 downstream loaders on miniature fake copies of their real on-disk layouts."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from common.errors import UserError
from datasets import build_dataset, get_num_classes
from datasets.catalog import CATALOG
from datasets.prepare import write_cub_file_lists
from tests.datasets_fakes import FAKES, label_of, make_fake

TWENTY = ['CropDisease', 'EuroSAT', 'SVHN', 'ChestX', 'Sketch', 'DTD', 'Flowers102', 'DeepWeeds', 'Resisc45',
          'Omniglot', 'ISIC', 'Kaokore', 'CUB', 'PacsC', 'PacsS', 'AID', 'USPS', 'FMD', 'CactusAerial',
          'ChestXPneumonia']


def test_fakes_cover_the_twenty():
    assert sorted(FAKES) == sorted(TWENTY)
    assert all(n in CATALOG and not CATALOG[n].embedded for n in TWENTY)


@pytest.mark.parametrize('name', TWENTY)
def test_loader_labels_splits_and_item_forms(name, tmp_path):
    expect = make_fake(name, tmp_path)
    train = build_dataset(name, 'train', with_index=True, data_root=tmp_path)
    test = build_dataset(name, 'test', data_root=tmp_path)

    assert (len(train), len(test)) == (expect.train, expect.test)
    assert train.num_classes == test.num_classes == get_num_classes(name)
    assert CATALOG[name].seeded == expect.seeded
    assert train.targets.dtype == np.int64 and len(train.targets) == len(train)
    present = set(train.targets.tolist()) | set(test.targets.tolist())
    assert len(present) == expect.classes
    assert max(present) < train.num_classes

    for i in range(len(train)):  # kNN form: (img, label, position)
        img, label, pos = train[i]
        assert isinstance(img, Image.Image) and img.mode == 'RGB'
        assert pos == i and label == train.targets[i] and isinstance(label, int)
        assert label_of(img) == label, f'{train.describe(i)} parsed as {label}'
    for i in range(len(test)):  # training / test form: (img, label)
        item = test[i]
        assert len(item) == 2 and item[0].mode == 'RGB'
        assert label_of(item[0]) == item[1] == test.targets[i]

    if expect.seeded:  # one pool split in two: disjoint and complete
        assert not set(train.indices) & set(test.indices)
        assert sorted(set(train.indices) | set(test.indices)) == list(range(len(train.source)))


def test_resisc45_700_image_class_gives_489_train(tmp_path):
    make_fake('Resisc45', tmp_path)
    train = build_dataset('Resisc45', 'train', data_root=tmp_path)
    assert int(np.sum(train.targets == 0)) == 489 == int(0.7 * 700)
    assert int(np.sum(build_dataset('Resisc45', 'test', data_root=tmp_path).targets == 0)) == 211


def test_pacs_is_reversed_from_bgr(tmp_path):
    make_fake('PacsC', tmp_path)
    img, label = build_dataset('PacsC', 'test', data_root=tmp_path)[1]
    assert label == 6 and np.asarray(img)[0, 0].tolist() == [130, 0, 255]


def test_flowers_prefers_splits_mat_and_accepts_setid(tmp_path):
    import scipy.io
    make_fake('Flowers102', tmp_path)  # writes only the official setid.mat
    base = tmp_path / '102flowers'
    scipy.io.savemat(base / 'splits.mat', {'trnid': np.array([[1]]), 'valid': np.array([[2]]),
                                            'tstid': np.array([[3, 4, 5, 6, 7, 8, 9, 10]])})
    assert len(build_dataset('Flowers102', 'train', data_root=tmp_path)) == 2


def test_cub_file_lists_written_then_read(tmp_path):
    make_fake('CUB', tmp_path)
    base = tmp_path / 'CUB_data' / 'CUB_200_2011'
    before = build_dataset('CUB', 'train', data_root=tmp_path)
    assert write_cub_file_lists(base) == {'train': 9, 'test': 3}
    first = (base / 'train_filelist.txt').read_text().splitlines()[0]
    assert first == '001.Black_footed_Albatross/Black_footed_Albatross_0000_1.jpg 0'
    (base / 'images.txt').unlink()  # now only the file lists are read
    after = build_dataset('CUB', 'train', data_root=tmp_path)
    assert after.source.paths == before.source.paths and after.targets.tolist() == before.targets.tolist()


def test_concatenation_shifts_labels(tmp_path):
    make_fake('FMD', tmp_path)
    make_fake('DTD', tmp_path)
    fmd = build_dataset('FMD', 'train', data_root=tmp_path)
    dtd = build_dataset('DTD', 'train', data_root=tmp_path)
    both = build_dataset('FMD-DTD', 'train', with_index=True, data_root=tmp_path)
    assert both.num_classes == get_num_classes('FMD-DTD') == 10 + 47
    assert len(both) == len(fmd) + len(dtd)
    assert both.targets.tolist() == fmd.targets.tolist() + (dtd.targets + 10).tolist()
    img, label, pos = both[len(fmd)]
    assert pos == len(fmd) and label == dtd.targets[0] + 10 and label_of(img) == dtd.targets[0]


def test_missing_dataset_names_dataset_path_and_source(tmp_path):
    with pytest.raises(UserError) as e:
        build_dataset('DTD', 'train', data_root=tmp_path)
    msg = str(e.value)
    assert 'DTD' in msg and str(tmp_path / 'dtd') in msg and 'robots.ox.ac.uk' in msg and '\n' not in msg


def test_missing_placeholder_path_mentions_the_env_var(monkeypatch):
    monkeypatch.delenv('TASK2SIM_DATA_ROOT', raising=False)
    with pytest.raises(UserError, match='TASK2SIM_DATA_ROOT'):
        build_dataset('ISIC', 'test')


def test_data_root_from_environment(tmp_path, monkeypatch):
    make_fake('USPS', tmp_path)
    monkeypatch.setenv('TASK2SIM_DATA_ROOT', str(tmp_path))
    assert len(build_dataset('USPS', 'train')) == 6


def test_fmd_with_image_and_mask_folders_is_flagged(tmp_path):
    make_fake('FMD', tmp_path / 'x')
    (tmp_path / 'FMD').mkdir()
    (tmp_path / 'x' / 'FMD').rename(tmp_path / 'FMD' / 'image')
    (tmp_path / 'FMD' / 'mask' / 'fabric').mkdir(parents=True)
    with pytest.raises(UserError, match='FMD/image'):
        build_dataset('FMD', 'train', data_root=tmp_path)


def test_knn_batches_through_a_dataloader(tmp_path):
    from datasets.transforms import build_eval_transform
    make_fake('Kaokore', tmp_path)
    ds = build_dataset('Kaokore', 'train', build_eval_transform(32), with_index=True, data_root=tmp_path)
    images, labels, index = next(iter(torch.utils.data.DataLoader(ds, batch_size=4, num_workers=0)))
    assert images.shape == (4, 3, 32, 32) and index.tolist() == [0, 1, 2, 3]
    assert labels.tolist() == ds.targets[:4].tolist()


def test_hdf5_source_survives_pickling_for_workers(tmp_path):
    import pickle
    make_fake('PacsS', tmp_path)
    ds = build_dataset('PacsS', 'train', data_root=tmp_path)
    ds[0]  # opens the file in this process
    clone = pickle.loads(pickle.dumps(ds))
    assert clone[3][1] == ds[3][1] == 3


def test_hdf5_and_errors_through_worker_processes(tmp_path):
    make_fake('PacsS', tmp_path)
    ds = build_dataset('PacsS', 'train', with_index=True, data_root=tmp_path)
    ds[0]  # the parent opens the file before the workers fork
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, collate_fn=lambda b: b)
    items = [item for batch in loader for item in batch]
    assert [(label_of(img), label, i) for img, label, i in items] == [(t, t, i) for i, t in enumerate(ds.targets)]
