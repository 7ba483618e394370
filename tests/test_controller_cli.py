"""Controller CLIs on small synthetic DBs: train/eval outputs, EVAL_ONLY reload, user errors, predict."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from controller.predict import main as predict_main
from controller.task_db import save_task_db
from controller.train_controller import main as train_main
from tests.controller_toys import write_toy_dbs

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _overrides(tdb, rdb, train, test, save_dir, *extra):
    return ['--cfg-override', 'TASK_DB_PATHS', f'["{tdb}"]', 'REWARD_DB_PATH', str(rdb), 'TRAIN_TASKS', str(train),
            'TEST_TASKS', str(test), 'SAVE_DIR', str(save_dir), 'USE_PBAR', 'False', 'NUM_HIDDEN_NODES', '32', *extra]


def test_train_writes_predictions_results_and_plots_then_eval_only_reloads(tmp_path, capsys):
    tdb, rdb, train, test, best = write_toy_dbs(tmp_path)
    out = tmp_path / 'run'
    res = train_main(['--debug', '--cfg-yml', 'configs/controller_default.yaml',
                      *_overrides(tdb, rdb, train, test, out, 'NUM_EPOCHS', '80', 'CKPT_SAVE_INTERVAL', '40')])
    text = capsys.readouterr().out
    assert 'rewards NOT in the reward DB' in text and 'best-single' in text
    assert len(list(out.glob('checkpoint_epoch_0039*.pth.tar'))) == res['recommended']['ensemble']  # one per member
    for name in ('checkpoint.pth.tar', 'final_train_preds.json', 'final_test_preds_argmax.json',
                 'final_test_preds.json', 'final_test_preds_similarity_weighted.json', 'results.json', 'heatmaps_train.png', 'heatmaps_test.png', 'reward_curve.png'):
        assert (out / name).stat().st_size > 0, name
    preds = json.loads((out / 'final_test_preds.json').read_text())
    assert sorted(preds) == sorted(test) and all(len(v.split('_')) == 9 for v in preds.values())
    results = json.loads((out / 'results.json').read_text())
    assert results['test']['has_rewards'] is False and results['test']['rewards_missing_for'] == test
    assert results['train']['max_avg_reward'] == pytest.approx(41.0)
    assert len(results['history']['greedy_reward']) == 80
    assert set(results['test']['dist_weighted_preds']) == set(test)
    # reload the checkpoint: same predictions, no training
    res2 = train_main(['--debug', '--cfg-yml', 'configs/controller_default.yaml',
                       *_overrides(tdb, rdb, train, test, tmp_path / 'eval', 'EVAL_ONLY', 'True',
                                   'MODEL_LOAD_PATH', str(out / 'checkpoint.pth.tar'))])
    assert res2['train']['preds'] == res['train']['preds'] and res2['test']['preds'] == res['test']['preds']
    assert res2['history']['loss'] == []


def test_unseen_rewards_are_evaluated_when_present(tmp_path):
    tdb, rdb, train, test, best = write_toy_dbs(tmp_path, test_rewards=True)
    res = train_main(['--debug', *_overrides(tdb, rdb, train, test, tmp_path / 'r', 'NUM_EPOCHS', '5',
                                             'SAVE_PLOTS', 'False')])
    assert res['test']['has_rewards'] and 'avg_reward' in res['test'] and res['baselines']['test'] is not None
    assert 'dist_weighted_avg_reward' in res['test']


def test_cli_user_errors_are_one_line(tmp_path):
    tdb, rdb, train, test, _ = write_toy_dbs(tmp_path)
    cmd = [sys.executable, 'controller/train_controller.py', '--debug',
           *_overrides(tdb, rdb, train + ['Missing'], test, tmp_path / 'x')]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count('\n') == 0 and "'Missing'" in proc.stderr, proc.stderr
    with pytest.raises(Exception, match="reward DB|'Missing'"):
        train_main(['--debug', *_overrides(tdb, rdb, train, test, tmp_path / 'y', 'REWARD_DB_PATH',
                                           str(tmp_path / 'nope.json'))])


def test_predict_uses_the_task_db_or_computes_the_embedding(tmp_path, capsys):
    from models.probes import build_probe
    dim = build_probe('efficientnet_lite0', weights='none').embedding_dim()
    # a controller over efficientnet-lite0-sized task vectors (random toy tasks)
    g = torch.Generator().manual_seed(0)
    tasks = {f't{i}': {'hessian': torch.rand(dim, generator=g), 'scale': torch.ones(dim)} for i in range(4)}
    tdb = save_task_db(tmp_path / 'lite.pt', tasks)
    from tests.controller_toys import GRID
    rdb = tmp_path / 'r.json'
    rdb.write_text(json.dumps({t: {k: float((i * 7 + j) % 13) for j, k in enumerate(GRID)} for i, t in enumerate(tasks)}))
    train_main(['--debug', *_overrides(tdb, rdb, list(tasks), [], tmp_path / 'c', 'NUM_EPOCHS', '3',
                                       'NUM_HIDDEN_NODES', '8', 'PROBE', 'efficientnet_lite0', 'SAVE_PLOTS', 'False')])
    ckpt = str(tmp_path / 'c' / 'checkpoint.pth.tar')
    pred = predict_main(['--dataset', 't1', '--task_db', str(tdb), '--model', ckpt, '--output', str(tmp_path / 'p.json')])
    text = capsys.readouterr().out
    assert 'Recommended simulation settings for t1' in text and 'nearest seen tasks' in text
    assert json.loads((tmp_path / 'p.json').read_text())['tuple_str'] == pred['tuple_str']
    assert pred['nearest_seen_tasks'][0][0] == 't1'
    # a task not in the DB: computed with the controller's probe (tiny sizes), then rendered
    pred = predict_main(['--dataset', 'Digits0to4', '--model', ckpt, '--input_size', '32', '--max_samples', '64',
                         '--batch_size', '32', '--write_task_db', str(tmp_path / 'new.pt'),
                         '--generate', str(tmp_path / 'synth'), '--num_imgs', '6', '--num_classes', '1', '--image_size', '32'])
    assert len(pred['tuple_str'].split('_')) == 9
    from controller.task_db import load_task_db
    assert load_task_db(tmp_path / 'new.pt')['Digits0to4']['hessian'].numel() == dim
    gen = Path(pred['generated'])
    assert f"dataset_{pred['tuple_str']}" in str(gen) and len(list(gen.rglob('*.jpg'))) == 6


def test_predict_embeds_a_new_task_with_the_task_dbs_settings(tmp_path, capsys):
    """The checkpoint carries the task DB's Task2Vec settings: predict.py's embedding of a DB task equals the DB's."""
    from controller.task_db import load_task_db
    from controller.task_db import main as task_db_main
    from controller.task_embedding import read_settings
    tdb = tmp_path / 'tiny.pt'
    task_db_main(['--tasks', 'Digits0to4', 'Digits5to9', '--output', str(tdb), '--input_size', '32',
                  '--max_images', '40', '--fisher_samples', '32', '--classifier_samples', '64',
                  '--classifier_epochs', '2', '--batch_size', '16', '--seed', '3'])
    settings = read_settings(tdb)
    assert settings.input_size == 32 and settings.max_images == 40 and settings.seed == 3
    from tests.controller_toys import GRID
    rdb = tmp_path / 'r.json'
    rdb.write_text(json.dumps({t: {k: float((i * 7 + j) % 13) for j, k in enumerate(GRID)}
                               for i, t in enumerate(['Digits0to4', 'Digits5to9'])}))
    train_main(['--debug', *_overrides(tdb, rdb, ['Digits0to4', 'Digits5to9'], [], tmp_path / 'c', 'NUM_EPOCHS', '3',
                                       'NUM_HIDDEN_NODES', '8', 'ENSEMBLE', '1', 'PROBE', 'efficientnet_lite0',
                                       'SAVE_PLOTS', 'False')])
    pred = predict_main(['--dataset', 'Digits0to4', '--model', str(tmp_path / 'c' / 'checkpoint.pth.tar'),
                         '--write_task_db', str(tmp_path / 'new.pt')])
    assert pred['embedding']['settings'] == settings.as_dict() and 'checkpoint' in pred['embedding']['settings_from']
    assert torch.equal(load_task_db(tmp_path / 'new.pt')['Digits0to4']['hessian'], load_task_db(tdb)['Digits0to4']['hessian'])
    assert pred['nearest_seen_tasks'][0] == ('Digits0to4', pytest.approx(1.0))
    # a DB file embedded with other settings refuses to mix
    from common.errors import UserError
    with pytest.raises(UserError, match='would make vectors not comparable'):
        task_db_main(['--tasks', 'MNIST0to4', '--output', str(tdb), '--input_size', '48'])
    with pytest.raises(UserError, match='would make vectors not comparable'):   # a partial --overwrite too
        task_db_main(['--tasks', 'Digits0to4', '--output', str(tdb), '--input_size', '48', '--overwrite'])
    untracked = save_task_db(tmp_path / 'nosidecar.pt', load_task_db(tdb))      # e.g. the paper's files
    with pytest.raises(UserError, match='records no settings'):
        predict_main(['--dataset', 'MNIST0to4', '--model', str(tmp_path / 'c' / 'checkpoint.pth.tar'),
                      '--write_task_db', str(untracked)])
    with pytest.raises(UserError, match="unknown dataset.*'Nope'"):
        task_db_main(['--tasks', 'Digits0to4', 'Nope', '--output', str(tmp_path / 'x.pt')])
    assert not (tmp_path / 'x.pt').exists()
