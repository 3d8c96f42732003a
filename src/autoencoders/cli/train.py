"""``ae train``: fit a model on data and write a run directory."""

from __future__ import annotations

import dataclasses
import inspect
import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from ..data import DataError, Scaler, TabularPreprocessor, check_array
from ..data.scaling import SCALINGS
from ..data.tabular import UNKNOWN
from ..data.windows import as_steps_by_channels, checked_series, sliding_windows, window_starts
from ..training.config import RESUMABLE_CHANGES, RUNTIME_SETTINGS, TrainConfig
from ._cache import remembered
from ._common import (
    TABLE_OPTIONS_ON_RESUME,
    data_options,
    finite_values,
    keep_stored_table_options,
    missing_data_file,
    naming_the_file,
    read_data,
    stored_data_path,
    table_options,
    warn_of_row_ids,
)
from ._model_options import ModelCommand, explicit_options, model_summaries, named_preset
from ._series import naming_the_windows, read_series, warn_of_time_index_channels, windows_scaler
from ._train_options import CLI_OWN_FIELDS, pop_train_config, train_config_options

if TYPE_CHECKING:
    from ..data.streaming import ChunkedRows

# Parsing and --help need only click and the cached model options; torch, scikit-learn and matplotlib are
# imported by the functions below when training runs.

def _losses() -> list[str]:
    from ..training.defaults import LOSSES

    return list(LOSSES)


def _names(kind: str) -> list[str]:
    """The registered names of a kind (backbone, objective, preset), from the cached ``ae models`` lines."""
    return [line.split()[1] for line in model_summaries() if line.startswith(kind)]


CLI_CODE_SIZE = 32  # the code width when --code-size is not given (fewer on narrow inputs: auto_code_size)
COLLAPSED_KL = 1.0  # nats per row: a VAE whose codes carry less tells fewer than e (about 3) kinds of row apart
STREAMED_TEST_ROWS = 10_000  # with --stream, test metrics and pictures use at most this many rows, held in memory


@click.command(cls=ModelCommand)
@click.option("--model", default=None,
              help=f"Preset: {', '.join(_names('preset'))} (default deep unless --backbone or --objective is given; "
                   "with --window, sequence unless --backbone is given, --objective then swapping its objective). "
                   "Add --help after it to see its options. Given with --backbone or --objective, it swaps that part "
                   "and keeps the preset's other defaults: --model denoising --objective vae is the denoising MLP and "
                   "noise with a VAE code, a model named mlp+vae (the run's folder too).")
@click.option("--backbone", default=None, help=f"Network: {', '.join(_names('backbone'))} (default: the preset's, "
                                                "else mlp; given with --model, it replaces the preset's).")
@click.option("--objective", default=None, help=f"Code head and loss: {', '.join(_names('objective'))} (default: "
                                                 "the preset's, else plain; given with --model, it replaces the "
                                                 "preset's).")
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
              help="Reconstruction loss (auto: bce when the scaled training rows lie in [0, 1], else mse).")
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
                   "--data (or --test-data).")
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
        _train(run_dir, **{k: v for k, v in options.items() if k not in ("out", "overwrite", "nproc")})
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
        _training_rows(**{name: options[name] for name in inspect.signature(_training_rows).parameters})


