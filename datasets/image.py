"""Image decoding shared by every loader: PIL RGB out, unreadable files become a UserError naming the file."""
from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from common.errors import UserError

# As in the original (DATASETS.md 1.7): partially written JPEGs still decode (the missing part is grey).
ImageFile.LOAD_TRUNCATED_IMAGES = True

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def is_image_file(name: str) -> bool:
    return name.lower().endswith(IMG_EXTENSIONS)


def open_rgb(path: str | os.PathLike) -> Image.Image:
    """Decode one image file to PIL RGB; a missing or corrupt file raises UserError naming it."""
    try:
        with open(path, 'rb') as f:
            img = Image.open(f)
            img.load()
        return img if img.mode == 'RGB' else img.convert('RGB')
    except FileNotFoundError:
        raise UserError(f'image file not found: {path}') from None
    except UnidentifiedImageError:
        raise UserError(f'cannot read image {path}: corrupt or not an image file') from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise UserError(f'cannot read image {path}: {e}') from None


def array_to_rgb(arr: np.ndarray) -> Image.Image:
    """An HxW (grey) or HxWx3 uint8 array as a PIL RGB image."""
    return Image.fromarray(np.ascontiguousarray(arr, dtype=np.uint8)).convert('RGB')
