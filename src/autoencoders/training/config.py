"""Training options as a plain dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..options import check_options, option

OPTIMIZERS = ("adam", "adamw")
SCHEDULERS = ("auto", "none", "cosine", "plateau")
HOLDOUTS = ("random", "last")
# A resumed run restores its optimiser, schedule and batch order, so it trains with the settings it stored; it may
# change only how long it trains (epochs) and where and how it runs now (the device, the progress bar: not the run's
# settings, so never read back from its folder). Trainer.fit and `ae train --resume` both refuse any other change.
RUNTIME_SETTINGS = ("device", "progress")
RESUMABLE_CHANGES = ("epochs", *RUNTIME_SETTINGS)


@dataclass
class TrainConfig:
    """How a model is trained. Fields left at None are sized from the data when ``fit`` starts
    (:meth:`resolved`; see :mod:`autoencoders.training.defaults`) and recorded resolved."""

    epochs: int | None = option(None, "passes over the training rows (auto: a step budget sized from the data)",
                                "[1, inf)", none="auto")
    batch_size: int = option(64, "rows per optimiser step", "[1, inf)")
    lr: float = option(1e-3, "learning rate (the peak of the schedule)", "(0, inf)")
    weight_decay: float = option(0.0, "L2 penalty (adam) or decoupled weight decay (adamw)", "[0, inf)")
    optimizer: str = option("adam", "optimiser", choices=OPTIMIZERS)
    scheduler: str = option("auto", "learning-rate schedule: cosine (to zero over the epochs), plateau (halve "
                            "after patience // 2 epochs without improvement), none, or auto: plateau when rows are "
                            "held out for early stopping, else cosine", choices=SCHEDULERS)
    validation_fraction: float | None = option(None, "share of the rows held out for early stopping (auto: a "
                                               "tenth of small data sets, none of large ones)", "[0, 1)",
                                               none="auto")
    holdout: str = option("random", "which rows are held out for early stopping (and, in ae train, for test "
                          "metrics): random (seeded) or last (the last rows in their order: for windows cut from "
                          "one series in time order, a later stretch of time, so near copies of a training window "
                          "are not measured as unseen)", choices=HOLDOUTS)
    patience: int | None = option(10, "stop after this many epochs without improving the monitored loss "
                                  "(0 or none: never stop early)", "[0, inf)", none="none")
    min_delta: float = option(0.0, "the smallest drop of the monitored loss that counts as an improvement",
                              "[0, inf)")
    restore_best: bool = option(True, "end with the weights of the best epoch")
    seed: int = option(0, "same seed, same run", "[0, 9223372036854775808)")  # numpy's and torch's seeds: 0 to 2**63
    device: str = option("auto", "auto (CUDA when present), cpu or cuda[:N]")
    grad_clip: float | None = option(None, "largest gradient norm (none: no clipping)", "(0, inf)", none="none")
    progress: bool | None = option(None, "progress bar (None: only on an interactive terminal)")

    def __post_init__(self) -> None:
        check_options(self)

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
