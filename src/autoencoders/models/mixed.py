"""The mixed reconstruction of a table: masked squared error on numeric columns, cross-entropy per categorical one.

The column layout comes from :attr:`autoencoders.data.tabular.TabularPreprocessor.layout` and is stored in the
model config. The mask is carried by the target itself, so the training engine needs nothing extra: a numeric value
whose missing-indicator column is 1 and a categorical block that is all zeros (missing or unseen) add no loss.
Indicator columns are inputs only; they are neither reconstructed nor scored.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..data.tabular import categorical_blocks, numeric_indices


def mixed_loss_parts(logits: Tensor, target: Tensor, layout: list[dict[str, Any]]) -> tuple[Tensor, Tensor]:
    """Per-sample (B,) sums of squared errors over the observed numeric values and of cross-entropies (nats) over the
    observed categorical columns, from the decoder's output ``logits`` (B, F) against the table matrix ``target``."""
    logits, target = logits.flatten(1), target.flatten(1)  # (B, F)
    values, indicators, flagged = (torch.as_tensor(index, device=logits.device) for index in numeric_indices(layout))
    observed = torch.where(flagged, 1 - target[:, indicators], torch.ones_like(target[:, values]))  # (B, n_numeric)
    numeric = ((logits[:, values] - target[:, values]).square() * observed).sum(dim=1)  # (B,)
    categorical = torch.zeros_like(numeric)
    for block in categorical_blocks(layout):  # target[:, block]: one-hot (B, K), all zeros where the cell is missing
        categorical = categorical - (F.log_softmax(logits[:, block], dim=1) * target[:, block]).sum(dim=1)
    return numeric, categorical


def mixed_output(logits: Tensor, layout: list[dict[str, Any]]) -> Tensor:
    """The reconstruction in the matrix's space: numeric values as they are, each categorical block as softmax
    probabilities (indicator columns pass through untouched)."""
    output = logits.clone()
    for block in categorical_blocks(layout):
        output[:, block] = torch.softmax(logits[:, block], dim=1)
    return output
