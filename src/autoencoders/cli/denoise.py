"""``ae denoise IN OUT``: clean a user's image files with a model trained to undo corruption."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import DataError
from ._common import load_run, model_inputs


@click.command()
@click.argument("run", type=click.Path(exists=True))
@click.argument("source", metavar="IN", type=click.Path(exists=True))
@click.argument("target", metavar="OUT", type=click.Path())
def denoise(run, source, target):
    """Denoise the image file or folder of images IN with the model in RUN (trained with --corruption, or
    the denoising family) and write the results to OUT: a file for one image, else a folder (same names).
    Images must have the model's size; they are converted to its channels (grayscale or RGB)."""
    from ..applications import denoise as denoise_array
    from ..applications import image_files, read_images, write_images

    checkpoint, scaler = load_run(run)
    if len(checkpoint.model.input_shape) != 3:
        raise DataError(f"the model in {run} takes samples of shape {checkpoint.model.input_shape}, not images")
    files = image_files(source)
    X = model_inputs(checkpoint, scaler, read_images(files, checkpoint.model.input_shape))
    clean = scaler.inverse_transform(denoise_array(checkpoint.model, X))
    single = Path(source).is_file()
    write_images(clean, [Path(target)] if single else [Path(target) / file.name for file in files])
    click.echo(f"wrote {len(files)} denoised image(s) to {target}")


COMMANDS = [denoise]
