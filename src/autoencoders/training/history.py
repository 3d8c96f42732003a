"""The record of a run: per-epoch losses, learning rate and time (read by the report without the engine)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


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

    def __repr__(self) -> str:
        """A summary: the dataclass's own repr printed every epoch's numbers, a screenful in a notebook."""
        losses = [f"{part} loss {store['loss'][0]:.4g} -> {store['loss'][-1]:.4g}"
                  for part, store in (("train", self.train), ("val", self.val)) if store.get("loss")]
        return (f"History(epochs_run={self.epochs_run}, best_epoch={self.best_epoch}, best_loss={self.best_loss:.4g}, "
                f"stopped_early={self.stopped_early}{''.join(', ' + text for text in losses)}; the lists: .train, "
                ".val, .lr, .epoch_seconds)")

    def renamed(self, names: dict[str, str]) -> History:
        """This history with the loss parts ``names`` lists ({old name: new}) under their new names, in place: a run
        resumed from a checkpoint written before its model's part was renamed goes on in one column, not two of
        different lengths."""
        for store in (self.train, self.val):
            for old, new in names.items():
                if old in store and new not in store:
                    store[new] = store.pop(old)
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> History:
        return cls(**values)
