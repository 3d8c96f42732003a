"""The mixed reconstruction of a table: masked squared error on numeric columns, cross-entropy per categorical one.

The column ``layout`` comes from :attr:`autoencoders.data.tabular.TabularPreprocessor.layout` and is stored in the
model config. The mask is carried by the target itself, so the training engine needs nothing extra: a numeric value
whose missing-indicator column is 1 and a categorical block that is all zeros (missing or unseen) add no loss.
Indicator columns are inputs only; they are neither reconstructed nor scored.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import ConfigError

LAYOUT_KINDS = ("numeric", "categorical")


def check_layout(layout: list[dict[str, Any]], width: int) -> None:
    """A ConfigError naming the first block of ``layout`` that does not fit a matrix of ``width`` columns."""
    for index, block in enumerate(layout):
        kind = block.get("kind")
        if kind not in LAYOUT_KINDS:
            raise ConfigError(f"layout block {index} has kind {kind!r}; choose one of {', '.join(LAYOUT_KINDS)}")
        used = [block["value"]] + ([] if block.get("missing") is None else [block["missing"]]) if kind == "numeric" \
            else [block["start"], block["stop"] - 1]
        if kind == "categorical" and block["stop"] - block["start"] < 1:
            raise ConfigError(f"layout block {index} is an empty categorical block {block}")
        if min(used) < 0 or max(used) >= width:
            raise ConfigError(f"layout block {index} {block} points outside the {width} input columns")


def _numeric_columns(layout: list[dict[str, Any]], device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """(value indices, indicator indices (0 where none), has-indicator flags) of the numeric blocks."""
    numeric = [b for b in layout if b["kind"] == "numeric"]
    values = torch.tensor([b["value"] for b in numeric], dtype=torch.long, device=device)
    indicators = torch.tensor([b["missing"] or 0 for b in numeric], dtype=torch.long, device=device)
    flagged = torch.tensor([b["missing"] is not None for b in numeric], dtype=torch.bool, device=device)
    return values, indicators, flagged


def mixed_loss_parts(logits: Tensor, target: Tensor, layout: list[dict[str, Any]]) -> tuple[Tensor, Tensor]:
    """Per-sample (B,) sums of squared errors over the observed numeric values and of cross-entropies (nats) over the
    observed categorical columns, from the decoder's output ``logits`` (B, F) against the table matrix ``target``."""
    logits, target = logits.flatten(1), target.flatten(1)  # (B, F)
    values, indicators, flagged = _numeric_columns(layout, logits.device)
    observed = torch.where(flagged, 1 - target[:, indicators], torch.ones_like(target[:, values]))  # (B, n_numeric)
    numeric = ((logits[:, values] - target[:, values]).square() * observed).sum(dim=1)  # (B,)
    categorical = torch.zeros_like(numeric)
    for block in (b for b in layout if b["kind"] == "categorical"):
        one_hot = target[:, block["start"] : block["stop"]]  # (B, K); all zeros where the cell is missing
        categorical = categorical - (F.log_softmax(logits[:, block["start"] : block["stop"]], dim=1) * one_hot).sum(1)
    return numeric, categorical


def mixed_loss(logits: Tensor, target: Tensor, layout: list[dict[str, Any]]) -> Tensor:
    """Per-sample mixed reconstruction loss (B,): masked squared error plus categorical cross-entropy."""
    numeric, categorical = mixed_loss_parts(logits, target, layout)
    return numeric + categorical


def mixed_output(logits: Tensor, layout: list[dict[str, Any]]) -> Tensor:
    """The reconstruction in the matrix's space: numeric values as they are, each categorical block as softmax
    probabilities (indicator columns pass through untouched)."""
    output = logits.clone()
    for block in (b for b in layout if b["kind"] == "categorical"):
        output[:, block["start"] : block["stop"]] = torch.softmax(logits[:, block["start"] : block["stop"]], dim=1)
    return output


def hide_cells(x: Tensor, layout: list[dict[str, Any]], level: float) -> Tensor:
    """A copy of table matrix ``x`` (B, F) with each cell hidden with probability ``level`` as a real gap looks: a
    numeric value set to 0 with its indicator set to 1, a categorical block set to zeros. The target keeps the
    values, so the model learns to fill gaps from the other cells (denoising for imputation)."""
    x = x.clone()
    values, indicators, flagged = _numeric_columns(layout, x.device)
    hidden = torch.rand(len(x), len(values), device=x.device) < level  # (B, n_numeric)
    x[:, values] = x[:, values].masked_fill(hidden, 0.0)
    x[:, indicators[flagged]] = torch.where(hidden[:, flagged], 1.0, x[:, indicators[flagged]])
    for block in (b for b in layout if b["kind"] == "categorical"):
        keep = torch.rand(len(x), 1, device=x.device) >= level  # (B, 1)
        x[:, block["start"] : block["stop"]] *= keep
    return x
