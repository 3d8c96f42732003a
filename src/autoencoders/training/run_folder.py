"""The run folder: the one place that knows its file names and how each file is written, read and resumed.

    model.safetensors   the model (best weights so far while training), reloadable with ``load_model``
    state.safetensors   everything needed to resume: weights, best weights, optimiser, schedule, RNG, history
    config.json         model and training settings, data shapes, extras (e.g. the input scaler)
    history.json        per-epoch losses (:class:`History`), written at the end
    log.csv             one row per epoch, appended as training goes (the built-in CSV logger)
    metrics.json        test metrics (``ae train``)
    *.png, report.html  pictures (``ae train``, ``ae report``)

Used by the engine (checkpointing, resuming), ``ae train`` and the report (reading the records).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..checkpoint import (
    CONFIG_FILE,
    MODEL_FILE,
    STATE_FILE,
    load_metadata,
    load_tensors,
    load_weights,
    model_file_fields,
    modules_entry,
    refuse_edited_settings,
    save_tensors,
    write_json,
    write_model,
)
from ..data.validation import check_array
from ..errors import CheckpointError, ConfigError, RunFolderError
from .config import RESUMABLE_CHANGES
from .history import History
from .rows import TensorRows, split_validation

if TYPE_CHECKING:
    from .engine import Trainer

HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
LOG_FILE = "log.csv"
LOSS_CURVES_FILE = "loss_curves.png"
RECONSTRUCTIONS_FILE = "reconstructions.png"
REPORT_FILE = "report.html"
TENSORBOARD_DIR = "tensorboard"
# The files a run writes: what overwriting a run removes from a run_dir that may hold the caller's files too.
RUN_FILES = (MODEL_FILE, STATE_FILE, CONFIG_FILE, HISTORY_FILE, LOG_FILE, METRICS_FILE, LOSS_CURVES_FILE,
             RECONSTRUCTIONS_FILE, REPORT_FILE)

__all__ = ["CONFIG_FILE", "HISTORY_FILE", "LOG_FILE", "LOSS_CURVES_FILE", "METRICS_FILE", "MODEL_FILE",
           "RECONSTRUCTIONS_FILE", "REPORT_FILE", "RUN_FILES", "STATE_FILE", "TENSORBOARD_DIR", "RunFolder"]


class RunFolder:
    """A run directory: ``RunFolder(path) / name`` is the path of one of its files."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def __str__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------------------------------- writing
    def write_config(self, trainer: Trainer, train_shape, val_shape) -> None:
        write_json(self / CONFIG_FILE, {
            "model": trainer.model.name,
            "model_config": trainer.model.config.to_dict(),
            "train_config": trainer.config.to_dict(),
            "data": {"train_shape": list(train_shape), "val_shape": None if val_shape is None else list(val_shape)},
            "extra": trainer.extra,
            **modules_entry(trainer.model),
        })

    def save_state(self, trainer: Trainer, epoch: int) -> None:
        """Everything to resume after ``epoch``, then the best weights so far as the model file (the last good
        model if a later epoch fails)."""
        model = trainer.model
        tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
        tensors.update({f"best.{k}": v for k, v in trainer.best_state.items()})
        optimizer_state = trainer.optimizer.state_dict()
        for index, state in optimizer_state["state"].items():
            tensors.update({f"optim.{index}.{k}": v for k, v in state.items() if torch.is_tensor(v)})
        tensors["rng.torch"] = torch.get_rng_state()
        if trainer.device.type == "cuda":  # a model's noise (dropout, corruption) on a GPU is drawn from its own
            tensors["rng.cuda"] = torch.cuda.get_rng_state(trainer.device)
        tensors["rng.batches"] = trainer.batch_rng.get_state()
        metadata = {
            "model": model.name,
            "config": model.config.to_dict(),
            "epoch": epoch,
            "bad_epochs": trainer.bad_epochs,
            "train_shape": trainer.train_shape,
            "train_digest": trainer.train_digest,
            "train_config": trainer.config.to_dict(),  # what config.json's copy is checked against on resume
            "history": trainer.history.to_dict(),
            "param_groups": optimizer_state["param_groups"],
            "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
            **modules_entry(model),
        }
        save_tensors(self / STATE_FILE, tensors, metadata)
        current = {key: value.detach().clone() for key, value in model.state_dict().items()}
        model.load_state_dict(trainer.best_state)
        write_model(model, self / MODEL_FILE, trainer.extra)
        model.load_state_dict(current)

    def save_result(self, trainer: Trainer) -> None:
        """The final model and the history, at the end of a run."""
        write_model(trainer.model, self / MODEL_FILE, trainer.extra)
        write_json(self / HISTORY_FILE, trainer.history.to_dict())

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        write_json(self / METRICS_FILE, metrics)

    # ------------------------------------------------------------------------------------------- resuming
    def restore(self, trainer: Trainer) -> int:
        """Load ``state.safetensors`` into ``trainer`` (weights, optimiser, schedule, RNG, history); returns the
        epoch to continue from."""
        path = self / STATE_FILE
        model = trainer.model
        tensors, meta = load_tensors(path)
        self.refuse_edited_settings(self.read_json(CONFIG_FILE))  # first: a model built from an edited copy fits it
        if meta.get("model") != model.name or meta.get("config") != _as_json(model.config.to_dict()):
            raise CheckpointError(
                f"{path} was written by a {meta.get('model')!r} model with config {meta.get('config')}; "
                f"cannot resume it into a {model.name!r} model with config {model.config.to_dict()}"
            )
        self._check_same_training(trainer)
        if meta.get("train_shape") != trainer.train_shape:
            raise CheckpointError(
                f"{path} was trained on data of shape {meta.get('train_shape')} (after the validation split); "
                f"this data gives {trainer.train_shape}: resume with the same data and seed"
            )
        stored = meta.get("train_digest")  # None: streamed rows, or a run saved before digests were kept
        if None not in (stored, trainer.train_digest) and stored != trainer.train_digest:
            raise CheckpointError(f"{path} was trained on other values than this data's (same shape "
                                  f"{trainer.train_shape} after the validation split): resume with the same data and "
                                  "seed")
        load_weights(model, _with_prefix(tensors, "model."), str(path))
        trainer.best_state = {k: v.to(trainer.device) for k, v in _with_prefix(tensors, "best.").items()}
        optimizer_state: dict[str, Any] = {"state": {}, "param_groups": meta["param_groups"]}
        for key, value in _with_prefix(tensors, "optim.").items():
            index, name = key.split(".", 1)
            optimizer_state["state"].setdefault(int(index), {})[name] = value
        trainer.optimizer.load_state_dict(optimizer_state)
        if trainer.scheduler is not None and meta.get("scheduler") is not None:
            trainer.scheduler.load_state_dict(meta["scheduler"])
        torch.set_rng_state(tensors["rng.torch"])
        if "rng.cuda" in tensors and trainer.device.type == "cuda":  # (seeded afresh when the run moved devices)
            torch.cuda.set_rng_state(tensors["rng.cuda"], trainer.device)
        trainer.batch_rng.set_state(tensors["rng.batches"])
        renamed = getattr(getattr(model, "objective", None), "renamed_parts", {})  # (a task head has no objective)
        trainer.history = History.from_dict(meta["history"]).renamed(renamed)
        trainer.bad_epochs = meta["bad_epochs"]
        return meta["epoch"] + 1

    def trained_on(self, X: np.ndarray) -> bool | None:
        """Whether ``X`` (N, *shape), the rows given to the run's training (before its validation split) made
        again, are those it trained on, by the digest its state keeps of them; None where it keeps none (rows
        streamed, a run saved before digests were kept, a folder without state)."""
        if not (self / STATE_FILE).is_file():
            return None
        stored = load_metadata(self / STATE_FILE).get("train_digest")
        if stored is None:
            return None
        settings = self.read_json(CONFIG_FILE)["train_config"]
        kept, _ = split_validation(len(X), settings["validation_fraction"], settings["seed"],
                                   settings.get("holdout", "random"))  # (runs before --holdout: random)
        X = check_array(X, sample_shape=X.shape[1:])  # as Trainer.fit takes it
        return TensorRows(torch.from_numpy(X[kept])).digest() == stored

    def refuse_edited_settings(self, settings: dict[str, Any]) -> None:
        """A CheckpointError naming config.json's fields (``settings``: its contents) that say other than the run's
        checkpoints: the state's model, model config and training settings but those a resumed run may change
        (kept by runs since Tidy 50), and the model file's preprocessing. A resume reads config.json for what it
        does not find in the state (the data, its options), so an edited copy would be trusted by half."""
        state = load_metadata(self / STATE_FILE)
        trained = {f"train_config.{name}": value for name, value in (state.get("train_config") or {}).items()
                   if name not in RESUMABLE_CHANGES}
        refuse_edited_settings(settings, self / STATE_FILE,
                               {"model": state.get("model"), "model_config": state.get("config"), **trained})
        if (self / MODEL_FILE).is_file():  # (a run stopped between writing its state and its model has none yet)
            refuse_edited_settings(settings, self / MODEL_FILE, model_file_fields(load_metadata(self / MODEL_FILE)))

    def _check_same_training(self, trainer: Trainer) -> None:
        """A CheckpointError unless ``trainer`` trains as the stored run did: a resumed run restores its optimiser
        (its learning rate and weight decay) and batch order, so another lr, optimizer, batch size, seed, ... would
        be ignored or mixed in silently. Only :data:`~.config.RESUMABLE_CHANGES` may change."""
        stored = self.read_json(CONFIG_FILE).get("train_config")
        if not stored:  # a run written before config.json kept its training settings
            return
        given = trainer.config.to_dict()
        differ = [name for name in given if name not in RESUMABLE_CHANGES and name in stored
                  and stored[name] != given[name]]
        if differ:
            was = ", ".join(f"{name}={stored[name]!r}" for name in differ)
            now = ", ".join(f"{name}={given[name]!r}" for name in differ)
            changes = f"{', '.join(RESUMABLE_CHANGES[:-1])} and {RESUMABLE_CHANGES[-1]}"
            raise CheckpointError(f"{self.path} was trained with {was}; this Trainer has {now}: resume with the run's "
                                  f"training settings (only {changes} may change)")

    # ------------------------------------------------------------------------------------------- reading
    def read_json(self, name: str) -> dict[str, Any]:
        """A JSON record of the run ({} when the file is missing; a RunFolderError naming it when unreadable)."""
        path = self / name
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RunFolderError(f"{path} is unreadable ({error}): a damaged record of the run") from None

    def read_history(self) -> History | None:
        values = self.read_json(HISTORY_FILE)
        try:
            return History.from_dict(values) if values else None
        except TypeError as error:  # other fields than a History's
            raise RunFolderError(f"{self / HISTORY_FILE} is not a run's history ({error})") from None


def _as_json(values: Any) -> Any:
    """``values`` as they read back from JSON (tuples become lists)."""
    return json.loads(json.dumps(values))


def _with_prefix(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}


def require_run_folder(run_dir: RunFolder | None) -> RunFolder:
    if run_dir is None:
        raise ConfigError("resume=True needs a run_dir to resume from")
    return run_dir
