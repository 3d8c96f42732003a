"""Fully connected encoder/decoder pair reused by the MLP-based families."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from ._base import Autoencoder, ModelConfig
from ._blocks import Unflatten, mlp, n_features


class MLPAutoencoder(Autoencoder):
    """Flatten -> MLP(input, *hidden, code) ; MLP(code, *reversed(hidden), input) -> unflatten."""

    def __init__(
        self,
        config: ModelConfig,
        hidden: Sequence[int] = (),
        activation: str = "relu",
        code_activation: str = "identity",
        batch_norm: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__(config)
        width = n_features(config.input_shape)
        self.encoder = nn.Sequential(
            nn.Flatten(),
            mlp([width, *hidden, config.code_size], activation, code_activation, batch_norm, dropout),
        )
        self.decoder = nn.Sequential(
            mlp([config.code_size, *reversed(hidden), width], activation, "identity", batch_norm, dropout),
            Unflatten(config.input_shape),
        )

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)  # (B, code_size)

    def decode_logits(self, code: Tensor) -> Tensor:
        return self.decoder(code)  # (B, *input_shape)
