"""Predict simulation settings (GenParams) for a new downstream task with a trained controller.

    python controller/predict.py --dataset Digits --model expts/controller_default/checkpoint.pth.tar
    python controller/predict.py --data_dir /data/my_task/train --model CKPT --generate synth/ --num_imgs 2000
    python controller/predict.py --dataset CUB --task_db task_db/resnet18_imagenet_8_unseen_tasks.pt --model CKPT

The task's Task2Vec embedding is taken from ``--task_db`` when the task is there, otherwise computed
with the Task2Vec settings of the controller's task DB (recorded in the checkpoint from the DB's
sidecar), so that it is comparable with the vectors the controller learned from.
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import torch

from common.cli import ArgumentParser, run_cli
from common.errors import UserError
from common.io import atomic_write_json
from controller.checkpoint import models_from_checkpoint, read_checkpoint
from controller.evaluate import similarity_weighted_probs
from controller.policy import SettingCodec
from controller.task_db import cosine_matrix, load_task_db, save_task_db
from controller.task_embedding import (EmbeddingSettings, check_can_add, common_settings, embed_named_datasets,
                                       write_settings)
from controller.transfer import (DEFAULT_REPORTS, ensemble_head_probs, loo_measurement, max_cosine, method_name,
                                 shrink_to_fixed)
from generator.generator_params import grid_params

MEANING = {
    'backgr': 'random look direction + rotating skyboxes',
    'blur': 'focus blur on 75% of images',
    'lighting_color': 'random sun colour',
    'lighting_dir': 'random sun direction',
    'lighting_intensity': 'random light intensity offset',
    'materials': '3 = random material per image (1 = natural)',
    'pose_rot': 'random object rotation',
    'pose_scale': 'random object distance',
}


def embedding_settings(ckpt: dict[str, Any], task_dbs: Sequence[str], probe: str, overrides: dict[str, Any]
                       ) -> tuple[EmbeddingSettings, str]:
    """The settings a new embedding must use to be comparable with the controller's training vectors."""
    recorded = (ckpt.get('transfer') or {}).get('task2vec')
    if recorded:
        settings, source = EmbeddingSettings.from_mapping(recorded), "the checkpoint (its task DB's sidecar)"
    elif (found := common_settings(p for p in task_dbs if Path(p).is_file())) is not None:
        settings, source = found, 'the --task_db sidecar'
    else:
        settings = EmbeddingSettings(probe=(ckpt.get('config') or {}).get('PROBE', 'resnet18'))
        source = "the paper's (no sidecar recorded), the checkpoint's PROBE"
    if probe and probe != settings.probe:
        settings, source = replace(settings, probe=probe), source + f', --probe {probe}'
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        settings, source = replace(settings, **given), source + f', overridden by {given}'
    return settings, source


def task_embedding(args: argparse.Namespace, settings: EmbeddingSettings, in_dim: int) -> tuple[str, torch.Tensor, str]:
    """(task name, raw embedding, where it came from) from --task_db or computed with ``settings``."""
    name = args.dataset or args.name or Path(args.data_dir).name
    if args.task_db:
        db = load_task_db(args.task_db)
        if name in db:
            vec = db[name]['hessian'] / db[name]['scale']
            if vec.numel() != in_dim:
                raise UserError(f'task {name!r} in {args.task_db} has a {vec.numel()}-dim embedding; '
                                f'the controller takes {in_dim}')
            return name, vec, 'task DB'
    target_db: dict = {}
    if args.write_task_db:  # refuse before minutes of embedding, not after
        target_db = load_task_db(args.write_task_db) if Path(args.write_task_db).is_file() else {}
        check_can_add(args.write_task_db, target_db, settings, [name], overwrite=True)
    (_, entry, counts), = list(embed_named_datasets(
        settings, names=[args.dataset] if args.dataset else [],
        data_dirs=[f'{name}={args.data_dir}'] if args.data_dir else [], probe_weights=args.probe_weights,
        device=args.device))
    vec = entry['hessian'] / entry['scale']
    if vec.numel() != in_dim:
        raise UserError(f'the {settings.probe} probe gives {vec.numel()}-dim embeddings, but the controller was '
                        f'trained on {in_dim}-dim task vectors: pass --probe matching its task DB')
    if args.write_task_db:
        target_db[name] = entry
        write_settings(args.write_task_db, settings, {name: counts})
        save_task_db(args.write_task_db, target_db)
    return name, vec, f'computed from {counts["used_images"]} images'


