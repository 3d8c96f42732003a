"""Loading and checking data: files, tables, image folders, standard data sets, scaling."""

from __future__ import annotations

from pathlib import Path

from .array_files import read_idx
from .dataset import Dataset
from .datasets import (
    DATASETS,
    ENV_DATA_DIR,
    DataUnavailableError,
    load_digits,
    load_standard,
    mnist_benchmark_split,
)
from .files import read_path
from .nab import NabSeries, load_nab, nab_series_names, read_nab_series
from .scaling import Scaler
from .table_files import TableOptions
from .tabular import TabularPreprocessor, UnknownCategoryWarning
from .validation import DataError, check_array
from .windows import overlap_average, sliding_windows, window_starts


def load_data(source: str | Path, *, split: str = "train", data_dir: str | Path | None = None,
              label_column: str | int | None = None, download: bool = True,
              table: TableOptions | None = None) -> Dataset:
    """A standard data set by name (``digits``, ``mnist``, ``fashion-mnist``) or a file / image folder; ``table``
    says how to read a table file (delimiter, columns to keep or drop)."""
    if str(source) in DATASETS:
        return load_standard(str(source), split, data_dir, download)
    if not Path(source).expanduser().exists() and not Path(source).suffix:
        raise FileNotFoundError(f"no data set named {str(source)!r} and no such file or folder; the data sets are "
                                f"{', '.join(DATASETS)}, else give a path (.npy, .npz, .csv, .tsv, .parquet, "
                                ".arff, .mat, IDX, image folder)")
    return read_path(source, label_column, table)


__all__ = [
    "DATASETS", "ENV_DATA_DIR", "DataError", "DataUnavailableError", "Dataset", "Scaler", "check_array",
    "load_data", "load_digits", "load_standard", "mnist_benchmark_split", "read_idx", "read_path",
    "NabSeries", "load_nab", "nab_series_names", "read_nab_series", "overlap_average", "sliding_windows",
    "window_starts", "TableOptions", "TabularPreprocessor", "UnknownCategoryWarning",
]
