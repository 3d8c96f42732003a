"""Sequence autoencoder for windows of a multivariate time series, shaped (channels, length) or (length,).

The encoder is a stack of strided 1-D convolutions (each halves the length) and a linear map to the code;
the decoder mirrors it with transposed convolutions whose output padding restores every length exactly.
Cut a long series into windows with :func:`autoencoders.data.sliding_windows`.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from ..registry import register
from ._base import Autoencoder, ModelConfig, _require, option
from ._blocks import ACTIVATIONS, Unflatten, activation


@dataclass
class SequenceConfig(ModelConfig):
    channels: tuple[int, ...] = option((32, 64), "channels of the encoder's strided 1-D convolutions (each halves "
                                                 "the length); the decoder mirrors them")
    kernel_size: int = option(5, "odd width of every convolution kernel, in time steps")
    activation: str = option("relu", "nonlinearity between layers: relu, leaky_relu, elu, gelu, silu, tanh ...")

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(len(self.input_shape) <= 2,
                 f"the sequence model takes windows shaped (channels, length) or (length,), got {self.input_shape}")
        self.channels = tuple(int(c) for c in self.channels)
        _require(len(self.channels) >= 1 and all(c >= 1 for c in self.channels),
                 f"channels must list at least one convolution width, each >= 1, got {self.channels}")
        _require(self.kernel_size >= 1 and self.kernel_size % 2 == 1,
                 f"kernel_size must be odd and >= 1, got {self.kernel_size}")
        _require(self.activation in ACTIVATIONS,
                 f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")


@register("sequence")
class SequenceAutoencoder(Autoencoder):
    """1-D convolutional autoencoder for time-series windows (channels, length)."""

    config_class = SequenceConfig
    example_input_shape = (2, 32)  # what the registry-wide tests build it with: 64 values, like an 8x8 digit

    def __init__(self, config: SequenceConfig):
        super().__init__(config)
        in_channels, length = config.input_shape if len(config.input_shape) == 2 else (1, *config.input_shape)
        widths = [in_channels, *config.channels]
        lengths = [length]
        for _ in config.channels:
            lengths.append((lengths[-1] - 1) // 2 + 1)  # a stride-2 convolution padded by kernel_size // 2
        k, pad, act = config.kernel_size, config.kernel_size // 2, config.activation
        inner = widths[-1] * lengths[-1]

        encoder: list[nn.Module] = [Unflatten((in_channels, length))]
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            encoder += [nn.Conv1d(n_in, n_out, k, stride=2, padding=pad), activation(act)]
        self.encoder = nn.Sequential(*encoder, nn.Flatten(), nn.Linear(inner, config.code_size))

        decoder: list[nn.Module] = [
            nn.Linear(config.code_size, inner), activation(act), Unflatten((widths[-1], lengths[-1]))
        ]
        steps = list(zip(widths[:0:-1], widths[-2::-1], lengths[:0:-1], lengths[-2::-1], strict=True))
        for i, (n_in, n_out, short, long) in enumerate(steps):
            output_padding = long - (2 * short - 1)  # 0 or 1: which of the two lengths the stride-2 conv came from
            decoder.append(nn.ConvTranspose1d(n_in, n_out, k, stride=2, padding=pad, output_padding=output_padding))
            if i < len(steps) - 1:
                decoder.append(activation(act))
        self.decoder = nn.Sequential(*decoder, Unflatten(config.input_shape))

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)  # (B, C, L) -> (B, code_size)

    def decode_logits(self, code: Tensor) -> Tensor:
        return self.decoder(code)  # (B, code_size) -> (B, C, L)
