"""Linear autoencoder: no nonlinearity, so with MSE it learns the principal subspace (PCA)."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from ._base import ModelConfig
from ._mlp import MLPAutoencoder


@dataclass
class LinearConfig(ModelConfig):
    """No options beyond the shared ones: one affine encoder and one affine decoder."""


@register("linear")
class LinearAutoencoder(MLPAutoencoder):
    """x -> W_e x + b_e -> W_d z + b_d; spans the same subspace as PCA with ``code_size`` components."""

    config_class = LinearConfig

    def __init__(self, config: LinearConfig):
        super().__init__(config, hidden=(), activation="identity")
