"""What the engine needs from a model, written down: any ``nn.Module`` that provides these trains with
:class:`~autoencoders.training.Trainer` (registered autoencoders, ``EncoderClassifier``, your own)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from torch import Tensor, nn

from ..errors import ConfigError


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
    ``loss(x, *targets)``: scalar loss parts on a batch, a dict with the key ``"loss"`` (the one minimised);
    ``targets`` are the per-sample values passed to ``fit(..., targets=...)``, if any.
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
