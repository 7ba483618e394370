"""Miniature copies of the 20 downstream datasets' on-disk layouts, made by the tests.

Every fake image is one flat colour whose red value encodes the label the spec's rule must give it
(``10 + 20 * label``), so a test can check label parsing by decoding the image. ``make_fake(name, root)``
writes the layout under ``root/<the yaml's dir>`` and returns the counts the spec's rules imply.
"""
from __future__ import annotations

import bz2
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import h5py
import numpy as np
import scipy.io
from PIL import Image

SIZE = 6


def value_of(label: int) -> int:
    return 10 + 20 * label


def label_of(img: Image.Image) -> int:
    """The label a fake image encodes (its red value)."""
    r = np.asarray(img)[..., 0].astype(float).mean()
    return int(round((r - 10) / 20))


def seeded_counts(sizes: list[int]) -> tuple[int, int]:
    train = sum(int(0.7 * n) for n in sizes)
    return train, sum(sizes) - train


@dataclass
class Expect:
    train: int
    test: int
    classes: int          # distinct labels over both splits
    seeded: bool = False


def save_image(path: Path, label: int, mode: str = 'RGB') -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    v = value_of(label)
    img = Image.new('L', (SIZE, SIZE), v) if mode == 'L' else Image.new('RGB', (SIZE, SIZE), (v, v, v))
    fmt = 'JPEG' if path.suffix.lower() in ('.jpg', '.jpeg') else 'PNG'
    img.save(path, fmt, **({'quality': 95} if fmt == 'JPEG' else {}))


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def class_folders(root: Path, sizes: dict[str, int], ext: str = '.jpg', mode: str = 'RGB') -> None:
    """``root/<class>/<class>_<n><ext>``; classes are given in sorted order, so label = position."""
    assert list(sizes) == sorted(sizes)
    for label, (cls, n) in enumerate(sizes.items()):
        for k in range(n):
            save_image(root / cls / f'{cls}_{k:04d}{ext}', label, mode)


# ---------------------------------------------------------------- one fake per dataset

def fake_cropdisease(root: Path) -> Expect:
    base = root / 'CropDiseases'
    classes = ['Apple___Apple_scab', 'Apple___healthy', 'Corn___Common_rust']
    class_folders(base / 'train', dict.fromkeys(classes, 3))
    class_folders(base / 'test', dict.fromkeys(classes, 2))
    return Expect(9, 6, 3)


def fake_eurosat(root: Path) -> Expect:
    sizes = {'AnnualCrop': 5, 'Forest': 4, 'Highway': 3}
    class_folders(root / 'EuroSAT' / '2750', sizes)
    return Expect(*seeded_counts(list(sizes.values())), 3, seeded=True)


def _svhn_mat(path: Path, digits: list[int]) -> None:
    n = len(digits)
    x = np.zeros((32, 32, 3, n), dtype=np.uint8)
    for k, d in enumerate(digits):
        x[..., k] = value_of(d)
    y = np.array([[10 if d == 0 else d] for d in digits], dtype=np.uint8)  # the .mat stores digit 0 as 10
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {'X': x, 'y': y})


def fake_svhn(root: Path) -> Expect:
    _svhn_mat(root / 'SVHN' / 'train_32x32.mat', [0, 1, 2, 3, 9, 0, 5])
    _svhn_mat(root / 'SVHN' / 'test_32x32.mat', [0, 4, 9])
    return Expect(7, 3, 7)


