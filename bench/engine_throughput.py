"""Engine overhead, measured side by side in one run on this machine.

    python bench/engine_throughput.py [--model resnet18] [--size 64] [--batch 64] [--workers 1]

Prints (1) end-to-end pre-training img/s (engine reading JPEGs from an ImageFolder, pt_default.yaml:
RandAugment, mixup/cutmix, AdamW, per-step schedule) / raw training-step img/s of the same model, batch
and resolution on in-memory tensors (forward + backward + optimizer step), and (2) kNN feature
extraction img/s (engine, JPEGs) / raw forward img/s. Target: both ratios >= 0.90.
"""
from __future__ import annotations

if __name__ == '__main__' and not __package__:
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from common.cli import ArgumentParser
from engine.args import parse_args
from engine.run_classifier import run
from models.backbone import create_backbone


def make_jpeg_folder(root: Path, classes: int, per_class: int, size: int) -> None:
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f'c{c:03d}').mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(img).save(root / f'c{c:03d}' / f'{i:04d}.jpg', quality=90)


def raw_train_rate(model_name: str, size: int, batch: int, classes: int, steps: int) -> float:
    model = create_backbone(model_name, classes, drop_path_rate=0.1)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    for i in range(steps + 2):
        if i == 2:
            t0 = time.perf_counter()
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * batch / (time.perf_counter() - t0)


@torch.no_grad()
def raw_forward_rate(model_name: str, size: int, batch: int, steps: int) -> float:
    model = create_backbone(model_name, 0).eval()
    x = torch.randn(batch, 3, size, size)
    for i in range(steps + 2):
        if i == 2:
            t0 = time.perf_counter()
        model(x)
    return steps * batch / (time.perf_counter() - t0)


def main() -> None:
    p = ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='resnet18')
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--classes', type=int, default=10)
    p.add_argument('--per_class', type=int, default=64)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--knn_per_class', type=int, default=192, help='train images per class of the kNN task')
    args = p.parse_args()
    torch.manual_seed(0)
    n = args.classes * args.per_class
    steps = max(4, n // args.batch)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_jpeg_folder(tmp / 'pt', args.classes, args.per_class, args.size)
        make_jpeg_folder(tmp / 'ds' / 'train', args.classes, args.knn_per_class, args.size)
        make_jpeg_folder(tmp / 'ds' / 'val', args.classes, args.knn_per_class // 4, args.size)
        common = ['MODEL', args.model, 'INPUT_SIZE', str(args.size), 'BATCH_SIZE', str(args.batch),
                  'NUM_WORKERS', str(args.workers), 'LOG_INTERVAL', '100000', 'SEED', '0']

        raw_train = raw_train_rate(args.model, args.size, args.batch, args.classes, steps)
        _, cfg = parse_args(['--cfg-yml', 'configs/pt_default.yaml', '--cfg-override', *common,
                             'DATA_DIR', str(tmp / 'pt'), 'SAVE_DIR', str(tmp / 'out_pt'),
                             'MAX_EPOCHS', str(args.epochs), 'WARMUP_EPOCHS', '1', 'SAVE_MODEL', 'False'])
        run(cfg)
        epochs = json.loads((tmp / 'out_pt' / 'results.json').read_text())['epochs']
        e2e_train = max(e['train_img_per_s'] for e in epochs[1:] or epochs)  # epoch 0 starts the workers
        raw_train_after = raw_train_rate(args.model, args.size, args.batch, args.classes, steps)

        raw_fwd = raw_forward_rate(args.model, args.size, args.batch, steps)
        _, cfg = parse_args(['--cfg-yml', 'configs/knn_defaults.yaml', '--cfg-override', *common,
                             'DATA_DIR', str(tmp / 'ds'), 'SAVE_DIR', str(tmp / 'out_knn')])
        out = run(cfg)
        e2e_feat = out['feature_img_per_s']
        raw_fwd_after = raw_forward_rate(args.model, args.size, args.batch, steps)

    raw_train = max(raw_train, raw_train_after)
    raw_fwd = max(raw_fwd, raw_fwd_after)
    print(f'\n{args.model} @ {args.size}px, batch {args.batch}, {torch.get_num_threads()} threads, '
          f'{args.workers} loader worker(s)')
    print(f'pre-training  end-to-end {e2e_train:8.1f} img/s | raw fwd+bwd+step {raw_train:8.1f} img/s | '
          f'ratio {e2e_train / raw_train:.3f}')
    print(f'kNN features  end-to-end {e2e_feat:8.1f} img/s | raw forward      {raw_fwd:8.1f} img/s | '
          f'ratio {e2e_feat / raw_fwd:.3f}')


if __name__ == '__main__':
    main()
