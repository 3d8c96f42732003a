"""Per-feature scaling learned from training data and stored with the checkpoint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError

SCALINGS = ("auto", "none", "minmax", "standard")


@dataclass
class Scaler:
    """x -> (x - offset) / scale, per feature; ``kind`` says how offset and scale were fitted."""

    kind: str
    offset: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray, kind: str = "auto") -> Scaler:
        """``auto`` keeps data already in [0, 1] as it is and min-max scales anything else."""
        return cls.fit_chunks((X[first : first + 65_536] for first in range(0, len(X), 65_536)), kind)

    @classmethod
    def fit_chunks(cls, chunks: Iterable[np.ndarray], kind: str = "auto") -> Scaler:
        """The scaler :meth:`fit` learns on the rows of all ``chunks`` (each (rows, *shape)) stacked, in one pass
        that holds one chunk at a time (e.g. :meth:`ChunkedRows.chunks` of a file larger than memory)."""
        if kind not in SCALINGS:
            raise ConfigError(f"unknown scaling {kind!r}; choose one of {', '.join(SCALINGS)}")
        stats = _FeatureStats()
        for chunk in chunks:
            stats.add(chunk)
        if stats.count == 0:
            raise DataError("cannot fit a scaler on no rows")
        if kind == "auto":
            kind = "none" if stats.low.min() >= 0 and stats.high.max() <= 1 else "minmax"
        if kind == "none":
            offset, scale = np.zeros_like(stats.low), np.ones_like(stats.low)
        elif kind == "minmax":
            offset, scale = stats.low, stats.high - stats.low
        else:
            offset, scale = stats.mean, np.sqrt(stats.squares / stats.count)
        scale = np.where(scale > 0, scale, 1.0)  # constant features map to 0 instead of dividing by zero
        return cls(kind, offset.reshape(stats.shape).astype(np.float32), scale.reshape(stats.shape).astype(np.float32))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.offset) / self.scale).astype(np.float32)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        return (X * self.scale + self.offset).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "offset": self.offset.ravel().tolist(), "scale": self.scale.ravel().tolist(),
                "shape": list(self.offset.shape)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Scaler:
        shape = tuple(values["shape"])
        return cls(
            values["kind"],
            np.asarray(values["offset"], dtype=np.float32).reshape(shape),
            np.asarray(values["scale"], dtype=np.float32).reshape(shape),
        )


class _FeatureStats:
    """Per-feature minimum, maximum, mean and summed squared deviation over rows added chunk by chunk
    (Chan et al.'s pairwise update, in float64, so the result does not depend on the chunking)."""

    def __init__(self) -> None:
        self.count, self.shape = 0, None
        self.low = self.high = self.mean = self.squares = None

    def add(self, chunk: np.ndarray) -> None:
        if len(chunk) == 0:
            return
        features = np.asarray(chunk, dtype=np.float64).reshape(len(chunk), -1)  # (n, F)
        mean = features.mean(axis=0)  # (F,)
        squares = ((features - mean) ** 2).sum(axis=0)  # (F,)
        if self.count == 0:
            self.shape = chunk.shape[1:]
            self.low, self.high, self.mean, self.squares = features.min(axis=0), features.max(axis=0), mean, squares
        else:
            total = self.count + len(features)
            delta = mean - self.mean
            self.squares = self.squares + squares + delta**2 * self.count * len(features) / total
            self.mean = self.mean + delta * len(features) / total
            self.low = np.minimum(self.low, features.min(axis=0))
            self.high = np.maximum(self.high, features.max(axis=0))
        self.count += len(features)
