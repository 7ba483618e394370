"""Train (or evaluate) the Task2Sim controller on a task DB and a reward DB.

    python controller/train_controller.py --debug --cfg-yml configs/controller_default.yaml
    python controller/train_controller.py --debug --cfg-yml configs/controller_original.yaml \
        --cfg-override SEED 1 SAVE_DIR expts/controller_orig_s1

Outputs in SAVE_DIR: checkpoint.pth.tar, final_train_preds.json (argmax on the training tasks),
final_test_preds.json (the recommended pick: ensemble argmax, or the best fixed setting where SHRINK_COS
says so), final_test_preds_argmax.json, final_test_preds_similarity_weighted.json, results.json,
heatmaps_train.png, heatmaps_test.png, reward_curve.png.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
import logging
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from common.cli import ArgumentParser, run_cli
from common.device import resolve_device
from common.errors import UserError
from common.io import atomic_write_json
from common.tracking import Tracker
from controller.checkpoint import load_weights, member_states, read_checkpoint, save_checkpoint
from controller.config import ControllerConfig, config_to_dict
from controller.evaluate import baselines, evaluate_split, similarity_weighted_probs
from controller.fixed_rules import best_single_index
from controller.model import ControllerModel
from controller.policy import SettingCodec
from controller.reward_db import load_reward_db, reward_table, table_fingerprint
from controller.task_db import load_task_db, task_vectors
from controller.task_embedding import common_settings
from controller.train import TrainHistory, member_seeds, new_member, train_controller_model
from controller.transfer import (ensemble_head_probs, max_cosine, member_key, method_name, recommended_picks,
                                 resolve_shrink_cos)
from generator.generator_params import grid_params

log = logging.getLogger('controller')
DEFAULT_YAML = Path(__file__).resolve().parents[1] / 'configs' / 'controller_default.yaml'


def _fmt(v: float | None) -> str:
    return 'n/a' if v is None else f'{v:6.2f}'


def summary_lines(results: dict) -> list[str]:
    tr, te, base = results['train'], results['test'], results['baselines']
    lines = ['Evaluation results (average 5-NN reward of the argmax settings, percent)',
             f"  seen   ({len(tr['tasks'])} tasks): reward {_fmt(tr.get('avg_reward'))}   ceiling "
             f"{_fmt(tr.get('max_avg_reward'))}   agreement {tr.get('acc', 0):5.1f}%   exact best "
             f"{tr.get('exact_match', 0)}/{len(tr['tasks'])}   distinct settings {tr['num_distinct_preds']}   "
             f"avg Hamming {tr['avg_hamming_dist']:.2f}"]
    if te['tasks']:
        if te['has_rewards']:
            lines.append(f"  unseen ({len(te['tasks'])} tasks): reward {_fmt(te['avg_reward'])}   ceiling "
                         f"{_fmt(te['max_avg_reward'])}   agreement {te['acc']:5.1f}%   distinct settings "
                         f"{te['num_distinct_preds']}   avg Hamming {te['avg_hamming_dist']:.2f}")
            dw = te.get('dist_weighted_avg_reward')
            lines.append(f'  unseen similarity-weighted prediction: reward {_fmt(dw)}')
        else:
            lines.append(f"  unseen ({len(te['tasks'])} tasks): rewards NOT in the reward DB -> predictions only "
                         f"(distinct settings {te['num_distinct_preds']}, avg Hamming {te['avg_hamming_dist']:.2f})")
    rec = results.get('recommended')
    if rec and te['tasks']:
        n_fixed = sum(te.get('recommended_is_fixed', {}).values())
        lines.append(f"  recommended pick (final_test_preds.json): {rec['method']}; {n_fixed} of {len(te['tasks'])} "
                     f"unseen tasks get the best fixed setting {rec['best_fixed']}"
                     + (f"; reward {_fmt(te['recommended_avg_reward'])}" if 'recommended_avg_reward' in te else ''))
    lines.append(f"Baselines from the same reward table (best single setting on seen tasks: "
                 f"{base['best_single_setting']}):")
    lines.append('  split    random  all-varied  best-single  nearest-seen-best  ceiling')
    for split in ('train', 'test'):
        b = base.get(split)
        if b:
            lines.append(f"  {'seen' if split == 'train' else 'unseen':6s}  {_fmt(b['random_mean'])}  "
                         f"{_fmt(b['all_varied'])}      {_fmt(b['best_single_seen'])}       "
                         f"{_fmt(b['nearest_seen_task_best'])}        {_fmt(b['ceiling'])}")
    return lines


def run_controller(cfg: ControllerConfig, debug: bool = True) -> dict[str, Any]:
    """Train unless EVAL_ONLY, evaluate, write predictions/results/plots into SAVE_DIR; return the results."""
    save_dir = Path(cfg.SAVE_DIR)
    device = resolve_device(cfg.DEVICE)
    task_db = load_task_db(cfg.TASK_DB_PATHS)
    overlap = set(cfg.TRAIN_TASKS) & set(cfg.TEST_TASKS)
    if overlap:
        raise UserError(f'tasks {sorted(overlap)} are in both TRAIN_TASKS and TEST_TASKS')
    train_vecs = task_vectors(task_db, cfg.TRAIN_TASKS, 'training task')
    test_vecs = task_vectors(task_db, cfg.TEST_TASKS, 'test task')
    reward_db = load_reward_db(cfg.REWARD_DB_PATH)
    train_rewards = reward_table(reward_db, cfg.TRAIN_TASKS)
    missing_test = [t for t in cfg.TEST_TASKS if t not in reward_db]
    test_rewards = reward_table(reward_db, cfg.TEST_TASKS) if cfg.TEST_TASKS and not missing_test else None

    seeds = member_seeds(cfg)
    seed = seeds[0]
    loaded_transfer: dict[str, Any] = {}
    if cfg.MODEL_LOAD_PATH:
        ckpt = read_checkpoint(cfg.MODEL_LOAD_PATH)
        loaded = member_states(ckpt)
        if not cfg.EVAL_ONLY and len(loaded) != len(seeds):
            raise UserError(f'MODEL_LOAD_PATH {cfg.MODEL_LOAD_PATH!r} holds {len(loaded)} member(s) but ENSEMBLE is '
                            f'{cfg.ENSEMBLE}; set ENSEMBLE {len(loaded)} to continue training it')
        members = [new_member(cfg, train_vecs, seed) for _ in loaded]
        for m, state in zip(members, loaded):
            load_weights(m, state, cfg.MODEL_LOAD_PATH)
        if cfg.EVAL_ONLY:  # the loaded weights were shaped by their own configuration
            loaded_transfer = {k: v for k, v in (ckpt.get('transfer') or {}).items() if k in ('member_key', 'num_epochs')}
    elif cfg.EVAL_ONLY:
        raise UserError('EVAL_ONLY True needs MODEL_LOAD_PATH (a controller checkpoint)')
    else:
        members = [new_member(cfg, train_vecs, s) for s in seeds]
    model = members[0]
    settings = common_settings(p for p in cfg.TASK_DB_PATHS if Path(p).is_file())
    if settings is not None and settings.probe != cfg.PROBE:
        raise UserError(f'PROBE={cfg.PROBE!r} but the task DB {list(cfg.TASK_DB_PATHS)} was embedded with '
                        f'{settings.probe!r} (its sidecar); set PROBE {settings.probe}')
    fixed_index = best_single_index(train_rewards)
    shrink_cos = resolve_shrink_cos(cfg.SHRINK_COS, train_vecs, train_rewards)
    transfer = {'best_fixed_index': fixed_index, 'best_fixed': grid_params(fixed_index).get_tuple_str(),
                'shrink_cos': shrink_cos, 'shrink_rule': cfg.SHRINK_COS, 'ensemble': len(members),
                'member_key': member_key(cfg),
                'num_epochs': cfg.NUM_EPOCHS, 'reward_norm': cfg.REWARD_NORM,
                'table_fingerprint': table_fingerprint(cfg.TRAIN_TASKS, train_rewards, train_vecs),
                'method': method_name(len(members), cfg.REWARD_NORM, cfg.SHRINK_COS, shrink_cos),
                'task2vec': settings.as_dict() if settings is not None else None, **loaded_transfer}

    tracker = None
    if not debug:
        tracker = Tracker(True, cfg.PROJECT, cfg.EXPT_NAME or save_dir.name, config_to_dict(cfg), str(save_dir))
    ckpt_path = save_dir / 'checkpoint.pth.tar'
    history, train_seconds = TrainHistory(), 0.0
    if not cfg.EVAL_ONLY:
        t0 = time.perf_counter()
        for k, (s, m) in enumerate(zip(seeds, members)):
            suffix = f'_member{k}' if len(members) > 1 else ''

            def checkpoint_fn(epoch: int, mm: ControllerModel, suffix: str = suffix) -> None:
                one = {**transfer, 'ensemble': 1, 'num_epochs': epoch + 1,
                       'method': method_name(1, cfg.REWARD_NORM, cfg.SHRINK_COS, shrink_cos)}
                save_checkpoint(save_dir / f'checkpoint_epoch_{epoch:04d}{suffix}.pth.tar', mm, epoch + 1,
                                config_to_dict(cfg), cfg.TRAIN_TASKS, train_vecs, one)
            if len(members) > 1:
                log.info(f'ensemble member {k + 1}/{len(members)} (seed {s})')
            h = train_controller_model(m, cfg, train_vecs, train_rewards, seed=s, device=device,
                                       checkpoint_fn=checkpoint_fn, log=log.info)
            if k == 0:   # the curves in results.json and the plots are the first member's
                history = h
        train_seconds = time.perf_counter() - t0
        save_checkpoint(ckpt_path, members, cfg.NUM_EPOCHS, config_to_dict(cfg), cfg.TRAIN_TASKS, train_vecs,
                        transfer)
        if tracker:
            for e in range(len(history.loss)):
                tracker.log({'Epoch': e + 1, 'Loss': history.loss[e], 'Average Reward': history.sampled_reward[e],
                             'Avg Train Reward (intermediate)': history.greedy_reward[e],
                             'Avg Replay Max': history.replay_max[e], 'LR': history.lr[e]}, step=e)

    codec = SettingCodec(model.head_names)
    train_probs = ensemble_head_probs(members, train_vecs)
    test_probs = ensemble_head_probs(members, test_vecs)
    train_res = evaluate_split(cfg.TRAIN_TASKS, train_probs, codec, train_rewards)
    test_res = evaluate_split(cfg.TEST_TASKS, test_probs, codec, test_rewards)
    if cfg.TEST_TASKS:
        dw = similarity_weighted_probs(train_vecs, train_probs, test_vecs)
        test_res['dist_weighted_soft_probs'] = dw[..., 1].tolist()
        test_res['dist_weighted_preds'] = dict(zip(cfg.TEST_TASKS, codec.to_tuple_strs(dw.argmax(-1))))
        if test_rewards is not None:
            idx = codec.to_index(dw.argmax(-1))
            test_res['dist_weighted_avg_reward'] = float(test_rewards[torch.arange(len(idx)), idx].mean())
    picks, fell_back = recommended_picks(test_probs, codec, max_cosine(test_vecs, train_vecs), fixed_index,
                                         shrink_cos)
    test_res['recommended_preds'] = dict(zip(cfg.TEST_TASKS, [grid_params(int(i)).get_tuple_str() for i in picks]))
    test_res['recommended_is_fixed'] = dict(zip(cfg.TEST_TASKS, fell_back.tolist()))
    if test_rewards is not None:
        test_res['recommended_avg_reward'] = float(test_rewards[torch.arange(len(picks)), picks].mean())
    if missing_test:
        test_res['rewards_missing_for'] = missing_test
    base = baselines(cfg.TRAIN_TASKS, train_rewards, train_vecs,
                     {'train': (cfg.TRAIN_TASKS, train_rewards, train_vecs),
                      'test': (cfg.TEST_TASKS, test_rewards, test_vecs)})
    results = {'train': train_res, 'test': test_res, 'baselines': base, 'history': history.as_dict(),
               'train_seconds': train_seconds, 'seed': seed, 'device': str(device),
               'head_names': list(model.head_names), 'config': config_to_dict(cfg), 'member_seeds': seeds,
               'recommended': {k: v for k, v in transfer.items() if k != 'task2vec'}}

    atomic_write_json(save_dir / 'final_train_preds.json', train_res['preds'])
    atomic_write_json(save_dir / 'final_test_preds.json', test_res['recommended_preds'])
    if cfg.TEST_TASKS:
        atomic_write_json(save_dir / 'final_test_preds_argmax.json', test_res['preds'])
        atomic_write_json(save_dir / 'final_test_preds_similarity_weighted.json', test_res['dist_weighted_preds'])
    atomic_write_json(save_dir / 'results.json', results)
    if cfg.SAVE_PLOTS:
        from controller import plots
        plots.heatmaps(save_dir / 'heatmaps_train.png', 'seen', train_res, model.head_names)
        if cfg.TEST_TASKS:
            plots.heatmaps(save_dir / 'heatmaps_test.png', 'unseen', test_res, model.head_names,
                           dist_weighted=np.asarray(test_res['dist_weighted_soft_probs']))
        if history.loss:
            refs = {'best single': base['train']['best_single_seen'], 'random': base['train']['random_mean']}
            plots.reward_curve(save_dir / 'reward_curve.png', history.as_dict(), train_res['max_avg_reward'], refs)
    if tracker:
        tracker.log({'Train Avg Reward': train_res['avg_reward'], 'Train Max Avg Reward': train_res['max_avg_reward'],
                     'Train Acc': train_res['acc'], 'Train Avg Hamming Dist': train_res['avg_hamming_dist'],
                     **({'Test Avg Reward': test_res['avg_reward'], 'Test Acc': test_res['acc']}
                        if test_res['has_rewards'] else {}),
                     'Test Avg Hamming Dist': test_res['avg_hamming_dist']})
        tracker.finish()
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = ArgumentParser(description='Train the Task2Sim controller (REINFORCE + self-imitation).')
    p.add_argument('--debug', action='store_true', help='no wandb (as in the original)')
    p.add_argument('--cfg-yml', default=str(DEFAULT_YAML),
                   help='YAML config (default: configs/controller_default.yaml; configs/controller_original.yaml '
                        "is the original's; '' = the ControllerConfig class defaults, also the original's)")
    p.add_argument('--cfg-override', nargs='*', default=[], help='KEY VALUE pairs applied after the YAML')
    p.add_argument('--threads', type=int, default=1,
                   help='torch CPU threads (the MLP is tiny: 1 is fastest; 0 = torch default)')
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    cfg = ControllerConfig(args.cfg_yml, args.cfg_override)
    results = run_controller(cfg, debug=args.debug)
    print('\n'.join(summary_lines(results)))
    print(f"Outputs in {cfg.SAVE_DIR} (train time {results['train_seconds']:.1f} s)")
    return results


if __name__ == '__main__':
    run_cli(main)
