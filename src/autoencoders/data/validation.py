"""One validation helper for every array that enters the library; errors name the problem."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DataError


def check_array(
    X: object,
    name: str = "X",
    *,
    sample_shape: Sequence[int] | None = None,
    min_samples: int = 1,
    min_ndim: int = 2,
    max_ndim: int = 4,
    first_row: int = 0,
) -> np.ndarray:
    """``X`` as a float32 array of shape (n_samples, *sample_shape), or a :class:`DataError` saying why not.

    ``sample_shape`` is the shape one sample must have (e.g. a trained model's ``input_shape``); a flat sample of
    the same total size (or one differing by axes of size 1) is reshaped, anything else is an error
    (:func:`reshapes_cleanly`). ``first_row`` is the number of ``X``'s first row where it came from (a chunk of a
    file's rows), so that errors name rows as the file counts them.
    """
    columns = None  # a pandas frame's column names, which its errors give
    if hasattr(X, "iloc") and getattr(X, "ndim", 0) == 2:  # a pandas frame: name its columns that are not numbers
        columns = [str(column) for column in X.columns]
        text = [i for i, dtype in enumerate(X.dtypes) if getattr(dtype, "kind", "O") not in "biuf"]
        if text:
            names = ",".join(str(X.columns[i]) for i in text)
            raise DataError(f"{name} has column(s) that are not numbers: {names} (first cell {X.iloc[0, text[0]]!r}); "
                            f"expected numbers: leave them out (ae: --drop {names})")
        X = X.to_numpy(dtype=np.float64, na_value=np.nan)  # mixed int, float, bool and nullable columns: numbers
    if hasattr(X, "to_numpy"):  # pandas / polars frames
        X = X.to_numpy()
    try:
        array = np.asarray(X)
    except (ValueError, TypeError) as error:
        raise DataError(f"{name} cannot be read as a numeric array: {error}") from None
    if array.dtype == object or array.dtype.kind in "USVMm":
        raise DataError(
            f"{name} has dtype {array.dtype}; expected numbers (bool, int or float), "
            "check for text cells or missing values in the input"
        )
    if array.dtype.kind == "c":
        raise DataError(f"{name} is complex ({array.dtype}); expected real numbers")
    if array.ndim < min_ndim or array.ndim > max_ndim:
        raise DataError(
            f"{name} has {array.ndim} dimension(s) {array.shape}; expected {min_ndim} to {max_ndim} "
            "(n_samples, n_features) or (n_samples, channels, height, width)"
            + (": one feature per sample is X.reshape(-1, 1), one sample of many features X.reshape(1, -1)"
               if array.ndim == 1 else "")
        )
    if array.shape[0] < min_samples:
        raise DataError(f"{name} has {array.shape[0]} sample(s); at least {min_samples} needed")
    if array.size == 0:
        raise DataError(f"{name} is empty: shape {array.shape}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = ~np.isfinite(array)
        has_nan, has_inf = bool(np.isnan(array).any()), bool(np.isinf(array).any())
        kinds = "NaN and infinite values" if has_nan and has_inf else "NaN" if has_nan else "infinite values"
        raise DataError(f"{name} contains {kinds} in {first_bad_cell(bad, first_row, columns)}")
    largest = float(np.abs(array).max())
    if largest > float(np.finfo(np.float32).max):
        raise DataError(f"{name} has values up to {largest:.3g}, beyond float32's range; rescale the data")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if sample_shape is not None:
        array = _match_sample_shape(array, tuple(sample_shape), name)
    return array


def check_features(X: object, name: str = "codes") -> np.ndarray:
    """``X`` (n, ...) as a float array (n, k), one row per sample (codes, or any feature matrix: a list, NumPy or
    pandas), checked as :func:`check_array` checks a model's inputs, but in its own float precision: float64 features
    (PCA's codes) are not rounded to float32, so an estimator fitted to them gives what it gives on the array."""
    check_array(X, name)
    array = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X)
    array = array.astype(np.result_type(array.dtype, np.float32), copy=False)
    return array.reshape(len(array), -1)


def reshapes_cleanly(shape: tuple[int, ...], sample_shape: tuple[int, ...]) -> bool:
    """Whether samples of ``shape`` reshaped to ``sample_shape`` keep every value in its place: the same number of
    values, and one of the two flat or both the same but for axes of size 1 ((28, 28) and (1, 28, 28)). Windows
    (length, channels) reshaped to (channels, length) would mix the channels up."""
    def squeezed(dims: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(d for d in dims if d != 1)

    return int(np.prod(shape)) == int(np.prod(sample_shape)) and (
        len(shape) == 1 or len(sample_shape) == 1 or squeezed(shape) == squeezed(sample_shape))


def _match_sample_shape(array: np.ndarray, sample_shape: tuple[int, ...], name: str) -> np.ndarray:
    if array.shape[1:] == sample_shape:
        return array
    if reshapes_cleanly(array.shape[1:], sample_shape):
        return array.reshape(len(array), *sample_shape)
    if int(np.prod(array.shape[1:])) == int(np.prod(sample_shape)):
        raise DataError(
            f"{name} has samples of shape {array.shape[1:]}; the model expects {sample_shape}: the same number of "
            "values in another layout, which a reshape would scramble; transpose them first (channels-last "
            "windows (n, length, channels) with X.transpose(0, 2, 1), images (n, H, W, C) with "
            "X.transpose(0, 3, 1, 2))"
        )
    raise DataError(
        f"{name} has samples of shape {array.shape[1:]} ({int(np.prod(array.shape[1:]))} values); "
        f"the model expects {sample_shape} ({int(np.prod(sample_shape))} values){_time_steps_hint(array, sample_shape)}"
    )


def _time_steps_hint(array: np.ndarray, sample_shape: tuple[int, ...]) -> str:
    """For rows with as many values as a windows model (channels, length) has channels: the rows of a series."""
    if array.ndim != 2 or len(sample_shape) != 2 or array.shape[1] != sample_shape[0]:
        return ""
    return (f"; if the rows are time steps of {sample_shape[0]} channel(s), cut them into windows first: "
            f"autoencoders.data.sliding_windows(series, {sample_shape[1]})")


def first_bad_cell(bad: np.ndarray, first_row: int = 0, columns: Sequence[str] | None = None) -> str:
    """Where the True cells of ``bad`` (n, ...) lie, for a message: how many rows hold one, and the first one's row
    (from ``first_row``) and column (a position within the sample beyond 2-D), counting from 0, with its name when
    the ``columns`` of a table are known."""
    rows = np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))
    where = np.argwhere(bad[rows[0]])[0]  # the first bad value's place within its sample
    within = f"column {where[0]}" if bad.ndim == 2 else f"position {tuple(int(i) for i in where)}"
    named = f", named {columns[where[0]]!r}" if columns is not None and bad.ndim == 2 else ""
    return f"{len(rows)} row(s), first at row {first_row + rows[0]}, {within} (counting from 0){named}"
