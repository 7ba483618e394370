"""Embedded real tasks: load with no network, stated sizes and classes, RGB, splits stable across runs."""
from __future__ import annotations

import socket

import numpy as np
import pytest
from PIL import Image

from datasets import build_dataset, get_num_classes, list_datasets
from datasets.catalog import CATALOG

# name: (total images, classes, image size)
EMBEDDED = {
    'Digits': (1797, 10, (8, 8)), 'Digits0to4': (901, 5, (8, 8)), 'Digits5to9': (896, 5, (8, 8)),
    'MNIST': (5000, 10, (28, 28)), 'MNIST0to4': (2500, 5, (28, 28)), 'MNIST5to9': (2500, 5, (28, 28)),
    'LFWFaces': (200, 2, (25, 25)), 'Textures': (768, 3, (32, 32)),
}

# Fingerprints of the seeded split (first train indices, sum of test indices): a change here means
# every reward computed on these tasks so far is no longer comparable.
FINGERPRINTS = {
    'Digits': ([536, 1516, 617, 546, 1235, 1212], 505799),
    'MNIST': ([90, 254, 283, 445, 461, 15], 3749862),
    'LFWFaces': ([26, 86, 2, 55, 75, 93], 6026),
    'Textures': ([158, 83, 170, 101, 150, 200], 88333),
    'Digits5to9': ([467, 84, 162, 486, 889, 826], 121396),
}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError('network access attempted by an embedded dataset')
    monkeypatch.setattr(socket, 'socket', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)


def test_at_least_eight_embedded_tasks_are_registered():
    names = [n for n in list_datasets() if CATALOG[n].embedded]
    assert sorted(names) == sorted(EMBEDDED) and len(names) >= 8


@pytest.mark.parametrize('name', list(EMBEDDED))
def test_embedded_task_sizes_classes_and_items(name, no_network):
    total, classes, size = EMBEDDED[name]
    train = build_dataset(name, 'train', with_index=True)
    test = build_dataset(name, 'test')
    assert len(train) + len(test) == total
    assert (len(train), len(test)) == (CATALOG[name].train, CATALOG[name].test)
    counts = np.bincount(np.concatenate([train.targets, test.targets]), minlength=classes)
    assert len(counts) == classes == train.num_classes == get_num_classes(name)
    assert (np.bincount(train.targets, minlength=classes) == [int(0.7 * n) for n in counts]).all()
    assert not set(train.indices) & set(test.indices)
    img, label, i = train[len(train) - 1]
    assert isinstance(img, Image.Image) and img.mode == 'RGB' and img.size == size
    assert i == len(train) - 1 and label == train.targets[-1]
    assert np.asarray(img).std() > 0  # real pixels, not blank
    assert len(test[0]) == 2


@pytest.mark.parametrize('name', list(FINGERPRINTS))
def test_embedded_split_is_stable(name):
    first, test_sum = FINGERPRINTS[name]
    assert build_dataset(name, 'train').indices[:6].tolist() == first
    assert int(build_dataset(name, 'test').indices.sum()) == test_sum


def test_subsets_are_the_matching_classes_of_the_full_task():
    full = build_dataset('MNIST', 'train')
    high = build_dataset('MNIST5to9', 'train')
    img_full = np.asarray(full.source.images)[full.source.targets == 7]
    img_high = np.asarray(high.source.images)[high.source.targets == 2]
    assert np.array_equal(img_full, img_high)


def test_faces_and_textures_have_the_expected_content():
    faces = build_dataset('LFWFaces', 'train')
    assert faces.classes == ['face', 'non-face']
    tex = build_dataset('Textures', 'test')
    assert tex.classes == ['brick', 'grass', 'gravel']
    # crops of different photos differ in their statistics (a learnable task)
    means = [np.mean([np.asarray(tex[i][0]).mean() for i in np.flatnonzero(tex.targets == c)]) for c in range(3)]
    assert max(means) - min(means) > 5
