"""``ae compress`` and ``ae decompress``: samples to a compact file of entropy-coded codes, and back."""

from __future__ import annotations

import click
import numpy as np

from ._data_options import run_data_options
from ._outputs import check_npy_of_text, echo_json, output_options, save_array
from ._run_data import read_run_data
from ._run_model import RUN, load_run, model_inputs, model_outputs, run_table, run_text_columns


@click.command()
@RUN
@run_data_options
@output_options("The compressed file to write.")
@click.option("--step", type=click.FloatRange(0, 1, min_open=True), default=0.5, show_default=True,
              help="Quantisation step, in units of each code dimension's spread: smaller is larger and closer (not "
                   "for a vq model, whose codebook indices are coded as they are).")
def compress(run, data, data_dir, split, label_column, out, step):
    """Compress the samples of --data with the model in RUN into --out. Prints the size, the bits per input
    value (per pixel for grayscale images, per cell for a table, per step and channel for a series cut into
    windows), and the mean squared error and (for values in [0, 1]) the PSNR of what `ae decompress` will return,
    in model units."""
    from ..applications import compress as compress_array

    checkpoint, scaler = load_run(run)
    step_given = click.get_current_context().get_parameter_source("step") != click.core.ParameterSource.DEFAULT
    if step_given and checkpoint.model.objective.discrete_codes:  # before the data is read
        raise click.BadParameter("the model's codes are codebook indices (vq), coded as they are without a step",
                                 param_hint="--step")
    dataset = read_run_data(checkpoint, data, data_dir, split, label_column)
    X = model_inputs(checkpoint, scaler, dataset)
    result = compress_array(checkpoint.model, X, out, step, overwrite=True)  # --out claimed above
    echo_json({"file": str(result.path), "n_samples": len(X), "bytes": result.n_bytes,
               "bits_per_value": 8 * result.n_bytes / _values_stored(checkpoint, dataset, X),
               "mse": float(np.mean((result.reconstructions - X) ** 2)),
               **({} if result.psnr_db is None else {"psnr_db": result.psnr_db})})


def _values_stored(checkpoint, dataset, X: np.ndarray) -> int:
    """How many of the data's own values the file holds: a table's cells (not the columns of its one-hot matrix),
    a series' steps times channels (not every value of its overlapping windows), else every value of ``X``."""
    series = getattr(dataset, "series", None)  # set for windows cut from a series
    if series is not None:
        return int(np.size(series.values))  # (T, C)
    table = run_table(checkpoint)
    return X.size if table is None else len(X) * len(table.feature_names_in)


@click.command()
@RUN
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@output_options("Where to write the decoded samples (.npy or .csv), in the data's original units (a table run's: "
                "a table with its columns and categories, .csv or .parquet).", arrays=True)
def decompress(run, file, out):
    """Decode FILE, written by `ae compress` with the model in RUN, into --out."""
    from ..applications import decompress as decompress_file

    checkpoint, scaler = load_run(run)
    check_npy_of_text(out, run_text_columns(checkpoint))
    samples = model_outputs(checkpoint, scaler, decompress_file(checkpoint.model, file))  # a table as a table
    save_array(out, samples)
    click.echo(f"wrote {len(samples)} decoded samples to {out}")


COMMANDS = [compress, decompress]
