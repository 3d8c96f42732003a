"""Commands that use a trained run: ``ae evaluate``, ``ae encode``, ``ae reconstruct``, and ``ae models``."""

from __future__ import annotations

import click

from ..checkpoint import write_json
from ..inference import encode as encode_array
from ..inference import reconstruct as reconstruct_array
from ..metrics import reconstruction_metrics
from ..models._base import CAPABILITIES
from ..registry import get_backbone, get_objective, get_preset, list_backbones, list_models, list_objectives
from ..report import save_reconstructions
from ._common import data_options, echo_json, load_run, model_inputs, read_data, save_array

RUN = click.argument("run", type=click.Path(exists=True))


@click.command()
def models():
    """List the backbones, objectives and presets, one line each (combine any backbone with any objective)."""
    for name in list_backbones():
        click.echo(f"backbone   {name:<12} {_first_line(get_backbone(name).__doc__)}")
    for name in list_objectives():
        objective = get_objective(name)
        abilities = [flag for flag in CAPABILITIES if getattr(objective, flag)]
        click.echo(f"objective  {name:<12} {_first_line(objective.__doc__)}" + (f" [{', '.join(abilities)}]"
                                                                                 if abilities else ""))
    for name in list_models():
        preset = get_preset(name)
        click.echo(f"preset     {name:<12} {preset.backbone}+{preset.objective}: {preset.doc}")


def _first_line(doc: str | None) -> str:
    lines = (doc or "").strip().splitlines()
    return lines[0] if lines else ""


@click.command()
@RUN
@data_options
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Also write the metrics to this JSON file.")
def evaluate(run, data, data_dir, split, label_column, out):
    """Reconstruction metrics of the model in RUN (a run directory or .safetensors file) on --data:
    sum of squared errors per sample, MSE, MAE, the model's loss and PSNR, in the model's scaled units."""
    checkpoint, scaler = load_run(run)
    X = model_inputs(checkpoint, scaler, read_data(data, data_dir, split, label_column).X)
    metrics = {"run": str(run), "data": str(data), "n_samples": len(X), **reconstruction_metrics(checkpoint.model, X)}
    if out:
        write_json(out, metrics)
    echo_json(metrics)


@click.command()
@RUN
@data_options
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the codes (.npy or .csv).")
def encode(run, data, data_dir, split, label_column, out):
    """Write the codes (n_samples x code_size) of --data under the model in RUN."""
    checkpoint, scaler = load_run(run)
    codes = encode_array(checkpoint.model, model_inputs(checkpoint, scaler, read_data(data, data_dir, split,
                                                                                        label_column).X))
    save_array(out, codes)
    click.echo(f"wrote {codes.shape[0]} codes of size {codes.shape[1]} to {out}")


@click.command()
@RUN
@data_options
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Where to write the reconstructions (.npy or .csv), in the data's original units.")
@click.option("--image", type=click.Path(dir_okay=False), default=None,
              help="Also draw the first 10 inputs above their reconstructions to this PNG.")
def reconstruct(run, data, data_dir, split, label_column, out, image):
    """Write the reconstructions of --data under the model in RUN."""
    checkpoint, scaler = load_run(run)
    X = model_inputs(checkpoint, scaler, read_data(data, data_dir, split, label_column).X)
    R = scaler.inverse_transform(reconstruct_array(checkpoint.model, X))
    save_array(out, R)
    if image:
        save_reconstructions(scaler.inverse_transform(X[:10]), R[:10], image)
    click.echo(f"wrote {len(R)} reconstructions to {out}")


COMMANDS = [models, evaluate, encode, reconstruct]