def predict(ckpt: dict[str, Any], vec: torch.Tensor, ckpt_path: str = '',
            reports: Sequence[str | Path] = ()) -> dict[str, Any]:
    """The recommended settings for one task vector, with the readouts that explain it."""
    members = models_from_checkpoint(ckpt, ckpt_path)
    codec = SettingCodec(members[0].head_names)
    x = vec.view(1, -1)
    probs = ensemble_head_probs(members, x)
    transfer = ckpt.get('transfer') or {}
    argmax_params = codec.to_params(probs.argmax(-1))[0]
    out: dict[str, Any] = {'argmax_tuple_str': argmax_params.get_tuple_str(),
                           'p_varied': dict(zip(members[0].head_names, probs[0, :, 1].tolist())),
                           'ensemble': len(members), 'method': transfer.get('method', method_name(len(members), 'none', None))}
    pick = codec.to_index(probs.argmax(-1))
    fell_back = False
    if ckpt.get('train_tasks') and ckpt.get('train_vecs') is not None:
        tvecs = ckpt['train_vecs']
        sims = cosine_matrix(x, tvecs)[0]
        if 'best_fixed_index' in transfer:
            pick, fb = shrink_to_fixed(pick, max_cosine(x, tvecs), int(transfer['best_fixed_index']),
                                       transfer.get('shrink_cos'))
            fell_back = bool(fb[0])
        sw = similarity_weighted_probs(tvecs, ensemble_head_probs(members, tvecs), x)
        order = sims.argsort(descending=True).tolist()
        out['similarity_weighted_tuple_str'] = codec.to_tuple_strs(sw.argmax(-1))[0]
        out['nearest_seen_tasks'] = [(ckpt['train_tasks'][i], float(sims[i])) for i in order[:3]]
    params = grid_params(int(pick[0]))
    out.update({'tuple_str': params.get_tuple_str(), 'params': dict(params), 'is_best_fixed': fell_back,
                'best_fixed': transfer.get('best_fixed'),
                'loo': loo_measurement(transfer, reports) if transfer else None})
    return out


