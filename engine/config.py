"""ClassifierConfig: every knob of a pre-training / downstream job (the original's keys and defaults)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from yacs.config import CfgNode

from common.config import merge_overrides, merge_yaml, set_value
from common.device import check_device_name
from common.errors import UserError, first_line
from common.validate import check_choice
from engine.knn import KNN_FEATURE_MODES
from models.backbone import check_model_name

DOWNSTREAM_MODES = ('', 'linear', 'finetune', 'knn')
INTERPOLATIONS = ('bicubic', 'bilinear', 'nearest', 'lanczos', 'box', 'hamming', 'random')

_DEFAULTS: dict[str, Any] = {
    # the original's keys and defaults (ORIGINAL.md §2)
    'SEED': None,
    'EXPT_NAME': '',         # run name for wandb and the submitit job ('' = the SAVE_DIR folder name)
    'NOTES': '',             # notes of the wandb run
    'PROJECT': 'vit-tdw',    # wandb project
    'SAVE_DIR': 'expts/tmp_last',
    'SAVE_MODEL': True,
    'DATA_DIR': '',
    'SUBSET_PATH': '',       # .npy of indices into the training set (applied before SPLIT_FRAC)
    'TEST_SUBSET_PATH': '',  # .npy of indices into the test set
    'RESUME': '',
    'BACKBONE_PATH': '',
    'LOG_LEVEL': 3,
    'DATASET': '',
    'TRAIN_ONLY': False,
    'SPLIT_FRAC': None,
    'VAL_AS_TEST': False,
    'EVAL_ONLY': False,
    'SMOOTHING': 0.1,
    'AUTO_AUGMENT': 'rand-m9-mstd0.5-inc1',
    'COLOR_JITTER': 0.4,
    'MIXUP': 0.8,
    'CUTMIX': 1.0,
    'INTERPOLATION': 'bicubic',
    'CUTMIX_MINMAX': None,
    'MIXUP_PROB': 1.0,
    'MIXUP_SWITCH_PROB': 0.5,
    'MIXUP_MODE': 'batch',
    'MODEL': 'resnet50',
    'DROP_RATE': 0.0,
    'DROP_PATH_RATE': 0.1,
    'OPTIM': 'adamw',
    'LR': 1e-3,
    'WD': 0.05,
    'SCHED': 'cosine',
    'MIN_LR': 1e-5,
    'WARMUP_EPOCHS': 5,
    'WARMUP_LR': 1e-6,
    # False: the LR changes once per epoch, as the original (timm 0.4.12 create_scheduler sets
    # t_in_epochs=True, so its per-update step_update call does nothing); True: every update
    'LR_STEP_ON_UPDATES': False,
    'DECAY_EPOCHS': [25, 37],
    'GRAD_CLIP': None,
    'BATCH_SIZE': 64,
    'MAX_EPOCHS': 10,
    'LOG_INTERVAL': 25,
    'VAL_INTERVAL': 1,
    'CKPT_SAVE_INTERVAL': 100,
    'NUM_WORKERS': 3,
    'DOWNSTREAM_EVAL': '',
    'DOWNSTREAM_DROP': 0.2,
    'NUM_NEIGHBORS': [],
    # additions of this project (README, "differences"): the original is fixed at 224 px, CUDA, 0.9/0.1
    'INPUT_SIZE': 224,
    'DEVICE': '',            # '' = cuda when available, else cpu
    'MOMENTUM': 0.9,
    'DECAY_RATE': 0.1,
    'AMP': True,             # autocast + grad scaler on CUDA; ignored on CPU
    'KNN_TEMPERATURE': 0.07,
    'ALLOW_PARTIAL_LOAD': False,  # a BACKBONE_PATH that fills only part of the backbone is refused unless True
    'KNN_FEATURES': 'eval',  # eval | original (train-mode features as the original; engine/knn.py)
}


# keys whose default is None, and the type a value must have
_NONE_DEFAULT_TYPES: dict[str, type] = {'SEED': int, 'SPLIT_FRAC': float, 'CUTMIX_MINMAX': list, 'GRAD_CLIP': float}


class ClassifierConfig(CfgNode):
    """A yacs node with every classifier-job key; unknown keys are rejected."""

    NONE_DEFAULT_TYPES = _NONE_DEFAULT_TYPES

    def __init__(self, init_dict: dict | None = None, key_list=None, new_allowed: bool = False):
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in _DEFAULTS.items()}
        if init_dict:
            values.update(init_dict)
        super().__init__(values, key_list=key_list, new_allowed=new_allowed)


def run_seed(cfg: ClassifierConfig) -> int:
    """The job's seed: SEED, or 0 when it is None (the original left the RNG unseeded)."""
    return 0 if cfg.SEED is None else int(cfg.SEED)


