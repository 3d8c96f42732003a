"""Small building blocks shared by the backbones and objectives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from ..errors import ConfigError
from ..options import option

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "selu": nn.SELU, "silu": nn.SiLU,
    "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity,
}


# The values each activation can give, where bounded (to 4 places for the curved minimums): a code drawn from a
# mixture or interpolated is brought back inside its code activation's range before decoding.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "relu": (0.0, None), "elu": (-1.0, None), "gelu": (-0.1700, None), "selu": (-1.7581, None),
    "silu": (-0.2785, None), "tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0),
}


def activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None


def activation_option(default: str, where: str) -> Any:  # a config field naming an activation
    return option(default, f"nonlinearity {where}: {', '.join(ACTIVATIONS)}", choices=ACTIVATIONS)


def mlp(sizes: Sequence[int], act: str, act_last: bool, batch_norm: bool = False, dropout: float = 0) -> nn.Sequential:
    """Linear layers ``sizes[0] -> ... -> sizes[-1]`` with normalisation, activation and dropout between them,
    and after the last too if ``act_last`` (a body that a code head goes on)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2 or act_last:
            layers += [*([nn.BatchNorm1d(n_out)] if batch_norm else []), activation(act)]
            layers += [nn.Dropout(dropout)] if dropout > 0 else []
    return nn.Sequential(*layers)