def resumed_options(context: click.Context, settings: dict[str, Any]) -> dict[str, Any]:
    """The command's options with the run's stored settings in place of those not given on the command line;
    an option given with another value than the stored one is refused by name, but for the training settings a
    resumed run may change (:data:`~autoencoders.training.config.RESUMABLE_CHANGES`, as ``Trainer.fit`` allows)."""
    from ..registry import preset_renames

    model_config = {k: v for k, v in settings["model_config"].items() if k not in ("input_shape", "preset")}
    parts = {part: model_config.pop(part) for part in ("backbone", "objective")}  # {"name": ..., its options}
    _require_registered(settings["model_config"].get("preset"), parts, settings.get("modules") or {})
    extra = settings.get("extra", {})
    train_config, data = settings["train_config"], extra.get("data", {})
    shared = {param.name for param in context.command.shared_params}
    # the data settings are the command's own options (the table options are read apart, not passed): a stored one
    # named like a model option (the series' "channels", the sequence backbone's --channels) is no value of it
    own_options = shared & context.params.keys()
    stored = {"model": settings["model_config"].get("preset"), **{part: parts[part]["name"] for part in parts},
              **model_config, **{k: v for part in parts.values() for k, v in part.items() if k != "name"},
              **{k: train_config[k] for k in _resumed_training() if k in train_config},
              **{_DATA_OPTIONS.get(k, k): v for k, v in data.items() if _DATA_OPTIONS.get(k, k) in own_options},
              **extra.get("outputs", {})}
    # an option the run's preset renamed (vanilla's --activation: its code activation) is the field it stands for
    renamed = preset_renames(stored["model"], stored["backbone"], stored["objective"]) if stored["model"] else {}
    changes = {}  # the training settings a resumed run may change (RESUMABLE_CHANGES), given again
    moved = _moved_data(context, stored)  # the data files no longer where the run stored them: given anew
    for name, value in context.params.items():
        if context.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        flag = "--" + name.replace("_", "-")
        if name not in shared and name not in stored:
            raise click.ClickException(f"{flag} is not an option of the run's {settings['model']!r} model")
        if name in RESUMABLE_OUTPUTS and name in stored and value != stored[name]:  # a flag pair: --report
            said = {True: flag, False: "--no-" + flag[2:]}
            click.echo(f"Note: {said[value]} given: the run was begun with {said[stored[name]]}; this session "
                       "follows the command line", err=True)
        if name in RESUMABLE_CHANGES or name in RESUMABLE_OUTPUTS or name in moved:
            changes[name] = value
        elif name in stored:
            kept = stored[renamed.get(name, (name,))[0]]
            if _plain(stored_data_path(value) if name in DATA_PATHS else value) != _plain(kept):
                raise click.ClickException(f"{flag} {_plain(value)} disagrees with the run's stored {_plain(kept)}; "
                                           "leave it out to resume with the stored setting")
    keep_stored_table_options(data, TABLE_OPTIONS_ON_RESUME, resumed=True)
    return {**{k: v for k, v in context.params.items() if k in shared}, **stored, **changes}


def _moved_data(context: click.Context, stored: dict[str, Any]) -> set[str]:
    """The data options (--data, --test-data) whose stored file is no longer there, which a resumed run takes from
    the command line (a file moved since the run began); one not given is refused by name before any work."""
    moved = {name for name in DATA_PATHS if stored.get(name) and missing_data_file(stored[name])}
    for name in moved:
        if context.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            flag = "--" + name.replace("_", "-")
            raise click.ClickException(f"the run's {flag} {stored[name]} is no longer there (moved or deleted?): "
                                       f"give {flag} with its new place to resume")
    return moved


def _require_registered(preset: str | None, parts: dict[str, dict[str, Any]], modules: dict[str, str]) -> None:
    """Refuse to resume a run whose preset, backbone or objective is not registered here, naming the module of the
    user's that registered it (``modules``, as the run recorded them) to import with ``ae --import``."""
    from ..registry import UnknownModelError, get_backbone, get_objective, get_preset, import_hint

    try:
        get_backbone(parts["backbone"]["name"]), get_objective(parts["objective"]["name"])
        if preset:
            get_preset(preset)
    except UnknownModelError as error:
        hint = import_hint(modules)
        raise click.ClickException(f"cannot resume: {error.message}; {hint}" if hint else str(error)) from None


def _resumed_training() -> set[str]:
    """The training settings a resumed run takes from its folder when they are not given: all but where and how it
    runs now (the device, the progress bar: --quiet)."""
    return {field.name for field in dataclasses.fields(TrainConfig)} - set(RUNTIME_SETTINGS) - CLI_OWN_FIELDS


