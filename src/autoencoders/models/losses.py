"""Reconstruction losses, summed over a sample's features (B,), and the likelihoods they stand for (the VAE's):
-log p(x|z) = error / divisor(scale) + features * log_normaliser(scale). Adding a loss is one entry in LOSSES."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

LOG_2PI = math.log(2 * math.pi)
OUTPUT_ACTIVATIONS = ("auto", "identity", "sigmoid")


@dataclass(frozen=True)
class Loss:
    elementwise: Callable[[Tensor, Tensor, str], Tensor]  # (logits, target, output activation) -> same shape
    divisor: Callable[[float], float]  # of the summed error in -log p(x|z), from the decoder's scale
    log_normaliser: Callable[[float], float]  # per feature
    output: str = "identity"  # the output activation "auto" stands for


def _log(scale: float | Tensor) -> float | Tensor:
    return scale.log() if torch.is_tensor(scale) else math.log(scale)  # a learned scale is a tensor


def _bce(logits: Tensor, target: Tensor, activation: str) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none")  # stable BCE of sigmoid outputs


LOSSES: dict[str, Loss] = {
    "mse": Loss(lambda y, t, a: (apply_output_activation(y, a) - t).square(),  # Gaussian, std = scale
                lambda s: 2 * s**2, lambda s: _log(s) + 0.5 * LOG_2PI),
    "bce": Loss(_bce, lambda s: 1.0, lambda s: 0.0, output="sigmoid"),  # Bernoulli: BCE is -log p(x|z)
    "l1": Loss(lambda y, t, a: (apply_output_activation(y, a) - t).abs(),  # Laplace, scale = scale
               lambda s: s, lambda s: _log(2 * s)),
}
RECONSTRUCTION_LOSSES = tuple(LOSSES)


def resolve_output_activation(loss: str, output_activation: str) -> str:  # "auto": the loss's own
    return LOSSES[loss].output if output_activation == "auto" else output_activation


def apply_output_activation(logits: Tensor, activation: str) -> Tensor:
    return torch.sigmoid(logits) if activation == "sigmoid" else logits


def per_sample_reconstruction_loss(loss: str, logits: Tensor, target: Tensor, activation: str) -> Tensor:  # (B,)
    return LOSSES[loss].elementwise(logits, target, activation).flatten(1).sum(dim=1)


def negative_log_likelihood(loss: str, logits: Tensor, target: Tensor, activation: str, scale: float) -> Tensor:
    """-log p(x|z) per sample (B,), in nats, under the likelihood ``loss`` stands for with ``scale``."""
    error, spec = per_sample_reconstruction_loss(loss, logits, target, activation), LOSSES[loss]
    return error / spec.divisor(scale) + target[0].numel() * spec.log_normaliser(scale)
