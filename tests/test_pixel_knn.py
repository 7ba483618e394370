"""bench/pixel_knn.py: the raw-pixel 5-NN reference of the reward table's tasks."""
from __future__ import annotations

import pytest
import torch

from bench.pixel_knn import knn_vote, main
from common.errors import UserError


def test_knn_vote_is_a_cosine_majority_vote():
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.8, 0.3], [0.0, 1.0], [0.1, 0.9]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    test = torch.tensor([[5.0, 0.2], [0.05, 3.0]])   # cosine ignores the norm
    assert knn_vote(train, labels, test, torch.tensor([0, 1]), k=3) == 100.0
    assert knn_vote(train, labels, test, torch.tensor([1, 1]), k=3) == 50.0
    assert knn_vote(train, labels, test, torch.tensor([0, 0]), k=5) == 100.0   # 3 of 5 neighbours are class 0


def test_lfw_faces_pixels_beat_chance_and_errors_are_one_line():
    res = main(['--tasks', 'LFWFaces', '--size', '16'])
    assert set(res['LFWFaces']) == {'pixels', 'grey, mean-centred', 'mean colour',
                                    'random-init ResNet-18: mean pairwise cosine'}
    assert 0.0 < res['LFWFaces']['random-init ResNet-18: mean pairwise cosine'] <= 1.0 + 1e-6
    assert 70.0 < res['LFWFaces']['grey, mean-centred'] <= 100.0
    with pytest.raises(UserError, match='nope'):
        main(['--tasks', 'nope'])