_DATA_OPTIONS = {"source": "data", "streamed": "stream"}  # stored data settings -> option names
DATA_PATHS = ("data", "test_data")  # stored as absolute paths (stored_data_path)
RESUMABLE_OUTPUTS = ("report",)  # stored, but a resumed run may change it: what its end writes, not how it trains


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _train(run_dir, model, backbone, objective, data, data_dir, split, label_column, window, stride, test_data,
           test_fraction, scale, unknown_categories, code_size, loss, logger, resume, quiet, report, stream,
           **options):
    from ..inference import reconstruct
    from ..metrics import reconstruction_metrics
    from ..registry import create_model, default_code_size
    from ..report import save_loss_curves, save_reconstructions, write_report
    from ..training import Trainer
    from ..training.callbacks import LOGGERS
    from ..training.defaults import model_loss
    from ..training.ranks import is_main_process
    from ..training.run_folder import LOSS_CURVES_FILE, RECONSTRUCTIONS_FILE, RunFolder

    rows = _training_rows(data, data_dir, split, label_column, window, stride, test_data, test_fraction, scale,
                          unknown_categories, stream, options["seed"], options["holdout"])
    X_train, X_test, scaler, table, shown = rows.X_train, rows.X_test, rows.scaler, rows.table, rows.shown
    folder = RunFolder(run_dir)

    config = pop_train_config(options, progress=False if quiet else None)  # the rest are the model's options
    if not resume:  # the options given; the others are the preset's or the parts' (a resumed run's are all stored)
        options = explicit_options(click.get_current_context(), options)
    # a resumed run's options are its stored fields, which the preset's renamed family options must not map again
    parts = {"backbone": backbone, "objective": objective, "renames": not resume}
    loss, added = model_loss(loss, _first_rows(X_train) if stream else X_train,  # streamed: judged on the first rows
                             model, table=table, **parts, **options)
    options |= added  # a table with categories or gaps: the mixed loss's column layout
    with warnings.catch_warnings(), naming_the_windows(window, X_train.shape[1:]):
        if code_size is None:  # 32, fewer on a narrow input, then the nearest width the model's parts accept
            code_size = default_code_size(model, CLI_CODE_SIZE, **parts, input_shape=X_train.shape[1:], loss=loss,
                                          **options)
        if resume:  # every stored field is given again: an option the model ignores was named when the run began
            warnings.filterwarnings("ignore", "ignored: ", UserWarning)
        net = create_model(model, **parts, input_shape=X_train.shape[1:], code_size=code_size, loss=loss,
                           seed=config.seed, **options)
    if table is not None and net.config.backbone.name == "sequence" and not resume:
        _warn_of_rows_as_windows(data, X_train.shape[1])
    read = table_options()
    extra = {"scaler": scaler.to_dict(),
             "data": {"source": stored_data_path(data), "split": split, "label_column": label_column,
                      "name": rows.dataset_name, "channels_last": rows.channels_last,
                      "streamed": stream, "test_data": stored_data_path(test_data), "test_fraction": test_fraction,
                      "scale": scale,
                      "unknown_categories": unknown_categories, "missing_values": list(read.missing_values),
                      "header": read.header, "delimiter": read.delimiter, "columns": list(read.columns),
                      "drop": list(read.drop), "categorical": list(read.categorical), **rows.series},
             "outputs": {"logger": logger, "report": report}}  # what a resumed run writes as the run began
    if table is not None:
        extra["tabular"] = table.to_dict()
    earlier = _earlier_history(folder) if resume else None  # the epochs of the sessions before this one count too
    began = time.perf_counter() - (sum(earlier.epoch_seconds) if earlier else 0.0)
    history = Trainer(net, config, LOGGERS[logger](folder), run_dir=run_dir, extra=extra).fit(X_train, resume=resume)
    seconds = time.perf_counter() - began
    if not is_main_process():  # the other processes of a data-parallel run leave the writing to rank 0
        return

    metrics = {
        "model": net.name,
        "backbone": net.config.backbone.name,
        "objective": net.config.objective.name,
        "data": str(data),
        "n_train": len(X_train),
        "n_test": len(X_test),
        "code_size": code_size,
        "epochs_run": history.epochs_run,
        "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
        "train_seconds": round(seconds, 3),
        "test": finite_values(reconstruction_metrics(net, X_test), "the test metrics") if len(X_test) else {},
        "options": {k: list(v) if isinstance(v, tuple) else v for k, v in options.items() if k != "columns"},
    }
    keeps_levels = getattr(net.config.backbone, "remove_level", None) is False  # a sequence backbone's option
    _warn_if_diverged(history, metrics["test"], X_test, level_may_move=window is not None and keeps_levels)
    folder.write_metrics(metrics)
    save_loss_curves(history, folder / LOSS_CURVES_FILE)
    names = None if table is None else table.feature_names_out()  # a table's encoded columns, along the x axis
    save_reconstructions(scaler.inverse_transform(shown[:10]), scaler.inverse_transform(reconstruct(net, shown[:10])),
                         folder / RECONSTRUCTIONS_FILE, feature_names=names)
    click.echo(f"wrote {run_dir}/ (model.safetensors, metrics.json, reconstructions.png)")
    if report:
        written = write_report(run_dir, net, shown, rows.shown_labels, scaler=scaler, label_names=rows.label_names,
                               rows=rows.shown_rows, progress=config.progress)
        click.echo(f"wrote {written}")
    if metrics["test"]:
        click.echo("test: " + ", ".join(f"{k}={v:.4g}" for k, v in metrics["test"].items()))


