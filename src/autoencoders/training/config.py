"""Training options as a plain dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

OPTIMIZERS = ("adam", "adamw")
SCHEDULERS = ("none", "cosine", "plateau")


@dataclass
class TrainConfig:
    """epochs: passes over the training data. batch_size, lr, weight_decay: the optimiser's settings.
    optimizer: ``adam`` or ``adamw``; scheduler: ``none``, ``cosine`` (to zero over ``epochs``) or
    ``plateau`` (halve the LR after ``patience // 2`` epochs without improvement).
    validation_fraction: share of the rows held out to monitor (ignored when validation data is given).
    patience: stop after this many epochs without improving the monitored loss by ``min_delta`` (None: never).
    restore_best: end with the weights of the best epoch. seed: makes the run repeatable.
    device: ``auto`` (CUDA when present), ``cpu`` or ``cuda[:N]``. grad_clip: max gradient norm (None: off).
    progress: show a progress bar (None: only on an interactive terminal).
    """

    epochs: int = 50
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    scheduler: str = "none"
    validation_fraction: float = 0.1
    patience: int | None = 10
    min_delta: float = 0.0
    restore_best: bool = True
    seed: int = 0
    device: str = "auto"
    grad_clip: float | None = None
    progress: bool | None = None

    def __post_init__(self) -> None:
        checks = [
            (self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}"),
            (self.lr > 0, f"lr must be > 0, got {self.lr}"),
            (self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay}"),
            (self.optimizer in OPTIMIZERS, f"unknown optimizer {self.optimizer!r}; choose {', '.join(OPTIMIZERS)}"),
            (self.scheduler in SCHEDULERS, f"unknown scheduler {self.scheduler!r}; choose {', '.join(SCHEDULERS)}"),
            (0 <= self.validation_fraction < 1, f"validation_fraction must be in [0, 1): {self.validation_fraction}"),
            (self.patience is None or self.patience >= 1, f"patience must be >= 1 or None, got {self.patience}"),
            (self.grad_clip is None or self.grad_clip > 0, f"grad_clip must be > 0 or None, got {self.grad_clip}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})
