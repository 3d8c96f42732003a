"""The sequence backbone for time-series windows (channels, length) or (length,) (cut by
:func:`autoencoders.data.sliding_windows`): strided 1-D convolutions, each halving the length, mirrored by
transposed convolutions whose output padding restores every length exactly."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..options import option, require
from ..registry import get_objective, register_backbone
from ._base import ModelConfig, Objective
from ._blocks import activation
from .conv import ConvStages


def holds_a_level(objective: type[Objective]) -> bool:
    """Whether ``remove_level`` can carry the windows' levels beside the objective's code: exact values that no prior
    draws and no codebook holds."""
    return not (objective.can_sample or objective.discrete_codes)


@register_backbone("sequence")
@dataclass
class SequenceBackbone(ConvStages):
    """Strided 1-D convolutions for time-series windows (channels, length)."""

    example_input_shape = (2, 32)  # what the registry-wide tests build it with: 64 values, like an 8x8 digit

    kernel_size: int = option(5, "odd width of the convolution kernels, in time steps", "[1, inf)")
    remove_level: bool = option(False, "take each window's per-channel mean off before the encoder and add it back "
                                       "after the decoder (reversible instance normalisation, Kim et al. 2022); "
                                       "the means are the code's last values, one per channel")

    def check(self, config: ModelConfig) -> None:
        require(len(config.input_shape) <= 2,
                f"the sequence model takes windows shaped (channels, length) or (length,), got {config.input_shape}")
        if not self.remove_level:
            return
        channels = self.level_size(config)
        require(config.code_size > channels, f"remove_level keeps {channels} value(s) of the code_size "
                                             f"{config.code_size} for the windows' levels: give a larger code_size")
        require(config.loss in ("mse", "l1") and config.output_activation in ("auto", "identity"),
                f"remove_level adds the level back to the decoder's output, so it needs an output in data space "
                f"(loss mse or l1, output_activation identity), got loss {config.loss!r}, output_activation "
                f"{config.output_activation!r}")
        objective = get_objective(config.objective.name)
        require(holds_a_level(objective),
                f"remove_level carries the windows' levels as exact values beside the objective's code, which the "
                f"objective {objective.name!r} cannot hold (a prior or a codebook has no level); use plain, sparse "
                f"or contractive")

    def needs_data_space(self) -> bool:
        return self.remove_level  # the level is added back to the output

    def level_size(self, config: ModelConfig) -> int:
        shape = config.input_shape
        return (shape[0] if len(shape) == 2 else 1) if self.remove_level else 0

    def _sizes(self, config: ModelConfig) -> tuple[list[int], list[int]]:
        """Channels and lengths of the feature maps, input first."""
        shape = config.input_shape
        in_channels, length = shape if len(shape) == 2 else (1, *shape)
        lengths = [length]
        for _ in self.channels:
            lengths.append((lengths[-1] - 1) // 2 + 1)  # a stride-2 convolution padded by kernel_size // 2
        return [in_channels, *self.channels], lengths

    def build_encoder(self, config: ModelConfig) -> tuple[nn.Module, int]:
        widths, lengths = self._sizes(config)
        layers: list[nn.Module] = [nn.Sequential(nn.Flatten(), nn.Unflatten(1, (widths[0], lengths[0])))]  # (B, C, L)
        for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Conv1d(n_in, n_out, self.kernel_size, stride=2, padding=self.kernel_size // 2),
                       activation(self.activation)]
        return nn.Sequential(*layers, nn.Flatten()), widths[-1] * lengths[-1]  # (B, C, L) -> (B, F)

    def build_decoder(self, config: ModelConfig) -> nn.Module:
        widths, lengths = self._sizes(config)
        layers = [nn.Linear(config.head_size, widths[-1] * lengths[-1]), activation(self.activation),
                  nn.Unflatten(1, (widths[-1], lengths[-1]))]
        steps = list(zip(widths[:0:-1], widths[-2::-1], lengths[:0:-1], lengths[-2::-1], strict=True))
        for i, (n_in, n_out, short, long) in enumerate(steps):
            output_padding = long - (2 * short - 1)  # 0 or 1: which of the two lengths the stride-2 conv came from
            layers.append(nn.ConvTranspose1d(n_in, n_out, self.kernel_size, stride=2,
                                             padding=self.kernel_size // 2, output_padding=output_padding))
            if i < len(steps) - 1:
                layers.append(activation(self.activation))
        return nn.Sequential(*layers, nn.Flatten(), nn.Unflatten(1, config.input_shape))  # (B, head_size) -> input