def _earlier_history(folder) -> Any:
    """The history.json of a resumed run's earlier sessions, or None when it is damaged (a disk that filled up): the
    checkpoint holds the history the run goes on from and writes anew, so a damaged file does not stop it."""
    from ..errors import RunFolderError

    try:
        return folder.read_history()
    except RunFolderError as error:
        warnings.warn(f"{error}; resuming from the checkpoint, which holds the history (the file is written anew; "
                      "the earlier sessions' time is not counted in train_seconds)", stacklevel=2)
        return None


@dataclasses.dataclass
class _Rows:
    """What ``ae train`` trains and reports on: scaled rows in model units and how they were made."""

    X_train: np.ndarray | ChunkedRows  # (N, *shape), or streamed from a memory-mapped file
    X_test: np.ndarray  # (M, *shape), M = 0 when none were held out
    scaler: Scaler
    table: TabularPreprocessor | None  # a table's preprocessing, fitted on the training rows
    dataset_name: str
    shown: np.ndarray  # the rows the pictures show: the test rows, else the first training rows
    shown_labels: np.ndarray | None
    label_names: list[str]
    shown_rows: str  # which rows those are, in the report's words
    channels_last: bool = False  # images stored (n, H, W, C) in the file: outputs are written back so
    series: dict[str, Any] = dataclasses.field(default_factory=dict)  # --window: how the windows were cut


def _training_rows(data, data_dir, split, label_column, window, stride, test_data, test_fraction, scale,
                   unknown_categories, stream, seed, holdout) -> _Rows:
    """Read --data (and --test-data), split off the test rows, fit the table's preprocessing and the scaler: every
    data error ``ae train`` can meet before training (the launcher of --nproc runs it too, so such an error is
    reported once and a standard data set is downloaded once, before any process starts)."""
    if stream:
        X_train, X_test, scaler = _streamed(data, test_data, test_fraction, scale, data_dir, label_column)
        return _Rows(X_train, X_test, scaler, None, Path(str(data)).stem,
                     X_test if len(X_test) else _first_rows(X_train), None, [], _shown_rows(len(X_test), test_data),
                     getattr(X_train.array, "channels_last", False))  # images the file stores (n, H, W, C)
    from ..training.ranks import is_main_process

    if window is not None:
        return _series_rows(data, data_dir, split, window, stride, test_data, test_fraction, scale)
    dataset = read_data(data, data_dir, split, label_column)
    if is_main_process():  # once, not in every process of a data-parallel run
        warn_of_row_ids(dataset, data)
    train_set, test_set, rows = _train_test(dataset, test_data, test_fraction, data_dir, label_column, seed, holdout)
    table = None
    if dataset.is_table:  # numeric columns scaled by --scale, categorical one-hot, gaps as indicators
        table = TabularPreprocessor(table_options().categorical, scale, handle_unknown=unknown_categories)
        with naming_the_file(data):  # gaps only in the test rows still get an indicator: the test rows transform
            table.fit(train_set.X, held_out=test_set.X, source=dataset.X)  # IDs judged on the file's rows
        if rows is None:  # --test-data: a file of its own
            train_set.X, test_set.X = table.transform(train_set.X), table.transform(test_set.X)
        else:  # one file: a cell a warning or error names is named by its row in the file, not in its split
            matrix = table.transform(dataset.X)  # (N, F)
            train_set.X, test_set.X = matrix[rows[0]], matrix[rows[1]]
    scaler = Scaler.fit(train_set.X, "none" if dataset.is_table else scale)
    X_train, X_test = scaler.transform(train_set.X), scaler.transform(test_set.X)
    shown_set = test_set if len(X_test) else train_set
    return _Rows(X_train, X_test, scaler, table, dataset.name, X_test if len(X_test) else X_train, shown_set.y,
                 shown_set.label_names, _shown_rows(len(X_test), test_data), dataset.channels_last)


