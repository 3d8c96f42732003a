"""Convolutional autoencoder: conv + batch norm + ReLU + max-pool encoder, upsampling + conv decoder, for images."""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import register
from ._base import Autoencoder, ModelConfig, _require, option
from ._blocks import ACTIVATIONS, Unflatten, activation


@dataclass
class ConvConfig(ModelConfig):
    channels: tuple[int, ...] = option((32, 64), "channels of the conv stages; each stage halves height and width")
    kernel_size: int = option(3, "side of the square convolution kernels (odd)")
    activation: str = option("relu", "nonlinearity after each convolution: relu, leaky_relu, elu, gelu, silu ...")
    batch_norm: bool = option(True, "batch normalisation after each hidden convolution (faster, steadier training)")

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(len(self.input_shape) == 3, f"conv needs image samples shaped (C, H, W), got {self.input_shape}")
        self.channels = tuple(int(c) for c in self.channels)
        _require(len(self.channels) >= 1 and min(self.channels) >= 1, f"channels must be >= 1, got {self.channels}")
        _require(self.kernel_size % 2 == 1 and self.kernel_size > 0, f"kernel_size must be odd, got {self.kernel_size}")
        _require(self.activation in ACTIVATIONS, f"unknown activation {self.activation!r}")


@register("conv")
class ConvAutoencoder(Autoencoder):
    """Convolutional autoencoder for images (C, H, W) of any size and channel count.

    The input is zero-padded up to a multiple of 2^stages and the output cropped back."""

    config_class = ConvConfig

    def __init__(self, config: ConvConfig):
        super().__init__(config)
        in_channels, height, width = config.input_shape
        scale = 2 ** len(config.channels)
        self.padded_size = (-(-height // scale) * scale, -(-width // scale) * scale)
        inner = (config.channels[-1], self.padded_size[0] // scale, self.padded_size[1] // scale)  # (C', H', W')
        inner_width = inner[0] * inner[1] * inner[2]
        widths = [in_channels, *config.channels]

        def conv(n_in: int, n_out: int, last: bool = False) -> list[nn.Module]:
            layer = nn.Conv2d(n_in, n_out, config.kernel_size, padding=config.kernel_size // 2)
            if last:  # the decoder's last convolution gives the output logits
                return [layer]
            return [layer, *([nn.BatchNorm2d(n_out)] if config.batch_norm else []), activation(config.activation)]

        encoder: list[nn.Module] = []
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            encoder += [*conv(n_in, n_out), nn.MaxPool2d(2)]
        self.encoder = nn.Sequential(*encoder, nn.Flatten(), nn.Linear(inner_width, config.code_size))

        decoder: list[nn.Module] = [nn.Linear(config.code_size, inner_width),
                                    activation(config.activation), Unflatten(inner)]
        stages = list(zip(widths[:0:-1], widths[-2::-1], strict=True))
        for stage, (n_in, n_out) in enumerate(stages, start=1):
            decoder += [nn.Upsample(scale_factor=2, mode="nearest"), *conv(n_in, n_out, last=stage == len(stages))]
        self.decoder = nn.Sequential(*decoder)

    def encode(self, x: Tensor) -> Tensor:
        height, width = x.shape[-2:]
        padded = F.pad(x, (0, self.padded_size[1] - width, 0, self.padded_size[0] - height))  # (B, C, H+, W+)
        return self.encoder(padded)  # (B, code_size)

    def decode_logits(self, code: Tensor) -> Tensor:
        _, height, width = self.input_shape
        return self.decoder(code)[..., :height, :width]  # (B, C, H, W)
