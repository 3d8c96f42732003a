"""``ae train``: fit a model on data and write a run directory."""

from __future__ import annotations

import inspect
import os
import warnings
from pathlib import Path
from typing import Any

import click

from ..data.scaling import SCALINGS
from ..data.tabular import UNKNOWN
from ._cache import remembered
from ._data_options import data_options
from ._model_options import ModelCommand, NamingOption, named_preset
from ._resume import refuse_exported_graphs, resumed_options
from ._train_options import pop_train_config, train_config_options
from ._training_rows import STREAMED_TEST_ROWS, training_rows
from ._training_run import train_and_write

# Parsing and --help need only click and the cached model options; torch, scikit-learn and matplotlib are
# imported by the functions below when training runs.

def _losses() -> list[str]:
    from ..training.defaults import LOSSES

    return list(LOSSES)


@click.command(cls=ModelCommand)
@click.option("--model", cls=NamingOption, kind="preset", default=None,
              help="Preset: {names} (default deep unless --backbone or --objective is given; "
                   "with --window, sequence unless --backbone is given, --objective then swapping its objective). "
                   "Add --help after it to see its options. Given with --backbone or --objective, it swaps that part "
                   "and keeps the preset's other defaults: --model denoising --objective vae is the denoising MLP and "
                   "noise with a VAE code, a model named mlp+vae (the run's folder too).")
@click.option("--backbone", cls=NamingOption, kind="backbone", default=None,
              help="Network: {names} (default: the preset's, else mlp; given with --model, it replaces the preset's).")
@click.option("--objective", cls=NamingOption, kind="objective", default=None,
              help="Code head and loss: {names} (default: the preset's, else plain; given with --model, it replaces "
                   "the preset's).")
@data_options
@click.option("--window", type=click.IntRange(min=1), default=None,
              help="Read --data as one time series (rows = consecutive time steps, columns = channels; a column of "
                   "dates or times is kept aside as its time stamps) and train on its sliding windows of this many "
                   "steps, (channels, window) each: for the sequence autoencoder, the default model with --window (mlp "
                   "takes them flattened: --model deep). Stored in the run: ae "
                   "encode, reconstruct, evaluate, report and generate cut a series given to the run the same way. "
                   "Test windows: the series' last --test-fraction of steps, cut apart (or --test-data, a series); "
                   "--holdout defaults to last.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --window: steps between the starts of two windows, at most --window (a last window is "
                   "aligned to the series' end).")
@click.option("--test-data", default=None, help="Separate data to report test metrics on (same formats as --data).")
@click.option("--test-fraction", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="Share of --data held out for test metrics when --test-data is not given.")
@click.option("--scale", type=click.Choice(SCALINGS), default="auto", show_default=True,
              help="Per-feature input scaling learned on the training rows (auto: none if already in [0, 1], "
                   "else min-max).")
@click.option("--unknown-categories", type=click.Choice(UNKNOWN), default="warn", show_default=True,
              help="A table's category not seen in training, met later (encode, reconstruct ...): a warning (the cell "
                   "counts as missing) or an error.")
@click.option("--code-size", type=click.IntRange(1), default=None, show_default="32, or half a sample's values where "
              "that is fewer", help="Width of the code.")
@click.option("--loss", type=click.Choice(remembered("losses", _losses)), default="auto", show_default=True,
              help="Reconstruction loss (auto: bce when the scaled training rows lie in [0, 1], else mse; mse "
                   "always for a model whose output stays in data space, such as linear).")
@train_config_options
@click.option("--logger", type=click.Choice(["csv", "tensorboard"]), default="csv", show_default=True,
              help="Where each epoch's losses go besides log.csv in the run folder (tensorboard: "
                   "RUN/tensorboard/, needs the tensorboard package).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Run directory to write (default: runs/MODEL-DATA); an existing run is kept unless --resume "
                   "or --overwrite is given.")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out from its last checkpoint with every setting it stored: model, data, "
                   "table options, training, --unknown-categories, --logger and --report/--no-report. An option "
                   "given again must agree with the stored one (else it is refused), but --epochs (to extend it), "
                   "--report/--no-report (with a note) and what says where and how it runs now: --device, --quiet, "
                   "--nproc, "
                   "--data-dir. Its data files are stored by absolute path; one moved since is given anew with "
                   "--data (or --test-data). A run folder holding ONNX graphs (ae export's) is refused: they hold "
                   "the old weights; move them out first, and export again after.")
@click.option("--overwrite", is_flag=True, help="Replace the run in --out: its old files are removed first.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--nproc", type=click.IntRange(1), default=1, show_default=True,
              help="Train data-parallel in this many processes on this machine (torchrun; one GPU each on CUDA).")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Write report.html at the end (else see `ae report`).")
@click.option("--stream", is_flag=True,
              help="Memory-map a .npy --data and train on it chunk by chunk without loading it whole (data "
                   "larger than memory). Test rows: the last --test-fraction of the file (metrics on at most "
                   f"{STREAMED_TEST_ROWS:,} of them) or --test-data; validation rows: the end of the rest.")
