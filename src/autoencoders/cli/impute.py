"""``ae impute``: fill the gaps of a table with a denoising autoencoder trained on its observed cells."""

from __future__ import annotations

import warnings
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import click
import numpy as np

from ..errors import DataError
from ._data_options import data_options, fitting_on, read_samples, table_options, warn_of_row_ids
from ._outputs import array_format, check_npy_of_text, echo_json, output_options, save_array, text_columns

if TYPE_CHECKING:
    from ..data.table_files import WholeTable


@click.command()
@data_options
@output_options("Where to write the filled table: .csv or .tsv (.gz ok), .parquet, or .npy for an all-numeric "
                "one.",
                arrays=True)
@click.option("--epochs", type=click.IntRange(1), default=None, help="Training epochs (default: sized from the rows).")
@click.option("--corruption-level", type=click.FloatRange(0, 1, max_open=True), default=0.25, show_default=True,
              help="Share of observed cells hidden from the model in training, as practice gaps.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same filled values.")
def impute(data, data_dir, split, label_column, out, epochs, corruption_level, seed):
    """Fill every missing cell of --data (empty cells, NA, NaN) and write the table to --out: numeric cells with the
    autoencoder's reconstruction, rounded to as many decimals as the column's own values have at most (none in a
    column of whole numbers: 200 beside 181, 200.0 beside 181.0), categorical cells with its most likely category.
    A table without a gap is refused before training. Every other
    cell is kept as it was: written to a text table (.csv), as the file wrote it (3.10 stays 3.10); to Parquet,
    each column in its own dtype. Columns left out with --drop/--columns or --label-column are written back
    unchanged.

    \b
    Example:
      ae impute --data survey.csv --drop id --categorical grade --out filled.csv
    """
    from ..data.images import images_as_stored
    from ..data.validation import first_bad_cell
    from ..sklearn import AutoencoderImputer

    # not read_data: its check refuses the NaN gaps of an array (.npy, .npz) that this command is here to fill; a
    # table is read once, every column kept: the whole file is written back, its text columns too
    dataset = read_samples(data, data_dir, split, label_column, keep_whole=True)
    shape = np.shape(dataset.X)  # an array's filled cells are written back in its own shape
    if not dataset.is_table:
        dataset.X = np.asarray(dataset.X).reshape(len(dataset.X), -1)  # (N, D): the gaps are NaN
        infinite = np.isinf(dataset.X) if dataset.X.dtype.kind == "f" else np.zeros(dataset.X.shape, bool)  # (N, D)
        if infinite.any():
            raise DataError(f"data from {data} contains infinite values in {first_bad_cell(infinite)}; only NaN cells "
                            "are gaps to fill")
    else:
        check_npy_of_text(out, text_columns(dataset.whole.values))
    _refuse_no_gaps(dataset.X, data)
    warn_of_row_ids(dataset, data)  # after the usage checks: a refused command says only why
    _warn_of_a_series(dataset, data)
    imputer = AutoencoderImputer(categorical=table_options().categorical, epochs=epochs,
                                 corruption_level=corruption_level, random_state=seed)
    with fitting_on(data):
        filled = imputer.fit_transform(dataset.X)
    gaps = imputer.table_.missing_mask(dataset.X)  # (N, columns)
    if dataset.is_table:  # the whole file back, with only the feature columns' gaps filled
        kinds = {column.name: column.kind for column in imputer.table_.columns}
        as_text = array_format(out) not in (".npy", ".parquet", ".pq") and dataset.whole.texts is not None
        filled = (_filled_texts if as_text else _filled_values)(dataset.whole, filled, gaps, kinds)
    else:  # in the file's own layout: images stored channels-last are read channels-first
        filled = images_as_stored(filled.reshape(shape), dataset.channels_last)
    save_array(out, filled)
    echo_json({"data": str(data), "out": str(out), "rows": len(gaps), "filled_cells": int(gaps.sum()),
               "filled_per_column": {name: int(n) for name, n in zip(imputer.table_.feature_names_in, gaps.sum(0),
                                                                     strict=True) if n}})


def _warn_of_a_series(dataset, data: str) -> None:
    """Warn when a column left out with --drop holds time stamps that rise row after row: the rows are the steps of
    a series, whose user expects a gap filled from the steps around it, while the imputer fills each row from its
    own other cells alone (with one column, every gap alike). Dates in no order (a table's) say nothing."""
    from ._series import is_time_column_in_order

    dropped = getattr(dataset, "dropped", None)
    left_out = [] if dropped is None else dropped.items()
    names = [str(name) for name, cells in left_out if is_time_column_in_order(cells)]
    if names:
        one_column = np.shape(dataset.X)[1] == 1
        warnings.warn(f"{data}: {names[0]} holds the time stamps of a series, in order; ae impute fills each gap from "
                      "the other columns of its own row alone, not from the steps before and after it"
                      + (" (here one column: every gap gets the same value)" if one_column else "")
                      + ": for gaps a series' own neighbours should fill, interpolate along time instead (pandas' "
                      "frame.interpolate(method='time') on a time index)", stacklevel=2)


