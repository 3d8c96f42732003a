"""A file read as one time series for the commands that cut windows (``ae detect --window``, ``ae train --window``
and the commands on a run trained so): rows are consecutive time steps, columns are channels, and a column of
dates or times is the steps' time stamps, kept beside the series for the outputs instead of being a channel."""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..data import Dataset, Scaler, check_array
from ..data.windows import overlap_average, sliding_windows, window_starts
from ..errors import ConfigError, DataError
from ._data_options import read_data
from ._outputs import RowKeys, text_columns


@dataclasses.dataclass
class Series:
    """The steps of a series file: ``values`` (n_steps, channels), a DataFrame for a table (its errors name the
    column), the channels' names, and the time stamps (n_steps,) of its time column as the file writes them."""

    values: Any  # (T, C): an array, or a DataFrame of the channels of a table
    channels: list[str]
    dataset: Dataset  # as read: its labels (y) are per step
    time_column: str | None = None
    times: np.ndarray | None = None  # (T,) text

    def __len__(self) -> int:
        return len(self.values)

    def time_keys(self) -> RowKeys | None:
        """Its time column, which names each step in the outputs, or None."""
        return None if self.time_column is None else RowKeys.of_time(self.time_column, self.times)


def read_series(data: str, data_dir: str | None, split: str, label_column: str | None,
                channels: list[str] | None = None) -> Series:
    """--data as a series (:func:`series_of`)."""
    return series_of(read_data(data, data_dir, split, label_column, series=True), data, channels)


def series_of(dataset: Dataset, data: str, channels: list[str] | None = None, time_name: str | None = None) -> Series:
    """The series a :class:`Dataset` read with ``series=True`` holds: a 1-D array is one channel; a table's time
    column (:func:`time_column`, or ``time_name``, the run's, when the table has it) is taken aside as its time
    stamps; ``channels``: the run's columns (None for a run trained on an array), picked from a table by name.
    Anything else that is no series (images, windows, text columns) is a DataError."""
    if not dataset.is_table:
        if np.ndim(dataset.X) != 2:
            raise DataError(f"{data} holds samples of shape {tuple(np.shape(dataset.X)[1:])}, not the time steps "
                            "of a series (n_steps, channels) or (n_steps,): --window cuts a series into windows; "
                            "leave it out for images or for windows cut already")
        return Series(dataset.X, [f"channel {i}" for i in range(dataset.X.shape[1])], dataset)
    frame = dataset.X
    time = (time_name, frame[time_name].astype(str).to_numpy()) if time_name in frame.columns else time_column(
        data, frame, dataset.dropped)
    if time is not None and time[0] in frame.columns:
        frame = frame.drop(columns=[time[0]])
    if channels is not None:
        missing = [name for name in channels if name not in frame.columns]
        if missing:
            raise DataError(f"{data} has no column(s) {', '.join(missing)}; the run's windows were cut from the "
                            f"channels {', '.join(channels)}")
        frame = frame[channels]
    text = text_columns(frame)
    if text:
        raise DataError(f"a time series (--window) takes numeric columns; {', '.join(text)} hold(s) text that is not "
                        "all dates or times (a time stamp writes its year, or is a clock time): leave it out with "
                        f"--drop {','.join(text)}")
    return Series(frame, [str(name) for name in frame.columns], dataset, *(time or (None, None)))


def time_column(data: str, frame: Any, left_out: Any = None) -> tuple[str, np.ndarray] | None:
    """(name, cells (T,)) of the first column of ``frame`` or of those ``left_out`` with --drop (a DataFrame, as the
    file was read) whose cells are all time stamps (:func:`time_stamps`), with a warning when they go back or
    repeat, or of a column left out that holds a time index (:func:`is_time_index`: epoch seconds, a step number);
    None when there is none."""
    left_out = frame.iloc[:, :0] if left_out is None else left_out
    for name, cells in [*frame[text_columns(frame)].items(), *left_out.items()]:
        numbers = _as_numbers(cells)
        if numbers is not None:  # a measurement left out, or a time index (as its warning says)
            index = numbers.to_numpy(np.float64)  # (T,)
            if is_time_index(index):
                warn_of_skipped_time(data, str(name), np.diff(index), unit="")
                return str(name), cells.astype(str).to_numpy()
            continue
        times = time_stamps(cells)
        if times is not None:
            warn_of_times_out_of_order(data, str(name), times)
            return str(name), cells.astype(str).to_numpy()
    return None