def train(**options):
    """Train an autoencoder and write a run directory: model.safetensors (the model, reloadable with
    autoencoders.load_model), config.json, history.json, metrics.json, loss_curves.png,
    reconstructions.png and report.html (all the pictures in one file; see `ae report`).

    Ctrl-C (or SIGTERM) ends training after the current batch and keeps the last finished epoch's checkpoint;
    `ae train --out RUN --resume` continues it.

    \b
    Examples:
      ae train                                   # deep autoencoder on the bundled digits
      ae train --model vanilla --data rows.csv --code-size 4 --out runs/rows
      ae train --data people.csv --drop id,joined --label-column churned --categorical grade
      ae train --model deep --help               # the options of one preset
      ae train --backbone conv --objective vae --beta 0.5   # any backbone with any objective
      ae train --model denoising --objective vae # a preset with another objective (mlp+vae)
      ae train --data nyc_taxi.csv --window 48 --stride 4   # one series' sliding windows: sequence model
    """
    pop_train_config(dict(options))  # impossible training settings are named before anything is imported or read
    from ..registry import model_name
    from ..training import ownership, resolve_device
    from ..training.ranks import is_main_process, launched_world_size

    context = click.get_current_context()
    resolve_device(options["device"])  # so is an unknown or absent device
    check_window_options(context, options)
    options["model"] = named_preset(options["model"], options["backbone"], options["objective"], options["window"])
    name = model_name(options["model"], options["backbone"], options["objective"])  # --model vae --objective vq: mlp+vq
    run_dir = Path(options["out"] or f"runs/{name}-{Path(str(options['data'])).stem}")
    launched = launched_world_size() > 1  # one of the processes of `--nproc N`: the launcher checked the folder
    created = not launched and not run_dir.exists()
    if not launched:
        ownership.prepare(run_dir, options["resume"], options["overwrite"])
        if options["resume"]:
            refuse_exported_graphs(run_dir)
    try:
        if options["resume"]:
            options = resumed_options(context, ownership.stored_settings(run_dir))
        with ownership.owned(run_dir if is_main_process() else None):
            _run_in_folder(context, run_dir, options, launched)
    finally:
        if created:
            ownership.remove_if_empty(run_dir)  # a run that failed before writing anything leaves no folder


def _run_in_folder(context: click.Context, run_dir: Path, options: dict[str, Any], launched: bool) -> None:
    """Train into ``run_dir``, which this process holds (or, with --nproc, launch the processes that do)."""
    from ..training import ownership
    from ..training.distributed import launch
    from ..training.ranks import is_main_process

    if options["overwrite"] and not launched:
        ownership.clear(run_dir)
    if options["nproc"] > 1 and not launched:
        _check_data_once(options)
        os.environ[ownership.OWNER_ENV] = str(os.getpid())  # the processes it starts write under its lock
        try:
            failed = launch(options["nproc"], "autoencoders.cli", context.meta["argv"])
        finally:
            del os.environ[ownership.OWNER_ENV]
        if failed:
            raise click.ClickException(f"training processes {failed} of {options['nproc']} failed; their errors "
                                       "are above")
        return
    try:
        train_and_write(run_dir, **{k: v for k, v in options.items() if k not in ("out", "overwrite", "nproc")})
    except ownership.TrainingInterrupted as stop:
        if is_main_process():
            resume = f"; continue with: ae train --out {run_dir} --resume" if stop.epochs_done else ""
            click.echo(f"Interrupted: {stop}{resume}", err=True)
        context.exit(stop.exit_code)


def check_window_options(context: click.Context, options: dict[str, Any]) -> None:
    """Refuse, before any work, what does not go with --window (or --stride without it); with it, holdout last
    unless given: windows of one series overlap, so a random validation share is near copies of the training
    windows."""
    given = {name for name in ("stride", "label_column", "stream")
             if context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT}
    if options["window"] is None:
        if "stride" in given:
            raise click.UsageError("--stride sets how far apart the windows of --window start; give --window too")
        return
    if "stream" in given:
        raise click.UsageError("--window cuts one series held in memory into windows; --stream reads rows from a "
                               "file larger than memory: leave one out")
    if "label_column" in given:
        column = options["label_column"]
        raise click.UsageError(f"--label-column labels rows, and the windows of a series (--window) span many: to "
                               f"train on the series, leave the column out with --drop {column} (without it, the "
                               f"labels would be a channel) and give ae detect RUN --label-column {column} to measure "
                               "the run's per-step scores against them")
    if options["stride"] > options["window"]:
        raise click.BadParameter(f"{options['stride']} is longer than --window {options['window']}: the steps between "
                                 "windows would be in no window", param_hint="--stride")
    if context.get_parameter_source("holdout") is click.core.ParameterSource.DEFAULT:
        options["holdout"] = "last"


def _check_data_once(options: dict[str, Any]) -> None:
    """The launcher of --nproc meets the data errors of ``ae train`` once, before any process starts (a standard
    data set is downloaded here, once); rank 0 repeats the warnings (a row-ID column ...), so they are silent here.
    Streamed rows are only opened: the pass over them that fits the scaler is the processes'."""
    from ..data.streaming import open_rows

    if options["stream"]:
        open_rows(options["data"])
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        training_rows(**{name: options[name] for name in inspect.signature(training_rows).parameters})




COMMANDS = [train]
