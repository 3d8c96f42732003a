"""The plain objective: a linear code head (with an optional activation) and the reconstruction loss alone."""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import register_objective
from ._base import Objective, PartConfig
from ._blocks import activation_option


@dataclass
class PlainConfig(PartConfig):
    code_activation: str = activation_option("identity", "of the code")

    def is_linear(self) -> bool:
        return self.code_activation == "identity"


@register_objective("plain")
class Plain(Objective):
    """Reconstruction loss only: the classic (deep, denoising, convolutional ...) autoencoder."""

    config_class = PlainConfig
