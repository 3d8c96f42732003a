"""Read a user's data from files: .npy, .npz, .csv/.tsv, IDX (MNIST format, plain or .gz) and image folders."""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .validation import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


@dataclass
class Dataset:
    """Samples ``X`` (n, *sample_shape), optional labels ``y`` (n,), and where they came from."""

    X: np.ndarray
    y: np.ndarray | None = None
    name: str = "data"
    label_names: list[str] = field(default_factory=list)

    @property
    def is_image(self) -> bool:
        return self.X.ndim == 4

    def subset(self, index: np.ndarray) -> Dataset:
        return Dataset(self.X[index], None if self.y is None else self.y[index], self.name, self.label_names)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (the MNIST format), gzip-compressed or not, as an array of its stored dtype."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise DataError(f"cannot read IDX file {path}: {error}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path} is truncated or corrupt: header promises {expected} bytes, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def read_table(path: Path, label_column: str | int | None = None) -> Dataset:
    """A numeric CSV/TSV with an optional header row; ``label_column`` (name or index) becomes ``y``."""
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    cells = [c.strip() for c in first.strip().split(delimiter)]
    has_header = any(_not_a_number(c) for c in cells)
    names = cells if has_header else [str(i) for i in range(len(cells))]
    try:
        table = np.loadtxt(path, delimiter=delimiter, skiprows=int(has_header), dtype=np.float64, ndmin=2)
    except ValueError as error:
        raise DataError(f"{path} has a cell that is not a number: {error}") from None
    if table.size == 0:
        raise DataError(f"{path} has no data rows")
    y = None
    if label_column is not None:
        index = _column_index(label_column, names, path)
        y = table[:, index]
        table = np.delete(table, index, axis=1)
    return Dataset(table, y, path.stem)


def _not_a_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _column_index(column: str | int, names: list[str], path: Path) -> int:
    if isinstance(column, int) or str(column).lstrip("-").isdigit():
        return int(column) % len(names)
    if column not in names:
        raise DataError(f"{path} has no column {column!r}; its columns are {', '.join(names)}")
    return names.index(column)


def read_npz(path: Path) -> Dataset:
    """An .npz holding ``X`` (or ``x``/``data``/its only array) and optionally ``y`` (or ``labels``)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from None
    x_key = next((k for k in ("X", "x", "data", "features") if k in arrays), None)
    if x_key is None:
        if len(arrays) != 1:
            raise DataError(f"{path} holds arrays {sorted(arrays)}; name the samples 'X' (and labels 'y')")
        x_key = next(iter(arrays))
    y_key = next((k for k in ("y", "labels", "target") if k in arrays), None)
    return Dataset(arrays[x_key], None if y_key is None else arrays[y_key], path.stem)


def read_image_folder(path: Path, grayscale: bool | None = None) -> Dataset:
    """Every image under ``path``; images in sub-folders are labelled by the sub-folder's name.

    All images must share one size. ``grayscale=None`` keeps colour only if some image has it.
    """
    from PIL import Image, UnidentifiedImageError

    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{path} holds no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                images.append(image.convert("RGB") if image.mode not in {"L", "I", "F"} else image.convert("L"))
        except (UnidentifiedImageError, OSError) as error:
            raise DataError(f"cannot read image {file}: {error}") from None
    sizes = {image.size for image in images}
    if len(sizes) > 1:
        raise DataError(f"images in {path} have different sizes {sorted(sizes)[:4]}; resize them to one size")
    if grayscale is None:
        grayscale = all(image.mode == "L" for image in images)
    stack = np.stack([np.asarray(image.convert("L" if grayscale else "RGB"), dtype=np.float32) for image in images])
    X = stack[:, None] if grayscale else stack.transpose(0, 3, 1, 2)  # (n, C, H, W)
    classes = sorted({file.parent.relative_to(path).as_posix() for file in files})
    labelled = classes != ["."]
    y = np.array([classes.index(f.parent.relative_to(path).as_posix()) for f in files]) if labelled else None
    return Dataset(X / 255.0, y, path.name, classes if labelled else [])


def read_path(path: str | Path, label_column: str | int | None = None) -> Dataset:
    """Load a data file or image folder by its suffix."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such data file or folder: {path}")
    if path.is_dir():
        return read_image_folder(path)
    name = path.name.lower()
    if name.endswith(".npy"):
        try:
            return Dataset(np.load(path, allow_pickle=False), None, path.stem)
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read {path}: {error}") from None
    if name.endswith(".npz"):
        return read_npz(path)
    if name.endswith((".csv", ".tsv", ".tab", ".txt")):
        return read_table(path, label_column)
    if "idx" in name or "ubyte" in name:
        return Dataset(read_idx(path), None, path.stem)
    raise DataError(f"unsupported data file {path}: use .npy, .npz, .csv, .tsv, an IDX file or an image folder")