def _series_rows(data, data_dir, split, window, stride, test_data, test_fraction, scale) -> _Rows:
    """The sliding windows (n, channels, window) of the series in --data, scaled per channel: test windows cut
    from --test-data, or from the series' last --test-fraction of steps, apart from the training windows (no
    test window shares a step with one trained on)."""
    series = read_series(data, data_dir, split, None)
    warn_of_time_index_channels(series, data)
    values = checked_series(series.values, window, stride)  # (T, C); bad steps named by their place in the file
    n_test = 0 if test_data is not None else round(len(values) * test_fraction)
    if 0 < n_test < window:
        raise DataError(f"the series' last {test_fraction:g} of steps held out for testing ({n_test} of "
                        f"{len(values)}) is shorter than --window {window}: lower --window, raise --test-fraction, "
                        "pass --test-fraction 0 or give --test-data")
    if n_test:
        left = len(values) - n_test  # steps to train on
        if left < window + stride:  # fewer than 2 windows, which the autoencoder needs to fit
            raise DataError(f"holding out the series' last {n_test} of {len(values)} steps for testing (--test-"
                            f"fraction {test_fraction:g}) leaves {left} to train on, fewer than 2 windows of "
                            f"{window} steps {stride} apart need: lower --test-fraction or --window")
        values, test_steps = values[:-n_test], values[-n_test:]  # (T - n, C), (n, C)
    else:
        test_steps = np.zeros((0, values.shape[1])) if test_data is None else _test_series(
            test_data, data_dir, series, window)
    scaler = windows_scaler(values, scale, window)
    X_train = scaler.transform(sliding_windows(values, window, stride))  # (N, C, L)
    X_test = scaler.transform(sliding_windows(test_steps, window, stride)) if len(test_steps) else np.zeros(
        (0, *X_train.shape[1:]), np.float32)  # (M, C, L)
    shown = (f"the windows of --test-data {test_data}" if test_data else
             f"the test windows: the series' last {n_test} steps, held out from training" if n_test else
             "training windows: no test windows were held out")
    settings = {"window": window, "stride": stride, "time_column": series.time_column,
                "channels": series.channels if series.dataset.is_table else None}  # names to pick a table's by
    return _Rows(X_train, X_test, scaler, None, series.dataset.name, X_test if len(X_test) else X_train, None, [],
                 shown, series=settings)


def _test_series(test_data, data_dir, series, window: int) -> np.ndarray:
    """The steps (T, C) of --test-data, a series of the channels of --data (a table's picked by name)."""
    test = read_series(test_data, data_dir, "test", None, series.channels if series.dataset.is_table else None)
    values = as_steps_by_channels(check_array(test.values, f"--test-data {test_data}"))  # (T, C)
    if values.shape[1] != len(series.channels):
        raise DataError(f"--test-data {test_data} is a series of {values.shape[1]} channel(s), but --data has "
                        f"{len(series.channels)}: give a series of the same channels")
    window_starts(len(values), window)  # at least one window: else a DataError naming both lengths
    return values


def _warn_of_rows_as_windows(data, length: int) -> None:
    """The sequence backbone on a table: each row is one window, which a table whose rows are time steps (ae detect
    --window's layout) is not; training would run on windows that span no time, and report fine errors."""
    warnings.warn(f"{data}: the sequence backbone reads each row as one window of {length} step(s) of one channel; "
                  "if the rows are time steps of a series, give --window LENGTH (and --stride) to train on its "
                  "sliding windows", stacklevel=2)