def _as_numbers(cells: Any) -> Any:
    """``cells`` (a pandas Series) as numbers when each is one: a numeric column, or a text column of numbers (the
    columns left out with --drop are read as the file writes them); else None (text, dates, categories)."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(cells):
        return cells
    if not (pd.api.types.is_object_dtype(cells) or pd.api.types.is_string_dtype(cells)):
        return None
    numbers = pd.to_numeric(cells, errors="coerce")
    return numbers if numbers.notna().sum() == cells.notna().sum() else None


def time_stamps(cells: Any) -> Any:
    """The datetimes (a pandas Series, UTC) of text ``cells`` that all write a date with its year or a clock time,
    else None. pandas fills year 1 into a date written without one, and takes far more for such a date than
    dates: a month name alone ("March"), a day and month ("Jan 5", "5 March"), a fraction ("3/4"), a rank ("1st"),
    an age ("20s"); a category, or days whose order a year's end would break. Words without a number ("today")
    parse to the current time: no time stamp either."""
    import pandas as pd

    if not cells.astype(str).str.contains(r"\d").all():
        return None
    with warnings.catch_warnings():  # a column that is no time (an ID) parses to NaT, or with a format warning
        warnings.simplefilter("ignore")
        times = pd.to_datetime(cells, errors="coerce", format="mixed", utc=True)  # offsets: one clock
    if times.isna().any() or (times.dt.year == 1).any():  # a clock time alone gets today's date: kept
        return None
    return times


def is_time_column_in_order(cells: Any) -> bool:
    """Whether ``cells`` (a pandas Series, as the file writes them) are time stamps (:func:`time_stamps`; not
    numbers) that rise from row to row: the steps of a series."""
    times = None if _as_numbers(cells) is not None else time_stamps(cells)
    return times is not None and len(times) > 1 and bool((times.diff().dt.total_seconds().to_numpy()[1:] > 0).all())


def warn_of_times_out_of_order(data: str, name: str, times: Any) -> None:
    """Say where the time stamps ``times`` (a pandas Series of datetimes) go back or repeat, or else skip a stretch
    (:func:`warn_of_skipped_time`): the series is read in file order, so its windows would splice stretches of time
    without a word."""
    steps = times.diff().dt.total_seconds().to_numpy()[1:]  # (T-1,)
    back, same = np.flatnonzero(steps < 0) + 1, np.flatnonzero(steps == 0) + 1  # rows counted from 0
    said = [f"{what} at {len(rows)} row(s), first row {rows[0]}"
            for what, rows in (("goes back", back), ("repeats the row before", same)) if len(rows)]
    if said:
        warnings.warn(f"{data}: {name} {' and '.join(said)} (rows counted from 0); the series is read in file order: "
                      "sort the file by it (and merge repeated times) if that order is not time's", stacklevel=2)
    elif len(steps):  # in order: skips are gaps, not rows out of place
        warn_of_skipped_time(data, name, steps, unit=" s")


def warn_of_stored_times_out_of_order(series: Series, data: str) -> None:
    """For a series whose time column a run named (read by its name, not found by its cells): warn where its time
    stamps go back, repeat or skip, as :func:`time_column` does of a file read without a run."""
    import pandas as pd

    times = None if series.times is None else time_stamps(pd.Series(series.times))
    if times is not None:
        warn_of_times_out_of_order(data, series.time_column, times)


SKIP_FACTOR = 1.5  # a step this many times the usual one leaves at least one time stamp out


def warn_of_skipped_time(data: str, name: str, steps: np.ndarray, unit: str) -> None:
    """Say where the steps between time stamps in order, ``steps`` (T-1,) (seconds, ``unit`` " s", or a time
    index's own units, ""), are longer than :data:`SKIP_FACTOR` times the usual (median) one: time stamps are
    missing there, and the windows across such a skip join stretches of time apart."""
    usual = float(np.median(steps))
    skips = np.flatnonzero(steps > SKIP_FACTOR * usual) + 1 if usual > 0 else []  # rows counted from 0
    if len(skips):
        longest = skips[np.argmax(steps[skips - 1])]
        ratio = steps[longest - 1] / usual
        warnings.warn(f"{data}: {name} skips time at {len(skips)} row(s), first row {skips[0]}: steps longer than "
                      f"{SKIP_FACTOR} times the usual {usual:g}{unit}, the longest {ratio:.3g} times it at row "
                      f"{longest} (rows counted from 0); the series is read step after step, so windows "
                      "across a skip join stretches of time apart: fill the missing time stamps (resample the "
                      "series to its usual step) where that matters", stacklevel=3)


def time_index_channels(X: np.ndarray) -> list[int]:
    """The channels of a series ``X`` (n_steps, channels) that never fall, rise overall and hold whole numbers on
    every step: a time index (epoch seconds) or a step number, which the model would learn as a measurement (its
    windows' levels grow to the series' end, so the ends look far from the rest)."""
    whole = (np.round(X) == X).all(axis=0)  # (C,)
    rising = (np.diff(X, axis=0) >= 0).all(axis=0) & (X[-1] > X[0])  # (C,)
    return np.flatnonzero(whole & rising).tolist()


def is_time_index(values: np.ndarray) -> bool:
    """Whether a column left out of a series, ``values`` (T,), is its time index: a channel
    :func:`time_index_channels` warns of, taking a new value on most steps (not a 0/1 label left out with --drop,
    whose one anomaly runs to the series' end)."""
    return len(values) > 1 and bool(time_index_channels(values[:, None])) and len(np.unique(values)) > len(values) / 2


def warn_of_time_index_channels(series: Series, data: str) -> None:
    """Warn of channels that look like a time index (:func:`time_index_channels`), for a command that fits a model."""
    values = np.asarray(series.values, dtype=np.float64)  # (T, C)
    for channel in time_index_channels(values) if len(values) > 1 else []:
        name = series.channels[channel]
        warnings.warn(f"{data}: {name} never falls and holds whole numbers, like a time index or a step number, which "
                      "the model would take as a measurement; if it is one, leave it out"
                      + (f" with --drop {name}" if series.dataset.is_table else ""), stacklevel=2)


def windows_scaler(steps: np.ndarray, scale: str, length: int) -> Scaler:
    """The --scale scaler fitted per channel on a series' steps (T, C), for its windows (C, length): a channel's
    value is scaled alike wherever it falls in a window (windows of one series see the same values at every
    position, so a scaler per position would only add noise)."""
    fitted = Scaler.fit(steps, scale)  # (C,)
    return Scaler(fitted.kind, *(np.repeat(part[:, None], length, axis=1) for part in (fitted.offset, fitted.scale)))


@dataclasses.dataclass
class SeriesWindows(Dataset):
    """Windows ``X`` (n_windows, channels, length) read for a run trained on windows (``ae train --window``): cut
    from ``series`` as in training, or (``series`` None) given as windows already."""

    series: Series | None = None
    stride: int | None = None  # steps between the starts of the windows cut from ``series``


@contextlib.contextmanager
def naming_the_windows(window: int | None, shape: tuple[int, ...], backbone: str) -> Iterator[None]:
    """A model whose ``backbone`` cannot take the windows of --window (conv, made for images) says what they are;
    a refusal of anything else (an objective's option) is left as it is."""
    try:
        yield
    except ConfigError as error:
        if window is not None and not _takes_samples(backbone, shape):
            error.args = (f"{error}; --window {window} gives windows shaped (channels, length) = {tuple(shape)}, "
                          "which the sequence backbone is made for (mlp takes them too, flattened)", *error.args[1:])
        raise


def _takes_samples(backbone: str, shape: tuple[int, ...]) -> bool:
    """Whether ``backbone``, with its defaults, takes samples of ``shape``."""
    from ..registry import make_config

    try:
        make_config(backbone=backbone, input_shape=shape)
    except ConfigError:
        return False
    return True


def run_series_settings(checkpoint: Any) -> dict[str, Any] | None:
    """What a run trained with --window stored of its series (window, stride, channels, time column), else None."""
    stored = checkpoint.extra.get("data") or {}
    return stored if stored.get("window") else None


def read_run_windows(checkpoint: Any, data: str, data_dir: str | None, split: str,
                     label_column: str | None) -> SeriesWindows:
    """--data for a command on a run trained on windows: a series is cut as the run's was (its window and stride;
    a table's channels picked by name, its time column aside); an array of windows of the model's shape is taken
    as it is."""
    settings, shape = run_series_settings(checkpoint), tuple(checkpoint.model.input_shape)  # shape: (C, L)
    dataset = read_data(data, data_dir, split, label_column, series=True)
    if not dataset.is_table and np.shape(dataset.X)[1:] == shape:  # windows cut already
        return SeriesWindows(dataset.X, dataset.y, dataset.name, dataset.label_names, dataset.source)
    series = series_of(dataset, data, settings["channels"], settings["time_column"])  # names: a table's, or None
    if dataset.source != settings.get("source"):  # the run's own file was checked when it was trained
        warn_of_stored_times_out_of_order(series, data)
    values = check_array(series.values, f"data from {data}")  # (T, C)
    if values.shape[1] != shape[0]:
        named = f" ({', '.join(settings['channels'])})" if settings["channels"] else ""
        raise DataError(f"{data} is a series of {values.shape[1]} channel(s); the run was trained on windows of "
                        f"{shape[0]} channel(s){named}")
    windows = sliding_windows(values, settings["window"], settings["stride"])  # (N, C, L)
    return SeriesWindows(windows, None, dataset.name, [], dataset.source, series=series, stride=settings["stride"])


def row_keys(dataset: Dataset) -> RowKeys | None:
    """What names each sample of ``dataset`` in what a command writes of each: a window's time stamps
    (:func:`window_time_keys`), a table's --drop columns (:meth:`RowKeys.of_table`), else None."""
    return window_time_keys(dataset) if isinstance(dataset, SeriesWindows) else RowKeys.of_table(dataset)


def window_time_keys(windows: SeriesWindows) -> RowKeys | None:
    """The time stamps of the first and last step of each window cut from a series with a time column (columns
    TIME_start and TIME_end, as the file writes them), which name the windows in what a command writes of each;
    None for windows given as they are or cut from a series without time stamps."""
    import pandas as pd

    series = windows.series
    if series is None or series.time_column is None:
        return None
    length = np.shape(windows.X)[-1]
    starts = window_starts(len(series), length, windows.stride)  # (N,)
    name = series.time_column
    ends = starts + length - 1  # (N,)
    return RowKeys(pd.DataFrame({f"{name}_start": series.times[starts], f"{name}_end": series.times[ends]}))


def rebuilt_series(windows: SeriesWindows, outputs: np.ndarray, as_table: bool = True) -> Any:
    """Window ``outputs`` (n_windows, C, L) of the series ``windows`` was cut from, put back together as its
    steps (T, C) (each the mean of the windows covering it); a table's as a table of its time column and channels
    when ``as_table`` (a file that names its columns; an .npy holds the numbers alone)."""
    import pandas as pd

    series = windows.series
    steps = overlap_average(outputs, len(series), windows.stride)  # (T, C)
    if not (series.dataset.is_table and as_table):
        return steps
    frame = pd.DataFrame(steps, columns=series.channels)
    keys = series.time_keys()
    return frame if keys is None else keys.beside(frame)


def windows_said(checkpoint: Any, cut: bool = True) -> str:
    """For a message about a run's samples: " (windows of W steps, S apart)" for a run trained on windows (without
    the stride for windows not ``cut`` from a series: generated ones), else nothing."""
    settings = run_series_settings(checkpoint)
    if settings is None:
        return ""
    return f" (windows of {settings['window']} steps" + (f", {settings['stride']} apart)" if cut else ")")
