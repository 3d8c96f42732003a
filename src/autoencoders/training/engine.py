"""One training engine for every model: read it top to bottom in :meth:`Trainer.fit`.

The model contract is :class:`~.contract.Trainable`; data arrive as :class:`~.rows.Rows`; the run folder's files
are :class:`~.run_folder.RunFolder`'s business; model randomness runs under :func:`~.runtime.seeded`, so the
caller's global random state is the same after ``fit`` as before.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..data.validation import check_array
from ..errors import ConfigError, RunFolderError, TrainingDivergedError
from .batching import shuffled_rows
from .callbacks import Callback, CSVLogger
from .config import TrainConfig
from .contract import Trainable, check_batches_of_one, check_loss_parts, check_takes_targets, check_trainable
from .defaults import check_unit_interval, warn_of_stored_pixels
from .distributed import LossModule, ProcessGroup, join_process_group
from .history import History
from .ownership import (
    StopSignals,
    TrainingInterrupted,
    Wording,
    check_choices,
    check_resumable,
    clear,
    owned,
    replaces_run,
)
from .ranks import is_main_process, warnings_shown_once
from .rows import Rows, StreamedRows, TensorRows, training_rows
from .run_folder import CONFIG_FILE, LOG_FILE, RUN_FILES, RunFolder, require_run_folder
from .runtime import ModeSwitch, resolve_device, seeded

FIT_WORDING = Wording("resume=True", "overwrite=True",
                      "fit(..., resume=True) continues it, overwrite=True replaces it, or choose another run_dir",
                      "leave out resume=True to start one")


class Trainer:
    """Fits any model that meets :class:`~.contract.Trainable` (every registered autoencoder does).

    With ``run_dir`` the run is checkpointed after every epoch (``state.safetensors`` for resuming and the
    best weights so far in ``model.safetensors``) and logged to ``log.csv``, so a crash loses at most one epoch and
    ``fit(..., resume=True)`` continues where it stopped.
    """

    def __init__(
        self,
        model: Trainable,
        config: TrainConfig | None = None,
        callbacks: Sequence[Callback] = (),
        run_dir: str | Path | None = None,
        extra: dict[str, Any] | None = None,
    ):
        check_trainable(model)
        self.model = model
        self.config = config or TrainConfig()
        self.run_folder = None if run_dir is None else RunFolder(run_dir)
        own_log = [] if run_dir is None else [CSVLogger(self.run_folder / LOG_FILE, overwrite=True)]  # run's own
        self.callbacks = list(callbacks) + own_log
        self.extra = extra or {}  # saved with the model, e.g. the input scaler
        self.device = resolve_device(self.config.device)
        self.stop_training = False
        self.signals = StopSignals()  # replaced by an active one while fit runs
        self.history = History()
        self.group = ProcessGroup()

    @property
    def run_dir(self) -> Path | None:
        return None if self.run_folder is None else self.run_folder.path

    # ----------------------------------------------------------------------------------------------- fit
    def fit(self, X: Any, X_val: Any = None, resume: bool = False, targets: Any = None,
            val_targets: Any = None, overwrite: bool = False) -> History:
        """Train on ``X`` (an array, or :class:`~autoencoders.data.streaming.ChunkedRows` streamed from disk);
        with per-sample ``targets`` (e.g. class labels) the loss is ``model.loss(x, targets)``, which is how a
        supervised head on an encoder is fine-tuned by this same loop.

        The run folder is held by this process while it trains. SIGINT or SIGTERM ends training after the
        current batch: the unfinished epoch is dropped (resuming repeats it, so the result is the same as
        without the stop), the best weights and the history are written, and :class:`TrainingInterrupted`
        is raised. A new run that ends before its first epoch is saved (stopped, diverged) leaves no run in the
        folder, so the same call can simply be made again.

        A ``run_dir`` that already holds a run is never replaced silently: ``resume=True`` continues it,
        ``overwrite=True`` removes its files first, anything else is a :class:`RunFolderError` before any work
        (as is ``resume=True`` on a folder that holds no saved run)."""
        check_choices(resume, overwrite, FIT_WORDING)
        if targets is not None or val_targets is not None:
            check_takes_targets(self.model)
        if self.run_dir is not None and self.run_dir.exists() and not self.run_dir.is_dir():
            raise RunFolderError(f"run_dir {self.run_dir} is a file, not a folder for the run's files")
        if resume:  # before any work: the folder must hold a run's state
            check_resumable(require_run_folder(self.run_folder).path, FIT_WORDING)
        folder = self.run_dir if is_main_process() else None  # the other processes leave the folder to rank 0
        with owned(folder), StopSignals() as self.signals, warnings_shown_once():  # rank 0 speaks for all
            if folder is not None and replaces_run(folder, resume, overwrite, FIT_WORDING):  # checked under the lock
                clear(folder, RUN_FILES)  # the run's files: the folder may hold the caller's too
            self.history = History()  # this fit's epochs (a resumed run's are read back)
            try:
                self._prepare_and_fit(X, X_val, resume, targets, val_targets)
            finally:  # a new run that saved no epoch (stopped, diverged, failed) leaves no run to refuse a rerun
                if folder is not None and not resume and not self.history.epochs_run:
                    (folder / CONFIG_FILE).unlink(missing_ok=True)  # absent before: replaces_run saw to it
        if self.signals.received is not None:
            raise TrainingInterrupted(self.signals.received, self.history.epochs_run, self.run_dir)
        return self.history

    def _prepare_and_fit(self, X, X_val, resume, targets, val_targets) -> None:
        model = self.model
        n_rows = len(X) if hasattr(X, "__len__") else 0  # anything else is refused by training_rows
        self.config = cfg = self.config.resolved(n_rows, math.prod(model.input_shape), held_out=X_val is None)
        self.group, self.device = join_process_group(self.device)
        loss = getattr(getattr(model, "config", None), "loss", None)  # a classifier head has none
        for name, rows in (("X", X), ("X_val", X_val)):
            warn_of_stored_pixels(loss, rows, name)
        train, val = training_rows(X, X_val, targets, val_targets, sample_shape=model.input_shape,
                                   device=self.device, validation_fraction=cfg.validation_fraction, seed=cfg.seed,
                                   holdout=cfg.holdout)
        for name, rows in (("X", train), ("X_val", val)):
            if isinstance(rows, TensorRows):  # streamed rows are not read an extra time for this
                check_unit_interval(loss, rows.X, name)
        if not _placed(model, self.device):  # Module.to walks every module even when nothing moves
            model.to(self.device)
        check_batches_of_one(model, train, cfg.batch_size)
        self._loss = self.group.wrap(LossModule(model), self.device)  # model.loss, gradients averaged over processes
        with seeded(cfg.seed + self.group.rank, self.device):  # each process its own noise (dropout, corruption)
            self._fit(train, val, resume)

    def _fit(self, train: Rows, val: Rows | None, resume: bool) -> None:
        cfg, model, folder = self.config, self.model, self.run_folder
        self.batch_rng = torch.Generator().manual_seed(cfg.seed)
        self.switch_mode = ModeSwitch(model)  # train / eval, twice an epoch
        self.optimizer = self._make_optimizer()
        self.scheduler = self._make_scheduler()
        self.history, self.best_state, self.bad_epochs = History(), _copy_state(model), 0
        self.train_shape = list(train.shape)
        self.train_digest = None if folder is None else train.digest()  # a resumed run's data must be the same
        start = require_run_folder(folder).restore(self) if resume else 0
        if start > cfg.epochs:  # resume=True: the stored run is already longer than asked
            raise ConfigError(f"the run in {folder.path} has trained {start} epochs; resume it with epochs >= "
                              f"{start} (epochs={cfg.epochs} was given), or start a new run")
        if resume and self._out_of_patience():  # the stored run had stopped early: it is finished
            start = cfg.epochs
        if resume:
            self._stretch_schedule()
        if folder is not None and self.group.is_main:
            folder.write_config(self, train.shape, None if val is None else val.shape)

        for callback in self.callbacks:
            callback.on_train_begin(self)
        bar = tqdm(range(start, cfg.epochs), desc=f"train {model.name}", unit="epoch",
                   disable=self._quiet() if self.group.is_main else True, initial=start, total=cfg.epochs)
        for epoch in bar:
            began = time.perf_counter()
            # restore_best ends on the best weights anyway; without it, a stopped epoch's updates are undone
            finished = None if cfg.restore_best else _copy_state(model)
            train_logs = self._train_epoch(train)
            if self.signals.received is not None:  # the unfinished epoch is dropped, its updates with it
                if finished is not None:
                    model.load_state_dict(finished)
                break
            val_logs = {} if val is None else self._validate(val)
            monitored = val_logs.get("loss", train_logs["loss"])
            if not (math.isfinite(train_logs["loss"]) and math.isfinite(monitored)):
                self._diverged(epoch, train_logs["loss"], monitored, _not_finite(train_logs, val_logs))
            lr = self.optimizer.param_groups[0]["lr"]
            self.history.append(train_logs, val_logs, lr, time.perf_counter() - began)
            self._step_scheduler(monitored)
            self._track_best(epoch, monitored)
            if not bar.disable:  # formatting a hidden bar's text costs a few percent of a small table's epoch
                bar.set_postfix(train=f"{train_logs['loss']:.4g}", **({"val": f"{monitored:.4g}"} if val_logs else {}))
            for callback in self.callbacks:
                callback.on_epoch_end(self, epoch, {"train": train_logs, "val": val_logs, "lr": lr})
            stop = self.stop_training or self._out_of_patience()
            self.history.stopped_early = stop and epoch + 1 < cfg.epochs
            if folder is not None and self.group.is_main:
                folder.save_state(self, epoch)
            if stop:
                break
        bar.close()

        if cfg.restore_best:
            model.load_state_dict(self.best_state)
        self.switch_mode(False)
        if folder is not None and self.group.is_main and self.history.epochs_run:
            folder.save_result(self)
        self.group.close()
        for callback in self.callbacks:
            callback.on_train_end(self, self.history)

    # ------------------------------------------------------------------------------------------ one epoch
    def _train_epoch(self, train: Rows) -> dict[str, float]:
        model, optimizer, clip = self.model, self.optimizer, self.config.grad_clip
        parameters = [p for group in optimizer.param_groups for p in group["params"]]
        self.switch_mode(True)
        totals, keys, seen = None, None, 0
        for rows in self._batches(train):  # (B / processes,) row indices
            inputs = train.batch(rows)  # ((B, *input_shape), optional targets (B,))
            parts = self._loss(*inputs)
            if totals is None:  # the epoch's first step: a loss that breaks the contract is named, not a KeyError
                check_loss_parts(model, parts)
            for parameter in parameters:  # optimizer.zero_grad(set_to_none=True) without its profiling hooks
                parameter.grad = None
            parts["loss"].backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            values = torch.stack([value.detach() for value in parts.values()]) * len(rows)  # (P,)
            totals, keys, seen = (values if totals is None else totals + values), parts.keys(), seen + len(rows)
            if self.signals.received is not None:  # SIGINT/SIGTERM: fit drops this unfinished epoch
                break
        totals = self.group.sum(torch.cat([totals, totals.new_tensor([seen])]))  # (P + 1,) over every process
        return dict(zip(keys, (totals[:-1] / totals[-1]).tolist(), strict=True))

    def _validate(self, val: Rows) -> dict[str, float]:
        self.switch_mode(False)
        return mean_loss(self.model, val, max(self.config.batch_size, 1024))

    def _batches(self, train: Rows) -> Iterator[torch.Tensor]:
        """This process's row indices of each batch of a fresh shuffled epoch; a batch too small to give every
        process a row is skipped by all."""
        order = train.shuffled_order(self.batch_rng)  # (N,)
        for rows in shuffled_rows(len(train), self.config.batch_size, self.batch_rng, train.device, order):  # (B,)
            if len(rows) >= self.group.size:
                yield self.group.shard(rows)

    # ------------------------------------------------------------------------------------------- helpers
    def _quiet(self) -> bool | None:
        return None if self.config.progress is None else not self.config.progress

    def _make_optimizer(self) -> torch.optim.Optimizer:
        cls = torch.optim.AdamW if self.config.optimizer == "adamw" else torch.optim.Adam
        options = {"lr": self.config.lr, "weight_decay": self.config.weight_decay}
        try:  # one fused kernel per step: about 20% more samples/s for the deep MLP on CPU
            return cls(self.model.parameters(), fused=True, **options)
        except (RuntimeError, TypeError):  # a device, dtype or torch version without the fused kernel
            return cls(self.model.parameters(), **options)

    def _make_scheduler(self):
        cfg = self.config
        if cfg.scheduler == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=cfg.epochs)
        if cfg.scheduler == "plateau":  # ("auto" is resolved before fit gets here)
            wait = max(1, (cfg.patience or 10) // 2)
            return torch.optim.lr_scheduler.ReduceLROnPlateau(  # "no improvement" as early stopping defines it
                self.optimizer, factor=0.5, patience=wait, threshold=cfg.min_delta, threshold_mode="abs")
        return None

    def _stretch_schedule(self) -> None:
        """A run resumed with another number of epochs than it started with: its cosine schedule, which ended at
        zero at the old last epoch (the added epochs would not learn), is set to end at the new one instead, from
        the epoch it had reached."""
        schedule = self.scheduler
        if isinstance(schedule, torch.optim.lr_scheduler.CosineAnnealingLR) and schedule.T_max != self.config.epochs:
            schedule.T_max = self.config.epochs
            share = (1 + math.cos(math.pi * min(schedule.last_epoch / schedule.T_max, 1.0))) / 2
            for group, base in zip(self.optimizer.param_groups, schedule.base_lrs, strict=True):
                group["lr"] = schedule.eta_min + (base - schedule.eta_min) * share

    def _step_scheduler(self, monitored: float) -> None:
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitored)
        elif self.scheduler is not None:
            self.scheduler.step()

    def _out_of_patience(self) -> bool:
        """Whether early stopping ends the run here (patience 0 or None: never)."""
        return bool(self.config.patience) and self.bad_epochs >= self.config.patience

    def _track_best(self, epoch: int, monitored: float) -> None:
        if monitored < self.history.best_loss - self.config.min_delta:
            self.history.best_loss, self.history.best_epoch = monitored, epoch
            self.best_state, self.bad_epochs = _copy_state(self.model), 0
        else:
            self.bad_epochs += 1

    def _diverged(self, epoch: int, train_loss: float, monitored: float, parts: list[str]) -> None:
        self.model.load_state_dict(self.best_state)
        if not self.history.epochs_run:  # nothing was saved yet, and the best weights are the initial ones
            reset = "the weights it started with, as no epoch had finished"
        else:
            reset = "its best weights" + (f"; the last good checkpoint in {self.run_dir} is kept" if self.run_dir
                                          else "")
        raise TrainingDivergedError(
            f"training stopped at epoch {epoch + 1}: the loss became {train_loss} (train) / {monitored} "
            f"(monitored){_from_parts(parts)}. The model was reset to {reset}. Try a lower learning rate, gradient "
            "clipping (grad_clip) or scaled inputs."
        )


@torch.no_grad()
def evaluate_loss(model: Trainable, X: Rows | torch.Tensor | np.ndarray, batch_size: int = 1024,
                  targets: torch.Tensor | None = None, seed: int = 0) -> dict[str, float]:
    """Mean loss parts of ``model`` over rows ``X`` (a :class:`~.rows.Rows`, or a tensor or array with optional
    ``targets``) in eval mode. What a loss draws (a VAE's code, a contractive estimate's projections) comes from
    torch's global generator seeded with ``seed`` in a fork (:func:`~.runtime.seeded`): the same figure every
    call, the caller's generator left as it was."""
    model.eval()
    if not isinstance(X, (torch.Tensor, TensorRows, StreamedRows)):  # an array: checked, beside the model
        weight = next(model.parameters())
        X = torch.from_numpy(check_array(X, sample_shape=model.input_shape)).to(weight.device)
    rows = TensorRows(X, targets) if isinstance(X, torch.Tensor) else X
    with seeded(seed, rows.device):
        return mean_loss(model, rows, batch_size)