def _warn_if_diverged(history, test: dict[str, float], X_test: np.ndarray, level_may_move: bool = False) -> None:
    """Say so when training ended worse than its first epoch, or the model reconstructs the test rows worse than
    their own mean does (what a learning rate far too high leaves behind); ``level_may_move``: the test rows are
    windows of the series' last steps and the model keeps the windows' levels, so a later stretch at another
    level does the same (NAB's ec2_cpu_utilization_5f5533: the warning goes with --remove-level)."""
    losses = history.val.get("loss") or history.train.get("loss", [])
    advice = "training diverged: try a lower --lr or --grad-clip"
    if len(losses) > 1 and losses[-1] > losses[0]:
        click.echo(f"Warning: the final loss {losses[-1]:.4g} is worse than the first epoch's {losses[0]:.4g}; "
                   f"{advice} (the model kept is the best epoch's, {min(losses):.4g})", err=True)
    baseline = float(np.mean(np.square(X_test - X_test.mean(axis=0)))) if len(X_test) else None
    if baseline is None or test.get("mse", 0.0) <= baseline:
        return
    kl = history.val.get("kl") or history.train.get("kl")  # a VAE's KL per row, per epoch
    kept_kl = kl[min(len(kl) - 1, history.best_epoch if history.best_epoch is not None else len(kl))] if kl else None
    if kept_kl is not None and kept_kl < COLLAPSED_KL:
        why = (f"its codes carry almost no information (KL {kept_kl:.2g} nats per row: the VAE's posterior has "
               "collapsed, and decoding a code at its mean gives a poor row); lower --beta or set --free-bits")
    else:
        why = ("it has not trained enough (more --epochs) or training diverged (a lower --lr or --grad-clip); the loss "
               "curve tells which")
        if level_may_move:
            why += ("; or the series' last steps, the test windows, sit at another level than the training steps, "
                    "which --remove-level lets the model follow")
    click.echo(f"Warning: the model reconstructs the test rows worse than their mean does (mse {test['mse']:.4g} "
               f"against {baseline:.4g}): {why}", err=True)


def _streamed(data, test_data, test_fraction, scale, data_dir, label_column):
    """(training rows streamed from the memory-mapped file and scaled chunk by chunk, test rows in memory, scaler)."""
    from ..data.streaming import open_rows

    rows = open_rows(data)  # (N, *shape), never loaded whole
    train_rows, test_rows = (rows, None) if test_data is not None or test_fraction == 0 else rows.split_tail(
        test_fraction)
    if len(train_rows) < 2:
        raise DataError(f"{data} has {len(rows)} row(s): too few to hold out a test split and still train")
    scaler = Scaler.fit_chunks(train_rows.chunks(), scale)  # one pass over the training rows
    train_rows.transform = scaler.transform
    if test_data is not None:
        X_test = read_data(test_data, data_dir, "test", label_column).X
    else:
        X_test = np.zeros((0, *rows.sample_shape), np.float32) if test_rows is None else _first_rows(test_rows)
    return train_rows, scaler.transform(X_test), scaler


def _first_rows(rows: ChunkedRows) -> np.ndarray:
    """The first rows (at most STREAMED_TEST_ROWS) of streamed rows, in memory: what metrics and pictures use."""
    return rows[0 : min(len(rows), STREAMED_TEST_ROWS)].numpy()


def _shown_rows(n_test: int, test_data: str | None) -> str:
    """Which rows the run's pictures and report show, in the report's words."""
    if not n_test:
        return "training rows: no test rows were held out"
    return f"the rows of --test-data {test_data}" if test_data else "the test rows, held out from training"


def _train_test(dataset, test_data, test_fraction, data_dir, label_column, seed, holdout="random"):
    """(training set, test set, and the positions in --data of their rows, or None for --test-data)."""
    if test_data is not None:
        test_set = read_data(test_data, data_dir, "test", label_column)
        if test_set.X.shape[1:] != dataset.X.shape[1:]:
            raise DataError(f"--test-data {test_data} has samples of shape {test_set.X.shape[1:]}, but --data has "
                            f"{dataset.X.shape[1:]}: give test data of the same kind")
        return dataset, test_set, None
    if test_fraction == 0:
        return dataset, dataset.subset(np.arange(0)), (np.arange(len(dataset.X)), np.arange(0))
    # --holdout last: the last rows in file order (a later stretch of a series' windows), else a seeded random share
    order = np.arange(len(dataset.X))[::-1] if holdout == "last" else np.random.default_rng(seed).permutation(
        len(dataset.X))
    n_test = max(1, round(len(order) * test_fraction))
    if len(order) - n_test < 2:
        raise DataError(f"the data has {len(order)} sample(s): too few to hold out a test split and still train; "
                        "add rows or pass --test-fraction 0")
    rows = np.sort(order[n_test:]), np.sort(order[:n_test])
    return dataset.subset(rows[0]), dataset.subset(rows[1]), rows


COMMANDS = [train]
