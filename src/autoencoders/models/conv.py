"""The convolutional backbone: conv + batch norm + activation + max-pool stages, mirrored by upsampling + conv
stages; images are zero-padded to a multiple of 2^stages and the output cropped back."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from ..data.images import is_channels_last
from ..options import option, require
from ..registry import register_backbone
from ._base import ModelConfig, PartConfig
from ._blocks import activation, activation_option


class _Resized(nn.Sequential):
    """Its layers on images (B, C, H, W) zero-padded at the bottom and right to ``size`` (``before``), or their
    output cropped to ``size``."""

    def __init__(self, size: tuple[int, int], before: bool, *layers: nn.Module):
        super().__init__(*layers)
        self.size, self.before = size, before

    def forward(self, x: Tensor) -> Tensor:
        if self.before:
            return super().forward(F.pad(x, (0, self.size[1] - x.shape[-1], 0, self.size[0] - x.shape[-2])))
        return super().forward(x)[..., : self.size[0], : self.size[1]]


@dataclass
class ConvStages(PartConfig):
    """The options of convolution stages that each halve the sample's size, mirrored by the decoder."""

    channels: tuple[int, ...] = option((32, 64), "channels of the convolution stages, each halving the size; the "
                                                 "decoder mirrors them")
    kernel_size: int = option(3, "odd width of the convolution kernels", "[1, inf)")
    activation: str = activation_option("relu", "after each convolution")

    def __post_init__(self) -> None:
        super().__post_init__()
        require(len(self.channels) >= 1 and self.kernel_size % 2 == 1,
                f"channels must list a stage and kernel_size must be odd, got {self.channels}, {self.kernel_size}")


def _square_images(shape: tuple[int, ...]) -> str:
    """How flat rows of square images (n, C*S*S), as Keras' MNIST tutorial keeps them, are shaped for conv; ``""``
    for rows of another width. A width is never both S*S and 3*S*S, so the channel count is not a guess."""
    if len(shape) != 1:
        return ""
    for channels, kind in ((1, "gray images"), (3, "images of 3 channels")):
        side = math.isqrt(shape[0] // channels)
        if channels * side * side == shape[0] and side > 1:
            return (f": rows of {shape[0]} values may be {side}x{side} {kind}; shape them as such, "
                    f"X.reshape(-1, {channels}, {side}, {side}) (a scikit-learn estimator keeps its rows flat: "
                    f"input_shape=({channels}, {side}, {side}))")
    return ""


@register_backbone("conv")
@dataclass
class ConvBackbone(ConvStages):
    """2-D convolutions for images (C, H, W) of any size and channel count."""

    batch_norm: bool = option(True, "batch normalisation after each hidden convolution (faster, steadier training)")

    def check(self, config: ModelConfig) -> None:
        shape = tuple(config.input_shape)
        hint = ": gray images (H, W) need a channel axis, (n, 1, H, W) = X[:, None]" if len(shape) == 2 else ""
        hint = hint or _square_images(shape)
        require(len(shape) == 3, f"conv needs image samples shaped (C, H, W), got {shape}{hint}")
        # (H, W, C) would train as H channels of W-by-C images, without an error
        require(not is_channels_last(shape), f"conv needs image samples shaped (C, H, W); {shape} looks like "
                f"(H, W, C) with the channels last: move them first, numpy.moveaxis(X, -1, 1) (samples "
                f"{(shape[-1], *shape[:2])})")

    def _sizes(self, config: ModelConfig) -> tuple[tuple[int, int], tuple[int, int, int]]:
        """The padded image size (H+, W+) and the innermost feature map (C', H', W')."""
        _, height, width = config.input_shape
        scale = 2 ** len(self.channels)
        padded = (-(-height // scale) * scale, -(-width // scale) * scale)
        return padded, (self.channels[-1], padded[0] // scale, padded[1] // scale)

    def _conv(self, n_in: int, n_out: int, last: bool = False) -> list[nn.Module]:
        layer = nn.Conv2d(n_in, n_out, self.kernel_size, padding=self.kernel_size // 2)
        if last:  # the decoder's last convolution gives the output logits
            return [layer]
        return [layer, *([nn.BatchNorm2d(n_out)] if self.batch_norm else []), activation(self.activation)]

    def build_encoder(self, config: ModelConfig) -> tuple[nn.Module, int]:
        padded, inner = self._sizes(config)
        widths = [config.input_shape[0], *self.channels]
        layers: list[nn.Module] = []
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [*self._conv(n_in, n_out), nn.MaxPool2d(2)]
        return _Resized(padded, True, *layers, nn.Flatten()), inner[0] * inner[1] * inner[2]

    def build_decoder(self, config: ModelConfig) -> nn.Module:
        _, inner = self._sizes(config)
        widths = [config.input_shape[0], *self.channels]
        layers = [nn.Linear(config.code_size, inner[0] * inner[1] * inner[2]), activation(self.activation),
                  nn.Unflatten(1, inner)]
        stages = list(zip(widths[:0:-1], widths[-2::-1], strict=True))
        for stage, (n_in, n_out) in enumerate(stages, start=1):
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), *self._conv(n_in, n_out, stage == len(stages))]
        return _Resized(config.input_shape[1:], False, *layers)
