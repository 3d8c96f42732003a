"""Retrieval: the nearest stored items of a query in code space.

Large collections use hnswlib's approximate graph index when it is installed (``pip install hnswlib``);
small ones, or a machine without it, use scikit-learn's exact search. Both give Euclidean distances.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ..data.validation import check_features
from ..errors import ConfigError, DataError
from ..options import require_count

# Below this many items exact search is fast enough and has no approximation error.
EXACT_BELOW = 20_000


def hnswlib_available() -> bool:
    return importlib.util.find_spec("hnswlib") is not None


class CodeIndex:
    """Nearest-neighbour index over ``codes`` (n, k); ``method`` is ``auto``, ``exact`` or ``hnsw``."""

    def __init__(self, codes: np.ndarray, method: str = "auto", seed: int = 0):
        if len(codes) == 0:
            raise DataError("cannot build an index over an empty collection")
        codes = np.ascontiguousarray(check_features(codes), dtype=np.float32)  # (n, k)
        if method == "auto":
            method = "hnsw" if len(codes) >= EXACT_BELOW and hnswlib_available() else "exact"
        if method == "hnsw" and not hnswlib_available():
            raise ConfigError("method 'hnsw' needs hnswlib: pip install hnswlib")
        if method not in ("exact", "hnsw"):
            raise ConfigError(f"unknown index method {method!r}; choose auto, exact or hnsw")
        self.method, self.size, self.width = method, len(codes), codes.shape[1]
        self._index = _hnsw_index(codes, seed) if method == "hnsw" else NearestNeighbors().fit(codes)

    def query(self, codes: np.ndarray, k: int = 10, items: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Indices (m, k) of the ``k`` nearest stored items of each query row, nearest first, and their distances.
        ``items`` (m,): when the queries are stored items, their indices; each is then its own first neighbour,
        also among items whose codes tie with it exactly (as a vector-quantised model's do)."""
        require_count("k", k)
        if not 1 <= k <= self.size:
            raise ConfigError(f"k must be between 1 and the collection size ({self.size}), got {k}")
        codes = np.asarray(codes)
        if codes.ndim < 2 or int(np.prod(codes.shape[1:])) != self.width:
            raise DataError(f"queries must be rows of {self.width} code values, (m, {self.width}), got shape "
                            f"{codes.shape}" + (" (one query: codes[None])" if codes.size == self.width else ""))
        queries = np.ascontiguousarray(check_features(codes, "queries"), dtype=np.float32)  # (m, k)
        stored = None if items is None else self._stored_items(items, len(queries))  # (m,)
        if self.method == "exact":
            distances, indices = self._index.kneighbors(queries, k)
        else:
            self._index.set_ef(max(64, 2 * k))  # search breadth: recall rises with it
            indices, squared = self._index.knn_query(queries, k, num_threads=1)
            indices, distances = indices.astype(np.int64), np.sqrt(squared)
        return (indices, distances) if stored is None else (_itself_first(indices, stored), distances)

    def _stored_items(self, items, n_queries: int) -> np.ndarray:
        """``items`` as indices (m,) of stored items, one per query, or a DataError saying what they are instead."""
        stored = np.asarray(items)
        if (stored.shape != (n_queries,) or not np.issubdtype(stored.dtype, np.integer)
                or not np.all((stored >= 0) & (stored < self.size))):
            raise DataError(f"items must hold one stored item index per query ({n_queries}), each from 0 to "
                            f"{self.size - 1}; got {stored.dtype} of shape {stored.shape}"
                            + (f" from {stored.min()} to {stored.max()}" if stored.size and stored.dtype.kind in "iu"
                               else ""))
        return stored


def _itself_first(indices: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``indices`` (m, k) with each row's own item (m,) moved, or put, first and the others kept in order: its
    distance to itself is 0, no more than the first neighbour's, so the distances (m, k) stay as they are."""
    others = [row[row != item][: row.size - 1] for row, item in zip(indices, items, strict=True)]
    return np.array([np.concatenate([[item], rest]) for item, rest in zip(items, others, strict=True)])


def _hnsw_index(codes: np.ndarray, seed: int):
    import hnswlib

    index = hnswlib.Index(space="l2", dim=codes.shape[1])
    index.init_index(max_elements=len(codes), ef_construction=200, M=16, random_seed=seed)
    index.add_items(codes, np.arange(len(codes)), num_threads=1)  # one thread: the same graph every time
    return index


def precision_at_k(neighbour_labels: np.ndarray, query_labels: np.ndarray) -> float:
    """Mean share of retrieved items (m, k labels) that have their query's label (m,)."""
    return float(np.mean(np.asarray(neighbour_labels) == np.asarray(query_labels)[:, None]))
