"""The contractive objective (Rifai et al., 2011): lambda * ||J(x)||_F^2 of the encoder's Jacobian, in closed form
||diag(h (1 - h)) W||_F^2 for a sigmoid code on a parameter-free body; else estimated without bias by random
projections: E ||v^T J||^2 = ||J||_F^2 for v ~ N(0, I) (``metrics.encoder_jacobian_norm_sq``: the exact value)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..options import option
from ..registry import register_objective
from ._base import Autoencoder, ModelConfig, Objective, PartConfig
from ._blocks import activation_option


@dataclass
class ContractiveConfig(PartConfig):
    code_activation: str = activation_option("sigmoid", "of the code")
    contraction_weight: float = option(0.1, "lambda: weight of the squared norm of the encoder Jacobian", "[0, inf)")
    projections: int = option(1, "random projections per sample of the estimate (without closed form)", "[1, inf)")

    def closed_form(self, config: ModelConfig) -> bool:
        """Whether the contraction is exact: a sigmoid code on an encoder body without weights (the input itself)."""
        return self.code_activation == "sigmoid" and not config.backbone.encoder_has_weights()

    def ignored(self, config: ModelConfig) -> dict[str, str]:
        exact = "the contraction of a sigmoid code on the input is exact (closed form), not estimated"
        return {"projections": exact} if self.closed_form(config) else {}


@register_objective("contractive")
class Contractive(Objective):
    """A code made insensitive to small input changes (Jacobian-norm penalty)."""

    config_class = ContractiveConfig

    def has_closed_form(self, model: Autoencoder) -> bool:
        return self.options.closed_form(model.config)

    def training_code(self, model: Autoencoder, noisy: Tensor, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        if self.has_closed_form(model):
            norm_sq = self._closed_form(code := self.encode(model.encoder(noisy)))  # code (B, N)
        else:
            code, norm_sq = self._estimate(model, noisy)
        return code, {"contraction": self.options.contraction_weight * norm_sq.mean()}

    def _closed_form(self, code: Tensor) -> Tensor:
        return (code * (1 - code)).square() @ self.head.weight.square().sum(dim=1)  # (B,); weight (N, D)

    def _estimate(self, model: Autoencoder, noisy: Tensor) -> tuple[Tensor, Tensor]:
        """The code of ``noisy`` and the unbiased random-projection estimate of ||J||_F^2 per sample (B,)."""
        training = torch.is_grad_enabled()
        with torch.enable_grad():  # also under no_grad (validation): the estimate needs the Jacobian
            inputs = noisy.detach().requires_grad_(True)
            code = self.encode(model.encoder(inputs))  # (B, N)
            estimates = []
            for _ in range(self.options.projections):
                (vjp,) = torch.autograd.grad(code, inputs, torch.randn_like(code), create_graph=training,
                                             retain_graph=True)  # (B, *input_shape) = v^T J
                estimates.append(vjp.flatten(1).square().sum(dim=1))
        norm_sq = torch.stack(estimates).mean(dim=0)
        return (code, norm_sq) if training else (code.detach(), norm_sq.detach())
