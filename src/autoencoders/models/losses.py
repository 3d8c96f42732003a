"""Reconstruction losses, chosen by name.

Every loss is summed over the features of a sample and returned per sample, shape ``(B,)``; the training
loss is its mean over the batch, so a reported MSE loss is the sum of squared errors per sample.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import ConfigError
from .mixed import mixed_loss

RECONSTRUCTION_LOSSES = ("mse", "bce", "l1", "mixed")  # mixed: tables, see models/mixed.py
OUTPUT_ACTIVATIONS = ("auto", "identity", "sigmoid")


def resolve_output_activation(loss: str, output_activation: str) -> str:
    """The decoder's output activation: ``auto`` means sigmoid for BCE, identity otherwise."""
    if output_activation == "auto":
        return "sigmoid" if loss == "bce" else "identity"
    return output_activation


def apply_output_activation(logits: Tensor, activation: str) -> Tensor:
    return torch.sigmoid(logits) if activation == "sigmoid" else logits


def per_sample_reconstruction_loss(loss: str, logits: Tensor, target: Tensor, activation: str,
                                   columns: list | None = None) -> Tensor:
    """Loss of each sample, ``(B,)``, from the decoder's pre-activation output ``logits`` (B, *shape);
    ``columns`` is the table layout the ``mixed`` loss needs."""
    if loss == "mixed":
        return mixed_loss(logits, target, columns)
    if loss == "bce":
        # BCE on logits is the numerically stable form of BCE on sigmoid outputs.
        elementwise = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    else:
        output = apply_output_activation(logits, activation)
        if loss == "mse":
            elementwise = (output - target).square()
        elif loss == "l1":
            elementwise = (output - target).abs()
        else:
            raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(RECONSTRUCTION_LOSSES)}")
    return elementwise.flatten(1).sum(dim=1)