def fake_chestx(root: Path) -> Expect:
    base = root / 'chest_xray'
    header = ['Image Index', 'Finding Labels', 'Follow-up #', 'Patient ID', 'Patient Age', 'Patient Gender',
              'View Position', 'OriginalImage[Width', 'Height]', 'OriginalImagePixelSpacing[x', 'y]']
    findings = ['Atelectasis', 'Cardiomegaly', 'Effusion', 'Infiltration', 'Mass', 'Nodule', 'Pneumothorax']
    rows, sizes = [], {}
    k = 0
    for label, finding in enumerate(findings):
        for _ in range(3 if label != 3 else 5):
            name = f'{k:08d}_000.png'
            rows.append([name, finding, 0, k, 50, 'M', 'PA', 1024, 1024, 0.14, 0.14])
            save_image(base / 'images_resized' / name, label, 'L')
            sizes[label] = sizes.get(label, 0) + 1
            k += 1
    for dropped in ('No Finding', 'Pneumonia', 'Atelectasis|Effusion', 'Hernia'):
        name = f'{k:08d}_000.png'
        rows.append([name, dropped, 0, k, 50, 'F', 'AP', 1024, 1024, 0.14, 0.14])
        save_image(base / 'images_resized' / name, 0, 'L')
        k += 1
    rows.append(['99999999_000.png', 'Mass', 0, k, 40, 'F', 'PA', 1024, 1024, 0.14, 0.14])  # file missing: skipped
    write_csv(base / 'Data_Entry_2017.csv', header, rows)
    return Expect(*seeded_counts(list(sizes.values())), 7, seeded=True)


def fake_sketch(root: Path) -> Expect:
    sizes = {'n01440764': 4, 'n01443537': 4, 'n01484850': 3}
    class_folders(root / 'sketch', sizes, ext='.JPEG')
    save_image(root / 'sketch' / 'n01443537' / 'n01443537_grey.JPEG', 1, 'L')  # grey source -> RGB
    return Expect(*seeded_counts([4, 5, 3]), 3, seeded=True)


def fake_dtd(root: Path) -> Expect:
    base = root / 'dtd'
    classes = ['banded', 'braided', 'zigzagged']
    lists = {'train1': [], 'val1': [], 'test1': []}
    for label, cls in enumerate(classes):
        for k in range(6):
            rel = f'{cls}/{cls}_{k:04d}.jpg'
            save_image(base / 'images' / rel, label)
            lists[['train1', 'train1', 'val1', 'val1', 'test1', 'test1'][k]].append(rel)
    (base / 'images' / '.DS_Store').write_bytes(b'\0')  # must not shift the class indices
    (base / 'labels').mkdir()
    for name, rels in lists.items():
        (base / 'labels' / f'{name}.txt').write_text(''.join(r + '\n' for r in rels))
    (base / 'labels' / 'train2.txt').write_text(lists['test1'][0] + '\n')  # other splits are unused
    return Expect(12, 6, 3)


def fake_flowers(root: Path) -> Expect:
    base = root / '102flowers'
    labels = [1, 1, 2, 2, 3, 3, 1, 2, 3, 3]  # 1-based, image ids 1..10
    for k, lab in enumerate(labels, start=1):
        save_image(base / 'jpg' / f'image_{k:05d}.jpg', lab - 1)
    scipy.io.savemat(base / 'imagelabels.mat', {'labels': np.array([labels], dtype=np.uint8)})
    scipy.io.savemat(base / 'setid.mat', {'trnid': np.array([[1, 3, 5]]), 'valid': np.array([[2, 4]]),
                                           'tstid': np.array([[6, 7, 8, 9, 10]])})
    return Expect(5, 5, 3)


def fake_deepweeds(root: Path) -> Expect:
    base = root / 'DeepWeeds'
    species = ['Chinee apple', 'Lantana', 'Negative']
    plan = [0, 0, 0, 1, 1, 1, 1, 8, 8, 8, 8, 8, 1]
    rows = []
    for k, lab in enumerate(plan):
        name = f'20170{k:03d}-000000-0.jpg'
        save_image(base / 'images' / name, lab)
        rows.append([name, lab, species[min(lab, 2)]])
    rows.append(['missing-0.jpg', 0, 'Chinee apple'])
    write_csv(base / 'labels.csv', ['Filename', 'Label', 'Species'], rows)
    return Expect(*seeded_counts([3, 5, 5]), 3, seeded=True)


