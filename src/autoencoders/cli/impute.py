"""``ae impute``: fill the gaps of a table with a denoising autoencoder trained on its observed cells."""

from __future__ import annotations

import click
import numpy as np

from ..errors import DataError
from ._common import (
    check_npy_of_text,
    data_options,
    echo_json,
    naming_the_file,
    output_options,
    read_samples,
    save_array,
    table_options,
    text_columns,
    warn_of_row_ids,
)


@click.command()
@data_options
@output_options("Where to write the filled table: .csv (.gz ok), .parquet, or .npy for an all-numeric one.",
                arrays=True)
@click.option("--epochs", type=click.IntRange(1), default=None, help="Training epochs (default: sized from the rows).")
@click.option("--corruption-level", type=click.FloatRange(0, 1, max_open=True), default=0.25, show_default=True,
              help="Share of observed cells hidden from the model in training, as practice gaps.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same filled values.")
def impute(data, data_dir, split, label_column, out, epochs, corruption_level, seed):
    """Fill every missing cell of --data (empty cells, NA, NaN) and write the table to --out: numeric cells with the
    autoencoder's reconstruction (rounded in a column of whole numbers), categorical cells with its most likely
    category; observed cells are kept as they are. Columns left out with --drop/--columns or --label-column are
    written back unchanged.

    \b
    Example:
      ae impute --data survey.csv --drop id --categorical grade --out filled.csv
    """
    from ..data import TableOptions, load_data
    from ..data.images import images_as_stored
    from ..data.validation import first_bad_cell
    from ..sklearn import AutoencoderImputer

    # not read_data: its check refuses the NaN gaps of an array (.npy, .npz) that this command is here to fill
    dataset = read_samples(data, data_dir, split, label_column)
    shape = np.shape(dataset.X)  # an array's filled cells are written back in its own shape
    if not dataset.is_table:
        dataset.X = np.asarray(dataset.X).reshape(len(dataset.X), -1)  # (N, D): the gaps are NaN
        infinite = np.isinf(dataset.X) if dataset.X.dtype.kind == "f" else np.zeros(dataset.X.shape, bool)  # (N, D)
        if infinite.any():
            raise DataError(f"data from {data} contains infinite values in {first_bad_cell(infinite)}; only NaN cells "
                            "are gaps to fill")
    if dataset.is_table:  # the whole file is written back: its text columns too
        read = table_options()
        whole = load_data(data, table=TableOptions(delimiter=read.delimiter, keep_unnamed=True,
                                                   missing_values=read.missing_values, header=read.header)).X
        check_npy_of_text(out, text_columns(whole))
    warn_of_row_ids(dataset, data)  # after the usage checks: a refused command says only why
    imputer = AutoencoderImputer(categorical=table_options().categorical, epochs=epochs,
                                 corruption_level=corruption_level, random_state=seed)
    with naming_the_file(data):
        filled = imputer.fit_transform(dataset.X)
    gaps = imputer.table_.missing_mask(dataset.X)  # (N, columns)
    if dataset.is_table:  # the whole file back, with only the feature columns' gaps filled
        counts = whole_number_columns(whole[list(filled.columns)])
        whole[list(filled.columns)] = filled
        whole[counts] = whole[counts].round().astype("Int64")  # 30 stays "30", not "30.0"; a count gets a count
        filled = whole
    else:  # in the file's own layout: images stored channels-last are read channels-first
        filled = images_as_stored(filled.reshape(shape), dataset.channels_last)
    save_array(out, filled)
    echo_json({"data": str(data), "out": str(out), "rows": len(gaps), "filled_cells": int(gaps.sum()),
               "filled_per_column": {name: int(n) for name, n in zip(imputer.table_.feature_names_in, gaps.sum(0),
                                                                     strict=True) if n}})


def whole_number_columns(frame) -> list[str]:
    """The float columns of ``frame`` whose observed values are all whole numbers (of at most 2^53): integer
    columns that pandas read as floats because they have gaps (counts, years, ratings)."""
    columns = []
    for name, values in frame.items():
        observed = values.dropna()
        if values.dtype.kind == "f" and len(observed) and np.all(np.mod(observed, 1) == 0) and \
                np.all(np.abs(observed) <= 2**53):
            columns.append(name)
    return columns


COMMANDS = [impute]
