"""Fast in-memory batching: index a tensor already on the device with a random permutation.

A per-sample ``DataLoader`` costs a Python call per row; slicing one tensor costs one gather per batch.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor


def shuffled_rows(n: int, batch_size: int, generator: torch.Generator, device: torch.device | str = "cpu",
                  order: Tensor | None = None) -> Iterator[Tensor]:
    """Row indices (B,) of ``n`` rows in a fresh random order (or the permutation ``order``), batch by batch; a
    trailing batch of one row is dropped when n > 1 (batch norm cannot train on it), so every row is seen on
    average every epoch."""
    order = (torch.randperm(n, generator=generator) if order is None else order).to(device)
    stop = n - 1 if n > 1 and n % batch_size == 1 else n
    for start in range(0, stop, batch_size):
        yield order[start : start + batch_size]


def ordered_batches(X: Tensor, batch_size: int) -> Iterator[Tensor]:
    for start in range(0, len(X), batch_size):
        yield X[start : start + batch_size]
