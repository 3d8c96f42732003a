"""Read a user's data from a path, by its kind: arrays (.npy, .npz, IDX: :mod:`.array_files`; MATLAB .mat:
:mod:`.foreign`), tables (.csv/.tsv, plain or compressed, .parquet, .arff: :mod:`.table_files`) and image
folders (each image read by :mod:`.images`)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .array_files import load_numpy, read_idx, read_idx_samples, read_npy, read_npz
from .dataset import Dataset
from .foreign import read_mat
from .images import IMAGE_SUFFIXES, image_files_in, read_image, with_channels
from .table_files import (
    ARFF_SUFFIX,
    PARQUET_SUFFIXES,
    TABLE_SUFFIXES,
    RowIdWarning,
    TableOptions,
    read_table,
    row_id_columns,
)
from .text_tables import TEXT_OPENERS, uncompressed_name
from .validation import DataError

# Names other modules and users import from here, read by the modules above.
__all__ = ["Dataset", "TableOptions", "TEXT_OPENERS", "load_numpy", "read_idx", "read_path", "read_image_folder",
           "read_table", "row_id_columns", "RowIdWarning"]

# Formats people bring that are not read, with the way to one that is.
_OTHER_FORMATS = {
    (".xlsx", ".xls", ".xlsm", ".ods"): "; a spreadsheet: save it as CSV (in Excel: 'CSV UTF-8')",
    (".pkl", ".pickle", ".joblib"): "; a pickle is never loaded (it can run code): save the array with numpy.save",
    (".h5", ".hdf5"): "; from HDF5, save the array with numpy.save, or stream its dataset in Python "
                      "(Trainer.fit(ChunkedRows(dataset)))",
}


def read_path(path: str | Path, label_column: str | int | None = None, table: TableOptions | None = None) -> Dataset:
    """Load a data file or image folder by its suffix (a folder named .parquet is a Parquet data set: Spark and
    pyarrow write one as a folder of parts). ``label_column`` is for a table only: it would be ignored elsewhere."""
    path = Path(path).expanduser()  # "~/rows.csv" as pandas reads it (a shell leaves a quoted ~ as it is)
    if not path.exists():
        raise FileNotFoundError(f"no such data file or folder: {path}")
    name = path.name.lower()
    is_table = uncompressed_name(path).endswith(TABLE_SUFFIXES) or name.endswith((*PARQUET_SUFFIXES, ARFF_SUFFIX))
    if path.is_dir() and (name.endswith((".npy", ".npz")) or is_table and not name.endswith(PARQUET_SUFFIXES)):
        raise DataError(f"{path} is a folder, not a {path.suffix} file (a folder is read as images): give the "
                        "file itself")
    if is_table:
        return read_table(path, label_column, table)
    if label_column is not None:
        raise DataError(f"{path} is not a table, so it has no label column {label_column!r} (--label-column): an "
                        "array's labels go with it in an .npz, numpy.savez(path, X=samples, y=labels); images' "
                        "labels are their sub-folders")
    if path.is_dir():
        return read_image_folder(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise DataError(f"{path} is one image; the data is a folder of images (of one size; sub-folders for "
                        "labels): give the folder that holds them")
    if name.endswith(".npy"):
        return read_npy(path)
    if name.endswith(".npz"):
        return read_npz(path)
    if name.endswith(".mat"):
        return read_mat(path)
    if "idx" in name or "ubyte" in name:
        return read_idx_samples(path)
    hint = next((text for suffixes, text in _OTHER_FORMATS.items() if name.endswith(suffixes)), "")
    raise DataError(f"unsupported data file {path}: use .npy, .npz, .csv, .tsv (.gz, .bz2, .xz ok), .parquet, "
                    f".arff, .mat, an IDX file or an image folder{hint}")


def read_image_folder(path: str | Path, grayscale: bool | None = None) -> Dataset:
    """Every image under ``path`` (read by :func:`~autoencoders.data.images.read_image`); images in sub-folders are
    labelled by the sub-folder's name.

    All images must share one size. ``grayscale=None`` keeps colour only if some image has it.
    """
    path = Path(path)
    files = image_files_in(path, recursive=True)
    folders = [file.parent.relative_to(path).as_posix() for file in files]  # "." for the top level
    if "." in folders and set(folders) != {"."}:  # before any image is read
        loose, classed = files[folders.index(".")], next(f for f, d in zip(files, folders, strict=True) if d != ".")
        raise DataError(f"{path} has images at its top level (e.g. {loose.name}) beside class folders (e.g. "
                        f"{classed.relative_to(path)}): move them into a class folder, or point at one folder")
    images = [read_image(file) for file in files]  # (C, H, W) each, C 1 or 3
    _check_one_size(path, files, images)
    if grayscale is None:
        grayscale = all(len(image) == 1 for image in images)
        _warn_of_colour_among_gray(path, files, images)
    X = np.stack([with_channels(image, 1 if grayscale else 3) for image in images])  # (n, C, H, W)
    classes = sorted(set(folders))
    labelled = classes != ["."]
    y = np.array([classes.index(folder) for folder in folders]) if labelled else None
    return Dataset(X, y, path.name, classes if labelled else [], dropped=_file_names(path, files))


def _file_names(path: Path, files: list[Path]) -> Any:
    """Each image's file, relative to the folder ``path`` (``cat/a.png``), as a one-column DataFrame (n, 1) that
    commands write beside each image's row (codes, scores), as they write a table's --drop columns."""
    import pandas as pd

    return pd.DataFrame({"file": [file.relative_to(path).as_posix() for file in files]})


def _warn_of_colour_among_gray(path: Path, files: list[Path], images: list[np.ndarray]) -> None:
    """Warn when some images of a folder are gray and others colour: all are then read with three channels (a
    colour model), which one stray RGB file among gray scans decides."""
    colour = [file for file, image in zip(files, images, strict=True) if len(image) == 3]
    if 0 < len(colour) < len(files):
        warnings.warn(f"{path}: {len(colour)} of {len(files)} images are in colour (e.g. "
                      f"{colour[0].relative_to(path)}), the others gray: all are read with three channels (gray "
                      "repeated); convert the colour ones to gray for a gray model", stacklevel=3)


def _check_one_size(path: Path, files: list[Path], images: list[np.ndarray]) -> None:
    """Refuse images of different sizes, naming each size with how many images have it and one of them."""
    sizes = {}
    for file, image in zip(files, images, strict=True):
        sizes.setdefault(image.shape[1:], []).append(file)
    if len(sizes) > 1:
        found = "; ".join(f"{w}x{h} pixels: {len(f)} image(s), e.g. {f[0].relative_to(path)}"
                          for (h, w), f in sorted(sizes.items(), key=lambda item: -len(item[1])))
        raise DataError(f"images in {path} have different sizes ({found}); resize them to one size")
