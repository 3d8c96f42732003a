"""Callbacks: the few points where user code can watch or stop a run, and the loggers built on them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checkpoint import atomic_write, refuse_existing
from ..errors import ConfigError
from .history import History
from .run_folder import TENSORBOARD_DIR

if TYPE_CHECKING:
    from .engine import Trainer


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


class CSVLogger(Callback):
    """One row per epoch (``epoch, train_<part>..., val_<part>..., lr, seconds``) in ``path``, rewritten
    atomically from the history after every epoch, so a resumed run continues the same file. A new run refuses a
    file already at ``path`` (a FileExistsError as training begins) unless ``overwrite``. The engine adds one
    writing ``log.csv`` to every run folder."""

    def __init__(self, path: str | Path, overwrite: bool = False):
        self.path, self.overwrite = Path(path), overwrite

    def on_train_begin(self, trainer: Trainer) -> None:
        if trainer.group.is_main and not trainer.history.epochs_run:  # a resumed run's history goes on in the file
            refuse_existing([self.path], self.overwrite)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        if trainer.group.is_main:
            atomic_write(self.path, lambda tmp: tmp.write_text(history_csv(trainer.history), encoding="utf-8"))


def history_csv(history: History) -> str:
    columns = {"epoch": list(range(1, history.epochs_run + 1))}
    columns.update({f"train_{k}": v for k, v in history.train.items()})
    columns.update({f"val_{k}": v for k, v in history.val.items()})
    columns.update({"lr": history.lr, "seconds": history.epoch_seconds})
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    return text.getvalue()


class TensorBoardLogger(Callback):
    """Scalars per epoch (``train/<part>``, ``val/<part>``, ``lr``) as TensorBoard events in ``log_dir``; needs the
    optional ``tensorboard`` package (``pip install 'autoencoders[tensorboard]'``)."""

    def __init__(self, log_dir: str | Path):
        try:
            from torch.utils.tensorboard import SummaryWriter  # imports tensorboard
        except ImportError:
            raise ConfigError("the tensorboard logger needs the tensorboard package: "
                              "pip install 'autoencoders[tensorboard]'") from None
        self.log_dir, self._writer_class, self.writer = Path(log_dir), SummaryWriter, None

    def on_train_begin(self, trainer: Trainer) -> None:
        if trainer.group.is_main:
            self.writer = self._writer_class(log_dir=str(self.log_dir))

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, Any]) -> None:
        if self.writer is None:
            return
        for split in ("train", "val"):
            for key, value in logs[split].items():
                self.writer.add_scalar(f"{split}/{key}", value, epoch + 1)
        self.writer.add_scalar("lr", logs["lr"], epoch + 1)
        self.writer.flush()

    def on_train_end(self, trainer: Trainer, history: History) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# What `ae train --logger` offers, each made for a run folder; the CSV log is always written to a run folder.
LOGGERS = {"csv": lambda folder: [], "tensorboard": lambda folder: [TensorBoardLogger(folder / TENSORBOARD_DIR)]}
