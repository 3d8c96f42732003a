"""Reconstruction metrics reported by ``ae train`` and ``ae evaluate``."""

from __future__ import annotations

import numpy as np

from .inference import code_indices, reconstruct, reconstruction_error
from .models._base import Autoencoder


def codebook_usage(model: Autoencoder, X: np.ndarray) -> dict[str, float]:
    """How a discrete-code model uses its codebook on ``X``: perplexity (exp of the entropy of entry use; the
    codebook size at best), the share of entries never used, and the bits per sample of uncoded indices."""
    indices = code_indices(model, X)  # (n, G)
    size = model.config.objective.codebook_size
    p = np.bincount(indices.ravel(), minlength=size) / indices.size
    entropy = -np.sum(p[p > 0] * np.log(p[p > 0]))
    return {"perplexity": float(np.exp(entropy)), "dead_share": float(np.mean(p == 0)),
            "bits_per_sample": float(indices.shape[1] * np.log2(size))}


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
