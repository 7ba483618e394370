"""Predict simulation settings (GenParams) for a new downstream task with a trained controller.

    python controller/predict.py --dataset Digits --model expts/controller/checkpoint.pth.tar
    python controller/predict.py --data_dir /data/my_task/train --model CKPT --generate synth/ --num_imgs 2000
    python controller/predict.py --dataset CUB --task_db task_db/resnet18_imagenet_8_unseen_tasks.pt --model CKPT

The task's Task2Vec embedding is taken from ``--task_db`` when the task is there, otherwise computed
with the controller's probe (the one that made its training task DB; checkpoint config PROBE).
"""
from __future__ import annotations

if __name__ == '__main__' and __package__ in (None, ''):
    import sys
    from pathlib import Path as _P
    sys.path.insert(0, str(_P(__file__).resolve().parents[1]))

import argparse
from pathlib import Path
from typing import Any, Sequence

import torch

from common.errors import UserError
from common.io import atomic_write_json
from controller.checkpoint import model_from_checkpoint, read_checkpoint
from controller.evaluate import head_probs, similarity_weighted_probs
from controller.policy import SettingCodec
from controller.task_db import cosine_matrix, load_task_db, save_task_db

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


def task_embedding(args: argparse.Namespace, probe_name: str, in_dim: int) -> tuple[str, torch.Tensor]:
    """(task name, raw embedding) from --task_db or computed with the probe."""
    name = args.dataset or args.name or Path(args.data_dir).name
    if args.task_db:
        db = load_task_db(args.task_db)
        if name in db:
            vec = db[name]['hessian'] / db[name]['scale']
            if vec.numel() != in_dim:
                raise UserError(f'task {name!r} in {args.task_db} has a {vec.numel()}-dim embedding; '
                                f'the controller takes {in_dim}')
            return name, vec
    from controller.task2vec import embed_named_datasets
    (_, entry), = list(embed_named_datasets(
        names=[args.dataset] if args.dataset else [], data_dirs=[f'{name}={args.data_dir}'] if args.data_dir else [],
        probe=probe_name, probe_weights=args.probe_weights, input_size=args.input_size,
        max_samples=args.max_samples, batch_size=args.batch_size, seed=args.seed, device=args.device))
    vec = entry['hessian'] / entry['scale']
    if vec.numel() != in_dim:
        raise UserError(f'the {probe_name} probe gives {vec.numel()}-dim embeddings, but the controller was '
                        f'trained on {in_dim}-dim task vectors: pass --probe matching its task DB')
    if args.write_task_db:
        db = load_task_db(args.write_task_db) if Path(args.write_task_db).is_file() else {}
        db[name] = entry
        save_task_db(args.write_task_db, db)
    return name, vec


def predict(ckpt: dict[str, Any], vec: torch.Tensor, ckpt_path: str = '') -> dict[str, Any]:
    model = model_from_checkpoint(ckpt, ckpt_path)
    codec = SettingCodec(model.head_names)
    probs = head_probs(model, vec.view(1, -1))
    params = codec.to_params(probs.argmax(-1))[0]
    out: dict[str, Any] = {'tuple_str': params.get_tuple_str(), 'params': dict(params),
                           'p_varied': dict(zip(model.head_names, probs[0, :, 1].tolist()))}
    if ckpt.get('train_tasks') and ckpt.get('train_vecs') is not None:
        tvecs = ckpt['train_vecs']
        train_probs = head_probs(model, tvecs)
        sw = similarity_weighted_probs(tvecs, train_probs, vec.view(1, -1))
        sims = cosine_matrix(vec.view(1, -1), tvecs)[0]
        order = sims.argsort(descending=True).tolist()
        out['similarity_weighted_tuple_str'] = codec.to_tuple_strs(sw.argmax(-1))[0]
        out['nearest_seen_tasks'] = [(ckpt['train_tasks'][i], float(sims[i])) for i in order[:3]]
    return out


def format_prediction(name: str, pred: dict[str, Any]) -> str:
    lines = [f'Predicted simulation settings for {name}: {pred["tuple_str"]}',
             f'  {"parameter":20s} {"value":>5s}  {"P(varied)":>9s}  meaning when varied']
    for k, p in sorted(pred['p_varied'].items()):
        lines.append(f'  {k:20s} {pred["params"][k]:5d}  {p:9.3f}  {MEANING.get(k, "")}')
    lines.append(f'  {"pose_cam":20s} {pred["params"]["pose_cam"]:5d}  {"-":>9s}  not predicted (fixed)')
    if 'nearest_seen_tasks' in pred:
        near = ', '.join(f'{t} ({s:.3f})' for t, s in pred['nearest_seen_tasks'])
        lines.append(f'  nearest seen tasks (cosine): {near}')
        lines.append(f'  similarity-weighted prediction: {pred["similarity_weighted_tuple_str"]}')
    return '\n'.join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description='Predict GenParams for a new task with a trained Task2Sim controller.')
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--dataset', default='', help='a dataset name known to datasets.build_dataset (train split)')
    src.add_argument('--data_dir', default='', help='an ImageFolder of the task (class sub-folders)')
    p.add_argument('--name', default='', help='task name for --data_dir (default: the folder name)')
    p.add_argument('--model', required=True, help='controller checkpoint (train_controller.py output)')
    p.add_argument('--task_db', nargs='*', default=[], help='task DB files to take the embedding from when present')
    p.add_argument('--write_task_db', default='', help='add a computed embedding to this task DB file')
    p.add_argument('--probe', default='', help='probe for a new embedding (default: the checkpoint config PROBE)')
    p.add_argument('--probe_weights', default='', help='local ImageNet weights for the probe (resnet18)')
    p.add_argument('--input_size', type=int, default=224)
    p.add_argument('--max_samples', type=int, default=10000)
    p.add_argument('--batch_size', type=int, default=64)
    p.add_argument('--seed', type=int, default=0)
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
    probe = args.probe or (ckpt.get('config') or {}).get('PROBE', 'resnet18')
    name, vec = task_embedding(args, probe, ckpt['in_dim'])
    pred = predict(ckpt, vec, args.model)
    pred['task'] = name
    print(format_prediction(name, pred))
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
    from common.cli import run_cli
    run_cli(main)
