"""Cutting a (multivariate) time series into fixed-length windows, and putting windows back together.

Windows start every ``stride`` steps; when the stride does not land on the series' end, one more window is
aligned to the end, so with a stride no longer than the windows every time step is covered and
:func:`overlap_average` can rebuild the whole series (a longer stride skips steps: it only samples windows).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ConfigError
from .validation import DataError


def window_starts(n_steps: int, length: int, stride: int = 1) -> np.ndarray:
    """Start index of each window of ``length`` steps over a series of ``n_steps``, ``stride`` apart."""
    if length < 1 or stride < 1:
        raise ConfigError(f"window length and stride must be >= 1, got length={length}, stride={stride}")
    if n_steps < length:
        raise DataError(f"the series has {n_steps} time step(s), fewer than the window length {length}")
    starts = np.arange(0, n_steps - length + 1, stride)
    if starts[-1] != n_steps - length:
        starts = np.append(starts, n_steps - length)
    return starts


def checked_series(series, window: int, stride: int = 1) -> np.ndarray:
    """``series`` (n_steps,) or (n_steps, channels) as floats (n_steps, channels), once it is known to cut into at
    least 2 windows of ``window`` steps, ``stride`` apart, that cover every step (what a model of its windows needs
    to be fitted and to score or rebuild each step); otherwise an error naming what is wrong, before any work."""
    for name, steps in (("window", window), ("stride", stride)):  # a float (len(series) / 10) fails as an index
        if not isinstance(steps, numbers.Integral):
            raise ConfigError(f"{name} must be a whole number of time steps, got {steps!r}: round it, int(...)")
    values = as_steps_by_channels(np.asarray(series, dtype=np.float64))  # (T, C)
    bad = ~np.isfinite(values).all(axis=1)  # (T,)
    if bad.any():
        step = int(np.argmax(bad))
        channel = int(np.argmax(~np.isfinite(values[step])))
        names = channel_names(series)
        which = f"column {names[channel]!r}" if len(names) == values.shape[1] else f"channel {channel} (from 0)"
        raise DataError(f"the series has {int(bad.sum())} time step(s) with NaN or infinite values, first at step "
                        f"{step} in {which}; fill or drop them first")
    if window > len(values) <= values.shape[1]:  # more channels than steps: likely stored channels first
        raise DataError(f"the series has {len(values)} time step(s) of {values.shape[1]} channel(s), fewer than the "
                        f"window length {window}; a series is (n_steps, channels): if its rows are channels, "
                        "transpose it (series.T)")
    if len(window_starts(len(values), window, stride)) < 2:
        raise DataError(f"the series has {len(values)} time step(s): one window of {window}, and the autoencoder needs "
                        "at least 2 to fit; use a shorter window")
    check_stride_covers(window, stride)  # each step must lie in a window to get a score or be rebuilt
    return values


def channel_names(series) -> list[str]:
    """The names of a pandas series' channels: a DataFrame's columns, a named Series' name; else none."""
    if hasattr(series, "columns"):
        return [str(name) for name in series.columns]
    name = getattr(series, "name", None) if hasattr(series, "iloc") else None
    return [] if name is None else [str(name)]


def sliding_windows(series: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Windows (n_windows, channels, length) of ``series`` (n_steps,) or (n_steps, channels) of numbers (a
    DataFrame's date or text columns, a timestamp, are named: windows hold measurements)."""
    refuse_columns_of_other_than_numbers(series)
    values = as_steps_by_channels(series)  # (T, C)
    if values.dtype.kind not in "biuf":
        raise DataError(f"a series takes numbers, got an array of {values.dtype}: leave its time stamps (or other "
                        "text) out before cutting it into windows")
    starts = window_starts(len(values), length, stride)
    index = starts[:, None] + np.arange(length)  # (N, L)
    return np.ascontiguousarray(values[index].transpose(0, 2, 1))  # (N, C, L)


def overlap_average(windows: np.ndarray, n_steps: int, stride: int = 1) -> np.ndarray:
    """The inverse of :func:`sliding_windows`: a series (n_steps, channels) where each step is the mean of
    every window value that covers it. Windows (n_windows, channels, length) must come from the same cut."""
    windows = np.asarray(windows)
    if windows.ndim != 3:
        raise DataError(f"windows must be shaped (n_windows, channels, length), got {windows.shape}")
    n_windows, channels, length = windows.shape
    starts = window_starts(n_steps, length, stride)
    check_stride_covers(length, stride)
    if len(starts) != n_windows:
        raise DataError(
            f"{n_windows} window(s) of length {length} do not match a series of {n_steps} steps cut with stride "
            f"{stride} ({len(starts)} windows)"
        )
    total = np.zeros((n_steps, channels), dtype=np.float64)
    count = np.zeros((n_steps, 1), dtype=np.float64)
    for start, window in zip(starts, windows, strict=True):
        total[start:start + length] += window.T  # (L, C)
        count[start:start + length] += 1
    return total / count


def check_stride_covers(length: int, stride: int) -> None:
    """Refuse a ``stride`` longer than the windows: the steps between two windows would be in none of them, so
    they could not be rebuilt or scored (their mean over no windows is NaN)."""
    if stride > length:
        raise ConfigError(f"stride {stride} is longer than the window length {length}: the steps between windows "
                          "would be in no window; use a stride of at most the window length")


def refuse_columns_of_other_than_numbers(series) -> None:
    """A pandas frame's timestamp (or other text) columns are named before NumPy fails to make floats of them."""
    dtypes = getattr(series, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):  # not a DataFrame
        return
    from pandas.api.types import is_numeric_dtype

    other = [str(name) for name, dtype in dtypes.items() if not is_numeric_dtype(dtype)]
    if other:
        raise DataError(f"a series takes numeric columns; {', '.join(other)} hold(s) dates or text, not numbers "
                        f"(a timestamp?): leave it out, series.drop(columns={other!r}), or make it the index")


def as_steps_by_channels(series: np.ndarray) -> np.ndarray:
    """``series`` (n_steps,) or (n_steps, channels) as (n_steps, channels); any other shape is a DataError."""
    values = np.asarray(series)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise DataError(f"a series must be shaped (n_steps,) or (n_steps, channels), got {values.shape}")
    return values