def run_name(cfg: ClassifierConfig) -> str:
    """The run's name for wandb and submitit: EXPT_NAME, else the SAVE_DIR folder name."""
    return cfg.EXPT_NAME or Path(cfg.SAVE_DIR).name or 'task2sim'


def build_config(yamls: Iterable[str | Path] = (), overrides: dict[str, Any] | None = None,
                 extra: Iterable[Any] = ()) -> ClassifierConfig:
    """A validated ClassifierConfig: the defaults, then ``yamls`` in order, then ``overrides`` (KEY: value),
    then ``extra`` (a flat KEY VALUE list, e.g. a user's --engine_override)."""
    cfg = ClassifierConfig()
    for path in yamls:
        merge_yaml(cfg, path)
    for key, value in (overrides or {}).items():
        set_value(cfg, key, value)
    merge_overrides(cfg, list(extra))
    return validate(cfg)


def check_auto_augment(policy: str) -> None:
    """An AUTO_AUGMENT string timm can build ('' = none), else one UserError."""
    if not policy:
        return
    from timm.data.auto_augment import augment_and_mix_transform, auto_augment_transform, rand_augment_transform
    build = (rand_augment_transform if policy.startswith('rand') else augment_and_mix_transform
             if policy.startswith('augmix') else auto_augment_transform)
    try:
        build(policy, {})
    except (AssertionError, ValueError, KeyError, IndexError) as e:
        raise UserError(f'AUTO_AUGMENT={policy!r} is invalid ({first_line(e)}); allowed: "" (none) or a timm '
                        f'policy such as rand-m9-mstd0.5-inc1, augmix-m5-w4-d2, original, v0') from None


def validate(cfg: CfgNode) -> CfgNode:
    """Check values whose allowed set is known; raise UserError naming the bad one."""
    if cfg.DOWNSTREAM_EVAL == 'task2vec':   # the original's mode; Task2Vec lives in the controller here
        raise UserError('DOWNSTREAM_EVAL=task2vec is not an engine mode here: embed tasks with '
                        'python controller/task_db.py --tasks NAME ... --output DB.pt (README)')
    if cfg.DOWNSTREAM_EVAL not in DOWNSTREAM_MODES:
        raise UserError(f'DOWNSTREAM_EVAL={cfg.DOWNSTREAM_EVAL!r} is invalid; allowed: {list(DOWNSTREAM_MODES)}')
    if cfg.DOWNSTREAM_EVAL == 'knn' and not cfg.NUM_NEIGHBORS:
        raise UserError('DOWNSTREAM_EVAL=knn needs NUM_NEIGHBORS, e.g. [5]')
    check_choice('KNN_FEATURES', cfg.KNN_FEATURES, KNN_FEATURE_MODES)
    if cfg.BATCH_SIZE < 1:
        raise UserError(f'BATCH_SIZE={cfg.BATCH_SIZE} must be >= 1')
    bad_k = [k for k in cfg.NUM_NEIGHBORS if isinstance(k, bool) or not isinstance(k, int) or k < 1]
    if bad_k:
        raise UserError(f'NUM_NEIGHBORS={cfg.NUM_NEIGHBORS} is invalid; allowed: integers >= 1, e.g. [5]')
    for key in ('MAX_EPOCHS', 'VAL_INTERVAL', 'LOG_INTERVAL'):
        if cfg[key] < 1:
            raise UserError(f'{key}={cfg[key]} is invalid; it must be >= 1')
    if cfg.NUM_WORKERS < 0:
        raise UserError(f'NUM_WORKERS={cfg.NUM_WORKERS} is invalid; allowed: 0 (load in the main process) or more')
    if cfg.WARMUP_EPOCHS < 0:
        raise UserError(f'WARMUP_EPOCHS={cfg.WARMUP_EPOCHS} is invalid; it must be >= 0')
    if cfg.GRAD_CLIP is not None and not cfg.GRAD_CLIP > 0:
        raise UserError(f'GRAD_CLIP={cfg.GRAD_CLIP} is invalid; allowed: None or a number > 0')
    check_choice('INTERPOLATION', cfg.INTERPOLATION, INTERPOLATIONS)
    check_auto_augment(cfg.AUTO_AUGMENT)
    check_model_name(cfg.MODEL)
    if cfg.INPUT_SIZE < 8:
        raise UserError(f'INPUT_SIZE={cfg.INPUT_SIZE} must be >= 8')
    if cfg.SPLIT_FRAC is not None and not 0.0 < float(cfg.SPLIT_FRAC) < 1.0:
        raise UserError(f'SPLIT_FRAC={cfg.SPLIT_FRAC} must be in (0, 1)')
    check_device_name(cfg.DEVICE)
    return cfg
