"""A trained run's model from the command line: its RUN argument, loading it with its scaler and table
preprocessing, and data into and out of the model's units."""

from __future__ import annotations

import contextlib
import numbers
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from ..data import Dataset, Scaler, TabularPreprocessor, check_array
from ..data.images import with_channels
from ..errors import DataError
from ._data_options import naming_the_file, table_options

if TYPE_CHECKING:
    from ..checkpoint import Checkpoint


# A command's RUN argument: a run directory or a .safetensors model file.
RUN = click.argument("run", type=click.Path(exists=True))


def load_run(run: str) -> tuple[Checkpoint, Scaler]:
    """The model of a run directory (or model file) and the input scaler it was trained with (a table's own
    preprocessing is :func:`run_table`; its scaler is the identity on the table's matrix)."""
    from ..checkpoint import load_checkpoint  # torch: only when a command runs

    checkpoint = load_checkpoint(run)
    scaler_values = checkpoint.extra.get("scaler")
    if scaler_values is None:
        shape = checkpoint.model.input_shape
        scaler = Scaler("none", np.zeros(shape, np.float32), np.ones(shape, np.float32))
    else:
        scaler = Scaler.from_dict(scaler_values)
    return checkpoint, scaler


def run_table(checkpoint: Checkpoint) -> TabularPreprocessor | None:
    """The tabular preprocessing a run was trained with, or None for arrays and images."""
    values = checkpoint.extra.get("tabular")
    return None if values is None else TabularPreprocessor.from_dict(values)


def model_outputs(checkpoint: Checkpoint, scaler: Scaler, outputs: np.ndarray) -> Any:
    """Model-unit ``outputs`` (reconstructions, samples) in the data's original units: unscaled, and for a table a
    DataFrame with its columns and categories (the inverse of :func:`model_inputs`), written without a header line
    when the run read its file with --no-header (another file given to the run is read so: the line would be a row)."""
    values = scaler.inverse_transform(outputs)
    table = run_table(checkpoint)
    if table is None:
        return values
    frame = table.inverse_transform(values)
    frame.attrs["header"] = (checkpoint.extra.get("data") or {}).get("header") is not False  # save_frame reads it
    return frame


def model_inputs(checkpoint: Checkpoint, scaler: Scaler, data: Dataset | Any) -> np.ndarray:
    """The samples of ``data`` (a :class:`Dataset`, or its ``X``) reshaped to the model's input shape and scaled as in
    training (a table through its preprocessing, whose errors name the dataset's file; images with the model's
    channels, 1 or 3, as a folder of mixed images is read for training)."""
    X, source = (data.X, data.source) if isinstance(data, Dataset) else (data, None)
    table = run_table(checkpoint)
    if table is not None:
        with naming_the_file(source) if source else contextlib.nullcontext():
            X = _table_inputs(table, X)
    shape = tuple(checkpoint.model.input_shape)
    if np.ndim(X) == 4 and len(shape) == 3 and {X.shape[1], shape[0]} == {1, 3} and X.shape[2:] == shape[1:]:
        X = with_channels(X, shape[0])  # gray images for a model of colour ones, or colour for gray: as in training
    X = check_array(X, sample_shape=shape)
    if table is None:  # a table's columns are scaled by its preprocessing, and new rows may pass their range
        _refuse_unscaled_values(checkpoint, scaler, X)
    return scaler.transform(X)


def _refuse_unscaled_values(checkpoint: Checkpoint, scaler: Scaler, X: np.ndarray) -> None:
    """A DataError when a run trained with BCE on values taken as they were (scaler ``none``: they lay in [0, 1])
    is given values outside [0, 1], which no scaling of the run's brings back: such as 8-bit pixels saved as rows
    (n, H*W), which, not being images, are not divided by 255. A min-max scaled run's new rows may pass its
    training range a little, and are left alone."""
    from ..training.defaults import UNIT_TOLERANCE

    if checkpoint.model.config.loss != "bce" or scaler.kind != "none" or not X.size:
        return
    low, high = float(X.min()), float(X.max())
    if low < -UNIT_TOLERANCE or high > 1 + UNIT_TOLERANCE:
        raise DataError(f"the run was trained with loss 'bce' on values in [0, 1], taken as they were; --data holds "
                        f"values from {low:.4g} to {high:.4g}: give them as the training rows were (8-bit pixels "
                        "saved as rows are not images, which are read as [0, 1]: divide them by 255, or save them "
                        "as images (n, H, W))")


# What to pass when a table lacks the trained columns because of how its first row was read (given or the run's)
_FIRST_ROW_HINTS = {False: "; its first row was read as data: give --header if it names the columns",
                    True: "; its first row was read as the column names (--header): give --no-header if it holds data"}


def _table_inputs(table: TabularPreprocessor, X: Any) -> np.ndarray:
    """A table's rows through the run's preprocessing, its columns picked by name as in training."""
    options = table_options()
    fitted = table.feature_names_in
    if hasattr(X, "columns") and not options.columns and not options.drop:  # picked by name, as in training
        names = [str(name) for name in X.columns]  # a file that also holds IDs or labels: those are left out
        missing = [name for name in fitted if name not in names]
        if missing:  # not the file's other columns, which picking by name leaves out anyway
            header = X.attrs.get("header")  # how a text table's first row was read: a sniffed header is named
            hint = "" if header is None or header and not options.header else _FIRST_ROW_HINTS[header]
            raise DataError(f"the table has no column(s) {missing}; the model was trained on the columns "
                            f"{', '.join(fitted)}{hint}")
        X = X.set_axis(names, axis=1)[fitted]
    elif np.asarray(X).dtype.kind in "biuf":  # an array of numbers (.npy): no cell of it is a text category
        for column in table.columns:
            texts = [str(c) for c in column.categories if isinstance(c, str)]
            if column.kind == "categorical" and texts:
                raise DataError(f"the run was trained on a table whose column {column.name!r} has categories that "
                                f"are text ({', '.join(texts[:5])}{' ...' if len(texts) > 5 else ''}), which an "
                                "array of numbers cannot hold: give a table file (.csv, .parquet) with the columns "
                                f"{', '.join(fitted)}")
    return table.transform(X)


def run_text_columns(checkpoint: Checkpoint) -> list[str]:
    """The columns of a table run that come back as text (categories that are not numbers)."""
    table = run_table(checkpoint)
    return [] if table is None else [column.name for column in table.columns if column.kind == "categorical" and not
                                     all(isinstance(value, numbers.Real) for value in column.categories)]
