"""Per-feature scaling learned from training data and stored with the checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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
        if kind not in SCALINGS:
            raise ValueError(f"unknown scaling {kind!r}; choose one of {', '.join(SCALINGS)}")
        if kind == "auto":
            kind = "none" if X.min() >= 0 and X.max() <= 1 else "minmax"
        features = X.reshape(len(X), -1)
        if kind == "none":
            offset, scale = np.zeros(features.shape[1]), np.ones(features.shape[1])
        elif kind == "minmax":
            offset, scale = features.min(axis=0), features.max(axis=0) - features.min(axis=0)
        else:
            offset, scale = features.mean(axis=0), features.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)  # constant features map to 0 instead of dividing by zero
        shape = X.shape[1:]
        return cls(kind, offset.reshape(shape).astype(np.float32), scale.reshape(shape).astype(np.float32))

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
