"""Reconstruction metrics reported by ``ae train`` and ``ae evaluate`` (per column type for tables), and the
likelihood of a model with a prior that ``ae evaluate`` and the report add."""

from __future__ import annotations

import numpy as np
import torch
from torch.func import jacrev, vmap

from .inference import code_indices, reconstruct, reconstruction_error
from .likelihood_defaults import IMPORTANCE_SAMPLES, LIKELIHOOD_ROWS
from .models._base import Autoencoder
from .models.losses import LOSSES
from .training.defaults import UNIT_TOLERANCE

DECODED_PER_PASS = 500  # samples decoded at once: memory bounded whatever the rows and K; larger batches of a conv
# decoder ran slower on the CPU (10,000 at once: 3 times the time of 400)


def codebook_usage(model: Autoencoder, X: np.ndarray) -> dict[str, float]:
    """How a discrete-code model uses its codebook on ``X``: perplexity (exp of the entropy of entry use; the
    codebook size at best), the share of entries never used, and the bits per sample of uncoded indices."""
    indices = code_indices(model, X)  # (n, G)
    size = model.config.objective.codebook_size
    p = np.bincount(indices.ravel(), minlength=size) / indices.size
    entropy = -np.sum(p[p > 0] * np.log(p[p > 0]))
    return {"perplexity": float(np.exp(entropy)), "dead_share": float(np.mean(p == 0)),
            "bits_per_sample": float(indices.shape[1] * np.log2(size))}


def encoder_jacobian_norm_sq(model: Autoencoder, x: torch.Tensor) -> torch.Tensor:
    """Exact squared Frobenius norm of the Jacobian of the code with respect to the input, per sample (B,): what the
    contractive objective penalises (by a closed form or an estimate), for any model in eval mode."""
    jacobian = vmap(jacrev(lambda sample: model.encode(sample.unsqueeze(0)).squeeze(0)))(x)  # (B, N, *input_shape)
    return jacobian.flatten(1).square().sum(dim=1)


def reconstruction_metrics(model: Autoencoder, X: np.ndarray) -> dict[str, float]:
    """Per-sample SSE, per-value MSE and MAE, the model's own loss, and PSNR (for data in [0, 1]). The loss of a bce
    model is left out for rows with values outside [0, 1] (test rows beyond the training rows' range, once scaled
    like them): binary cross-entropy is no likelihood there and can even be negative."""
    R = reconstruct(model, X)
    errors = (R - X).reshape(len(X), -1)
    mse = float(np.mean(errors**2))
    metrics = {
        "sse_per_sample": float(np.mean(np.sum(errors**2, axis=1))),
        "mse": mse,
        "mae": float(np.mean(np.abs(errors))),
        **({"loss": float(np.mean(reconstruction_error(model, X)))} if is_likelihood(model, X) else {}),
    }
    if X.min() >= 0 and X.max() <= 1:
        metrics["psnr_db"] = float(10 * np.log10(1.0 / max(mse, 1e-12)))
    if model.config.columns is not None:
        metrics.update(column_metrics(R, X, model.config.columns))
    return metrics


def is_likelihood(model: Autoencoder, X: np.ndarray) -> bool:
    """Whether ``model``'s loss is a likelihood of rows ``X``: a bce loss only for values in [0, 1]."""
    return model.config.loss != "bce" or (X.min() >= -UNIT_TOLERANCE and X.max() <= 1 + UNIT_TOLERANCE)


def has_density(model: Autoencoder) -> bool:
    """Whether ``model`` gives a log-likelihood: an objective with a likelihood p(x|z) and a prior of its own (its
    registered flags), and a loss that is a density (a table's mixed loss is none)."""
    return density_missing(model) is None


def _is_variational(model: Autoencoder) -> bool:
    return model.objective.has_likelihood and model.objective.can_sample


def density_missing(model: Autoencoder) -> str | None:
    """Why ``model`` gives no log-likelihood, naming the part that lacks one (its objective, or its loss), or None
    where it gives one."""
    if not _is_variational(model):
        return (f"a {model.name!r} model has no likelihood to measure: its objective {model.config.objective.name!r} "
                "has no likelihood p(x|z) and prior of its own (a VAE's has)")
    if LOSSES[model.config.loss].sample is None:
        return (f"a {model.name!r} model has no likelihood to measure: its loss {model.config.loss!r} is no density "
                "(a table's mixed loss)")
    return None


