"""Pieces every CLI command shares: data options, loading runs, turning library errors into clean exits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..checkpoint import Checkpoint, load_checkpoint
from ..data import Dataset, Scaler, check_array, load_data
from ..errors import AutoencodersError

# Errors a user can cause and fix: the library's own (bad data, settings, checkpoints) and the operating
# system's (missing file, full disk). Shown as one "Error: ..." line with exit code 1; anything else is a bug and
# keeps its traceback.
USER_ERRORS = (AutoencodersError,)


class Group(click.Group):
    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        argv = list(args)  # kept as given, for commands that relaunch themselves (ae train --nproc)
        context = super().make_context(info_name, args, parent, **extra)
        context.meta["argv"] = argv
        return context

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:  # e.g. disk full, unwritable output directory
            raise click.ClickException(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from error


def data_options(function):
    """--data, --data-dir, --split and --label-column, for every command that reads samples."""
    options = [
        click.option("--data", "data", default="digits", show_default=True,
                     help="A data set name (digits, mnist, fashion-mnist) or a path: .npy, .npz, .csv, .tsv, "
                          "IDX file (MNIST format, .gz ok) or a folder of images (sub-folders = labels)."),
        click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder with offline copies of standard data sets (else $AUTOENCODERS_DATA, "
                          "else the download cache)."),
        click.option("--split", default="train", show_default=True,
                     help="Split of a standard data set: train, test or all."),
        click.option("--label-column", default=None,
                     help="CSV/TSV column (name or index) holding labels; it is left out of the features."),
    ]
    for decorate in reversed(options):
        function = decorate(function)
    return function


def read_data(data: str, data_dir: str | None, split: str, label_column: str | None) -> Dataset:
    dataset = load_data(data, split=split, data_dir=data_dir, label_column=label_column)
    dataset.X = check_array(dataset.X, f"data from {data}")
    return dataset


def load_run(run: str) -> tuple[Checkpoint, Scaler]:
    """The model of a run directory (or model file) and the input scaler it was trained with."""
    checkpoint = load_checkpoint(run)
    scaler_values = checkpoint.extra.get("scaler")
    if scaler_values is None:
        shape = checkpoint.model.input_shape
        scaler = Scaler("none", np.zeros(shape, np.float32), np.ones(shape, np.float32))
    else:
        scaler = Scaler.from_dict(scaler_values)
    return checkpoint, scaler


def model_inputs(checkpoint: Checkpoint, scaler: Scaler, X: np.ndarray) -> np.ndarray:
    """``X`` reshaped to the model's input shape and scaled as in training."""
    X = check_array(X, sample_shape=checkpoint.model.input_shape)
    return scaler.transform(X)


def save_array(path: str, array: np.ndarray) -> None:
    """Write ``array`` as .npy or .csv (by suffix)."""
    target = Path(path)
    if target.suffix.lower() == ".csv":
        np.savetxt(target, array.reshape(len(array), -1), delimiter=",", fmt="%.7g")
    else:
        np.save(target, array)


def echo_json(values: dict[str, Any]) -> None:
    click.echo(json.dumps(values, indent=2))
