"""``ae generate`` and ``ae interpolate``: new samples from a trained model."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..errors import DataError
from ._data_options import run_data_options
from ._outputs import check_npy_of_text, output_options, save_array
from ._run_data import read_run_data
from ._run_model import RUN, load_run, model_inputs, model_outputs, run_table, run_text_columns
from ._series import run_series_settings, windows_said

MIN_PICTURE_WIDTH = 256  # small samples (8x8 digits) are enlarged so the picture can be seen
PICTURE_MARGIN = 2  # white pixels between the enlarged samples of the picture

OUT = output_options("Where to write the samples (.npy or .csv), in the data's original units (a table run's as a "
                     "table with its header and categories: .csv or .parquet).", arrays=True)
IMAGE = click.option("--image", type=click.Path(dir_okay=False), default=None,
                     help="Also lay image samples out on a grid in this picture (.png), enlarged to at least "
                          f"{MIN_PICTURE_WIDTH} pixels wide, {PICTURE_MARGIN} white pixels between them.")


def _check_outputs(checkpoint, out: str, image: str | None) -> None:
    """Refuse, before any work, --image unless the model's samples are images (C, H, W), and an .npy --out for a
    table run with text columns."""
    check_npy_of_text(out, run_text_columns(checkpoint))
    shape = checkpoint.model.input_shape
    if image and (len(shape) != 3 or run_table(checkpoint) is not None):
        raise click.BadParameter(f"the model's samples are not images (C, H, W) but of shape {tuple(shape)}; "
                                 "leave --image out", param_hint="--image")


def _write(checkpoint, scaler, samples: np.ndarray, out: str, image: str | None, columns: int, said: str = "") -> None:
    """Write model-unit ``samples`` in the data's units (a table run's as a table with its columns); ``said``: where
    they come from, for the closing line."""
    from ..applications import write_images
    from ..data.images import images_as_stored, tile_images

    samples = model_outputs(checkpoint, scaler, samples)
    channels_last = bool((checkpoint.extra.get("data") or {}).get("channels_last"))  # how the run's file stores them
    save_array(out, images_as_stored(samples, channels_last))
    if image:
        scale = -(-MIN_PICTURE_WIDTH // (min(columns, len(samples)) * samples.shape[-1]))
        enlarged = samples.repeat(scale, axis=2).repeat(scale, axis=3)  # nearest neighbour: the pixels stay sharp
        mosaic = tile_images(enlarged, columns, PICTURE_MARGIN, fill=1.0)  # (C, H', W')
        write_images(mosaic[None], [Path(image)], overwrite=True)  # --image claimed before any work
    click.echo(f"wrote {len(samples)} samples{windows_said(checkpoint, cut=False)} to {out}"
               + (f" and {image}" if image else "") + said)


def _refuse_noise(checkpoint) -> None:
    """Refuse --noise for a run with no likelihood p(x|z) to draw from (none in its objective, or a loss that is no
    density: a table's mixed loss), or a series run's whose Bernoulli draws would be no measurements."""
    from ..models.losses import LOSSES

    model = checkpoint.model
    if not model.objective.has_likelihood:
        raise click.BadParameter(f"a {model.name!r} model has no likelihood p(x|z) to draw from (a VAE has)",
                                 param_hint="--noise")
    if LOSSES[model.config.loss].sample is None:
        raise click.BadParameter(f"a {model.name!r} model has no likelihood p(x|z) to draw from: its loss "
                                 f"{model.config.loss!r} is no density (a table's mixed loss; mse, l1 and bce are)",
                                 param_hint="--noise")
    if run_series_settings(checkpoint) and model.config.loss == "bce":
        raise click.BadParameter("the run's windows were trained with loss bce, whose p(x|z) is Bernoulli: every "
                                 "value drawn would be its channel's training minimum or maximum, not a measurement; "
                                 "leave --noise out (the decoder's mean) or train the series with --loss mse (a "
                                 "Gaussian p(x|z))", param_hint="--noise")


def _refuse_density_options() -> None:
    """Refuse the options of --fit-density's mixture given without it to a model that samples its own prior."""
    context = click.get_current_context()
    given = [name for name in ("components", "data", "data_dir", "split", "label_column")
             if context.get_parameter_source(name) != click.core.ParameterSource.DEFAULT]
    if "components" in given:
        raise click.BadParameter("the model samples its own prior; --components sizes the mixture of --fit-density",
                                 param_hint="--components")
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise click.BadParameter(f"the model samples its own prior, so {flag} is not read: add --fit-density to "
                                 "sample a mixture fitted to the codes of --data", param_hint=flag)


@click.command()
@RUN
@run_data_options
@click.option("-n", "--n", "n", type=click.IntRange(1), default=16, show_default=True, help="How many samples.")
@click.option("--fit-density", is_flag=True,
              help="Sample from a Gaussian mixture fitted to the codes of --data, even if the model has a prior "
                   "(models without one, i.e. all but the VAE, always do this).")
@click.option("--components", type=click.IntRange(1), default=10, show_default=True,
              help="Mixture components of the fitted density.")
@click.option("--noise", is_flag=True,
              help="Draw each sample from the decoder's likelihood p(x|z) (Gaussian for mse, Laplace for l1 "
                   "at the learned scale, Bernoulli for bce) instead of writing its mean; VAE only (its prior or, "
                   "with --fit-density, codes drawn from the fitted density).")
@click.option("--seed", type=int, default=0, show_default=True)
@OUT
@IMAGE
def generate(run, data, data_dir, split, label_column, n, fit_density, components, noise, seed, out, image):
    """Generate N new samples with the model in RUN: from its prior (the VAE), or by decoding draws from a
    density fitted to the codes of --data (any deterministic autoencoder, images or time-series windows)."""
    from ..applications import fit_code_density, has_sampler
    from ..applications import generate as generate_samples

    checkpoint, scaler = load_run(run)
    model, density = checkpoint.model, None
    _check_outputs(checkpoint, out, image)
    if noise:  # before reading data and fitting a density
        _refuse_noise(checkpoint)
    if not fit_density and has_sampler(model):  # the prior needs no density: options of one would be ignored
        _refuse_density_options()
    origin = "the model's prior"
    if fit_density or not has_sampler(model):
        dataset = read_run_data(checkpoint, data, data_dir, split, label_column)
        density = fit_code_density(model, model_inputs(checkpoint, scaler, dataset), components, seed)
        origin = f"a {components}-component Gaussian mixture fitted to the codes of {dataset.source}"
    said = f": decoded draws from {origin}" + (", each then drawn from p(x|z)" if noise else "")
    _write(checkpoint, scaler, generate_samples(model, n, density, seed, noise), out, image, columns=8, said=said)


@click.command()
@RUN
@run_data_options
@click.option("--start", "start", type=click.IntRange(0), required=True,
              help="Row of --data to start from (a window, counting from 0, for a run trained with --window).")
@click.option("--end", "end", type=click.IntRange(0), required=True, help="Row of --data to end at.")
@click.option("--steps", type=click.IntRange(2), default=8, show_default=True,
              help="Points on the path, ends included.")
@OUT
@IMAGE
def interpolate(run, data, data_dir, split, label_column, start, end, steps, out, image):
    """Decode points on the straight line between the codes of two samples of --data (rows START and END)."""
    from ..applications import interpolate as interpolate_samples

    checkpoint, scaler = load_run(run)
    _check_outputs(checkpoint, out, image)
    X = model_inputs(checkpoint, scaler, read_run_data(checkpoint, data, data_dir, split, label_column))
    if max(start, end) >= len(X):
        raise DataError(f"row {max(start, end)} is out of range: --data has {len(X)} samples")
    path = interpolate_samples(checkpoint.model, X[start], X[end], steps)
    _write(checkpoint, scaler, path, out, image, columns=steps)


COMMANDS = [generate, interpolate]
