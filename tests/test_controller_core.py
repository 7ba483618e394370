"""Controller: settings codec, noise, loss forms, exact fast training, synthetic reward tables, I/O errors."""
from __future__ import annotations

import json
import math

import pytest
import torch

from common.errors import UserError
from controller.config import ControllerConfig
from controller.evaluate import hamming_avg
from controller.model import ControllerModel, set_input_norm
from controller.policy import SettingCodec, add_exploration_noise, exploration_eps, sample_choices
from controller.reward_db import reward_table
from controller.task_db import load_task_db, save_task_db, task_vectors
from controller.train import _pairwise_neg_log_probs, train_controller_model
from generator.generator_params import GRID_FIELDS, grid_params
from tests.controller_toys import GRID, toy_tasks


pytestmark = pytest.mark.usefixtures('one_torch_thread')



def test_config_defaults_are_the_original_and_bad_values_are_named():
    cfg = ControllerConfig()
    assert (cfg.SEED, cfg.NUM_EPOCHS, cfg.BATCH_SIZE, cfg.LR, cfg.LR_DECAY_GAMMA, cfg.LR_DECAY_EPOCH) == \
        (2, 1000, 4, 0.001, 0.1, 500)
    assert (cfg.WD, cfg.EXPL_NOISE, cfg.NOISE_RED_EPOCH, cfg.WARMUP_EPOCHS) == (1e-5, 0.4, 5, 50)
    assert (cfg.NUM_REPLAY_STEPS, cfg.IMITATION_START_EPOCH, cfg.NUM_HIDDEN_NODES) == (5, 50, 400)
    assert cfg.CROSS_TASK_LOSS is True and cfg.CKPT_SAVE_INTERVAL is None and len(cfg.TRAIN_TASKS) == 12
    assert ControllerConfig('configs/controller_original.yaml') == ControllerConfig('', ['SAVE_DIR', 'expts/controller_original'])
    with pytest.raises(UserError, match='INPUT_NORM'):
        ControllerConfig('', ['INPUT_NORM', 'zscore'])
    with pytest.raises(UserError, match='LERNING_RATE'):
        ControllerConfig('', ['LERNING_RATE', 0.1])
    with pytest.raises(UserError, match='CONT_OUT_PARAMS'):
        ControllerConfig('', ['CONT_OUT_PARAMS', ['pose_cam']])


def test_codec_matches_the_paper_grid():
    codec = SettingCodec(sorted(GRID_FIELDS))
    for i in (0, 1, 37, 128, 200, 255):
        choices = codec.to_choices(torch.tensor([i]))
        assert int(codec.to_index(choices)) == i
        assert codec.to_tuple_strs(choices) == [grid_params(i).get_tuple_str()]
        assert torch.equal(codec.tuple_str_to_choices(grid_params(i).get_tuple_str()), choices[0])
    # head order is sorted: backgr first, materials option 1 -> materials 3
    c = torch.zeros(1, 8, dtype=torch.long)
    c[0, codec.head_names.index('materials')] = 1
    assert codec.to_tuple_strs(c) == ['0_0_0_0_0_3_0_0_0']
    # a subset of heads keeps the other fields at their defaults (materials 1)
    sub = SettingCodec(['pose_rot'])
    assert sub.to_tuple_strs(torch.tensor([[1]])) == ['0_0_0_0_0_1_0_1_0']


def test_exploration_noise_schedule_and_shift():
    assert exploration_eps(0.4, 0, 5) == pytest.approx(0.4)
    assert exploration_eps(0.4, 4, 5) == pytest.approx(0.4)
    assert exploration_eps(0.4, 5, 5) == pytest.approx(0.2)
    assert exploration_eps(0.4, 999, 5) == pytest.approx(0.002)
    p = torch.tensor([[[0.9, 0.1], [0.3, 0.7]]], requires_grad=True)
    q = add_exploration_noise(p, 0.25)
    assert torch.allclose(q, torch.tensor([[[0.65, 0.35], [0.55, 0.45]]]))
    q.sum().backward()  # gradients still reach the head outputs
    assert torch.equal(p.grad, torch.ones_like(p))
    g = torch.Generator().manual_seed(0)
    s = sample_choices(torch.tensor([[[0.0, 1.0], [1.0, 0.0]]]).expand(50, 2, 2), g)
    assert s[:, 0].eq(1).all() and s[:, 1].eq(0).all()


def test_original_cross_task_loss_indexing():
    """The original indexes probs[:, choices] -> (B, B): task i is scored on task j's choice."""
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(3, 4, 2), -1)
    choices = torch.randint(0, 2, (3, 4))
    nlp = _pairwise_neg_log_probs(probs.log(), choices)
    for i in range(3):
        for j in range(3):
            want = -sum(math.log(probs[i, h, choices[j, h]]) for h in range(4))
            assert nlp[i, j].item() == pytest.approx(want, rel=1e-5)


def _toy_setup(n=6, dim=24):
    task_db, reward_db, best = toy_tasks(n, dim)
    names = list(task_db)
    return task_vectors(task_db, names), reward_table(reward_db, names), names, best


