"""Callbacks: the few points where user code can watch or stop a run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import History, Trainer


class Callback:
    """Override what you need. Set ``trainer.stop_training = True`` to stop after the current epoch."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        pass

    def on_train_end(self, trainer: Trainer, history: History) -> None:
        pass


class LambdaCallback(Callback):
    """Wrap a plain function ``f(trainer, epoch, logs)`` called at the end of every epoch."""

    def __init__(self, on_epoch_end):
        self._on_epoch_end = on_epoch_end

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        self._on_epoch_end(trainer, epoch, logs)
