"""``ae train``: fit a model on data and write a run directory."""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np

from ..data import DataError, Scaler
from ..data.scaling import SCALINGS
from ..data.streaming import ChunkedRows, open_rows
from ..inference import reconstruct
from ..metrics import reconstruction_metrics
from ..registry import create_model, list_backbones, list_models, list_objectives
from ..report import save_loss_curves, save_reconstructions, write_report
from ..training import Trainer, seeded
from ..training.callbacks import LOGGERS
from ..training.defaults import LOSSES, resolve_loss
from ..training.distributed import is_main_process, launch, launched_world_size
from ..training.run_folder import LOSS_CURVES_FILE, RECONSTRUCTIONS_FILE, RunFolder
from ._common import data_options, read_data
from ._model_options import ModelCommand, explicit_options
from ._train_options import pop_train_config, train_config_options

STREAMED_TEST_ROWS = 10_000  # with --stream, test metrics and pictures use at most this many rows, held in memory


@click.command(cls=ModelCommand)
@click.option("--model", default=None,
              help=f"Preset: {', '.join(list_models())} (default deep unless --backbone or --objective is given). "
                   "Add --help after it to see its options.")
@click.option("--backbone", default=None, help=f"Network: {', '.join(list_backbones())} (default: the preset's, "
                                                "else mlp).")
@click.option("--objective", default=None, help=f"Code head and loss: {', '.join(list_objectives())} (default: "
                                                 "the preset's, else plain).")
@data_options
@click.option("--test-data", default=None, help="Separate data to report test metrics on (same formats as --data).")
@click.option("--test-fraction", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="Share of --data held out for test metrics when --test-data is not given.")
@click.option("--scale", type=click.Choice(SCALINGS), default="auto", show_default=True,
              help="Per-feature input scaling learned on the training rows (auto: none if already in [0, 1], "
                   "else min-max).")
@click.option("--code-size", type=click.IntRange(1), default=32, show_default=True, help="Width of the code.")
@click.option("--loss", type=click.Choice(LOSSES), default="auto", show_default=True,
              help="Reconstruction loss (auto: bce when the scaled training rows lie in [0, 1], else mse).")
@train_config_options
@click.option("--logger", type=click.Choice(list(LOGGERS)), default="csv", show_default=True,
              help="Where each epoch's losses go besides log.csv in the run folder (tensorboard: "
                   "RUN/tensorboard/, needs the tensorboard package).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Run directory to write (default: runs/MODEL-DATA).")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--nproc", type=click.IntRange(1), default=1, show_default=True,
              help="Train data-parallel in this many processes on this machine (torchrun; one GPU each on CUDA).")
@click.option("--no-report", "no_report", is_flag=True, help="Skip writing report.html (see `ae report`).")
@click.option("--stream", is_flag=True,
              help="Memory-map a .npy --data and train on it chunk by chunk without loading it whole (data "
                   "larger than memory). Test rows: the last --test-fraction of the file (metrics on at most "
                   f"{STREAMED_TEST_ROWS:,} of them) or --test-data; validation rows: the end of the rest.")
def train(model, backbone, objective, data, data_dir, split, label_column, test_data, test_fraction, scale,
          code_size, loss, logger, out, resume, quiet, no_report, nproc, stream, **options):
    """Train an autoencoder and write a run directory: model.safetensors (the model, reloadable with
    autoencoders.load_model), config.json, history.json, metrics.json, loss_curves.png,
    reconstructions.png and report.html (all the pictures in one file; see `ae report`).

    \b
    Examples:
      ae train                                   # deep autoencoder on the bundled digits
      ae train --model vanilla --data rows.csv --code-size 4 --out runs/rows
      ae train --model deep --help               # the options of one preset
      ae train --backbone conv --objective vae --data mnist --beta 2   # any backbone with any objective
    """
    if nproc > 1 and launched_world_size() == 1:
        failed = launch(nproc, "autoencoders.cli", click.get_current_context().meta["argv"])
        if failed:
            raise click.ClickException(f"training processes {failed} of {nproc} failed; their errors are above")
        return
    if stream:
        X_train, X_test, scaler = _streamed(data, test_data, test_fraction, scale, data_dir, label_column)
        dataset_name, shown, shown_labels = Path(str(data)).stem, X_test if len(X_test) else _first_rows(X_train), None
    else:
        dataset = read_data(data, data_dir, split, label_column)
        train_set, test_set = _train_test(dataset, test_data, test_fraction, data_dir, label_column, options["seed"])
        scaler = Scaler.fit(train_set.X, scale)
        X_train, X_test = scaler.transform(train_set.X), scaler.transform(test_set.X)
        dataset_name = dataset.name
        shown, shown_labels = (X_test, test_set.y) if len(X_test) else (X_train, train_set.y)
    config = pop_train_config(options, progress=False if quiet else None)  # the rest are the model's options
    loss = resolve_loss(loss, _first_rows(X_train) if stream else X_train)  # streamed: judged on the first rows
    if model is None and backbone is None and objective is None:
        model = "deep"
    options = explicit_options(click.get_current_context(), options)  # the others: the preset's or the part's
    with seeded(config.seed):
        net = create_model(model, backbone=backbone, objective=objective, input_shape=X_train.shape[1:],
                           code_size=code_size, loss=loss, **options)
    run_dir = Path(out or f"runs/{net.name}-{Path(str(data)).stem}")
    extra = {"scaler": scaler.to_dict(),
             "data": {"source": str(data), "split": split, "label_column": label_column, "name": dataset_name,
                      "streamed": stream}}
    began = time.perf_counter()
    callbacks = [c for c in [LOGGERS[logger](RunFolder(run_dir))] if c is not None]
    history = Trainer(net, config, callbacks, run_dir=run_dir, extra=extra).fit(X_train, resume=resume)
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
        "test": reconstruction_metrics(net, X_test) if len(X_test) else {},
        "options": {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()},
    }
    RunFolder(run_dir).write_metrics(metrics)
    save_loss_curves(history, run_dir / LOSS_CURVES_FILE)
    save_reconstructions(scaler.inverse_transform(shown[:10]), scaler.inverse_transform(reconstruct(net, shown[:10])),
                         run_dir / RECONSTRUCTIONS_FILE)
    click.echo(f"wrote {run_dir}/ (model.safetensors, metrics.json, reconstructions.png)")
    if not no_report:
        click.echo(f"wrote {write_report(run_dir, net, shown, shown_labels, scaler=scaler, progress=config.progress)}")
    if metrics["test"]:
        click.echo("test: " + ", ".join(f"{k}={v:.4g}" for k, v in metrics["test"].items()))


def _streamed(data, test_data, test_fraction, scale, data_dir, label_column):
    """(training rows streamed from the memory-mapped file and scaled chunk by chunk, test rows in memory, scaler)."""
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


def _train_test(dataset, test_data, test_fraction, data_dir, label_column, seed):
    if test_data is not None:
        return dataset, read_data(test_data, data_dir, "test", label_column)
    if test_fraction == 0:
        return dataset, dataset.subset(np.arange(0))
    order = np.random.default_rng(seed).permutation(len(dataset.X))
    n_test = max(1, round(len(order) * test_fraction))
    if len(order) - n_test < 2:
        raise DataError(f"the data has {len(order)} sample(s): too few to hold out a test split and still train; "
                        "add rows or pass --test-fraction 0")
    return dataset.subset(np.sort(order[n_test:])), dataset.subset(np.sort(order[:n_test]))


COMMANDS = [train]
