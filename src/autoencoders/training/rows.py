"""Training data behind one interface, whether it sits in memory or is streamed from disk.

The engine asks a :class:`Rows` for its length, a shuffled order of its rows, the model inputs of a batch of row
indices, and ordered batches for evaluation; :func:`training_rows` turns what ``Trainer.fit`` was given into a
(train, validation) pair of them. No code downstream asks which kind it holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor

from ..checkpoint import tensor_digest
from ..data.streaming import ChunkedRows
from ..data.validation import check_array
from ..errors import ConfigError, DataError


class Rows(Protocol):
    device: torch.device

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __len__(self) -> int: ...

    def shuffled_order(self, generator: torch.Generator) -> Tensor:
        """A permutation (n,) of the row indices for one epoch."""

    def batch(self, rows: Tensor) -> tuple[Tensor, ...]:
        """The arguments of ``model.loss`` for row indices (B,): the inputs (B, *shape), then any targets (B,)."""

    def batches(self, batch_size: int) -> Iterator[tuple[Tensor, ...]]:
        """Every row in order, ``batch`` by ``batch``: what evaluation reads."""

    def digest(self) -> str | None:
        """A SHA-256 of the rows' values (and targets), by which a resumed run knows its data; None where that
        would cost another pass over the data."""


class TensorRows:
    """Rows held in one tensor on the device (with optional per-row targets): a batch is one gather."""

    def __init__(self, X: Tensor, targets: Tensor | None = None):
        self.X, self.targets, self.device = X, targets, X.device  # (N, *shape), (N,)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape)

    def __len__(self) -> int:
        return len(self.X)

    def shuffled_order(self, generator: torch.Generator) -> Tensor:
        return torch.randperm(len(self.X), generator=generator).to(self.device)

    def batch(self, rows: Tensor | slice) -> tuple[Tensor, ...]:
        return tuple(_take(values, rows) for values in (self.X, self.targets) if values is not None)

    def batches(self, batch_size: int) -> Iterator[tuple[Tensor, ...]]:  # views, in order
        for start in range(0, len(self.X), batch_size):
            yield self.batch(slice(start, start + batch_size))

    def digest(self) -> str:
        parts = [self.X] if self.targets is None else [self.X, self.targets]
        return hashlib.sha256("".join(tensor_digest(part.cpu()) for part in parts).encode()).hexdigest()


class StreamedRows:
    """Rows read from disk chunk by chunk (:class:`~autoencoders.data.streaming.ChunkedRows`); batches are
    drawn chunk by chunk so reads stay sequential."""

    def __init__(self, chunked: ChunkedRows):
        self.chunked, self.device = chunked, chunked.device

    @property
    def shape(self) -> tuple[int, ...]:
        return self.chunked.shape

    def __len__(self) -> int:
        return len(self.chunked)

    def shuffled_order(self, generator: torch.Generator) -> Tensor:
        return self.chunked.shuffled_order(generator)

    def batch(self, rows: Tensor) -> tuple[Tensor, ...]:
        return (self.chunked[rows],)

    def batches(self, batch_size: int) -> Iterator[tuple[Tensor, ...]]:
        for start in range(0, len(self.chunked), batch_size):
            yield (self.chunked[start : start + batch_size],)

    def digest(self) -> None:  # a pass over the file on disk: its shape alone is checked
        return None


def _take(values: Tensor, rows: Tensor | slice) -> Tensor:
    """``values[rows]``: a view for a slice, else the gather ``index_select`` makes (the same rows as indexing with
    a tensor, several times faster on wide rows: ~45 us instead of ~230 us for 256 rows of 1,555 values)."""
    return values[rows] if isinstance(rows, slice) else values.index_select(0, rows)


def split_validation(n: int, fraction: float, seed: int, holdout: str = "random") -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) row indices: a seeded random share, or (``holdout="last"``) the last rows in order; at
    least one row on each side when fraction > 0."""
    if fraction <= 0:
        return np.arange(n), np.arange(0)
    if n < 2:
        raise DataError(f"cannot hold out a validation split from {n} sample(s); set validation_fraction=0")
    n_val = min(n - 1, max(1, round(n * fraction)))
    if holdout == "last":
        return np.arange(n - n_val), np.arange(n - n_val, n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def training_rows(X: Any, X_val: Any, targets: Any, val_targets: Any, *, sample_shape: tuple[int, ...],
                  device: torch.device, validation_fraction: float, seed: int,
                  holdout: str = "random") -> tuple[Rows, Rows | None]:
    """(training rows, validation rows or None) from what ``Trainer.fit`` was given: arrays (a validation split of
    ``X`` as ``holdout`` says, unless ``X_val`` is given) or streamed :class:`ChunkedRows` (the last rows held out,
    so reads stay sequential)."""
    if isinstance(X, ChunkedRows):
        return _streamed(X, X_val, targets, val_targets, sample_shape, device, validation_fraction)
    X = check_array(X, sample_shape=sample_shape, min_samples=2 if X_val is None else 1)
    targets = _aligned(targets, len(X), "targets")
    if X_val is None:
        train_rows, val_rows = split_validation(len(X), validation_fraction, seed, holdout)
        X_val = X[val_rows] if len(val_rows) else None
        val_targets = None if targets is None or X_val is None else targets[val_rows]
        X, targets = X[train_rows], None if targets is None else targets[train_rows]
    else:
        X_val = check_array(X_val, "X_val", sample_shape=sample_shape)
        val_targets = _aligned(val_targets, len(X_val), "val_targets")
    if (targets is None) != (val_targets is None) and X_val is not None:
        raise DataError("give targets for both the training and the validation rows, or for neither")
    train = TensorRows(_on(X, device), _on(targets, device))  # (N, *sample_shape), (N,)
    return train, None if X_val is None else TensorRows(_on(X_val, device), _on(val_targets, device))


def _streamed(X: ChunkedRows, X_val, targets, val_targets, sample_shape, device, validation_fraction):
    if targets is not None or val_targets is not None:
        raise ConfigError("targets cannot be combined with streamed rows (ChunkedRows); pass arrays instead")
    X = X.view(sample_shape=sample_shape, device=device)
    if X_val is None:
        train, val = X.split_tail(validation_fraction)
        return StreamedRows(train), None if val is None else StreamedRows(val)
    return StreamedRows(X), TensorRows(_on(check_array(X_val, "X_val", sample_shape=sample_shape), device))


def _on(values: np.ndarray | None, device: torch.device) -> Tensor | None:
    return None if values is None else torch.from_numpy(values).to(device)


def _aligned(values: Any, n: int, name: str) -> np.ndarray | None:
    """Per-sample ``values`` as an array of length ``n`` (None stays None)."""
    if values is None:
        return None
    values = np.asarray(values)
    if values.ndim == 0 or len(values) != n:
        raise DataError(f"{name} must hold one entry per sample ({n}), got shape {values.shape}")
    return values
