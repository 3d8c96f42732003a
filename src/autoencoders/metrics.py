"""Reconstruction metrics reported by ``ae train`` and ``ae evaluate``."""

from __future__ import annotations

import numpy as np

from .inference import reconstruct, reconstruction_error
from .models._base import Autoencoder


def reconstruction_metrics(model: Autoencoder, X: np.ndarray) -> dict[str, float]:
    """Per-sample SSE, per-value MSE and MAE, the model's own loss, and PSNR (for data in [0, 1])."""
    R = reconstruct(model, X)
    errors = (R - X).reshape(len(X), -1)
    mse = float(np.mean(errors**2))
    metrics = {
        "sse_per_sample": float(np.mean(np.sum(errors**2, axis=1))),
        "mse": mse,
        "mae": float(np.mean(np.abs(errors))),
        "loss": float(np.mean(reconstruction_error(model, X))),
    }
    if X.min() >= 0 and X.max() <= 1:
        metrics["psnr_db"] = float(10 * np.log10(1.0 / max(mse, 1e-12)))
    return metrics
