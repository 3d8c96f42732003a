"""Reconstruction losses, summed over a sample's features (B,), and the likelihoods they stand for (the VAE's):
-log p(x|z) = error / divisor(scale) + features * log_normaliser(scale). Adding a loss is one entry in LOSSES."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from .mixed import mixed_loss_parts, mixed_output

LOG_2PI = math.log(2 * math.pi)
OUTPUT_ACTIVATIONS = ("auto", "identity", "sigmoid")


@dataclass(frozen=True)
class Loss:
    per_sample: Callable[[Tensor, Tensor, str, list | None], Tensor]  # (logits, target, activation, columns) -> (B,)
    divisor: Callable[[float], float]  # of the summed error in -log p(x|z), from the decoder's scale
    log_normaliser: Callable[[float], float]  # per feature
    output: str = "identity"  # the output activation "auto" stands for
    decode: Callable[[Tensor, list | None], Tensor] | None = None  # the output, where not an activation's
    best_scale: Callable[[Tensor], Tensor] | None = None  # maximum-likelihood scale from the mean error per feature
    sample: Callable[..., Tensor] | None = None  # (mean, scale, generator) -> x ~ p(x|z), same shape as the mean


def _log(scale: float | Tensor) -> float | Tensor:
    return scale.log() if torch.is_tensor(scale) else math.log(scale)  # a learned scale is a tensor


def _summed(elementwise: Callable[[Tensor, Tensor, str], Tensor]) -> Callable[..., Tensor]:
    return lambda y, t, a, columns: elementwise(y, t, a).flatten(1).sum(dim=1)


LOSSES: dict[str, Loss] = {
    "mse": Loss(_summed(lambda y, t, a: (activate(y, a) - t).square()),  # Gaussian, std = scale
                lambda s: 2 * s**2, lambda s: _log(s) + 0.5 * LOG_2PI, best_scale=torch.sqrt,
                sample=lambda m, s, g: m + s * torch.randn(m.shape, generator=g).to(m)),
    "bce": Loss(_summed(lambda y, t, a: F.binary_cross_entropy_with_logits(y, t, reduction="none")),  # stable BCE
                lambda s: 1.0, lambda s: 0.0, output="sigmoid",  # Bernoulli: BCE is -log p(x|z)
                sample=lambda m, s, g: torch.bernoulli(m.cpu(), generator=g).to(m)),
    "l1": Loss(_summed(lambda y, t, a: (activate(y, a) - t).abs()),  # Laplace, scale = scale
               lambda s: s, lambda s: _log(2 * s), best_scale=lambda error: error,  # Laplace: Exp(1) - Exp(1)
               sample=lambda m, s, g: m + s * torch.empty(2, *m.shape).exponential_(generator=g).diff(dim=0)[0].to(m)),
    # tables (models/mixed.py): masked squared error + cross-entropy per categorical column, taken as it is
    "mixed": Loss(lambda y, t, a, columns: sum(mixed_loss_parts(y, t, columns)), lambda s: 1.0, lambda s: 0.0,
                  decode=mixed_output),
}


def activate(logits: Tensor, activation: str) -> Tensor:
    return torch.sigmoid(logits) if activation == "sigmoid" else logits

