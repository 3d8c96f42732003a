"""Noisy copies of inputs, the corruptions a denoising model learns to undo (any model can train with one; see
``ModelConfig.corruption``). Random draws come from torch's global generator, which training forks and seeds."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import ConfigError
from .tabular import categorical_blocks, numeric_indices

CORRUPTIONS = ("gaussian", "mask", "salt_pepper", "cells")


def corrupt(x: Tensor, kind: str, level: float, layout: list[dict[str, Any]] | None = None) -> Tensor:
    """A noisy copy of batch ``x``. gaussian: N(0, level^2) noise clipped to the batch's range; mask: zero each
    entry with probability ``level``; salt_pepper: set each entry with probability ``level`` to the batch minimum
    or maximum (half each); cells: hide each cell of a table matrix with probability ``level`` (its ``layout``)."""
    if kind == "gaussian":
        return (x + level * torch.randn_like(x)).clamp(x.min(), x.max())
    if kind == "mask":
        return x * (torch.rand_like(x) >= level)
    if kind == "salt_pepper":
        hit = torch.rand_like(x) < level
        salt = torch.rand_like(x) < 0.5
        extreme = torch.where(salt, x.max(), x.min())
        return torch.where(hit, extreme, x)
    if kind == "cells" and layout is not None:
        return hide_cells(x, layout, level)
    raise ConfigError(f"unknown corruption {kind!r}; choose one of {', '.join(CORRUPTIONS)} (cells: with a layout)")


def hide_cells(x: Tensor, layout: list[dict[str, Any]], level: float) -> Tensor:
    """A copy of table matrix ``x`` (B, F) with each cell hidden with probability ``level`` as a real gap looks: a
    numeric value set to 0 with its indicator set to 1, a categorical block set to zeros. Trained to restore the
    values, a model learns to fill gaps from the other cells (denoising for imputation)."""
    x = x.clone()
    values, indicators, flagged = (torch.as_tensor(index, device=x.device) for index in numeric_indices(layout))
    hidden = torch.rand(len(x), len(values), device=x.device) < level  # (B, n_numeric)
    x[:, values] = x[:, values].masked_fill(hidden, 0.0)
    x[:, indicators[flagged]] = torch.where(hidden[:, flagged], 1.0, x[:, indicators[flagged]])
    for block in categorical_blocks(layout):
        x[:, block] *= torch.rand(len(x), 1, device=x.device) >= level  # (B, 1): the whole block or nothing
    return x
