"""Vanilla autoencoder: the code is the single hidden layer."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from ._base import ModelConfig, _require, option
from ._blocks import ACTIVATIONS
from ._mlp import MLPAutoencoder


@dataclass
class VanillaConfig(ModelConfig):
    activation: str = option("sigmoid", "nonlinearity of the hidden layer, which is the code")

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.activation in ACTIVATIONS, f"unknown activation {self.activation!r}")


@register("vanilla")
class VanillaAutoencoder(MLPAutoencoder):
    """One hidden layer: input -> code (with activation) -> output."""

    config_class = VanillaConfig

    def __init__(self, config: VanillaConfig):
        super().__init__(config, hidden=(), code_activation=config.activation)
