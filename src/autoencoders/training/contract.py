"""What the engine needs from a model, written down: any ``nn.Module`` that provides these trains with
:class:`~autoencoders.training.Trainer` (registered autoencoders, ``EncoderClassifier``, your own)."""

from __future__ import annotations

import copy
import inspect
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from ..errors import ConfigError, type_phrase


@runtime_checkable
class ModelConfigLike(Protocol):
    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON values; written to the run folder and checkpoints."""


@runtime_checkable
class Trainable(Protocol):
    """The engine's model contract.

    ``name``: a short name for progress bars and checkpoints (the registry name for registered models).
    ``config``: the settings that rebuild the model, with ``to_dict()`` (and, to resume a run,
    ``type(config).from_dict(...)`` giving an equal config back).
    ``input_shape``: the shape of one sample, without the batch dimension.
    ``loss(x, *targets)``: scalar loss parts on a batch, a dict of 0-d tensors with the key ``"loss"`` (the one
    minimised; checked on each epoch's first step, :func:`check_loss_parts`); ``targets`` are the per-sample values
    passed to ``fit(..., targets=...)``, if any.
    ``encode(x)``: (B, *input_shape) -> (B, code) features.
    """

    name: str
    config: ModelConfigLike
    input_shape: tuple[int, ...]

    def loss(self, x: Tensor, *targets: Tensor) -> dict[str, Tensor]: ...

    def encode(self, x: Tensor) -> Tensor: ...


def check_trainable(model: Any) -> None:
    """Raise :class:`ConfigError` naming every part of the contract ``model`` lacks."""
    problems = [] if isinstance(model, nn.Module) else [f"is a {type(model).__name__}, not a torch.nn.Module"]
    for attribute in ("name", "config", "input_shape", "loss", "encode"):
        if not hasattr(model, attribute):
            problems.append(f"has no {attribute!r}")
    if hasattr(model, "config") and not isinstance(model.config, ModelConfigLike):
        problems.append("has a config without to_dict()")
    for method in ("loss", "encode"):
        if hasattr(model, method) and not callable(getattr(model, method)):
            problems.append(f"has a {method!r} that is not callable")
    if problems:
        raise ConfigError(f"{type(model).__name__} cannot be trained by the engine: it " + ", ".join(problems)
                          + " (see autoencoders.training.Trainable)")


def check_takes_targets(model: Any) -> None:
    """Raise :class:`ConfigError` before any work when ``fit`` is given ``targets`` and ``model.loss`` takes none
    (an autoencoder's: its target is its input), saying how a denoising autoencoder is trained instead."""
    try:
        inspect.signature(model.loss).bind(None, None)  # (x, targets)
    except TypeError:
        raise ConfigError(f"{type(model).__name__}.loss takes no targets: an autoencoder reconstructs its inputs. To "
                          "train one to turn noisy inputs into clean ones, give the clean rows and set the model's "
                          "corruption (e.g. create_model(..., corruption='gaussian', corruption_level=0.5)): each "
                          "batch is then noised afresh, clipped to its range; targets are for a task head, such as "
                          "applications.train_classifier's") from None


def check_batches_of_one(model: nn.Module, rows: Any, batch_size: int) -> None:
    """Raise :class:`ConfigError` before training when every batch would hold one row (``batch_size`` 1, or one
    training row) and the model cannot train on one: a batch norm over the batch alone (an MLP's) has nothing to
    normalise. Probed on a copy of the model with the first of the training ``rows`` (``training.rows.Rows``), the
    random state left alone."""
    n_rows = len(rows)
    if min(batch_size, n_rows) > 1 or not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        return
    probe = copy.deepcopy(model).train()  # the model's own batch statistics stay as they are
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        try:
            probe.loss(*rows.batch(torch.arange(1, device=rows.device)))  # a batch of one row
        except ValueError as error:
            if "more than 1 value per channel" not in str(error):
                raise
            raise ConfigError(f"{getattr(model, 'name', type(model).__name__)} normalises over the batch (batch "
                              f"norm) and every batch would hold one row (batch_size {batch_size}, {n_rows} "
                              "training row(s)): use batch_size >= 2 with at least 2 rows, or turn batch_norm off"
                              ) from None


def check_loss_parts(model: Any, parts: Any) -> None:
    """Raise :class:`ConfigError` unless ``parts``, what ``model.loss`` returned, is a dict of scalar tensors with
    the key ``"loss"`` (the one minimised), naming what it is instead."""
    if isinstance(parts, dict):
        wrong = [f"its {key!r} is {_described(value)}" for key, value in parts.items()
                 if not (isinstance(value, Tensor) and value.ndim == 0)]
        missing = [] if "loss" in parts else [f"it has no key 'loss' (its keys: {', '.join(map(repr, parts))})"]
        problems = missing + wrong
    else:
        problems = [f"it returned {_described(parts)}, not a dict"]
    if problems:
        raise ConfigError(f"{getattr(model, 'name', type(model).__name__)}'s loss(x) must return a dict of scalar "
                          f"tensors with the key 'loss' (the one minimised), but {'; '.join(problems)} (a per-sample "
                          "loss is averaged with .mean())")


def _described(value: Any) -> str:
    return f"a tensor of shape {tuple(value.shape)}" if isinstance(value, Tensor) else type_phrase(value)
