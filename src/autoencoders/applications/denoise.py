"""Denoising a user's images with a model trained to undo input corruption."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..checkpoint import atomic_write, refuse_existing, refuse_folder
from ..data.images import CHANNEL_COUNTS, IMAGE_SUFFIXES, image_files_in, read_image
from ..errors import ConfigError, DataError
from ..inference import check_model, reconstruct
from ..models._base import Autoencoder


def denoise(model: Autoencoder, X: np.ndarray) -> np.ndarray:
    """The model's clean estimate (n, *input_shape) of noisy samples ``X``; the model must have been trained
    with a ``corruption``, since a plain autoencoder copies noise it was never taught to remove."""
    check_model(model)
    if model.config.corruption is None:
        raise ConfigError(f"this {model.name!r} model was trained without corruption, so it does not denoise; "
                         "train one with --corruption gaussian|mask|salt_pepper (or the denoising family)")
    return reconstruct(model, X)


def image_files(source: str | Path, recursive: bool = False) -> list[Path]:
    """``source`` itself if it is an image file, else the image files in the folder (and its sub-folders if
    ``recursive``), sorted (hidden ones left out)."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"no such image file or folder: {source}")
    if source.is_dir():
        return image_files_in(source, recursive)
    if source.suffix.lower() not in IMAGE_SUFFIXES:
        raise DataError(f"{source} is not an image file ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return [source]


def read_images(files: list[Path], shape: tuple[int, ...]) -> np.ndarray:
    """Images (n, C, H, W) in [0, 1], read as :func:`~autoencoders.data.images.read_image` reads them and converted to
    the model's channels; they must have its height and width."""
    if len(shape) != 3:
        raise DataError(f"read_images takes an image shape (channels, height, width), got {tuple(shape)}: that model "
                        "does not take images")
    channels, height, width = shape
    images = []
    for file in files:
        images.append(read_image(file, channels))  # (C, H, W)
        if images[-1].shape[1:] != (height, width):
            raise DataError(f"{file} is {images[-1].shape[2]}x{images[-1].shape[1]} pixels; the model takes "
                            f"{width}x{height}")
    return np.stack(images)


def write_images(images: np.ndarray, files: list[Path], overwrite: bool = False,
                 bits: Sequence[int] | None = None) -> None:
    """Write images (n, C, H, W) in [0, 1] to ``files`` (format by suffix), each atomically; files that already
    exist are a FileExistsError, before any is written, unless ``overwrite``. ``bits``: each image's bits per value,
    8 (the default) or 16, which a gray image written as PNG or TIFF keeps (as a 16-bit scan it was read from)."""
    from PIL import Image

    images = np.asarray(images)  # a nested list too
    if images.ndim != 4 or images.shape[1] not in CHANNEL_COUNTS:
        raise DataError(f"images must be (n, channels, height, width) with 1, 3 or 4 channels, got shape "
                        f"{images.shape}")
    if len(images) != len(files) or bits is not None and len(bits) != len(files):
        raise DataError(f"{len(images)} images{'' if bits is None else f' and {len(bits)} bit depths'} for "
                        f"{len(files)} files: one file per image")
    files = [refuse_folder(file) for file in files]
    formats = Image.registered_extensions()  # {".png": "PNG", ...}: the temporary file's name says none
    unknown = [str(file) for file in files if file.suffix.lower() not in formats]
    if unknown:
        raise DataError(f"{', '.join(unknown)}: not a picture format Pillow writes (name them .png, .jpg, ...)")
    refuse_existing(files, overwrite)
    for image, file, depth in zip(images, files, bits or [8] * len(files), strict=True):
        _write_image(image, file, formats[file.suffix.lower()], depth)


def _write_image(image: np.ndarray, file: Path, picture_format: str, bits: int) -> None:
    """One image (C, H, W) in [0, 1] to ``file`` in Pillow's ``picture_format``, atomically: 16 ``bits`` a value
    where it is gray and the format holds them (PNG, TIFF; Pillow writes no 16-bit colour), else 8."""
    from PIL import Image

    sixteen = bits == 16 and len(image) == 1 and picture_format in ("PNG", "TIFF")
    dtype = np.uint16 if sixteen else np.uint8
    pixels = np.rint(np.clip(image, 0, 1) * np.iinfo(dtype).max).astype(dtype)  # (C, H, W)
    picture = Image.fromarray(pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0))
    atomic_write(file, lambda tmp: picture.save(tmp, format=picture_format))
