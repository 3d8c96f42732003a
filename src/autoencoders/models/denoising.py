"""Denoising autoencoder: the deep MLP autoencoder trained to undo Gaussian noise by default.

Corruption is a base option of every family (``Autoencoder.corrupt``); this entry only changes its defaults,
so ``--model conv --corruption gaussian`` gives a convolutional denoiser the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import register
from ._base import option
from .deep import DeepAutoencoder, DeepConfig


@dataclass
class DenoisingConfig(DeepConfig):
    corruption: str | None = option("gaussian", "noise the encoder sees in training: gaussian, mask or salt_pepper")
    corruption_level: float = option(0.3, "noise standard deviation (gaussian) or probability of hitting an entry")


@register("denoising")
class DenoisingAutoencoder(DeepAutoencoder):
    """Deep MLP autoencoder that reconstructs the clean input from a corrupted copy (Vincent et al., 2008)."""

    config_class = DenoisingConfig
