"""Dimensionality reduction: how well a low-dimensional code keeps the data and its neighbourhoods."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness

from ..data.validation import check_features
from ..errors import DataError
from ..options import require_count


def reduction_scores(X: np.ndarray, codes: np.ndarray, reconstructions: np.ndarray,
                     n_neighbors: int = 5) -> dict[str, float]:
    """Mean per-sample sum of squared errors of ``reconstructions`` against ``X`` (n, ...) and the
    trustworthiness of ``codes`` (n, k): the share of each code's neighbours that are neighbours in ``X`` too."""
    if not len(X) == len(codes) == len(reconstructions):
        raise DataError(f"reduction_scores takes {len(X)} samples, {len(codes)} codes and {len(reconstructions)} "
                        "reconstructions: one of each per sample")
    require_count("n_neighbors", n_neighbors)
    if len(X) <= 2 * n_neighbors:  # trustworthiness's own bound
        raise DataError(f"trustworthiness over {n_neighbors} neighbours needs more than {2 * n_neighbors} samples, got "
                        f"{len(X)}; pass a smaller n_neighbors")
    flat, codes = check_features(X, "X"), check_features(codes)  # (n, F), (n, k)
    errors = (check_features(reconstructions, "reconstructions") - flat) ** 2  # (n, F)
    return {
        "sse_per_sample": float(errors.sum(axis=1).mean()),
        "trustworthiness": float(trustworthiness(flat, codes, n_neighbors=n_neighbors)),
    }


def pca_codes(X_train: np.ndarray, X: np.ndarray, n_components: int,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The classical baseline: PCA fitted on ``X_train``; codes (n, n_components) and reconstructions of ``X``."""
    pca = PCA(n_components, random_state=seed).fit(check_features(X_train, "X_train"))
    codes = pca.transform(check_features(X, "X"))  # (n, n_components)
    return codes, pca.inverse_transform(codes).reshape(np.shape(X))
