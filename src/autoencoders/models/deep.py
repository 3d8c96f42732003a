"""Deep autoencoder: a multi-layer perceptron encoder and its mirror as decoder."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from ._base import ModelConfig, _require, option
from ._blocks import ACTIVATIONS
from ._mlp import MLPAutoencoder


@dataclass
class DeepConfig(ModelConfig):
    hidden: tuple[int, ...] = option((512, 256), "widths of the encoder's hidden layers; the decoder mirrors them")
    activation: str = option("elu", "nonlinearity between layers: relu, leaky_relu, elu, gelu, silu, tanh ...")
    code_activation: str = option("identity", "activation applied to the code")
    batch_norm: bool = option(False, "batch normalisation after each hidden layer")
    dropout: float = option(0.0, "dropout probability after each hidden layer")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hidden = tuple(int(h) for h in self.hidden)
        _require(all(h >= 1 for h in self.hidden), f"hidden sizes must be >= 1, got {self.hidden}")
        for name in ("activation", "code_activation"):
            value = getattr(self, name)
            _require(value in ACTIVATIONS, f"unknown {name} {value!r}; choose one of {', '.join(ACTIVATIONS)}")
        _require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")


@register("deep")
class DeepAutoencoder(MLPAutoencoder):
    """Deep MLP autoencoder with any list of hidden sizes, activation, batch norm and dropout."""

    config_class = DeepConfig

    def __init__(self, config: DeepConfig):
        super().__init__(
            config, config.hidden, config.activation, config.code_activation, config.batch_norm, config.dropout
        )