def format_prediction(name: str, pred: dict[str, Any]) -> str:
    lines = [f'Recommended simulation settings for {name}: {pred["tuple_str"]}',
             f'  method: {pred["method"]}' + (' -> fell back to the best fixed setting (no training task is close)'
                                               if pred['is_best_fixed'] else '')]
    loo = pred.get('loo')
    if loo:
        lines.append(f'  measured leave-one-task-out on this reward table ({loo["report"]}): {loo["mean"]:.2f} '
                     f'± {loo["sd"]:.2f} vs the best fixed rule ({loo["best_fixed_rule"]}) '
                     f'{loo["best_fixed_mean"]:.2f}: expected gain {loo["gain"]:+.2f}')
    else:
        lines.append('  expected gain over the best fixed rule: not measured for this configuration and reward table '
                     '(run bench/controller_transfer.py)')
    lines.append(f'  {"parameter":20s} {"value":>5s}  {"P(varied)":>9s}  meaning when varied')
    for k, p in sorted(pred['p_varied'].items()):
        lines.append(f'  {k:20s} {pred["params"][k]:5d}  {p:9.3f}  {MEANING.get(k, "")}')
    lines.append(f'  {"pose_cam":20s} {pred["params"]["pose_cam"]:5d}  {"-":>9s}  not predicted (fixed)')
    if 'nearest_seen_tasks' in pred:
        near = ', '.join(f'{t} ({s:.3f})' for t, s in pred['nearest_seen_tasks'])
        lines.append(f'  nearest seen tasks (cosine): {near}')
        lines.append(f'  controller argmax: {pred["argmax_tuple_str"]}; similarity-weighted readout: '
                     f'{pred["similarity_weighted_tuple_str"]}')
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = ArgumentParser(description='Predict GenParams for a new task with a trained Task2Sim controller.')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--dataset', default='', help='a dataset name known to datasets.build_dataset (train split)')
    src.add_argument('--data_dir', default='', help='an ImageFolder of the task (class sub-folders)')
    p.add_argument('--name', default='', help='task name for --data_dir (default: the folder name)')
    p.add_argument('--model', required=True, help='controller checkpoint (train_controller.py output)')
    p.add_argument('--task_db', nargs='*', default=[], help='task DB files to take the embedding from when present')
    p.add_argument('--write_task_db', default='', help='add a computed embedding to this task DB file')
    p.add_argument('--probe', default='', help="probe for a new embedding (default: the task DB's, else the checkpoint's PROBE)")
    p.add_argument('--probe_weights', default='', help='local ImageNet weights for the probe (resnet18)')
    p.add_argument('--input_size', type=int, default=None,
                   help="override the embedding's image size (default: the controller's task DB settings)")
    p.add_argument('--max_samples', type=int, default=None, help='override the Fisher samples (default: as the DB)')
    p.add_argument('--max_images', type=int, default=None, help='override the image subset size (default: as the DB)')
    p.add_argument('--batch_size', type=int, default=None, help='override the Fisher batch size (default: as the DB)')
    p.add_argument('--seed', type=int, default=0, help='seed of --generate (the embedding uses the DB seed)')
    p.add_argument('--transfer_report', nargs='*', default=[str(p) for p in DEFAULT_REPORTS],
                   help='bench/controller_transfer.py results to read the measured gain from')
    p.add_argument('--device', default='')
    p.add_argument('--output', default='', help='write the prediction as JSON here')
    p.add_argument('--generate', default='', metavar='ROOT', help='render a synthetic dataset with the prediction')
    p.add_argument('--num_imgs', type=int, default=1000, help='images to render with --generate')
    p.add_argument('--backend', default='gl')
    p.add_argument('--library', default='procedural')
    p.add_argument('--image_size', type=int, default=256, help='rendered/output image size with --generate')
    p.add_argument('--num_classes', type=int, default=None, help='object classes to render (default: all)')
    args = p.parse_args(argv)

    ckpt = read_checkpoint(args.model)
    if 'in_dim' not in ckpt:
        raise UserError(f'{args.model!r} is not a checkpoint of this project (no in_dim/head_names)')
    settings, source = embedding_settings(ckpt, args.task_db, args.probe, {
        'input_size': args.input_size, 'fisher_samples': args.max_samples, 'max_images': args.max_images,
        'batch_size': args.batch_size})
    name, vec, origin = task_embedding(args, settings, ckpt['in_dim'])
    pred = predict(ckpt, vec, args.model, args.transfer_report)
    pred['task'] = name
    pred['embedding'] = {'origin': origin, 'settings': settings.as_dict(), 'settings_from': source}
    print(format_prediction(name, pred))
    print(f'  embedding: {origin}' + ('' if origin == 'task DB' else f' with the settings of {source}'))
    if args.output:
        atomic_write_json(args.output, pred)
    if args.generate:
        from generator.generator import Generator
        from generator.generator_params import GenParams
        if args.num_imgs < 1:
            raise UserError(f'--num_imgs={args.num_imgs} must be >= 1')
        gen = Generator(args.generate, backend=args.backend, library=args.library, screen_size=args.image_size,
                        output_size=args.image_size, seed=args.seed, num_classes=args.num_classes)
        path = gen.gen_data(GenParams.from_tuple_str(pred['tuple_str']), args.num_imgs)
        pred['generated'] = str(path)
        print(f'Rendered {args.num_imgs} images with {pred["tuple_str"]} into {path}')
    return pred


if __name__ == '__main__':
    run_cli(main)
