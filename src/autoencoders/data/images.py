"""Image files as float arrays (C, H, W), scaled by each file's own bit depth; the image files of a folder; images
laid out in one grid image."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..options import require_count
from .validation import DataError

# what Pillow reads and writes; .pgm/.ppm: face sets such as AT&T's (ORL) come as them
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"}

# Grayscale modes and the value of their white: 1-bit, 8-bit (with alpha), 16-bit (PNG, TIFF; Pillow may widen them
# to 32-bit "I") and 32-bit float (kept as stored). Every other mode (RGB, RGBA, P, CMYK, ...) is read as 8-bit RGB,
# but a palette ("P") of gray colours alone, as 8-bit gray.
_GRAY_WHITE = {"1": 1.0, "L": 255.0, "LA": 255.0, "I": 65535.0, "I;16": 65535.0, "I;16B": 65535.0,
               "I;16L": 65535.0, "I;16N": 65535.0, "F": 1.0}
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601-2, as Pillow's RGB -> L


def read_image(file: Path, channels: int | None = None) -> np.ndarray:
    """One image file as float32 (C, H, W), turned upright by its EXIF orientation, scaled by its own bit depth:
    8-bit / 255 and 16-bit / 65535 into [0, 1] (so 16-bit scans keep their range), 32-bit float pixels as stored.
    ``channels`` None keeps the image's own (1 for grayscale, else 3); 1 or 3 converts it (luminance, or gray
    repeated)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(file) as stored:
            image = ImageOps.exif_transpose(stored)  # upright as viewers show it: a phone's photo is stored sideways
            _warn_of_transparency(image, file)
            if image.mode == "P" and _gray_palette(image):  # a GIF of gray pictures: its colours all gray
                image = image.convert("L")
            if image.mode in _GRAY_WHITE:
                pixels = np.asarray(image.convert("L") if image.mode == "LA" else image, np.float32)[None]
                pixels = pixels / np.float32(_GRAY_WHITE[image.mode])  # (1, H, W)
                if image.mode == "I" and (pixels.min() < 0 or pixels.max() > 1):
                    raise DataError(f"image {file} has 32-bit integer pixels outside 0..65535; save it as 8- or "
                                    "16-bit")
            else:
                pixels = np.asarray(image.convert("RGB"), np.float32).transpose(2, 0, 1) / np.float32(255)
    except (UnidentifiedImageError, OSError) as error:
        raise DataError(f"cannot read image {file}: {error}") from None
    return pixels if channels is None else with_channels(pixels, channels)


def bit_depth(file: Path) -> int:
    """The bits of each pixel value of an image file as :func:`read_image` scales it: 16 for 16-bit gray (PNG, TIFF),
    else 8."""
    from PIL import Image

    with Image.open(file) as image:
        return 16 if _GRAY_WHITE.get(image.mode) == 65535.0 else 8


def _gray_palette(image) -> bool:
    """Whether the palette colours a palette image ("P": every GIF) uses are all gray (red = green = blue)."""
    used = np.unique(np.asarray(image))  # palette indices
    colours = np.asarray(image.getpalette("RGB"), np.uint8).reshape(-1, 3)[used]  # (used, RGB)
    return bool((colours == colours[:, :1]).all())


def _warn_of_transparency(image, file: Path) -> None:
    """Warn that a picture's transparent pixels (alpha below opaque: a logo's or a cut-out's background) are read as
    the colour they hide, since its alpha channel is not read; an opaque alpha channel loses nothing."""
    # an alpha channel, or a palette's or gray's transparent value (Pillow 9 has no has_transparency_data)
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return
    alpha = np.asarray(image.convert("RGBA").getchannel("A"))  # (H, W), 255 opaque
    if alpha.min() < 255:
        warnings.warn(f"{file}: {np.mean(alpha < 255):.0%} of its pixels are transparent; the alpha channel is not "
                      "read, so they count as the colour they hide (flatten the picture onto a background first)",
                      stacklevel=4)


CHANNEL_COUNTS = (1, 3, 4)  # gray, RGB, RGBA


def is_channels_last(shape: tuple[int, ...]) -> bool:
    """Whether an image shape taken as (C, H, W) is rather (H, W, C), as PIL, Keras and CIFAR keep images: a last
    axis of 1, 3 or 4 after a first axis that is none of those."""
    return len(shape) == 3 and shape[-1] in CHANNEL_COUNTS and shape[0] not in CHANNEL_COUNTS


