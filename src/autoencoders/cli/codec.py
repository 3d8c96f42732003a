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
    value (per pixel for grayscale images, per cell for a table), and the mean squared error and (for values in
    [0, 1]) the PSNR of what `ae decompress` will return, in model units."""
    from ..applications import compress as compress_array

    checkpoint, scaler = load_run(run)
    step_given = click.get_current_context().get_parameter_source("step") != click.core.ParameterSource.DEFAULT
    if step_given and checkpoint.model.objective.discrete_codes:  # before the data is read
        raise click.BadParameter("the model's codes are codebook indices (vq), coded as they are without a step",
                                 param_hint="--step")
    X = model_inputs(checkpoint, scaler, read_run_data(checkpoint, data, data_dir, split, label_column))
    result = compress_array(checkpoint.model, X, out, step, overwrite=True)  # --out claimed above
    table = run_table(checkpoint)  # a table's cells are its values, not the columns of its one-hot matrix
    values = X[0].size if table is None else len(table.feature_names_in)
    echo_json({"file": str(result.path), "n_samples": len(X), "bytes": result.n_bytes,
               "bits_per_value": 8 * result.n_bytes / (len(X) * values),
               "mse": float(np.mean((result.reconstructions - X) ** 2)),
               **({} if result.psnr_db is None else {"psnr_db": result.psnr_db})})


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
