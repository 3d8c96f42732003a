"""Loading and checking data: files, image folders, standard data sets, scaling."""

from __future__ import annotations

from pathlib import Path

from .datasets import (
    DATASETS,
    ENV_DATA_DIR,
    DataUnavailableError,
    load_digits,
    load_standard,
    mnist_benchmark_split,
)
from .files import Dataset, read_idx, read_path
from .scaling import Scaler
from .validation import DataError, check_array


def load_data(source: str | Path, *, split: str = "train", data_dir: str | Path | None = None,
              label_column: str | int | None = None, download: bool = True) -> Dataset:
    """A standard data set by name (``digits``, ``mnist``, ``fashion-mnist``) or a file / image folder."""
    if str(source) in DATASETS:
        return load_standard(str(source), split, data_dir, download)
    return read_path(source, label_column)


__all__ = [
    "DATASETS", "ENV_DATA_DIR", "DataError", "DataUnavailableError", "Dataset", "Scaler", "check_array",
    "load_data", "load_digits", "load_standard", "mnist_benchmark_split", "read_idx", "read_path",
]
