"""Training options as a plain dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

OPTIMIZERS = ("adam", "adamw")
SCHEDULERS = ("auto", "none", "cosine", "plateau")


def _field(default: Any, help: str, **metadata: Any) -> Any:
    """A field with the help the CLI shows; ``choices`` for a fixed set of values, ``none`` for what None means."""
    return dataclasses.field(default=default, metadata={"help": help, **metadata})


@dataclass
class TrainConfig:
    """How a model is trained. Fields left at None are sized from the data when ``fit`` starts
    (:meth:`resolved`; see :mod:`autoencoders.training.defaults`) and recorded resolved."""

    epochs: int | None = _field(None, "passes over the training rows (auto: a step budget sized from the data)",
                                none="auto")
    batch_size: int = _field(64, "rows per optimiser step")
    lr: float = _field(1e-3, "learning rate (the peak of the schedule)")
    weight_decay: float = _field(0.0, "L2 penalty (adam) or decoupled weight decay (adamw)")
    optimizer: str = _field("adam", "optimiser", choices=OPTIMIZERS)
    scheduler: str = _field("auto", "learning-rate schedule: cosine (to zero over the epochs), plateau (halve "
                            "after patience // 2 epochs without improvement), none, or auto: plateau when rows are "
                            "held out for early stopping, else cosine", choices=SCHEDULERS)
    validation_fraction: float | None = _field(None, "share of the rows held out for early stopping (auto: a "
                                               "tenth of small data sets, none of large ones)", none="auto")
    patience: int | None = _field(10, "stop after this many epochs without improving the monitored loss "
                                  "(0 or none: never stop early)", none="none")
    min_delta: float = _field(0.0, "the smallest drop of the monitored loss that counts as an improvement")
    restore_best: bool = _field(True, "end with the weights of the best epoch")
    seed: int = _field(0, "same seed, same run")
    device: str = _field("auto", "auto (CUDA when present), cpu or cuda[:N]")
    grad_clip: float | None = _field(None, "largest gradient norm (none: no clipping)", none="none")
    progress: bool | None = _field(None, "progress bar (None: only on an interactive terminal)")

    def __post_init__(self) -> None:
        checks = [
            (self.epochs is None or self.epochs >= 1, f"epochs must be >= 1 or None, got {self.epochs}"),
            (self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}"),
            (self.lr > 0, f"lr must be > 0, got {self.lr}"),
            (self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay}"),
            (self.optimizer in OPTIMIZERS, f"unknown optimizer {self.optimizer!r}; choose {', '.join(OPTIMIZERS)}"),
            (self.scheduler in SCHEDULERS, f"unknown scheduler {self.scheduler!r}; choose {', '.join(SCHEDULERS)}"),
            (self.validation_fraction is None or 0 <= self.validation_fraction < 1,
             f"validation_fraction must be in [0, 1) or None: {self.validation_fraction}"),
            (self.patience is None or self.patience >= 0, f"patience must be >= 0 or None, got {self.patience}"),
            (self.min_delta >= 0, f"min_delta must be >= 0, got {self.min_delta}"),
            (self.grad_clip is None or self.grad_clip > 0, f"grad_clip must be > 0 or None, got {self.grad_clip}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def resolved(self, n_rows: int, n_features: int, held_out: bool = True) -> TrainConfig:
        """A copy with every data-sized field (None) set for ``n_rows`` rows of ``n_features`` values each, of
        which ``validation_fraction`` are ``held_out`` (False: validation rows are given apart)."""
        from .defaults import auto_epochs, auto_validation_fraction  # numpy and the models: kept out of `ae --help`

        fraction = auto_validation_fraction(n_rows) if self.validation_fraction is None else self.validation_fraction
        n_train = n_rows - round(n_rows * fraction) if held_out else n_rows
        epochs = auto_epochs(n_train, n_features, self.batch_size) if self.epochs is None else self.epochs
        scheduler = self.scheduler
        if scheduler == "auto":  # a run early stopping may end at any epoch follows the monitored loss
            scheduler = "plateau" if fraction > 0 or not held_out else "cosine"
        return dataclasses.replace(self, epochs=epochs, validation_fraction=fraction, scheduler=scheduler)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})
