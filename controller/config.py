"""ControllerConfig: every key and default of the original controller, plus this project's additions."""
from __future__ import annotations

from typing import Any, Sequence

from yacs.config import CfgNode

from common.config import merge_overrides, merge_yaml
from common.device import check_device_name
from common.errors import UserError
from common.validate import check_choice
from controller.reward_db import REWARD_NORMALISERS
from generator.generator_params import GRID_FIELDS

SEEN_TASKS = ['CropDisease', 'EuroSAT', 'SVHN', 'ChestX', 'Sketch', 'DTD', 'Flowers102',
              'DeepWeeds', 'Resisc45', 'Omniglot', 'ISIC', 'Kaokore']
UNSEEN_TASKS = ['CUB', 'PacsC', 'PacsS', 'AID', 'USPS', 'FMD', 'CactusAerial', 'ChestXPneumonia']

INPUT_NORMS = ('l2', 'center', 'standardize')
REWARD_NORMS = tuple(REWARD_NORMALISERS)
OPTIMIZERS = ('sgd', 'adam')

_DEFAULTS: dict[str, Any] = {
    # the original's keys and defaults (ORIGINAL.md section 6)
    'USE_PBAR': True,
    'SEED': 2,
    'PROJECT': 'tdw_controller-tests',
    'EXPT_NAME': '',
    'TASK_DB_PATHS': ['task_db/resnet18_imagenet_12_seen_tasks.pt',
                      'task_db/resnet18_imagenet_8_unseen_tasks.pt'],
    'REWARD_DB_PATH': 'controller_db/reward_db.json',
    'SAVE_DIR': 'expts/tmp_last_controller_test',
    'MODEL_LOAD_PATH': '',
    'EVAL_ONLY': False,
    'TRAIN_TASKS': list(SEEN_TASKS),
    'TEST_TASKS': list(UNSEEN_TASKS),
    'NUM_EPOCHS': 1000,
    'BATCH_SIZE': 4,
    'LR': 0.001,
    'LR_DECAY_GAMMA': 0.1,
    'LR_DECAY_EPOCH': 500,
    'WD': 1.e-5,
    'EXPL_NOISE': 0.4,
    'NOISE_RED_EPOCH': 5,
    'WARMUP_EPOCHS': 50,
    'NUM_REPLAY_STEPS': 5,
    'IMITATION_START_EPOCH': 50,
    'CONT_OUT_PARAMS': list(GRID_FIELDS),
    'NUM_HIDDEN_NODES': 400,
    'CKPT_SAVE_INTERVAL': None,
    # additions of this project; their defaults reproduce the original behaviour
    'DEVICE': '',                 # '' = cuda when available, else cpu
    'OPTIM': 'sgd',               # sgd (original, momentum 0.9) | adam
    'MOMENTUM': 0.9,
    'WARMUP_LR': 1.e-6,
    'MIN_LR': 1.e-8,
    # The original's loss indexes the head outputs with the whole batch's choices, so every task in a
    # batch is pushed toward every other task's sampled setting (weighted by that task's advantage).
    'CROSS_TASK_LOSS': True,
    'INPUT_NORM': 'l2',           # l2 (original) | center | standardize: fitted on the seen tasks, see model.set_input_norm
    'ADV_NORM': False,            # divide advantages by a running std of the rewards' advantages
    'INIT_GAIN': 1.0,             # scale of the heads' initial weights (1 = PyTorch default)
    'FAST_SUBSPACE': True,        # exact re-parametrisation of layer 1 on the span of the seen tasks (speed)
    'PROBE': 'resnet18',          # probe that made the task DB (predict.py embeds new tasks with it)
    # transfer to new tasks (docs/controller.md, "Transfer"); defaults = the original's single model
    'REWARD_NORM': 'none',        # none | zscore | rank: per-task normalisation of the rewards REINFORCE sees
    'ENSEMBLE': 1,                # members trained with seeds SEED, SEED+1, ...; their head probabilities are averaged
    'SHRINK_COS': None,           # a new task whose largest cosine to a training task is below this gets the
                                  # training tasks' best single setting instead of the controller's pick (None:
                                  # never; auto: the largest cosine between two training tasks whose
                                  # best settings differ)
    'SAVE_PLOTS': True,
    'LOG_INTERVAL': 100,          # epochs between progress lines in --debug logs
}


