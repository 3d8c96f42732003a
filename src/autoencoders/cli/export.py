"""``ae export``: a trained run as ONNX files, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import click

from ..export import PARTS, export_onnx, max_abs_difference, require_export_dependencies
from ._outputs import claim_files
from ._run_model import RUN, load_run

TOLERANCE = 1e-5
# Written beside the graphs: the scaling they expect, taken from the checksummed checkpoint (a model file copied
# without its run's config.json still carries it), so the exported folder is all a deployment needs.
PREPROCESSING_FILE = "preprocessing.json"


@click.command("export")
@RUN
@click.option("--format", "export_format", type=click.Choice(["onnx"]), default="onnx", show_default=True,
              help="File format.")
@click.option("--part", type=click.Choice([*PARTS, "all"]), default="model", show_default=True,
              help="The whole autoencoder (x -> reconstruction), the encoder (x -> code), the decoder "
                   "(code -> reconstruction), or all three.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for the files (default: RUN itself, or the folder of a .safetensors RUN); files "
                   "already there are kept unless --overwrite is given. `ae train --resume` refuses a run folder "
                   "holding graphs (they hold its old weights).")
@click.option("--overwrite", is_flag=True, help="Replace PART.onnx files (and preprocessing.json) that already exist.")
@click.option("--check/--no-check", default=True, show_default=True,
              help=f"Run each file with onnxruntime and fail unless it matches PyTorch within {TOLERANCE:g}.")
def export(run, export_format, part, out, overwrite, check):
    """Export the model in RUN to ONNX files named PART.onnx, and preprocessing.json beside them. The graphs
    take inputs in the model's units and any batch size: x_model = (x - offset) / scale with the "scaler" of
    preprocessing.json (offset, scale: flat lists reshaped to its "shape"), a table's columns first encoded as its
    "tabular" entry says (README, "Scale and export"); outputs go back as y * scale + offset.

    \b
    Examples:
      ae export runs/digits                      # runs/digits/model.onnx
      ae export runs/digits --part all --out onnx/
    """
    try:
        require_export_dependencies()
    except ModuleNotFoundError as error:
        raise click.ClickException(str(error)) from None
    if out and Path(out).suffix.lower() == f".{export_format}":  # it would become a folder of that name
        raise click.BadParameter(f"{out} names a file, but --out is the folder the {export_format.upper()} files "
                                 f"(named PART.{export_format}) are written in: give that folder", param_hint="--out")
    folder = Path(out) if out else Path(run) if Path(run).is_dir() else Path(run).parent
    parts = PARTS if part == "all" else (part,)
    claim_files([folder / f"{name}.{export_format}{data}" for name in parts for data in ("", ".data")]
                + [folder / PREPROCESSING_FILE], overwrite, "--out")
    checkpoint, scaler = load_run(run)
    model = checkpoint.model
    for name in parts:
        path = export_onnx(model, folder / f"{name}.{export_format}", name, overwrite=True)  # claimed above
        note = ""
        if check:
            difference = max_abs_difference(model, path, name)
            if not difference <= TOLERANCE:
                raise click.ClickException(f"{path} differs from PyTorch by up to {difference:.3g} (> {TOLERANCE:g})")
            note = f" (onnxruntime vs PyTorch: max abs difference {difference:.2g})"
        click.echo(f"wrote {path}{note}")
    write_preprocessing(folder / PREPROCESSING_FILE, scaler, checkpoint.extra.get("tabular"))


def write_preprocessing(path: Path, scaler, tabular: dict | None) -> None:
    """``path``: the run's input scaler and, for a table, its column encoding (TabularPreprocessor's JSON)."""
    from ..checkpoint import write_json  # torch: only when a command runs

    write_json(path, {"scaler": scaler.to_dict()} | ({"tabular": tabular} if tabular is not None else {}))
    click.echo(f"wrote {path} (the scaling the graphs' inputs take)")


COMMANDS = [export]
