"""Commands that use a trained run: ``ae evaluate``, ``ae encode``, ``ae reconstruct``, and ``ae models``."""

from __future__ import annotations

import warnings

import click

from ..likelihood_defaults import IMPORTANCE_SAMPLES, LIKELIHOOD_ROWS
from ._data_options import run_data_options
from ._model_options import model_summaries
from ._outputs import (
    RowKeys,
    beside_row_keys,
    check_npy_of_text,
    echo_json,
    finite_values,
    holds_row_keys,
    output_options,
    refuse_keys_named_as,
    save_array,
)
from ._run_data import read_run_data
from ._run_model import RUN, load_run, model_inputs, model_outputs, run_text_columns
from ._series import rebuilt_series, row_keys, windows_said


@click.command()
def models():
    """List the backbones, objectives and presets, one line each (combine any backbone with any objective)."""
    for line in model_summaries():
        click.echo(line)


@click.command()
@RUN
@run_data_options
@output_options("Also write the metrics to this JSON file.", required=False)
@click.option("--importance-samples", type=click.IntRange(min=1), default=IMPORTANCE_SAMPLES, show_default=True,
              metavar="K", help="Samples per row of the importance-weighted NLL of a model with a likelihood and a "
                                f"prior (a VAE), measured on at most {LIKELIHOOD_ROWS} rows of --data (a seeded "
                                "random choice); more give a tighter bound, at a proportional cost.")
def evaluate(run, data, data_dir, split, label_column, out, importance_samples):
    """Reconstruction metrics of the model in RUN (a run directory or .safetensors file) on --data:
    sum of squared errors per sample, MSE, MAE, the model's loss and PSNR, in the model's scaled units; for a table
    also the RMSE of its numeric cells and the accuracy of its categorical ones. For a model with a likelihood and
    a prior (a VAE) also the test negative log-likelihood (nll_nats, importance-weighted) and the ELBO (elbo_nats),
    in nats per sample, seeded; its loss is then the reconstruction term alone (loss_is says so)."""
    from ..checkpoint import write_json
    from ..metrics import density_missing, likelihood_left_out, likelihood_metrics, reconstruction_metrics

    checkpoint, scaler = load_run(run)
    model = checkpoint.model
    samples_given = click.get_current_context().get_parameter_source("importance_samples") != \
        click.core.ParameterSource.DEFAULT
    missing = density_missing(model)
    if samples_given and missing:  # before the data is read
        raise click.BadParameter(f"{missing}; leave --importance-samples out", param_hint="--importance-samples")
    dataset = read_run_data(checkpoint, data, data_dir, split, label_column)
    X = model_inputs(checkpoint, scaler, dataset)
    left_out = likelihood_left_out(model, X)
    if left_out:  # a VAE's user looks for nll_nats: say why it is missing
        warnings.warn(f"the likelihood (nll_nats, elbo_nats) is not measured: {left_out}",
                      stacklevel=1)  # this file: shown as a "Warning:" line
    likelihood = likelihood_metrics(model, X, importance_samples) if not (missing or left_out) else {}
    metrics = {"run": str(run), "data": dataset.source, "n_samples": len(X),
               **finite_values(reconstruction_metrics(model, X) | likelihood, "the metrics")}
    if out:
        write_json(out, metrics)
    echo_json(metrics)


@click.command()
@RUN
@run_data_options
@output_options("Where to write the codes (.npy or .csv; a table's --drop columns, its IDs, first in a .csv or "
                ".parquet, with the codes as code0, code1, ...; an image folder's files as file; of a series' "
                "windows, the time stamps of each window's first and last step, TIME_start and TIME_end).",
                arrays=True)
def encode(run, data, data_dir, split, label_column, out):
    """Write the codes (n_samples x code_size) of --data under the model in RUN."""
    from ..inference import encode as encode_array

    checkpoint, scaler = load_run(run)
    dataset = read_run_data(checkpoint, data, data_dir, split, label_column)
    keys = row_keys(dataset)  # a table's IDs, or each window's time stamps
    if holds_row_keys(out):
        code_names = [f"code{i}" for i in range(checkpoint.model.config.code_size)]
        refuse_keys_named_as(keys, code_names, "write --out as .npy (the codes alone)")
    codes = encode_array(checkpoint.model, model_inputs(checkpoint, scaler, dataset))
    save_array(out, beside_row_keys(out, keys, codes, prefix="code"))
    cut = getattr(dataset, "series", None) is not None  # windows given as they are were cut by no stride of the run's
    click.echo(f"wrote {codes.shape[0]} codes of size {codes.shape[1]}{windows_said(checkpoint, cut)} to {out}"
               + _named_by(out, keys))


@click.command()
@RUN
@run_data_options
@output_options("Where to write the reconstructions (.npy or .csv; a table as .csv with its header, or .parquet, "
                "its --drop columns, its IDs, first; an image folder's pictures as a file column, then their "
                "values flat, value0, value1, ...), in the data's original units and categories.", arrays=True)
@click.option("--image", type=click.Path(dir_okay=False), default=None,
              help="Also draw the first 10 inputs above their reconstructions to this PNG.")
def reconstruct(run, data, data_dir, split, label_column, out, image):
    """Write the reconstructions of --data under the model in RUN."""
    from ..data.images import images_as_stored
    from ..inference import reconstruct as reconstruct_array
    from ..report import save_reconstructions

    checkpoint, scaler = load_run(run)
    check_npy_of_text(out, run_text_columns(checkpoint))
    dataset = read_run_data(checkpoint, data, data_dir, split, label_column)
    X = model_inputs(checkpoint, scaler, dataset)
    R = reconstruct_array(checkpoint.model, X)
    outputs = model_outputs(checkpoint, scaler, R)
    series = getattr(dataset, "series", None)  # windows cut from a series: written back as its steps
    if series is not None:
        outputs = rebuilt_series(dataset, outputs, holds_row_keys(out))
    keys = None
    if hasattr(outputs, "columns"):  # a table run's rows: by their IDs
        keys = RowKeys.of_table(dataset)
    elif dataset.files is not None and holds_row_keys(out):  # a folder's pictures by their files, pixels flat
        keys, outputs = RowKeys.of_table(dataset), outputs.reshape(len(outputs), -1)
    outputs = beside_row_keys(out, keys, outputs, prefix="value")
    # a table comes back as a table, images in the file's own layout
    save_array(out, images_as_stored(outputs, dataset.channels_last))
    if image:
        save_reconstructions(scaler.inverse_transform(X[:10]), scaler.inverse_transform(R[:10]), image)
    drawn = f" and the first {len(R[:10])}{'' if series is None else ' windows'} drawn to {image}" if image else ""
    what = (f"the series' {len(series)} steps rebuilt from {len(R)} reconstructed windows (each step the mean of "
            "the windows covering it)" if series is not None else  # else rows, or windows given as they are
            f"{len(R)} reconstructions{windows_said(checkpoint, cut=False)}")
    click.echo(f"wrote {what} to {out}{_named_by(out, keys)}{drawn}")


def _named_by(out: str, keys: RowKeys | None) -> str:
    """For the message of a command that wrote rows to ``out``: the columns written beside them, if any."""
    return f", each row beside its {', '.join(keys.names)}" if keys is not None and holds_row_keys(out) else ""


COMMANDS = [models, evaluate, encode, reconstruct]
