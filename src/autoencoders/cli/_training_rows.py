"""The rows ``ae train`` trains and reports on: --data (and --test-data) read, the test rows split off, a table's
preprocessing and the scaler fitted; images and arrays, tables, a series' sliding windows (--window) and rows
streamed from a memory-mapped file (--stream)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..data import DataError, Scaler, TabularPreprocessor, check_array
from ..data.windows import as_steps_by_channels, checked_series, sliding_windows, window_starts
from ._data_options import naming_the_file, read_data, table_options, warn_of_row_ids
from ._series import read_series, warn_of_time_index_channels, windows_scaler

if TYPE_CHECKING:
    from ..data.streaming import ChunkedRows


STREAMED_TEST_ROWS = 10_000  # with --stream, test metrics and pictures use at most this many rows, held in memory


@dataclasses.dataclass
class _Rows:
    """What ``ae train`` trains and reports on: scaled rows in model units and how they were made."""

    X_train: np.ndarray | ChunkedRows  # (N, *shape), or streamed from a memory-mapped file
    X_test: np.ndarray  # (M, *shape), M = 0 when none were held out
    scaler: Scaler
    table: TabularPreprocessor | None  # a table's preprocessing, fitted on the training rows
    dataset_name: str
    shown: np.ndarray  # the rows the pictures show: the test rows, else the first training rows
    shown_labels: np.ndarray | None
    label_names: list[str]
    shown_rows: str  # which rows those are, in the report's words
    channels_last: bool = False  # images stored (n, H, W, C) in the file: outputs are written back so
    series: dict[str, Any] = dataclasses.field(default_factory=dict)  # --window: how the windows were cut


def training_rows(data, data_dir, split, label_column, window, stride, test_data, test_fraction, scale,
                  unknown_categories, stream, seed, holdout) -> _Rows:
    """Read --data (and --test-data), split off the test rows, fit the table's preprocessing and the scaler: every
    data error ``ae train`` can meet before training (the launcher of --nproc runs it too, so such an error is
    reported once and a standard data set is downloaded once, before any process starts)."""
    if stream:
        X_train, X_test, scaler = _streamed(data, test_data, test_fraction, scale, data_dir, label_column)
        return _Rows(X_train, X_test, scaler, None, Path(str(data)).stem,
                     X_test if len(X_test) else first_rows(X_train), None, [], _shown_rows(len(X_test), test_data),
                     getattr(X_train.array, "channels_last", False))  # images the file stores (n, H, W, C)
    from ..training.ranks import is_main_process

    if window is not None:
        return _series_rows(data, data_dir, split, window, stride, test_data, test_fraction, scale)
    dataset = read_data(data, data_dir, split, label_column)
    if is_main_process():  # once, not in every process of a data-parallel run
        warn_of_row_ids(dataset, data)
    train_set, test_set, rows = _train_test(dataset, test_data, test_fraction, data_dir, label_column, seed, holdout)
    table = None
    if dataset.is_table:  # numeric columns scaled by --scale, categorical one-hot, gaps as indicators
        table = TabularPreprocessor(table_options().categorical, scale, handle_unknown=unknown_categories)
        with naming_the_file(data):  # gaps only in the test rows still get an indicator: the test rows transform
            table.fit(train_set.X, held_out=test_set.X, source=dataset.X)  # IDs judged on the file's rows
        if rows is None:  # --test-data: a file of its own
            train_set.X, test_set.X = table.transform(train_set.X), table.transform(test_set.X)
        else:  # one file: a cell a warning or error names is named by its row in the file, not in its split
            matrix = table.transform(dataset.X)  # (N, F)
            train_set.X, test_set.X = matrix[rows[0]], matrix[rows[1]]
    scaler = Scaler.fit(train_set.X, "none" if dataset.is_table else scale)
    X_train, X_test = scaler.transform(train_set.X), scaler.transform(test_set.X)
    shown_set = test_set if len(X_test) else train_set
    return _Rows(X_train, X_test, scaler, table, dataset.name, X_test if len(X_test) else X_train, shown_set.y,
                 shown_set.label_names, _shown_rows(len(X_test), test_data), dataset.channels_last)


def _series_rows(data, data_dir, split, window, stride, test_data, test_fraction, scale) -> _Rows:
    """The sliding windows (n, channels, window) of the series in --data, scaled per channel: test windows cut
    from --test-data, or from the series' last --test-fraction of steps, apart from the training windows (no
    test window shares a step with one trained on)."""
    series = read_series(data, data_dir, split, None)
    warn_of_time_index_channels(series, data)
    values = checked_series(series.values, window, stride)  # (T, C); bad steps named by their place in the file
    n_test = held_out_steps(len(values), window, stride, test_data, test_fraction)
    if n_test:
        values, test_steps = values[:-n_test], values[-n_test:]  # (T - n, C), (n, C)
    else:
        test_steps = np.zeros((0, values.shape[1])) if test_data is None else _test_series(
            test_data, data_dir, series, window)
    scaler, X_train = training_windows(values, window, stride, scale)  # (N, C, L)
    X_test = scaler.transform(sliding_windows(test_steps, window, stride)) if len(test_steps) else np.zeros(
        (0, *X_train.shape[1:]), np.float32)  # (M, C, L)
    shown = (f"the windows of --test-data {test_data}" if test_data else
             f"the test windows: the series' last {n_test} steps, held out from training" if n_test else
             "training windows: no test windows were held out")
    settings = {"window": window, "stride": stride, "time_column": series.time_column,
                "channels": series.channels if series.dataset.is_table else None}  # names to pick a table's by
    return _Rows(X_train, X_test, scaler, None, series.dataset.name, X_test if len(X_test) else X_train, None, [],
                 shown, series=settings)


def training_windows(steps: np.ndarray, window: int, stride: int, scale: str) -> tuple[Scaler, np.ndarray]:
    """(the scaler fitted on a series' training steps (T, C), their windows (N, C, window) in model units): what a
    run trained on; ``ae detect RUN`` makes them again so to measure against them."""
    scaler = windows_scaler(steps, scale, window)
    return scaler, scaler.transform(sliding_windows(steps, window, stride))


def held_out_steps(n_steps: int, window: int, stride: int, test_data: str | None, test_fraction: float) -> int:
    """How many of a series' last steps ``ae train --window`` holds out for testing (none with --test-data): the
    training windows are cut from the steps before them (and ``ae detect RUN`` measures a series against those)."""
    n_test = 0 if test_data is not None else round(n_steps * test_fraction)
    if 0 < n_test < window:
        raise DataError(f"the series' last {test_fraction:g} of steps held out for testing ({n_test} of "
                        f"{n_steps}) is shorter than --window {window}: lower --window, raise --test-fraction, "
                        "pass --test-fraction 0 or give --test-data")
    left = n_steps - n_test  # steps to train on
    if n_test and left < window + stride:  # fewer than 2 windows, which the autoencoder needs to fit
        raise DataError(f"holding out the series' last {n_test} of {n_steps} steps for testing (--test-"
                        f"fraction {test_fraction:g}) leaves {left} to train on, fewer than 2 windows of "
                        f"{window} steps {stride} apart need: lower --test-fraction or --window")
    return n_test


def _test_series(test_data, data_dir, series, window: int) -> np.ndarray:
    """The steps (T, C) of --test-data, a series of the channels of --data (a table's picked by name)."""
    test = read_series(test_data, data_dir, "test", None, series.channels if series.dataset.is_table else None)
    values = as_steps_by_channels(check_array(test.values, f"--test-data {test_data}"))  # (T, C)
    if values.shape[1] != len(series.channels):
        raise DataError(f"--test-data {test_data} is a series of {values.shape[1]} channel(s), but --data has "
                        f"{len(series.channels)}: give a series of the same channels")
    window_starts(len(values), window)  # at least one window: else a DataError naming both lengths
    return values


def _streamed(data, test_data, test_fraction, scale, data_dir, label_column):
    """(training rows streamed from the memory-mapped file and scaled chunk by chunk, test rows in memory, scaler)."""
    from ..data.streaming import open_rows

    rows = open_rows(data)  # (N, *shape), never loaded whole
    train_rows, test_rows = (rows, None) if test_data is not None or test_fraction == 0 else rows.split_tail(
        test_fraction)
    if len(train_rows) < 2:
        raise DataError(f"{data} has {len(rows)} row(s): too few to hold out a test split and still train")
    scaler = Scaler.fit_chunks(train_rows.chunks(), scale)  # one pass over the training rows
    train_rows.transform = scaler.transform
    if test_data is not None:
        X_test = read_data(test_data, data_dir, "test", label_column).X
    else:
        X_test = np.zeros((0, *rows.sample_shape), np.float32) if test_rows is None else first_rows(test_rows)
    return train_rows, scaler.transform(X_test), scaler


def first_rows(rows: ChunkedRows) -> np.ndarray:
    """The first rows (at most STREAMED_TEST_ROWS) of streamed rows, in memory: what metrics and pictures use."""
    return rows[0 : min(len(rows), STREAMED_TEST_ROWS)].numpy()


def _shown_rows(n_test: int, test_data: str | None) -> str:
    """Which rows the run's pictures and report show, in the report's words."""
    if not n_test:
        return "training rows: no test rows were held out"
    return f"the rows of --test-data {test_data}" if test_data else "the test rows, held out from training"


def _train_test(dataset, test_data, test_fraction, data_dir, label_column, seed, holdout="random"):
    """(training set, test set, and the positions in --data of their rows, or None for --test-data)."""
    if test_data is not None:
        test_set = read_data(test_data, data_dir, "test", label_column)
        if test_set.X.shape[1:] != dataset.X.shape[1:]:
            raise DataError(f"--test-data {test_data} has samples of shape {test_set.X.shape[1:]}, but --data has "
                            f"{dataset.X.shape[1:]}: give test data of the same kind")
        return dataset, test_set, None
    if test_fraction == 0:
        return dataset, dataset.subset(np.arange(0)), (np.arange(len(dataset.X)), np.arange(0))
    # --holdout last: the last rows in file order (a later stretch of a series' windows), else a seeded random share
    order = np.arange(len(dataset.X))[::-1] if holdout == "last" else np.random.default_rng(seed).permutation(
        len(dataset.X))
    n_test = max(1, round(len(order) * test_fraction))
    if len(order) - n_test < 2:
        raise DataError(f"the data has {len(order)} sample(s): too few to hold out a test split and still train; "
                        "add rows or pass --test-fraction 0")
    rows = np.sort(order[n_test:]), np.sort(order[:n_test])
    return dataset.subset(rows[0]), dataset.subset(rows[1]), rows