def holds_images(array: np.ndarray) -> bool:
    """Whether ``array`` is images to read as (n, C, H, W): 8-bit (n, H, W), (n, C, H, W) or (n, H, W, C) (unsigned
    bytes of 3 or 4 dims), or any 4-D array of channels-last samples (n, H, W, C) (floats as Keras and scaled CIFAR
    arrays keep them)."""
    return (array.dtype == np.uint8 and array.ndim in (3, 4)) or (array.ndim == 4 and is_channels_last(array.shape[1:]))


def stored_channels_last(array: np.ndarray) -> bool:
    """Whether :func:`images_in` moves ``array``'s last axis to its channels: images stored (n, H, W, C)."""
    return holds_images(array) and array.ndim == 4 and is_channels_last(array.shape[1:])


def images_as_stored(samples: np.ndarray, channels_last: bool) -> np.ndarray:
    """Samples to write back in their file's layout: images (n, C, H, W) as (n, H, W, C) when the file stored them
    so (``channels_last``, :func:`stored_channels_last`), as :func:`images_in` read them; anything else as it is."""
    return np.moveaxis(samples, 1, -1) if channels_last and np.ndim(samples) == 4 else samples


def images_in(array: np.ndarray) -> np.ndarray:
    """An array as the images it holds (:func:`holds_images`), (n, C, H, W), as an image folder or IDX file of them
    is read: 8-bit ones float32 in [0, 1], (n, H, W) gray, channels-last moved to channels-first (other dtypes keep
    their values). Any other array as it is."""
    if not holds_images(array):
        return array
    images = array[:, None] if array.ndim == 3 else array  # (n, C, H, W) or (n, H, W, C)
    if is_channels_last(images.shape[1:]):
        images = np.ascontiguousarray(np.moveaxis(images, -1, 1))
    return images.astype(np.float32) / np.float32(255) if array.dtype == np.uint8 else images


def with_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """Image ``pixels`` (..., C, H, W), C 1 or 3, with 1 (luminance) or 3 (gray repeated) channels."""
    if pixels.shape[-3] == channels:
        return pixels
    if channels == 3:
        return np.repeat(pixels, 3, axis=-3)
    return np.einsum("...chw,c->...hw", pixels, _LUMA)[..., None, :, :]


def image_files_in(folder: Path, recursive: bool) -> list[Path]:
    """The image files in ``folder`` (and its sub-folders if ``recursive``), sorted; hidden files and folders (a name
    starting with ".": the ``._name.png`` resource forks macOS leaves on shared drives, ``.ipynb_checkpoints``)
    are not images of the data. Other files are left out with a warning that names one (a .heic photo, notes)."""
    visible = sorted(p for p in (folder.rglob("*") if recursive else folder.iterdir())
                     if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    files = [p for p in visible if p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise DataError(f"{folder} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    others = [p for p in visible if p.suffix.lower() not in IMAGE_SUFFIXES]
    if others:
        warnings.warn(f"{folder}: left out {len(others)} file(s) that are not images "
                      f"({', '.join(sorted(IMAGE_SUFFIXES))}), e.g. {others[0].relative_to(folder)}", stacklevel=3)
    return files


def tile_images(images: np.ndarray, columns: int = 8, margin: int = 0, fill: float = 0.0) -> np.ndarray:
    """Images (n, C, H, W) laid out row by row in one image (C, rows * (H + margin) - margin, columns * (W + margin)
    - margin): ``margin`` pixels of ``fill`` between neighbours, as image grids are drawn; empty cells are ``fill``
    too (black by default)."""
    images = np.asarray(images)  # a nested list too; its dtype kept (uint8 pixels, or NaN-filled floats)
    if images.ndim != 4:
        raise DataError(f"only image samples (n, C, H, W) can be tiled, got shape {images.shape}")
    require_count("columns", columns)
    require_count("margin", margin, least=0)
    n, channels, height, width = images.shape
    columns = min(columns, n)
    rows = -(-n // columns)
    canvas = np.full((rows * columns, channels, height + margin, width + margin), fill, images.dtype)
    canvas[:n, :, :height, :width] = images  # each cell: its image, then the margin below and to its right
    grid = canvas.reshape(rows, columns, channels, height + margin, width + margin).transpose(2, 0, 3, 1, 4)
    grid = grid.reshape(channels, rows * (height + margin), columns * (width + margin))  # from (C, rows, H, cols, W)
    return grid[:, : grid.shape[1] - margin, : grid.shape[2] - margin]  # no margin after the last row and column