class ControllerConfig(CfgNode):
    """A yacs node with every controller key; built from defaults, then a YAML file, then KEY VALUE overrides."""

    def __init__(self, config_yaml: str | dict = '', config_override: Sequence[Any] = ()):
        if isinstance(config_yaml, dict):  # yacs re-creates nodes from dicts internally
            super().__init__(config_yaml)
            return
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in _DEFAULTS.items()}
        super().__init__(values)
        if config_yaml:
            merge_yaml(self, config_yaml)
        overrides = list(config_override)
        for key in overrides[0::2]:   # keys without a typed default take any type, also after the YAML set one
            if _DEFAULTS.get(str(key), 0) is None:
                self[str(key)] = None
        merge_overrides(self, overrides)
        validate(self)
        self.freeze()


def validate(cfg: CfgNode) -> CfgNode:
    """Check the values whose allowed set is known; raise UserError naming the bad one."""
    check_choice('OPTIM', cfg.OPTIM, OPTIMIZERS)
    check_choice('INPUT_NORM', cfg.INPUT_NORM, INPUT_NORMS)
    check_choice('REWARD_NORM', cfg.REWARD_NORM, REWARD_NORMS)
    shrink = cfg.SHRINK_COS
    if shrink is not None and shrink != 'auto' and (isinstance(shrink, bool) or not isinstance(shrink, (int, float))
                                                    or not -1.0 <= shrink <= 1.01):
        raise UserError(f'SHRINK_COS={shrink!r} is invalid; allowed: None, auto, or a cosine in [-1, 1.01]')
    bad = [p for p in cfg.CONT_OUT_PARAMS if p not in GRID_FIELDS]
    if bad or not cfg.CONT_OUT_PARAMS:
        raise UserError(f'CONT_OUT_PARAMS has invalid entries {bad or cfg.CONT_OUT_PARAMS}; '
                        f'allowed: a non-empty subset of {list(GRID_FIELDS)}')
    for key in ('NUM_EPOCHS', 'BATCH_SIZE', 'NUM_HIDDEN_NODES', 'NOISE_RED_EPOCH', 'ENSEMBLE'):
        if cfg[key] < 1:
            raise UserError(f'{key}={cfg[key]} must be >= 1')
    for key in ('NUM_REPLAY_STEPS', 'WARMUP_EPOCHS', 'IMITATION_START_EPOCH', 'LR_DECAY_EPOCH'):
        if cfg[key] < 0:
            raise UserError(f'{key}={cfg[key]} must be >= 0')
    if not 0.0 <= cfg.EXPL_NOISE < 0.5:
        raise UserError(f'EXPL_NOISE={cfg.EXPL_NOISE} must be in [0, 0.5) (probability moved off the argmax)')
    if cfg.LR <= 0:
        raise UserError(f'LR={cfg.LR} must be > 0')
    if not cfg.TRAIN_TASKS:
        raise UserError('TRAIN_TASKS is empty; name at least one task with rewards')
    if len(set(cfg.TRAIN_TASKS)) != len(cfg.TRAIN_TASKS) or len(set(cfg.TEST_TASKS)) != len(cfg.TEST_TASKS):
        raise UserError('TRAIN_TASKS and TEST_TASKS must not repeat a task')
    from models.probes import PROBES
    if cfg.PROBE not in PROBES:
        raise UserError(f'PROBE={cfg.PROBE!r} is invalid; allowed: {sorted(PROBES)}')
    check_device_name(cfg.DEVICE)
    if cfg.CKPT_SAVE_INTERVAL is not None and cfg.CKPT_SAVE_INTERVAL < 1:
        raise UserError(f'CKPT_SAVE_INTERVAL={cfg.CKPT_SAVE_INTERVAL} must be >= 1 or None')
    return cfg


def config_to_dict(cfg: CfgNode) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in cfg.items()}