@torch.no_grad()
def mean_loss(model: Trainable, rows: Rows, batch_size: int) -> dict[str, float]:
    """Mean loss parts of ``model`` over ``rows`` in the mode the model is in."""
    totals, keys = None, ()
    for inputs in rows.batches(batch_size):
        parts = model.loss(*inputs)
        values = torch.stack(list(parts.values())) * len(inputs[0])  # (P,) one operation for every part
        totals, keys = (values if totals is None else totals + values), parts.keys()
    n_rows = len(rows)
    return {} if totals is None else {key: total / n_rows for key, total in zip(keys, totals.tolist(), strict=True)}


def _not_finite(*logs: dict[str, float]) -> list[str]:
    """The loss parts other than the sum that are not finite in any of ``logs``: where a NaN came from."""
    return sorted({key for values in logs for key, value in values.items()
                   if key != "loss" and not math.isfinite(value)})


def _from_parts(parts: list[str]) -> str:
    return f", from its part(s) {', '.join(map(repr, parts))}" if parts else ""


def _placed(model: torch.nn.Module, device: torch.device) -> bool:
    """Whether every parameter and buffer of ``model`` is on ``device`` already."""
    return all(tensor.device == device for tensor in itertools.chain(model.parameters(), model.buffers()))


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.detach().clone() for key, value in model.state_dict().items()}
