"""Downstream datasets of Task2Sim: registry (configs/datasets.yaml), the 20 loaders, embedded real tasks.

    from datasets import build_dataset
    train = build_dataset('EuroSAT', 'train', transform, with_index=True)   # items (img, label, i)

This package shares its name with the PyPI ``datasets`` package; run from the repository root.
"""
from datasets.registry import (DATA_ROOT_ENV, build_dataset, get_num_classes, list_datasets,
                               load_config, resolve_data_path)

__all__ = ['DATA_ROOT_ENV', 'build_dataset', 'get_num_classes', 'list_datasets', 'load_config',
           'resolve_data_path']
