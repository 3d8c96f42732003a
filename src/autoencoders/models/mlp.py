"""The fully connected backbone: flatten -> hidden layers -> (code head) ; code -> mirrored layers -> unflatten."""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from ..options import option, require
from ..registry import register_backbone
from ._base import ModelConfig, PartConfig
from ._blocks import activation_option, mlp


@register_backbone("mlp")
@dataclass
class MLPBackbone(PartConfig):
    """Fully connected layers for any sample shape (rows, flattened images, windows)."""

    hidden: tuple[int, ...] = option((512, 256), "widths of the encoder's hidden layers; the decoder mirrors them")
    activation: str = activation_option("relu", "between layers")
    batch_norm: bool = option(False, "batch normalisation after each hidden layer")
    dropout: float = option(0.0, "dropout probability after each hidden layer", "[0, 1)")

    def __post_init__(self) -> None:
        super().__post_init__()
        unused = [f"{name}={getattr(self, name)!r}" for name in ("batch_norm", "dropout") if getattr(self, name)]
        require(bool(self.hidden) or not unused, f"{' and '.join(unused)} act after each hidden layer, and this mlp "
                                                 "has none (hidden=()): give hidden sizes or leave them out")

    def ignored(self, config: ModelConfig) -> dict[str, str]:
        return {} if self.hidden else {"activation": "it acts between hidden layers, and this mlp has none"}

    def encoder_has_weights(self) -> bool:
        return bool(self.hidden)

    def is_linear(self) -> bool:
        return not self.hidden

    def build_encoder(self, config: ModelConfig) -> tuple[nn.Module, int]:
        sizes = [math.prod(config.input_shape), *self.hidden]
        layers = mlp(sizes, self.activation, True, self.batch_norm, self.dropout)
        return nn.Sequential(nn.Flatten(), layers), sizes[-1]  # (B, *input_shape) -> (B, F)

    def build_decoder(self, config: ModelConfig) -> nn.Module:
        sizes = [config.code_size, *reversed(self.hidden), math.prod(config.input_shape)]
        return nn.Sequential(mlp(sizes, self.activation, False, self.batch_norm, self.dropout),
                             nn.Unflatten(1, config.input_shape))