def fake_resisc45(root: Path) -> Expect:
    """One 700-image class: the seeded split must give int(0.7*700) == 489 train images."""
    sizes = {'airplane': 700, 'beach': 3}
    class_folders(root / 'Resisc45', sizes)
    return Expect(489 + 2, 211 + 1, 2, seeded=True)


def fake_omniglot(root: Path) -> Expect:
    base = root / 'omniglot' / 'omniglot-py' / 'images_evaluation'
    label = 0
    sizes = []
    for alphabet in ('Angelic', 'Atemayar_Qelisayer'):
        for character in ('character01', 'character02'):
            n = 5 if label % 2 == 0 else 4
            for k in range(n):
                save_image(base / alphabet / character / f'{label:04d}_{k:02d}.png', label, 'L')
            sizes.append(n)
            label += 1
    return Expect(*seeded_counts(sizes), 4, seeded=True)


def fake_isic(root: Path) -> Expect:
    base = root / 'ISIC'
    names = ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC']
    plan = [1, 1, 1, 1, 0, 0, 0, 6, 6, 6, 2, 2]
    rows = []
    for k, lab in enumerate(plan):
        image = f'ISIC_{k:07d}'
        save_image(base / 'ISIC2018_Input_Resized' / f'{image}.jpg', lab)
        rows.append([image] + ['1.0' if c == lab else '0.0' for c in range(7)])
    rows.append(['ISIC_9999999'] + ['1.0'] + ['0.0'] * 6)  # image missing: skipped
    write_csv(base / 'ISIC2018_Task3_Training_GroundTruth' / 'ISIC2018_Task3_Training_GroundTruth.csv',
              ['image'] + names, rows)
    return Expect(*seeded_counts([4, 3, 3, 2]), 4, seeded=True)


def fake_kaokore(root: Path) -> Expect:
    base = root / 'kaokore'
    plan = [(0, 0, 'train'), (0, 1, 'train'), (1, 2, 'train'), (1, 3, 'train'), (1, 0, 'train'),
            (0, 3, 'test'), (1, 1, 'test'), (0, 2, 'dev'), (1, 3, 'dev')]
    rows = []
    for k, (gender, status, split) in enumerate(plan):
        name = f'{k:08d}.jpg'
        save_image(base / 'images_256' / name, 4 * gender + status)
        rows.append([name, gender, status, split])
    rows.append(['00009999.jpg', 0, 0, 'train'])  # dead URL: never downloaded, left out
    write_csv(base / 'labels.csv', ['image', 'gender', 'status', 'set'], rows)
    return Expect(5, 2, 7)


def fake_cub(root: Path) -> Expect:
    base = root / 'CUB_data' / 'CUB_200_2011'
    classes = ['001.Black_footed_Albatross', '002.Laysan_Albatross', '003.Sooty_Albatross']
    images, labels, split = [], [], []
    image_id = 1
    for c, cls in enumerate(classes):
        for k in range(4):
            rel = f'{cls}/{cls[4:]}_{k:04d}_{image_id}.jpg'
            save_image(base / 'images' / rel, c)
            images.append(f'{image_id} {rel}')
            labels.append(f'{image_id} {c + 1}')
            split.append(f'{image_id} {1 if k < 3 else 0}')
            image_id += 1
    (base / 'images.txt').write_text('\n'.join(images) + '\n')
    (base / 'image_class_labels.txt').write_text('\n'.join(labels) + '\n')
    (base / 'train_test_split.txt').write_text('\n'.join(split) + '\n')
    return Expect(9, 3, 3)


def _pacs_h5(path: Path, labels: list[int]) -> None:
    """``images`` N x H x W x 3 stored BGR; ``labels`` 1-based. Red encodes the 0-based label."""
    rgb = np.zeros((len(labels), SIZE, SIZE, 3), dtype=np.uint8)
    for k, lab in enumerate(labels):
        rgb[k] = (value_of(lab - 1), 0, 255)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, 'w') as f:
        f.create_dataset('images', data=rgb[..., ::-1])
        f.create_dataset('labels', data=np.array(labels, dtype=np.float64))


