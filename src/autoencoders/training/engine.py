"""One training engine for every model: read it top to bottom in :meth:`Trainer.fit`."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..checkpoint import (
    CheckpointError,
    load_tensors,
    load_weights,
    save_model,
    save_tensors,
    write_json,
)
from ..data.streaming import ChunkedRows
from ..data.validation import check_array
from ..models._base import Autoencoder
from .batching import shuffled_rows
from .callbacks import Callback
from .config import TrainConfig
from .distributed import LossModule, ProcessGroup, is_main_process, join_process_group
from .ownership import CONFIG_FILE, HISTORY_FILE, STATE_FILE, StopSignals, TrainingInterrupted, owned


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class History:
    """Per-epoch mean loss parts on the training and validation rows, learning rate and time."""

    train: dict[str, list[float]] = field(default_factory=dict)
    val: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None  # 0-based
    best_loss: float = math.inf
    stopped_early: bool = False

    @property
    def epochs_run(self) -> int:
        return len(self.lr)

    def append(self, train: dict[str, float], val: dict[str, float], lr: float, seconds: float) -> None:
        for store, logs in ((self.train, train), (self.val, val)):
            for key, value in logs.items():
                store.setdefault(key, []).append(value)
        self.lr.append(lr)
        self.epoch_seconds.append(seconds)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> History:
        return cls(**values)


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` (CUDA when present, else the CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``, checked to exist here."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} asked for, but CUDA is not available on this machine; use cpu or auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device {name!r} asked for, but this machine has {torch.cuda.device_count()} CUDA device(s)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {name!r} asked for, but MPS (Apple GPUs) is not available on this machine")
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {name!r} is not supported; use auto, cpu, cuda, cuda:N or mps")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so that model initialisation and training repeat."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (user code may draw from the legacy global generator)
    torch.manual_seed(seed)


def split_validation(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, validation) row indices; at least one row on each side when fraction > 0."""
    if fraction <= 0:
        return np.arange(n), np.arange(0)
    if n < 2:
        raise ValueError(f"cannot hold out a validation split from {n} sample(s); set validation_fraction=0")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
    n_val = min(n - 1, max(1, round(n * fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@torch.no_grad()
def evaluate_loss(model: Autoencoder, X: torch.Tensor, batch_size: int = 1024,
                  targets: torch.Tensor | None = None) -> dict[str, float]:
    """Mean loss parts of ``model`` over ``X`` in eval mode (``model.loss(x, targets)`` when targets are given)."""
    model.eval()
    totals: dict[str, torch.Tensor] = {}
    for start in range(0, len(X), batch_size):
        batch = X[start : start + batch_size]
        extra = () if targets is None else (targets[start : start + batch_size],)
        for key, value in model.loss(batch, *extra).items():
            totals[key] = totals.get(key, 0) + value.detach() * len(batch)
    return {key: float(total) / len(X) for key, total in totals.items()}


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


class Trainer:
    """Fits any registered model on an in-memory array.

    With ``run_dir`` the run is checkpointed after every epoch (``state.safetensors`` for resuming and the
    best weights so far in ``model.safetensors``), so a crash loses at most one epoch and ``fit(...,
    resume=True)`` continues where it stopped.
    """

    def __init__(
        self,
        model: Autoencoder,
        config: TrainConfig | None = None,
        callbacks: Sequence[Callback] = (),
        run_dir: str | Path | None = None,
        extra: dict[str, Any] | None = None,
    ):
        self.model = model
        self.config = config or TrainConfig()
        self.callbacks = list(callbacks)
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.extra = extra or {}  # saved with the model, e.g. the input scaler
        self.device = resolve_device(self.config.device)
        self.stop_training = False
        self.signals = StopSignals()  # replaced by an active one while fit runs
        self.history = History()
        self.group = ProcessGroup()

    # ----------------------------------------------------------------------------------------------- fit
    def fit(self, X: Any, X_val: Any = None, resume: bool = False, targets: Any = None,
            val_targets: Any = None) -> History:
        """Train on ``X``; with per-sample ``targets`` (e.g. class labels) the loss is ``model.loss(x, targets)``,
        which is how a supervised head on an encoder is fine-tuned by this same loop.

        The run folder is held by this process while it trains. SIGINT or SIGTERM ends training after the
        current batch: the unfinished epoch is dropped (resuming repeats it, so the result is the same as
        without the stop), the best weights and the history are written, and :class:`TrainingInterrupted`
        is raised."""
        with owned(self.run_dir if is_main_process() else None), StopSignals() as self.signals:
            history = self._fit(X, X_val, resume, targets, val_targets)
        if self.signals.received is not None:
            raise TrainingInterrupted(self.signals.received, history.epochs_run, self.run_dir)
        return history

    def _fit(self, X, X_val, resume, targets, val_targets) -> History:
        cfg, model = self.config, self.model
        self.group, self.device = join_process_group(self.device)
        prepare = self._streamed if isinstance(X, ChunkedRows) else self._in_memory
        train, val, targets, val_targets = prepare(X, X_val, targets, val_targets)
        model.to(self.device)
        self._loss = self.group.wrap(LossModule(model), self.device)  # model.loss, gradients averaged over processes

        seed_everything(cfg.seed + self.group.rank)  # each process its own noise (dropout, corruption)
        self.batch_rng = torch.Generator().manual_seed(cfg.seed)
        self.optimizer = self._make_optimizer()
        self.scheduler = self._make_scheduler()
        self.history, self.best_state, self.bad_epochs = History(), _copy_state(model), 0
        self._train_shape = list(train.shape)
        start = self._restore() if resume else 0
        self._write_config(train.shape, None if val is None else val.shape)

        for callback in self.callbacks:
            callback.on_train_begin(self)
        bar = tqdm(range(start, cfg.epochs), desc=f"train {model.name}", unit="epoch",
                   disable=self._quiet() if self.group.is_main else True,
                   initial=start, total=cfg.epochs)
        for epoch in bar:
            began = time.perf_counter()
            train_logs = self._train_epoch(train, targets)
            if self.signals.received is not None:
                break
            val_logs = {} if val is None else evaluate_loss(model, val, max(cfg.batch_size, 1024), val_targets)
            monitored = val_logs.get("loss", train_logs["loss"])
            if not (math.isfinite(train_logs["loss"]) and math.isfinite(monitored)):
                self._diverged(epoch, train_logs["loss"], monitored)
            lr = self.optimizer.param_groups[0]["lr"]
            self.history.append(train_logs, val_logs, lr, time.perf_counter() - began)
            self._step_scheduler(monitored)
            self._track_best(epoch, monitored)
            bar.set_postfix(train=f"{train_logs['loss']:.4g}", **({"val": f"{monitored:.4g}"} if val_logs else {}))
            for callback in self.callbacks:
                callback.on_epoch_end(self, epoch, {"train": train_logs, "val": val_logs, "lr": lr})
            stop = self.stop_training or (cfg.patience is not None and self.bad_epochs >= cfg.patience)
            self.history.stopped_early = stop and epoch + 1 < cfg.epochs
            self._checkpoint(epoch)
            if stop:
                break
        bar.close()

        if cfg.restore_best:
            model.load_state_dict(self.best_state)
        model.eval()
        if self.run_dir is not None and self.group.is_main:
            save_model(model, self.run_dir, self.extra)
            write_json(self.run_dir / HISTORY_FILE, self.history.to_dict())
        self.group.close()
        for callback in self.callbacks:
            callback.on_train_end(self, self.history)
        return self.history

    def _in_memory(self, X, X_val, targets, val_targets):
        """(train, val, targets, val_targets) as tensors on the device; a seeded validation split of ``X``."""
        cfg, model = self.config, self.model
        X = check_array(X, sample_shape=model.input_shape, min_samples=2 if X_val is None else 1)
        targets = _aligned(targets, len(X), "targets")
        if X_val is None:
            train_rows, val_rows = split_validation(len(X), cfg.validation_fraction, cfg.seed)
            X, X_val = X[train_rows], (X[val_rows] if len(val_rows) else None)
            if targets is not None:
                targets, val_targets = targets[train_rows], (targets[val_rows] if len(val_rows) else None)
        else:
            X_val = check_array(X_val, "X_val", sample_shape=model.input_shape)
            val_targets = _aligned(val_targets, len(X_val), "val_targets")
        train = torch.from_numpy(X).to(self.device)  # (N, *input_shape)
        val = None if X_val is None else torch.from_numpy(X_val).to(self.device)
        targets, val_targets = (None if t is None else torch.from_numpy(t).to(self.device)
                                for t in (targets, val_targets))
        return train, val, targets, val_targets

    def _streamed(self, X: ChunkedRows, X_val, targets, val_targets):
        """Rows read from disk chunk by chunk; without ``X_val`` the last rows are held out (reads stay sequential)."""
        if targets is not None or val_targets is not None:
            raise ValueError("targets cannot be combined with streamed rows (ChunkedRows); pass arrays instead")
        X = X.view(sample_shape=self.model.input_shape, device=self.device)
        if X_val is None:
            train, val = X.split_tail(self.config.validation_fraction)
        else:
            train, val = X, torch.from_numpy(check_array(X_val, "X_val", sample_shape=X.sample_shape)).to(self.device)
        return train, val, None, None

    # ------------------------------------------------------------------------------------------ one epoch
    def _train_epoch(self, train: torch.Tensor | ChunkedRows, targets: torch.Tensor | None = None,
                     ) -> dict[str, float]:
        model, optimizer, clip = self.model, self.optimizer, self.config.grad_clip
        model.train()
        totals, keys, seen = None, None, 0
        order = train.shuffled_order(self.batch_rng) if isinstance(train, ChunkedRows) else None
        for rows in shuffled_rows(len(train), self.config.batch_size, self.batch_rng, train.device, order):  # (B,)
            if len(rows) < self.group.size:  # too few rows to give every process one: skipped by all
                continue
            rows = self.group.shard(rows)  # (B / processes,)
            batch = train[rows]  # (B, *input_shape)
            parts = self._loss(batch) if targets is None else self._loss(batch, targets[rows])
            optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            values = torch.stack([value.detach() for value in parts.values()]) * len(batch)  # (P,)
            totals, keys, seen = (values if totals is None else totals + values), parts.keys(), seen + len(batch)
            if self.signals.received is not None:  # SIGINT/SIGTERM: fit drops this unfinished epoch
                break
        totals = self.group.sum(torch.cat([totals, totals.new_tensor([seen])]))  # (P + 1,) over every process
        return dict(zip(keys, (totals[:-1] / totals[-1]).tolist(), strict=True))

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
        if cfg.scheduler == "plateau":
            wait = max(1, (cfg.patience or 10) // 2)
            return torch.optim.lr_scheduler.ReduceLROnPlateau(  # "no improvement" as early stopping defines it
                self.optimizer, factor=0.5, patience=wait, threshold=cfg.min_delta, threshold_mode="abs")
        return None

    def _step_scheduler(self, monitored: float) -> None:
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitored)
        elif self.scheduler is not None:
            self.scheduler.step()

    def _track_best(self, epoch: int, monitored: float) -> None:
        if monitored < self.history.best_loss - self.config.min_delta:
            self.history.best_loss, self.history.best_epoch = monitored, epoch
            self.best_state, self.bad_epochs = _copy_state(self.model), 0
        else:
            self.bad_epochs += 1

    def _diverged(self, epoch: int, train_loss: float, monitored: float) -> None:
        self.model.load_state_dict(self.best_state)
        kept = f"; the last good checkpoint in {self.run_dir} is kept" if self.run_dir else ""
        raise TrainingDivergedError(
            f"training stopped at epoch {epoch + 1}: the loss became {train_loss} (train) / {monitored} "
            f"(monitored). The model was reset to its best weights{kept}. Try a lower learning rate, "
            "gradient clipping (grad_clip) or scaled inputs."
        )

    # ------------------------------------------------------------------------------------ checkpointing
    def _write_config(self, train_shape, val_shape) -> None:
        if self.run_dir is None or not self.group.is_main:
            return
        write_json(self.run_dir / CONFIG_FILE, {
            "model": self.model.name,
            "model_config": self.model.config.to_dict(),
            "train_config": self.config.to_dict(),
            "data": {"train_shape": list(train_shape), "val_shape": None if val_shape is None else list(val_shape)},
            "extra": self.extra,
        })

    def _checkpoint(self, epoch: int) -> None:
        if self.run_dir is None or not self.group.is_main:
            return
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        tensors.update({f"best.{k}": v for k, v in self.best_state.items()})
        optimizer_state = self.optimizer.state_dict()
        for index, state in optimizer_state["state"].items():
            tensors.update({f"optim.{index}.{k}": v for k, v in state.items() if torch.is_tensor(v)})
        tensors["rng.torch"] = torch.get_rng_state()
        tensors["rng.batches"] = self.batch_rng.get_state()
        metadata = {
            "model": self.model.name,
            "config": self.model.config.to_dict(),
            "epoch": epoch,
            "bad_epochs": self.bad_epochs,
            "train_shape": self._train_shape,
            "history": self.history.to_dict(),
            "param_groups": optimizer_state["param_groups"],
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
        }
        save_tensors(self.run_dir / STATE_FILE, tensors, metadata)
        # The best weights so far double as the "last good" model if a later epoch fails.
        current = _copy_state(self.model)
        self.model.load_state_dict(self.best_state)
        save_model(self.model, self.run_dir, self.extra)
        self.model.load_state_dict(current)

    def _restore(self) -> int:
        """Load ``state.safetensors`` from ``run_dir``; returns the epoch to continue from."""
        if self.run_dir is None:
            raise ValueError("resume=True needs a run_dir to resume from")
        path = self.run_dir / STATE_FILE
        tensors, meta = load_tensors(path)
        if meta.get("model") != self.model.name or self._saved_config(meta) != self.model.config:
            raise CheckpointError(
                f"{path} was written by a {meta.get('model')!r} model with config {meta.get('config')}; "
                f"cannot resume it into a {self.model.name!r} model with config {self.model.config.to_dict()}"
            )
        if meta.get("train_shape") != self._train_shape:
            raise CheckpointError(
                f"{path} was trained on data of shape {meta.get('train_shape')} (after the validation split); "
                f"this data gives {self._train_shape}: resume with the same data and seed"
            )
        load_weights(self.model, _with_prefix(tensors, "model."), str(path))
        self.best_state = {k: v.to(self.device) for k, v in _with_prefix(tensors, "best.").items()}
        optimizer_state: dict[str, Any] = {"state": {}, "param_groups": meta["param_groups"]}
        for key, value in _with_prefix(tensors, "optim.").items():
            index, name = key.split(".", 1)
            optimizer_state["state"].setdefault(int(index), {})[name] = value
        self.optimizer.load_state_dict(optimizer_state)
        if self.scheduler is not None and meta.get("scheduler") is not None:
            self.scheduler.load_state_dict(meta["scheduler"])
        torch.set_rng_state(tensors["rng.torch"])
        self.batch_rng.set_state(tensors["rng.batches"])
        self.history = History.from_dict(meta["history"])
        self.bad_epochs = meta["bad_epochs"]
        return meta["epoch"] + 1

    def _saved_config(self, meta: dict[str, Any]):
        try:
            return type(self.model.config).from_dict(meta.get("config") or {})
        except (TypeError, ValueError):
            return None


def _aligned(values: Any, n: int, name: str) -> np.ndarray | None:
    """Per-sample ``values`` as an array of length ``n`` (None stays None)."""
    if values is None:
        return None
    values = np.asarray(values)
    if values.ndim == 0 or len(values) != n:
        raise ValueError(f"{name} must hold one entry per sample ({n}), got shape {values.shape}")
    return values


def _with_prefix(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}
