"""``ae train``'s work in its run folder: the model built for the rows, trained, and the run's metrics, pictures
and report written, with a warning when training went wrong."""

from __future__ import annotations

import time
import warnings
from typing import Any

import click
import numpy as np

from ._data_options import table_options
from ._model_options import explicit_options
from ._outputs import finite_values
from ._run_data import refuse_edited_training_file, stored_data_path
from ._series import naming_the_windows
from ._train_options import pop_train_config
from ._training_rows import first_rows, training_rows

CLI_CODE_SIZE = 32  # the code width when --code-size is not given (fewer on narrow inputs: auto_code_size)
COLLAPSED_KL = 1.0  # nats per row: a VAE whose codes carry less tells fewer than e (about 3) kinds of row apart


def train_and_write(run_dir, model, backbone, objective, data, data_dir, split, label_column, window, stride,
                    test_data, test_fraction, scale, unknown_categories, code_size, loss, logger, resume, quiet,
                    report, stream, **options):
    """Read the training rows, build the model (or the resumed run's), train it into ``run_dir`` and, in rank 0,
    write the run's metrics, pictures and report."""
    from ..inference import reconstruct
    from ..metrics import reconstruction_metrics
    from ..registry import create_model, default_code_size, model_parts
    from ..report import save_loss_curves, save_reconstructions, write_report
    from ..training import Trainer
    from ..training.callbacks import LOGGERS
    from ..training.defaults import check_unit_interval, model_loss
    from ..training.ranks import is_main_process
    from ..training.run_folder import LOSS_CURVES_FILE, RECONSTRUCTIONS_FILE, RunFolder

    rows = training_rows(data, data_dir, split, label_column, window, stride, test_data, test_fraction, scale,
                          unknown_categories, stream, options["seed"], options["holdout"])
    X_train, X_test, scaler, table, shown = rows.X_train, rows.X_test, rows.scaler, rows.table, rows.shown
    folder = RunFolder(run_dir)
    if resume:  # before any work: a resumed run must go on with the rows it began on
        refuse_edited_training_file(run_dir, X_train, data, "resume with the file as the run began on it, or train "
                                    "a new run on it (ae train without --resume, with another --out or --overwrite)")

    config = pop_train_config(options, progress=False if quiet else None)  # the rest are the model's options
    if not resume:  # the options given; the others are the preset's or the parts' (a resumed run's are all stored)
        options = explicit_options(click.get_current_context(), options)
    # a resumed run's options are its stored fields, which the preset's renamed family options must not map again
    parts = {"backbone": backbone, "objective": objective, "renames": not resume}
    judged = first_rows(X_train) if stream else X_train  # streamed: judged on the first rows
    loss, added = model_loss(loss, judged, model, table=table, **parts, **options)
    # the values bce sees are the scaled ones: name the scaling that put them outside [0, 1], not the user's data
    check_unit_interval(loss, judged, f"--data after --scale {scale}",
                        fix="use --scale minmax (or auto), which maps each feature of the training rows to [0, 1],")
    options |= added  # a table with categories or gaps: the mixed loss's column layout
    with warnings.catch_warnings(), naming_the_windows(window, X_train.shape[1:], model_parts(model, backbone)[0]):
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
    _warn_if_diverged(history, metrics["test"], X_test, level_may_move=window is not None and _could_remove_level(net),
                      objective=net.config.objective)
    folder.write_metrics(metrics)
    save_loss_curves(history, folder / LOSS_CURVES_FILE, overwrite=True)  # the run's own files: ownership checked
    names = None if table is None else table.feature_names_out()  # a table's encoded columns, along the x axis
    save_reconstructions(scaler.inverse_transform(shown[:10]), scaler.inverse_transform(reconstruct(net, shown[:10])),
                         folder / RECONSTRUCTIONS_FILE, feature_names=names, overwrite=True)
    click.echo(f"wrote {run_dir}/ (model.safetensors, metrics.json, reconstructions.png)")
    if report:
        written = write_report(run_dir, net, shown, rows.shown_labels, scaler=scaler, label_names=rows.label_names,
                               rows=rows.shown_rows, progress=config.progress, overwrite=True)
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