def fake_pacs(root: Path, domain: str) -> Expect:
    base = root / 'PACS'
    _pacs_h5(base / f'{domain}_train.hdf5', [1, 2, 3, 4, 5, 6, 7, 7])
    _pacs_h5(base / f'{domain}_val.hdf5', [1, 7, 3])
    _pacs_h5(base / f'{domain}_test.hdf5', [1] * 11)  # the whole domain: unused
    return Expect(8, 3, 7)


def fake_aid(root: Path) -> Expect:
    sizes = {'Airport': 4, 'BareLand': 3, 'Viaduct': 5}
    for label, (cls, n) in enumerate(sizes.items()):
        for k in range(n):
            save_image(root / 'AID' / cls / f'{cls.lower()}_{k + 1}.jpg', label)
    return Expect(*seeded_counts(list(sizes.values())), 3, seeded=True)


def _usps_bz2(path: Path, digits: list[int]) -> None:
    lines = []
    for d in digits:
        v = value_of(d) / 255 * 2 - 1
        lines.append(f'{d + 1} ' + ' '.join(f'{k + 1}:{v:.6f}' for k in range(256)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bz2.compress(('\n'.join(lines) + '\n').encode()))


def fake_usps(root: Path) -> Expect:
    _usps_bz2(root / 'USPS' / 'usps.bz2', [0, 1, 2, 9, 9, 5])
    _usps_bz2(root / 'USPS' / 'usps.t.bz2', [3, 0])
    return Expect(6, 2, 6)


def fake_fmd(root: Path) -> Expect:
    sizes = {'fabric': 10, 'foliage': 10, 'glass': 7}
    class_folders(root / 'FMD', sizes)
    return Expect(*seeded_counts(list(sizes.values())), 3, seeded=True)


def fake_cactus(root: Path) -> Expect:
    base = root / 'CactusAerial'
    class_folders(base / 'training_set' / 'training_set', {'cactus': 4, 'no_cactus': 3})
    class_folders(base / 'validation_set' / 'validation_set', {'cactus': 2, 'no_cactus': 2})
    return Expect(7, 4, 2)


def fake_chestx_pneumonia(root: Path) -> Expect:
    base = root / 'ChestXPneumonia'
    class_folders(base / 'train', {'NORMAL': 3, 'PNEUMONIA': 5}, ext='.jpeg', mode='L')
    class_folders(base / 'test', {'NORMAL': 2, 'PNEUMONIA': 2}, ext='.jpeg', mode='L')
    class_folders(base / 'val', {'NORMAL': 1, 'PNEUMONIA': 1}, ext='.jpeg', mode='L')  # unused
    return Expect(8, 4, 2)


FAKES: dict[str, Callable[[Path], Expect]] = {
    'CropDisease': fake_cropdisease, 'EuroSAT': fake_eurosat, 'SVHN': fake_svhn, 'ChestX': fake_chestx,
    'Sketch': fake_sketch, 'DTD': fake_dtd, 'Flowers102': fake_flowers, 'DeepWeeds': fake_deepweeds,
    'Resisc45': fake_resisc45, 'Omniglot': fake_omniglot, 'ISIC': fake_isic, 'Kaokore': fake_kaokore,
    'CUB': fake_cub, 'PacsC': lambda r: fake_pacs(r, 'cartoon'), 'PacsS': lambda r: fake_pacs(r, 'sketch'),
    'AID': fake_aid, 'USPS': fake_usps, 'FMD': fake_fmd, 'CactusAerial': fake_cactus,
    'ChestXPneumonia': fake_chestx_pneumonia,
}


def make_fake(name: str, root: Path) -> Expect:
    return FAKES[name](Path(root))