def likelihood_left_out(model: Autoencoder, X: np.ndarray) -> str | None:
    """Why :func:`likelihood_metrics` cannot be measured on ``X`` (n, *input_shape) for a model whose objective has
    a likelihood and a prior (a VAE), where a user looks for it: its loss is no density, or a bce loss on values
    outside [0, 1]; None where it can, and for other objectives, which promise no likelihood."""
    if not _is_variational(model):
        return None
    if not has_density(model):
        return density_missing(model)
    if not is_likelihood(model, X):
        flat = X.reshape(len(X), -1)  # (n, features)
        outside = int(np.sum(((flat < -UNIT_TOLERANCE) | (flat > 1 + UNIT_TOLERANCE)).any(axis=1)))
        return (f"{outside} of the {len(X)} samples hold values outside [0, 1] once scaled like the training rows, "
                "where the model's bce loss is no likelihood (with --loss mse it is one on any values)")
    return None


def likelihood_rows(n_rows: int, max_rows: int) -> np.ndarray:
    """The rows the likelihood is measured on: all ``n_rows`` up to ``max_rows``, else ``max_rows`` of them drawn
    with NumPy's generator seeded 0 (``np.random.default_rng(0).choice(n_rows, max_rows, replace=False)``), sorted."""
    if n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(0).choice(n_rows, max_rows, replace=False))


def likelihood_metrics(model: Autoencoder, X: np.ndarray, importance_samples: int = IMPORTANCE_SAMPLES,
                       max_rows: int = LIKELIHOOD_ROWS) -> dict[str, float | int | str]:
    """The test negative log-likelihood (importance-weighted, ``model.log_likelihood``) and the ELBO of a model
    with a density (:func:`has_density`), in nats per sample, on :func:`likelihood_rows` of ``X``, with what the
    reconstruction metrics' ``loss`` is beside them. Both draw from generators seeded 0: the same figures every
    call, the ones ``model.log_likelihood(x, k)`` and ``model.elbo(x)`` give on those rows."""
    x = torch.from_numpy(np.ascontiguousarray(X[likelihood_rows(len(X), max_rows)]))  # (n, *input_shape)
    per_pass = max(1, DECODED_PER_PASS // len(x))
    nll = -model.log_likelihood(x, k=importance_samples, samples_per_pass=per_pass).mean().item()
    return {"nll_nats": nll, "elbo_nats": model.elbo(x).mean().item(), "importance_samples": importance_samples,
            "likelihood_rows": len(x),
            "loss_is": f"the reconstruction term alone ({model.config.loss} per sample, decoded from the posterior "
                       "mean) without the KL term: not the negative log-likelihood (nll_nats)"}


def column_metrics(R: np.ndarray, X: np.ndarray, layout: list[dict]) -> dict[str, float]:
    """Per column type, on observed cells of a table matrix ``X`` (N, F) and its reconstruction ``R``: the RMSE of
    the numeric values (in the scaled units) and the share of categorical cells whose most likely category is right.
    A metric with no observed cell to measure (a test split whose cells of that type are all gaps) is left out, not
    NaN: it says nothing about the model."""
    numeric = [b for b in layout if b["kind"] == "numeric"]
    metrics = {}
    if numeric:
        values = np.array([b["value"] for b in numeric])
        observed = np.column_stack([np.ones(len(X)) if b["missing"] is None else 1 - X[:, b["missing"]]
                                    for b in numeric]).astype(bool)  # (N, n_numeric)
        errors = (R[:, values] - X[:, values])[observed]
        if errors.size:
            metrics["numeric_rmse"] = float(np.sqrt(np.mean(errors**2)))
    hits = []
    for block in (b for b in layout if b["kind"] == "categorical"):
        target, output = X[:, block["start"] : block["stop"]], R[:, block["start"] : block["stop"]]  # (N, K)
        present = target.sum(axis=1) > 0
        hits.append(target[present].argmax(axis=1) == output[present].argmax(axis=1))
    if hits and np.concatenate(hits).size:
        metrics["categorical_accuracy"] = float(np.mean(np.concatenate(hits)))
    return metrics
