"""Clustering samples by their codes with k-means, scored against known labels."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from ..data.validation import check_features
from ..errors import ConfigError
from ..options import require_count


def cluster_codes(codes: np.ndarray, n_clusters: int, seed: int = 0) -> np.ndarray:
    """k-means cluster index (n,) of each row of ``codes`` (n, k) (or any feature matrix).

    The result depends on the rows and ``seed``, not on the rows' order: k-means++ draws its initial centres by
    row position, so k-means is run on the rows in one canonical (sorted) order and the labels mapped back.
    """
    features = check_features(codes)  # (n, k)
    require_count("n_clusters", n_clusters)
    if not 1 <= n_clusters <= len(features):
        raise ConfigError(f"n_clusters must be between 1 and the number of samples ({len(features)}), got "
                          f"{n_clusters}")
    order = canonical_order(features)
    labels = np.empty(len(features), np.int64)
    labels[order] = KMeans(n_clusters, n_init=10, random_state=seed).fit_predict(features[order])
    return labels


def canonical_order(rows: np.ndarray) -> np.ndarray:
    """Indices (n,) putting ``rows`` (n, k) in one order set by their values alone (by the first value, ties by the
    next ...): an estimator that draws by row position (k-means++) fitted to ``rows[canonical_order(rows)]`` gives
    the same result for the same rows in any order."""
    return np.lexsort(rows.T[::-1])


def clustering_scores(labels: np.ndarray, clusters: np.ndarray) -> dict[str, float]:
    """Agreement of ``clusters`` with true ``labels``: normalised mutual information and adjusted Rand index."""
    return {"nmi": float(normalized_mutual_info_score(labels, clusters)),
            "ari": float(adjusted_rand_score(labels, clusters))}
