"""Controller on the paper's released task DB and reward table (skipped when the reference folder is absent)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from controller.evaluate import baselines
from controller.reward_db import load_reward_db, reward_table
from controller.task_db import load_task_db, task_vectors
from controller.config import SEEN_TASKS, UNSEEN_TASKS

REF = Path(__file__).resolve().parents[1].parent / 'shared' / 'reference' / 'task2sim_paper'
pytestmark = [pytest.mark.skipif(not (REF / 'reward_db_seen.json').is_file(),
                                 reason=f'reference data of the paper not found at {REF}'),
              pytest.mark.usefixtures('one_torch_thread')]


@pytest.fixture(scope='module')
def paper():
    db = load_task_db([REF / 'resnet18_imagenet_12_seen_tasks.pt', REF / 'resnet18_imagenet_8_unseen_tasks.pt'])
    rewards = load_reward_db(REF / 'reward_db_seen.json')
    return db, rewards


def test_paper_files_load_safely_with_the_expected_shapes(paper):
    db, rewards = paper
    assert set(db) == set(SEEN_TASKS) | set(UNSEEN_TASKS)
    assert all(v['hessian'].shape == (9600,) and torch.equal(v['scale'], torch.ones(9600)) for v in db.values())
    assert set(rewards) == set(SEEN_TASKS) and all(len(v) == 256 for v in rewards.values())


def test_baselines_match_the_published_table(paper):
    db, rewards = paper
    vecs = task_vectors(db, SEEN_TASKS)
    table = reward_table(rewards, SEEN_TASKS)
    b = baselines(SEEN_TASKS, table, vecs, {'train': (SEEN_TASKS, table, vecs)})
    assert b['best_single_setting'] == '1_1_1_1_1_1_0_0_1'
    assert round(b['train']['random_mean'], 2) == 25.12
    assert round(b['train']['all_varied'], 2) == 24.07
    assert round(b['train']['best_single_seen'], 2) == 29.89
    assert round(b['train']['ceiling'], 2) == 32.60
    # leave-one-out "copy the nearest seen task's best setting"
    assert 26.0 < b['train']['nearest_seen_task_best'] < 29.89


def test_default_config_learns_per_task_settings(tmp_path, capsys):
    """A shortened default run (300 epochs, decay at 150) already beats the best single setting."""
    from controller.train_controller import main
    res = main(['--debug', '--cfg-yml', 'configs/controller_default.yaml', '--cfg-override',
                'TASK_DB_PATHS', f'["{REF / "resnet18_imagenet_12_seen_tasks.pt"}", '
                                 f'"{REF / "resnet18_imagenet_8_unseen_tasks.pt"}"]',
                'REWARD_DB_PATH', str(REF / 'reward_db_seen.json'), 'SAVE_DIR', str(tmp_path),
                'NUM_EPOCHS', '300', 'LR_DECAY_EPOCH', '150', 'USE_PBAR', 'False', 'SEED', '1', 'SAVE_PLOTS', 'False',
                'ENSEMBLE', '1'])
    out = capsys.readouterr().out
    assert 'rewards NOT in the reward DB' in out
    assert res['train']['avg_reward'] > 30.5 and res['train']['num_distinct_preds'] >= 6
    assert res['test']['has_rewards'] is False
    preds = json.loads((tmp_path / 'final_test_preds.json').read_text())
    assert sorted(preds) == sorted(UNSEEN_TASKS)
    # the gate: unseen tasks without a seen task at cosine >= SHRINK_COS get the best single setting
    near = {'PacsS', 'AID', 'ChestXPneumonia'}   # their nearest seen tasks are at 0.970, 0.975, 0.983
    assert res['config']['SHRINK_COS'] == 'auto' and res['recommended']['shrink_cos'] == pytest.approx(0.958, abs=5e-4)
    assert {t for t, fixed in res['test']['recommended_is_fixed'].items() if not fixed} == near
    assert all(preds[t] == '1_1_1_1_1_1_0_0_1' for t in UNSEEN_TASKS if t not in near)
    assert all(preds[t] == res['test']['preds'][t] for t in near)