@pytest.mark.parametrize('cross', [False, True])
def test_fast_subspace_training_equals_dense_training(cross):
    x, rewards, _, _ = _toy_setup()
    cfg = ControllerConfig('', ['USE_PBAR', False, 'NUM_EPOCHS', 12, 'IMITATION_START_EPOCH', 4, 'WARMUP_EPOCHS', 3,
                                'LR_DECAY_EPOCH', 8, 'LR', 0.05, 'WD', 0.01, 'CROSS_TASK_LOSS', cross,
                                'NUM_HIDDEN_NODES', 32])
    models = []
    for fast in (True, False):
        c = cfg.clone()
        c.defrost()
        c.FAST_SUBSPACE = fast
        m = ControllerModel(x.shape[1], 32, c.CONT_OUT_PARAMS).reset_parameters(torch.Generator().manual_seed(3))
        train_controller_model(m, c, x, rewards, seed=5)
        models.append(m)
    test_vec = torch.rand(2, x.shape[1]) + 1.0  # off the training span: the rescaled residual matters
    for k, v in models[0].state_dict().items():
        assert torch.allclose(v, models[1].state_dict()[k], atol=2e-5, rtol=1e-4), k
    assert torch.allclose(models[0](test_vec), models[1](test_vec), atol=1e-5)


def test_training_finds_the_best_setting_of_each_task():
    x, rewards, names, best = _toy_setup()
    cfg = ControllerConfig('configs/controller_default.yaml',
                           ['USE_PBAR', False, 'TRAIN_TASKS', names, 'TEST_TASKS', []])
    m = ControllerModel(x.shape[1], cfg.NUM_HIDDEN_NODES, cfg.CONT_OUT_PARAMS)
    m.reset_parameters(torch.Generator().manual_seed(0))
    set_input_norm(m, cfg.INPUT_NORM, x)
    hist = train_controller_model(m, cfg, x, rewards, seed=0)
    with torch.no_grad():
        pred = SettingCodec(m.head_names).to_index(m(x).argmax(-1)).tolist()
    assert len(set(best.values())) > 3  # the answer really depends on the task
    assert pred == [best[t] for t in names]
    assert hist.greedy_reward[-1] == pytest.approx(41.0)
    assert len(hist.loss) == 1000 and hist.lr[0] == pytest.approx(1e-6)
    # the original's timm 0.4.12 StepLRScheduler counts the decay from epoch 0 (no warm-up prefix):
    # step(500) at the end of epoch 500 drops the LR x0.1, so epoch 501 is the first at 1e-4
    assert hist.lr[51] == pytest.approx(1e-3) and hist.lr[500] == pytest.approx(1e-3)
    assert hist.lr[501] == pytest.approx(1e-4) and hist.lr[-1] == pytest.approx(1e-4)


def test_training_is_deterministic_for_a_seed():
    x, rewards, _, _ = _toy_setup()
    cfg = ControllerConfig('', ['USE_PBAR', False, 'NUM_EPOCHS', 60, 'NUM_HIDDEN_NODES', 32])
    outs = []
    for _ in range(2):
        m = ControllerModel(x.shape[1], 32, cfg.CONT_OUT_PARAMS).reset_parameters(torch.Generator().manual_seed(1))
        h = train_controller_model(m, cfg, x, rewards, seed=4)
        outs.append((m(x), h.sampled_reward))
    assert torch.equal(outs[0][0], outs[1][0]) and outs[0][1] == outs[1][1]


def test_task_and_reward_db_errors_name_the_task(tmp_path):
    task_db, reward_db, _ = toy_tasks(3, 8)
    path = save_task_db(tmp_path / 't.pt', task_db)
    db = load_task_db(path)
    assert set(db) == set(task_db) and db['task0']['hessian'].shape == (8,)
    with pytest.raises(UserError, match="'Nope'"):
        task_vectors(db, ['task0', 'Nope'])
    with pytest.raises(UserError, match="'Nope'"):
        reward_table(reward_db, ['task1', 'Nope'])
    del reward_db['task2'][GRID[17]]
    with pytest.raises(UserError, match="task2.*" + GRID[17]):
        reward_table(reward_db, ['task2'])
    with pytest.raises(UserError, match='does not exist'):
        load_task_db(tmp_path / 'missing.pt')
    bad = tmp_path / 'pickled.pt'
    torch.save({'task': {'hessian': torch.ones(3), 'obj': object()}}, bad)  # not loadable with weights_only
    with pytest.raises(UserError, match='tensors-only'):
        load_task_db(bad)
    (tmp_path / 'r.json').write_text(json.dumps({'a': 1}))


def test_hamming_matches_the_original_definition():
    assert hamming_avg(['0_0_0_0_0_1_0_0_0', '1_0_0_0_0_3_0_0_0']) == 2.0
    assert hamming_avg(['0_0_0_0_0_1_0_0_0'] * 3) == 0.0


@pytest.mark.parametrize('extra', [['OPTIM', 'adam', 'LR', 1e-3], ['ADV_NORM', True], ['INPUT_NORM', 'standardize'],
                                   ['INPUT_NORM', 'center', 'EXPL_NOISE', 0.0]])
def test_optional_training_variants_run_and_improve(extra):
    x, rewards, _, _ = _toy_setup()
    cfg = ControllerConfig('', ['USE_PBAR', False, 'NUM_EPOCHS', 80, 'NUM_HIDDEN_NODES', 32, 'CROSS_TASK_LOSS', False,
                                'WARMUP_EPOCHS', 5] + extra)
    m = ControllerModel(x.shape[1], 32, cfg.CONT_OUT_PARAMS).reset_parameters(torch.Generator().manual_seed(0))
    set_input_norm(m, cfg.INPUT_NORM, x)
    if cfg.INPUT_NORM != 'l2':
        assert m.in_shift.abs().sum() > 0 and 'in_shift' in m.state_dict()
    hist = train_controller_model(m, cfg, x, rewards, seed=0)
    assert all(math.isfinite(v) for v in hist.loss)
    assert max(hist.greedy_reward[-10:]) > hist.greedy_reward[0]
