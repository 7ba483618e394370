"""Transforms of DATASETS.md 2: deterministic eval (kNN / Task2Vec / test) and timm training augmentation."""
from __future__ import annotations

from typing import Callable

from torchvision import transforms as T
from torchvision.transforms import InterpolationMode

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def build_eval_transform(input_size: int = 224) -> Callable:
    """Resize the shorter side to int(input_size*256/224) (bicubic), center-crop input_size, ImageNet norm.

    At the original's fixed 224 this is Resize(256) + CenterCrop(224).
    """
    return T.Compose([
        T.Resize(int(input_size * 256 / 224), interpolation=InterpolationMode.BICUBIC),
        T.CenterCrop(input_size),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


def build_train_transform(input_size: int = 224, color_jitter: float | None = 0.4,
                          auto_augment: str | None = 'rand-m9-mstd0.5-inc1',
                          interpolation: str = 'bicubic') -> Callable:
    """timm training transform (RandomResizedCrop, flip, jitter, optional AutoAugment, ImageNet norm).

    Defaults are ClassifierConfig's global defaults; the lineval/finetune yamls pass jitter 0, no
    AutoAugment and bilinear. Random erasing is off as in the original.
    """
    from timm.data import create_transform
    return create_transform(input_size=input_size, is_training=True, color_jitter=color_jitter,
                            auto_augment=auto_augment or None, interpolation=interpolation,
                            mean=IMAGENET_MEAN, std=IMAGENET_STD)
