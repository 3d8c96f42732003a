"""``ae denoise IN OUT``: clean a user's image files with a model trained to undo corruption."""

from __future__ import annotations

from pathlib import Path

import click

from ..data.images import IMAGE_SUFFIXES, bit_depth
from ..errors import DataError
from ._outputs import check_picture_format, claim_files
from ._run_model import RUN, load_run, model_inputs


@click.command()
@RUN
@click.argument("source", metavar="IN", type=click.Path(exists=True))
@click.argument("target", metavar="OUT", type=click.Path())
@click.option("--overwrite", is_flag=True, help="Replace images that already exist in OUT.")
def denoise(run, source, target, overwrite):
    """Denoise the image file or folder of images IN with the model in RUN (trained with --corruption, or
    the denoising family) and write the results to OUT: a file for one image, else a folder (same names, in the
    same sub-folders).
    Images must have the model's size; they are converted to its channels (grayscale or RGB); 16-bit gray ones
    are written back in 16 bits (as PNG or TIFF). Existing files
    in OUT are refused unless --overwrite is given, and OUT may never be IN itself."""
    from ..applications import denoise as denoise_array
    from ..applications import image_files, read_images, write_images

    single = Path(source).is_file()
    # a folder's sub-folders too (class folders, as training reads them), but not OUT's pictures where OUT is in IN
    files = [file for file in image_files(source, recursive=True)
             if single or Path(target).absolute() not in file.absolute().parents]
    if not single and Path(target).exists() and Path(target).resolve() == Path(source).resolve():
        raise click.BadParameter("OUT is the folder IN: the original images would be replaced", param_hint="OUT")
    if single:
        check_picture_format(target, "OUT", sorted(IMAGE_SUFFIXES))  # what Pillow reads, it writes
    outputs = [Path(target)] if single else [Path(target) / file.relative_to(source) for file in files]
    claim_files(outputs, overwrite, "OUT", [source])  # before the model is loaded or any image read
    checkpoint, scaler = load_run(run)
    if len(checkpoint.model.input_shape) != 3:
        raise DataError(f"the model in {run} takes samples of shape {checkpoint.model.input_shape}, not images")
    X = model_inputs(checkpoint, scaler, read_images(files, checkpoint.model.input_shape))
    clean = scaler.inverse_transform(denoise_array(checkpoint.model, X))
    write_images(clean, outputs, overwrite=True, bits=[bit_depth(file) for file in files])  # OUT's claimed above
    click.echo(f"wrote {len(files)} denoised image(s) to {target}")


COMMANDS = [denoise]