def _refuse_no_gaps(X, data) -> None:
    """A DataError, before the minutes of training, for features ``X`` (N, columns) without a missing cell: the
    file would come back unchanged."""
    from ..data.tabular import is_missing

    columns = [X.iloc[:, i] for i in range(X.shape[1])] if hasattr(X, "columns") else list(np.asarray(X).T)
    if not any(is_missing(column).any() for column in columns):
        raise DataError(f"{data} has no missing cell in its {len(columns)} feature columns (empty, NA, NaN or a "
                        "--missing-values text): nothing to fill")


def _filled_texts(whole: WholeTable, filled, gaps: np.ndarray, kinds: dict[str, str]):
    """The text table as the file wrote it, cell for cell, but for the gaps of the feature columns (``gaps``: (N,
    columns of ``filled``)): a number written with as many decimals as the column's cells have at most (none in a
    column of whole numbers; 200.0 where they are written 181.0), in the file's decimal mark; a category as the
    file writes it."""
    result = whole.texts.copy()
    decimal = whole.values.attrs.get("dialect", {}).get("decimal", ".")
    for index, name in enumerate(filled.columns):
        gap, texts = gaps[:, index], whole.texts[name]
        if not gap.any():
            continue
        if kinds[name] == "numeric":
            places = _decimal_places(texts[~gap])
            # rounded to the decimals the values need, as a Parquet column's are: 181.0 and 3750.0 (an integer
            # column with gaps, as pandas and R write it) are whole numbers, so are the fills, written as 200.0
            needed = _decimal_places(texts[~gap], normalized=True)
            cells = [f"{round(value, needed) + 0.0:.{places}f}".replace(".", decimal) for value in filled[name][gap]]
        else:  # the text of an observed cell of that category (2 for a category read as 2.0 beside gaps)
            written = dict(zip(whole.values[name][~gap][::-1], texts[~gap][::-1], strict=True))  # the first one's
            cells = [written.get(value, str(value)) for value in filled[name][gap]]
        result.loc[gap, name] = cells
    # an unnamed column (a row index pandas or R wrote) has an empty header cell, which pandas names "Unnamed: i"
    result.columns = ["" if name == f"Unnamed: {i}" else name for i, name in enumerate(result.columns)]
    result.attrs.update(whole.values.attrs)  # the file's dialect, header and lines before the table, written back
    return result


def _filled_values(whole: WholeTable, filled, gaps: np.ndarray, kinds: dict[str, str]):
    """The table as read with the gaps of its feature columns filled, each column in its own dtype (a float32
    column stays float32): a number rounded to as many decimals as the column's cells have at most; a column of
    whole numbers that the gaps of a file storing no dtypes (a text table, ARFF) made float, as integers."""
    result = whole.values.copy()
    for index, name in enumerate(filled.columns):
        gap, column = gaps[:, index], whole.values[name]
        if not gap.any():
            continue
        values = filled[name]
        if kinds[name] == "numeric":
            observed = column[~gap] if whole.texts is None else whole.texts[name][~gap]
            values = values.astype(np.float64).round(_decimal_places(observed, normalized=whole.texts is None))
        merged = column.where(~gap, values.set_axis(column.index))
        result[name] = _as_dtype(merged, "Int64" if _counts(whole, name, gap) else column.dtype)
    return result


def _counts(whole: WholeTable, name: str, gap: np.ndarray) -> bool:
    """Whether a column of a file that stores no dtypes (a text table, ARFF) holds whole numbers only (in a text
    table, written without a decimal point), read as floats because it has gaps (counts, years, ratings): filled,
    it is integers again. A Parquet column keeps its stored dtype."""
    observed = whole.values[name][~gap]
    if whole.typed or observed.dtype.kind != "f" or not np.all(np.abs(observed) <= 2**53):
        return False
    if whole.texts is None:
        return bool(np.all(np.mod(observed, 1) == 0))
    return _decimal_places(whole.texts[name][~gap]) == 0


def _as_dtype(column, dtype):
    """``column`` in ``dtype`` when it holds it (its gaps filled), else as it is."""
    try:
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column


def _decimal_places(cells, normalized: bool = False) -> int:
    """The most decimals among ``cells`` (texts as a file writes them, "3.10" having 2; or numbers, as their
    shortest text: ``normalized``, 2.0 having none); 0 for none."""
    places = 0
    for cell in cells:
        try:
            number = Decimal(str(cell).strip().replace(",", "."))
        except InvalidOperation:
            continue
        if number.is_finite():
            exponent = (number.normalize() if normalized else number).as_tuple().exponent
            places = max(places, -exponent)
    return places


COMMANDS = [impute]
