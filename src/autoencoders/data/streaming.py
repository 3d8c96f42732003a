"""Data larger than memory: rows read chunk by chunk from a memory-mapped ``.npy`` (or any array-like that
slices rows, e.g. an HDF5 dataset), so the engine trains on them without loading the whole file.

Shuffling is two-level: the order of the chunks and the rows inside each chunk are permuted every epoch, so
reads stay sequential and at most two chunks (the batch cache) are in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError, DataError
from .array_files import load_numpy
from .images import holds_images, images_in, stored_channels_last
from .validation import check_array, reshapes_cleanly


class ChunkedRows:
    """Rows ``start:stop`` of ``array`` (n, *sample_shape), read ``chunk_rows`` at a time as float32 tensors.

    Each chunk goes through :func:`check_array` when it is read (NaN, infinities, dtype), and its errors
    name the rows. ``rows[index]`` takes a slice or a tensor of row indices, like a tensor does. ``transform``
    (e.g. a fitted :class:`~autoencoders.data.Scaler`'s) is applied to every chunk after it is checked.
    """

    def __init__(self, array: Any, chunk_rows: int = 16_384, start: int = 0, stop: int | None = None,
                 sample_shape: tuple[int, ...] | None = None, name: str = "X",
                 transform: Callable[[np.ndarray], np.ndarray] | None = None):
        if getattr(array, "ndim", 0) < 2 or len(array) == 0:
            shape = getattr(array, "shape", None)
            raise DataError(f"{name} must be a non-empty array of rows (n, ...), got shape {shape}")
        if chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be >= 1, got {chunk_rows}")
        self.array, self.chunk_rows, self.name = array, chunk_rows, name
        self.start, self.stop = start, len(array) if stop is None else stop
        self.sample_shape = tuple(sample_shape or array.shape[1:])
        if not reshapes_cleanly(tuple(array.shape[1:]), self.sample_shape):
            raise DataError(f"{name} has samples of shape {tuple(array.shape[1:])}; expected {self.sample_shape}")
        self.device = torch.device("cpu")
        self.transform = transform
        self._cache: dict[int, torch.Tensor] = {}

    def __len__(self) -> int:
        return self.stop - self.start

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self.sample_shape)

    def view(self, start: int = 0, stop: int | None = None, sample_shape: tuple[int, ...] | None = None,
             device: torch.device | str | None = None) -> ChunkedRows:
        """Rows ``start:stop`` of these rows, as samples of ``sample_shape``, delivered on ``device``."""
        stop = len(self) if stop is None else stop
        view = ChunkedRows(self.array, self.chunk_rows, self.start + start, self.start + stop,
                           sample_shape or self.sample_shape, self.name, self.transform)
        view.device = torch.device(device or self.device)
        return view

    def split_tail(self, fraction: float) -> tuple[ChunkedRows, ChunkedRows | None]:
        """(first rows, last ``fraction`` of the rows): a held-out split that keeps reads sequential."""
        n_val = 0 if fraction <= 0 else min(len(self) - 1, max(1, round(len(self) * fraction)))
        return self.view(0, len(self) - n_val), (self.view(len(self) - n_val) if n_val else None)

    def chunks(self) -> Iterator[np.ndarray]:
        """Every row in order, one checked (and transformed) chunk (rows, *sample_shape) at a time."""
        for first in range(0, len(self), self.chunk_rows):
            yield self._read(first, min(first + self.chunk_rows, len(self))).numpy()

    def shuffled_order(self, generator: torch.Generator) -> torch.Tensor:
        """A permutation (n,) of the rows that visits the chunks in random order, rows shuffled inside each."""
        chunks = torch.randperm(-(-len(self) // self.chunk_rows), generator=generator)
        parts = []
        for chunk in chunks.tolist():
            first = chunk * self.chunk_rows
            size = min(self.chunk_rows, len(self) - first)
            parts.append(first + torch.randperm(size, generator=generator))
        return torch.cat(parts)

    def __getitem__(self, index: slice | torch.Tensor) -> torch.Tensor:
        if isinstance(index, slice):
            first, last, step = index.indices(len(self))
            if step != 1:
                raise DataError("ChunkedRows slices must be contiguous")
            return self._read(first, last).to(self.device)
        rows = index.cpu()  # (B,)
        chunk_ids = rows // self.chunk_rows  # (B,)
        if bool((chunk_ids == chunk_ids[0]).all()):  # the usual case: the whole batch lies in one chunk
            batch = self._chunk(int(chunk_ids[0]))[rows - int(chunk_ids[0]) * self.chunk_rows]
        else:
            batch = torch.empty((len(rows), *self.sample_shape))
            for chunk in chunk_ids.unique().tolist():
                here = chunk_ids == chunk
                batch[here] = self._chunk(chunk)[rows[here] - chunk * self.chunk_rows]
        return batch.to(self.device)  # (B, *sample_shape)

    def _chunk(self, chunk: int) -> torch.Tensor:
        if chunk not in self._cache:
            if len(self._cache) >= 2:
                self._cache.pop(next(iter(self._cache)))
            first = chunk * self.chunk_rows
            self._cache[chunk] = self._read(first, min(first + self.chunk_rows, len(self)))
        return self._cache[chunk]

    def _read(self, first: int, last: int) -> torch.Tensor:
        where = f"{self.name} rows {self.start + first}-{self.start + last - 1}"
        values = check_array(self.array[self.start + first : self.start + last], where, sample_shape=self.sample_shape,
                             first_row=self.start + first)
        if self.transform is not None:
            values = self.transform(values)
        # A copy of the read-only map unless check_array already made one (converting the dtype).
        return torch.from_numpy(np.require(values, requirements="W"))  # (last - first, *sample_shape)


def open_rows(path: str | Path, chunk_rows: int = 16_384) -> ChunkedRows:
    """A ``.npy`` file memory-mapped (never loaded whole), as :class:`ChunkedRows` for ``Trainer.fit``."""
    path = Path(path)
    if path.suffix.lower() != ".npy":
        raise DataError(f"cannot stream {path}: only .npy files can be memory-mapped; convert it with numpy.save")
    array = load_numpy(path, mmap_mode="r")
    rows = _FileImages(array) if holds_images(array) else array
    return ChunkedRows(rows, chunk_rows, name=str(path))


class _FileImages:
    """A memory-mapped image array (8-bit, or channels-last) whose row slices are the images
    :func:`~.images.images_in` gives (as the file is read whole), converted a slice at a time."""

    def __init__(self, array: np.ndarray):
        self.array = array
        self.shape = (len(array), *images_in(array[:1]).shape[1:])  # (n, C, H, W)
        self.channels_last = stored_channels_last(array)  # stored (n, H, W, C): outputs are written back so
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, rows: slice) -> np.ndarray:
        return images_in(self.array[rows])
