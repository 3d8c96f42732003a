"""Read arrays from files: NumPy's .npy and .npz (never unpickled) and IDX (the MNIST format, plain or .gz)."""

from __future__ import annotations

import gzip
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .dataset import Dataset, labels_as_codes
from .images import images_in, stored_channels_last
from .validation import DataError

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
SAMPLE_NAMES, LABEL_NAMES = ("X", "x", "data", "features"), ("y", "labels", "label", "target")
_NUMPY_MAGIC = {".npy": b"\x93NUMPY", ".npz": b"PK\x03\x04"}  # numpy.save's header; a zip archive's


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (the MNIST format), gzip-compressed or not (told by its content: browsers unpack a download and
    keep its .gz name), as an array of its stored dtype."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        raw = gzip.decompress(raw) if raw.startswith(b"\x1f\x8b") else raw
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"cannot read IDX file {path}: {error}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its {len(raw)} bytes end inside the header of a {ndim}-D IDX array")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path} is truncated or corrupt: header promises {expected} bytes, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def read_idx_samples(path: Path) -> Dataset:
    """The samples of an IDX file as the standard sets give them: 8-bit images (n, H, W) as (n, 1, H, W) in [0, 1]
    (:func:`~.images.images_in`), so a user's copy of MNIST trains the same model as ``--data mnist`` (a conv
    network, a report with images)."""
    samples = read_idx(path)
    if samples.ndim == 1:
        raise DataError(f"{path} is an IDX file of {len(samples)} single values, such as a labels file "
                        "(train-labels-idx1-ubyte): give the images file (train-images-idx3-ubyte)")
    return _samples(samples, path)


def read_npy(path: Path) -> Dataset:
    """The samples of an ``.npy`` file; 8-bit or channels-last images as an IDX file or folder of them gives them
    (:func:`~.images.images_in`)."""
    return _samples(load_numpy(path), path)


def _samples(array: np.ndarray, path: Path, y: np.ndarray | None = None, label_names: list[str] | None = None):
    """A file's samples (images as :func:`~.images.images_in` gives them) and labels as a :class:`Dataset`."""
    return Dataset(images_in(array), y, path.stem, label_names or [], channels_last=stored_channels_last(array))


def load_numpy(path: Path, mmap_mode: str | None = None) -> np.ndarray | dict[str, np.ndarray]:
    """The array of an ``.npy`` file (memory-mapped with ``mmap_mode``), or every array of an ``.npz``, read without
    pickle; a file that is not NumPy's, or is cut short, is a :class:`DataError` naming it (numpy would advise
    unpickling a text file, or raise zipfile's own error)."""
    magic = _NUMPY_MAGIC[path.suffix.lower()]
    with open(path, "rb") as handle:
        start = handle.read(len(magic))
        if start == b"PK\x05\x06":  # a zip archive's end record first: numpy.savez(path) with no arrays
            raise DataError(f"{path} holds no arrays; save them with numpy.savez(path, X=samples)")
        if start != magic:
            raise DataError(f"{path} is not a NumPy {path.suffix.lower()} file (it lacks the header numpy.save / "
                            "numpy.savez write)")
    try:
        if magic == _NUMPY_MAGIC[".npy"]:
            return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:  # closed on a bad zip too
            return {key: archive[key] for key in archive.files}
    except (EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"cannot read {path}: the archive is truncated or corrupt ({error})") from None
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from None


def read_npz(path: Path) -> Dataset:
    """An .npz holding ``X`` (or ``x``/``data``/``features``/its only array) and optionally ``y`` (or
    ``labels``/``label``/``target``); other arrays are named in a warning, as not used. 8-bit and channels-last
    images are read as in an ``.npy``."""
    return named_arrays(load_numpy(path), path)


def named_arrays(arrays: dict[str, np.ndarray], path: Path) -> Dataset:
    """The samples and labels among a file's named ``arrays`` (an .npz's, a .mat's): :func:`read_npz`'s rules."""
    x_key, y_key = _sample_key(arrays, path), next((k for k in LABEL_NAMES if k in arrays), None)
    unused = [key for key in arrays if key not in (x_key, y_key)]
    if unused:
        labels = "" if y_key is None else f", labels from {y_key!r}"
        warnings.warn(f"{path}: samples from {x_key!r}{labels}; array(s) {', '.join(map(repr, unused))} not used",
                      stacklevel=3)
    samples, y = arrays[x_key], None if y_key is None else arrays[y_key]
    if y is None:
        return _samples(samples, path)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column vector, as scikit-learn users often keep labels
    if y.ndim != 1 or samples.ndim == 0 or len(y) != len(samples):
        raise DataError(f"{path}: labels {y_key!r} have shape {y.shape} but samples {x_key!r} have shape "
                        f"{samples.shape}; give one label per sample")
    import pandas as pd

    y, label_names = labels_as_codes(pd.Series(y, name=y_key), path)  # text labels as codes, named
    return _samples(samples, path, y, label_names)


def _sample_key(arrays: dict[str, np.ndarray], path: Path) -> str:
    """The name of the .npz's samples: the first of :data:`SAMPLE_NAMES` it holds, else its only array."""
    key = next((k for k in SAMPLE_NAMES if k in arrays), None)
    if key is None and len(arrays) != 1:
        raise DataError(f"{path} holds arrays {sorted(arrays)}; name the samples 'X' (and labels 'y'): "
                        "numpy.savez(path, X=samples, y=labels)")
    return key or next(iter(arrays))