def _warn_of_rows_as_windows(data, length: int) -> None:
    """The sequence backbone on a table: each row is one window, which a table whose rows are time steps (ae detect
    --window's layout) is not; training would run on windows that span no time, and report fine errors."""
    warnings.warn(f"{data}: the sequence backbone reads each row as one window of {length} step(s) of one channel; "
                  "if the rows are time steps of a series, give --window LENGTH (and --stride) to train on its "
                  "sliding windows", stacklevel=2)


def _why_the_loss_rose(history, level_may_move: bool) -> str:
    """Why the monitored loss ended above its first epoch's: training diverged, unless it is the validation loss and
    the training loss fell, which a lower learning rate does not mend (NAB's ec2_cpu_utilization_5f5533 at --window
    64 for 3 epochs: the validation loss rose at the third epoch and fell below its start by the fifth)."""
    train = history.train.get("loss", [])
    if not history.val.get("loss") or len(train) < 2 or train[-1] >= train[0]:
        return "training diverged: try a lower --lr or --grad-clip"
    why = (f"the training loss fell ({train[0]:.4g} to {train[-1]:.4g}), so training did not diverge: the model "
           "fits the validation rows worse, which more --epochs may mend or which is overfitting (the loss curves "
           "tell which)")
    if level_may_move:
        why += ("; or the validation windows, the training steps' last, sit at another level, which --remove-level "
                "lets the model follow")
    return why


def _could_remove_level(net) -> bool:
    """Whether the model keeps the windows' levels and --remove-level would take them off: a sequence backbone's
    option, which a code drawn from a prior or a codebook (vae, vq) cannot carry."""
    from ..models.sequence import holds_a_level

    return getattr(net.config.backbone, "remove_level", None) is False and holds_a_level(type(net.objective))


def _kept_kl(history, objective) -> float | None:
    """A VAE's KL in nats per row at the epoch kept, from its history's "beta_kl", the loss's term: beta times the KL
    (None for other models, a sparse model's kl penalty among them, and for beta 0, which leaves no KL to read)."""
    from ..models.vae import VAEConfig

    terms = history.val.get("beta_kl") or history.train.get("beta_kl")  # per epoch
    if not (isinstance(objective, VAEConfig) and objective.beta > 0 and terms):
        return None
    kept = min(len(terms) - 1, history.best_epoch if history.best_epoch is not None else len(terms))
    return terms[kept] / objective.beta


def _warn_if_diverged(history, test: dict[str, float], X_test: np.ndarray, level_may_move: bool = False,
                      objective=None) -> None:
    """Say so when training ended worse than its first epoch, or the model reconstructs the test rows worse than
    their own mean does (what a learning rate far too high leaves behind, or a VAE's collapsed posterior: its
    ``objective``'s config says whether it is one); ``level_may_move``: the test rows are windows of the series'
    last steps and the model keeps the windows' levels, so a later stretch at another level does the same (NAB's
    ec2_cpu_utilization_5f5533: the warning goes with --remove-level)."""
    losses = history.val.get("loss") or history.train.get("loss", [])
    if len(losses) > 1 and losses[-1] > losses[0]:
        click.echo(f"Warning: the final loss {losses[-1]:.4g} is worse than the first epoch's {losses[0]:.4g}; "
                   f"{_why_the_loss_rose(history, level_may_move)} (the model kept is the best epoch's, "
                   f"{min(losses):.4g})", err=True)
    baseline = float(np.mean(np.square(X_test - X_test.mean(axis=0)))) if len(X_test) else None
    if baseline is None or test.get("mse", 0.0) <= baseline:
        return
    kept_kl = _kept_kl(history, objective)
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
