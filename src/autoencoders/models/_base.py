"""What every autoencoder shares: its config fields, the encode/decode contract and the loss."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import Tensor, nn

from ..errors import ConfigError
from ._blocks import CORRUPTIONS, corrupt, n_features
from .losses import (
    OUTPUT_ACTIVATIONS,
    RECONSTRUCTION_LOSSES,
    apply_output_activation,
    per_sample_reconstruction_loss,
    resolve_output_activation,
)
from .mixed import check_layout, hide_cells, mixed_output


def option(default: Any, help: str) -> Any:
    """A config field with the help text that the CLI shows for it (``ae train --model NAME --help``)."""
    return dataclasses.field(default=default, metadata={"help": help})


@dataclass
class ModelConfig:
    """Options every model family has; each family's config subclasses this and adds its own fields,
    each declared with :func:`option` so that the CLI can offer it with its help text."""

    input_shape: tuple[int, ...] = dataclasses.field(metadata={"help": "shape of one sample, e.g. (64,), (1, 28, 28)"})
    code_size: int = option(32, "width of the code (bottleneck); above the input width for an over-complete code")
    loss: str = option("mse", "reconstruction loss: mse, bce (targets in [0, 1]), l1 or mixed (tables)")
    columns: list | None = option(None, "the table's column layout that loss 'mixed' needs (from TabularPreprocessor)")
    output_activation: str = option("auto", "decoder output: auto (sigmoid for bce, else identity), identity, sigmoid")
    corruption: str | None = option(None, "train to undo input noise: gaussian, mask, salt_pepper or cells (hide "
                                          "table cells as gaps; loss mixed) (default: off)")
    corruption_level: float = option(0.1, "noise standard deviation (gaussian) or probability of hitting an entry")

    def __post_init__(self) -> None:
        self.input_shape = tuple(int(d) for d in self.input_shape)
        if not self.input_shape or min(self.input_shape) < 1:
            raise ConfigError(f"input_shape must be a non-empty tuple of positive sizes, got {self.input_shape}")
        _require(self.code_size >= 1, f"code_size must be >= 1, got {self.code_size}")
        _require_choice("loss", self.loss, RECONSTRUCTION_LOSSES)
        _require_choice("output_activation", self.output_activation, OUTPUT_ACTIVATIONS)
        if self.loss == "bce" and self.output_activation == "identity":
            raise ConfigError("loss 'bce' needs a sigmoid output; use output_activation 'auto' or 'sigmoid'")
        _require((self.loss == "mixed") == (self.columns is not None), "loss 'mixed' and a column layout go together")
        if self.columns is not None:
            check_layout(self.columns, n_features(self.input_shape))
        if self.corruption is not None:
            _require_choice("corruption", self.corruption, (*CORRUPTIONS, "cells"))
            _require(self.corruption != "cells" or self.columns is not None, "corruption 'cells' needs loss 'mixed'")
            _require(self.corruption_level >= 0, f"corruption_level must be >= 0, got {self.corruption_level}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ConfigError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _require_choice(option: str, value: object, choices: tuple[str, ...]) -> None:
    _require(value in choices, f"unknown {option} {value!r}; choose one of {', '.join(choices)}")


class Autoencoder(nn.Module):
    """Base class of every model family.

    Subclasses implement ``encode`` (x -> code) and ``decode_logits`` (code -> pre-activation output);
    they may add penalties through ``regularization`` or replace ``loss`` entirely (the VAE does).
    Models know nothing of optimisers, devices or logging.
    """

    name: ClassVar[str]  # set by @register
    config_class: ClassVar[type[ModelConfig]] = ModelConfig

    def __init__(self, config: ModelConfig):
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config
        self.output_activation = resolve_output_activation(config.loss, config.output_activation)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.config.input_shape

    @property
    def n_features(self) -> int:
        return n_features(self.config.input_shape)

    def encode(self, x: Tensor) -> Tensor:
        """(B, *input_shape) -> (B, code_size); deterministic (the VAE returns its mean)."""
        raise NotImplementedError

    def decode_logits(self, code: Tensor) -> Tensor:
        """(B, code_size) -> (B, *input_shape), before the output activation."""
        raise NotImplementedError

    def decode(self, code: Tensor) -> Tensor:
        """(B, code_size) -> (B, *input_shape) reconstruction in data space."""
        if self.config.loss == "mixed":
            return mixed_output(self.decode_logits(code), self.config.columns)
        return apply_output_activation(self.decode_logits(code), self.output_activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def regularization(self, x: Tensor, code: Tensor) -> dict[str, Tensor]:
        """Named penalties added to the reconstruction loss (scalars); none by default."""
        return {}

    def corrupt(self, x: Tensor) -> Tensor:
        """The input the encoder sees in training: ``x`` itself, or a noisy copy for denoising."""
        if self.training and self.config.corruption == "cells":
            return hide_cells(x, self.config.columns, self.config.corruption_level)
        if self.training and self.config.corruption is not None:
            return corrupt(x, self.config.corruption, self.config.corruption_level)
        return x

    def reconstruction_loss(self, logits: Tensor, target: Tensor) -> Tensor:
        """Per-sample reconstruction loss (B,) of pre-activation output ``logits`` against ``target``."""
        return per_sample_reconstruction_loss(self.config.loss, logits, target, self.output_activation,
                                              self.config.columns)

    def loss(self, x: Tensor) -> dict[str, Tensor]:
        """Scalar loss parts on batch ``x`` (B, *input_shape); ``loss`` is their sum, the one to minimise."""
        noisy = self.corrupt(x)
        code = self.encode(noisy)  # (B, code_size)
        parts = {"reconstruction": self.reconstruction_loss(self.decode_logits(code), x).mean()}
        parts.update(self.regularization(noisy, code))
        return {"loss": sum(parts.values()), **parts}

    def reconstruction_error(self, x: Tensor) -> Tensor:
        """Per-sample reconstruction loss (B,) of the deterministic reconstruction (no corruption)."""
        return self.reconstruction_loss(self.decode_logits(self.encode(x)), x)
