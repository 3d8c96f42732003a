"""Contractive autoencoder (Rifai et al., 2011): penalise lambda * ||J_encoder(x)||_F^2.

The penalty is exact: in closed form for one sigmoid layer, ||diag(h (1 - h)) W||_F^2, and for deeper encoders
from the per-sample Jacobian computed by ``torch.func`` (vmap of jacrev), which also works under ``no_grad``.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor
from torch.func import jacrev, vmap

from ..registry import register
from ._base import ModelConfig, _require, option
from ._blocks import ACTIVATIONS
from ._mlp import MLPAutoencoder


@dataclass
class ContractiveConfig(ModelConfig):
    hidden: tuple[int, ...] = option((), "widths of hidden layers before the code; the decoder mirrors them")
    activation: str = option("sigmoid", "nonlinearity of the hidden layers and of the code")
    contraction_weight: float = option(0.1, "lambda: weight of the squared Frobenius norm of the encoder Jacobian")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hidden = tuple(int(h) for h in self.hidden)
        _require(all(h >= 1 for h in self.hidden), f"hidden sizes must be >= 1, got {self.hidden}")
        _require(self.activation in ACTIVATIONS, f"unknown activation {self.activation!r}")
        _require(self.contraction_weight >= 0, f"contraction_weight must be >= 0, got {self.contraction_weight}")


@register("contractive")
class ContractiveAutoencoder(MLPAutoencoder):
    """MLP autoencoder whose code is made insensitive to small input changes."""

    config_class = ContractiveConfig

    def __init__(self, config: ContractiveConfig):
        super().__init__(config, config.hidden, config.activation, code_activation=config.activation)

    @property
    def has_closed_form(self) -> bool:
        return not self.config.hidden and self.config.activation == "sigmoid"

    def regularization(self, x: Tensor, code: Tensor) -> dict[str, Tensor]:
        return {"contraction": self.config.contraction_weight * self.jacobian_norm_sq(x, code).mean()}

    def jacobian_norm_sq(self, x: Tensor, code: Tensor | None = None) -> Tensor:
        """Squared Frobenius norm of d code / d x for each sample, (B,); ``code`` = encode(x) if known."""
        if self.has_closed_form:
            code = self.encode(x) if code is None else code  # (B, N)
            weight = self.encoder[1][0].weight  # (N, D)
            return (code * (1 - code)).square() @ weight.square().sum(dim=1)
        return self.autograd_jacobian_norm_sq(x)

    def autograd_jacobian_norm_sq(self, x: Tensor) -> Tensor:
        """The same norm from the full Jacobian (B, N, *input_shape), for any encoder."""
        jacobian = vmap(jacrev(lambda sample: self.encode(sample.unsqueeze(0)).squeeze(0)))(x)
        return jacobian.flatten(1).square().sum(dim=1)
