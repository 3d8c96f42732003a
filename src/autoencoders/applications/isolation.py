"""Isolation trees (Liu, Ting and Zhou 2008) grown a level at a time over every tree at once and stored as arrays.

Each tree draws ``max_samples`` rows (256 by default) without replacement and splits them until each is alone or
the tree is ``ceil(log2(max_samples))`` levels deep: a node picks a feature at random among those not constant on
its rows and a threshold uniformly between their smallest and largest values. A row that takes few splits to
isolate is unusual; its score is ``2 ** -(mean path length / c(max_samples))``, in (0, 1], higher = more abnormal,
where a path ending in a leaf that held ``m`` training rows is lengthened by ``c(m)``, the mean path length of an
unsuccessful search in a binary search tree of ``m`` items. This is scikit-learn's ``IsolationForest`` algorithm,
written here because the detector needs it cheap (growing every tree's level in one NumPy step, instead of one
Python call per node) and savable without pickle (the trees are four arrays in a heap layout: the children of node
``k`` are ``2k + 1`` and ``2k + 2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EULER_GAMMA = 0.5772156649015329
# Values (rows x features) gathered at once where a node's first drawn feature is constant on its rows.
BLOCK_VALUES = 2**22
# Rows each tree walks at once when scoring: their node indices stay in the CPU cache (a million rows of 20 features
# scored 4.4x faster than all rows per tree at once, in about scikit-learn's time).
SCORE_ROWS = 2**12


def average_path(sizes: np.ndarray) -> np.ndarray:
    """c(m) for leaf sizes ``sizes`` (any shape): 0 for m <= 1, 1 for m = 2, 2 H(m - 1) - 2 (m - 1) / m above."""
    m = np.asarray(sizes, dtype=np.float64)
    above = np.maximum(m, 3.0)
    harmonic = np.log(above - 1.0) + EULER_GAMMA
    return np.where(m <= 1, 0.0, np.where(m == 2, 1.0, 2.0 * harmonic - 2.0 * (above - 1.0) / above))


def node_ranges(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest of ``values`` (P, ...) over each run of rows beginning at ``starts`` (G,): (G, ...) each."""
    return np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)


def varying_feature(Z: np.ndarray, rows: np.ndarray, starts: np.ndarray, nodes: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """(len(nodes),) for each of ``nodes`` (indices into ``starts``, where each node's run of ``rows`` begins) a
    feature drawn uniformly among those that vary on the node's rows (any feature where none varies: the node then
    stays a leaf). A few nodes at a time, so the (rows, features) block stays small."""
    ends = np.append(starts[1:], len(rows))
    chosen = np.empty(len(nodes), dtype=np.int64)
    at = 0
    while at < len(nodes):
        take = nodes[at:]
        sizes = np.cumsum(ends[take] - starts[take]) * Z.shape[1]
        take = take[:max(1, int(np.searchsorted(sizes, BLOCK_VALUES, side="right")))]
        block = np.concatenate([rows[starts[n]:ends[n]] for n in take])  # (P', ) the nodes' rows, in node runs
        local_starts = np.concatenate([[0], np.cumsum(ends[take] - starts[take])[:-1]])  # (g,)
        values = Z[block]  # (P', K)
        low, high = node_ranges(values, local_starts)  # (g, K) each
        varies = high > low
        keys = rng.random(varies.shape) + varies  # a varying feature's key beats every constant one's
        chosen[at:at + len(take)] = np.argmax(keys, axis=1)
        at += len(take)
    return chosen


@dataclass
class IsolationTrees:
    """A fitted forest: per tree (T) and heap node (M = 2 ** (depth + 1) - 1) arrays."""

    feature: np.ndarray  # (T, M) feature split on, -1 at a leaf (or a node no row reached)
    threshold: np.ndarray  # (T, M) rows with value <= threshold go left
    size: np.ndarray  # (T, M) training rows of the tree that reached the node
    max_samples: np.ndarray  # (1,) rows each tree was grown from (an array, so the forest saves as arrays)

    @classmethod
    def fit(cls, Z: np.ndarray, n_trees: int = 100, max_samples: int = 256, seed: int = 0) -> IsolationTrees:
        """Grow ``n_trees`` trees on rows ``Z`` (N, K) with their own generator (no global random state)."""
        Z = np.asarray(Z, dtype=np.float64)
        rng = np.random.default_rng(seed)
        psi = min(max_samples, len(Z))
        depth = max(1, math.ceil(math.log2(max(psi, 2))))
        nodes = 2 ** (depth + 1) - 1
        feature = np.full((n_trees, nodes), -1, dtype=np.int64)
        threshold = np.zeros((n_trees, nodes))
        size = np.zeros((n_trees, nodes), dtype=np.int64)
        rows = np.stack([rng.choice(len(Z), psi, replace=False) for _ in range(n_trees)]).ravel()  # (T * psi,)
        tree = np.repeat(np.arange(n_trees), psi)  # (T * psi,) the tree of each drawn row
        node = np.zeros(len(rows), dtype=np.int64)  # (T * psi,) heap node each drawn row has reached
        for level in range(depth + 1):
            flat = tree * nodes + node  # (P,) global node id of each row still moving
            counts = np.bincount(flat, minlength=n_trees * nodes)  # nonzero only at this level's nodes
            size += counts.reshape(size.shape)
            ids = np.flatnonzero(counts > 1)  # (G,) the nodes to split: more than one row reached them
            if level == depth or not len(ids):
                break
            splitting = counts[flat] > 1
            rows, tree, node, flat = rows[splitting], tree[splitting], node[splitting], flat[splitting]
            position = np.zeros(len(counts), dtype=np.int64)
            position[ids] = np.arange(len(ids))
            order = np.argsort(position[flat], kind="stable")  # rows grouped by node: each node's rows one run
            rows, tree, node, local = rows[order], tree[order], node[order], position[flat][order]
            starts = np.searchsorted(local, np.arange(len(ids)))  # (G,) where each node's run begins
            chosen = rng.integers(Z.shape[1], size=len(ids))  # (G,) a feature per node
            values = Z[rows, chosen[local]]  # (P,)
            low, high = node_ranges(values, starts)  # (G,) each
            constant = np.flatnonzero(high <= low)
            if len(constant):  # drawn again among the features that vary on the node's rows, as scikit-learn does
                chosen[constant] = varying_feature(Z, rows, starts, constant, rng)
                values = Z[rows, chosen[local]]
                low, high = node_ranges(values, starts)
            split = high > low  # (G,) False: every draw constant, the node stays a leaf
            cut = low + rng.random(len(ids)) * (high - low)  # (G,) in [low, high)
            cut = np.where(cut < high, cut, low)  # a draw that rounds up onto high would send every row left
            feature.ravel()[ids[split]] = chosen[split]
            threshold.ravel()[ids[split]] = cut[split]
            moving = split[local]  # (P,)
            go_right = values > cut[local]  # at or below the cut goes left, as in scikit-learn
            rows, tree = rows[moving], tree[moving]
            node = 2 * node[moving] + 1 + go_right[moving]
        return cls(feature, threshold, size, np.array([psi]))

    def children(self) -> np.ndarray:
        """(T, 2M) heap node k's children at 2k (left) and 2k + 1 (right): 2k + 1 and 2k + 2 where it splits,
        k itself at a leaf (so that a row that reached its leaf stays there as the others walk on)."""
        node = np.arange(self.feature.shape[1])  # (M,)
        leaf = self.feature < 0  # (T, M)
        return np.stack([np.where(leaf, node, 2 * node + 1), np.where(leaf, node, 2 * node + 2)], axis=2).reshape(
            len(leaf), -1)

    def check(self, n_features: int) -> None:
        """Raise ValueError naming the first way these arrays are not a forest over rows of ``n_features`` values
        (arrays read from a file are checked before they are trusted)."""
        trees, nodes = self.feature.shape if self.feature.ndim == 2 else (0, 0)
        if trees < 1 or nodes < 3 or not math.log2(nodes + 1).is_integer():
            raise ValueError(f"feature has shape {self.feature.shape}, not (trees, 2 ** (depth + 1) - 1 heap nodes)")
        if self.threshold.shape != (trees, nodes) or self.size.shape != (trees, nodes):
            raise ValueError(f"threshold {self.threshold.shape} and size {self.size.shape} are not the shape of "
                             f"feature {(trees, nodes)}")
        if self.max_samples.shape != (1,) or not all(np.issubdtype(a.dtype, np.integer)
                                                    for a in (self.feature, self.size, self.max_samples)):
            raise ValueError("feature, size and max_samples must hold integers, max_samples one")
        if self.feature.min() < -1 or self.feature.max() >= n_features:
            raise ValueError(f"its trees split on features {self.feature.min()} to {self.feature.max()}, outside "
                             f"0 to {n_features - 1} (-1 at a leaf)")

    def score(self, Z: np.ndarray) -> np.ndarray:
        """Anomaly score (N,) of rows ``Z`` (N, K) in (0, 1], higher = more abnormal (0.5: a typical path)."""
        Z = np.ascontiguousarray(Z, dtype=np.float64)
        trees, nodes = self.feature.shape
        depth = np.floor(np.log2(np.arange(nodes) + 1.0)).astype(np.int64)  # (M,) each heap node's depth
        path_end = depth + average_path(self.size)  # (T, M) a path ending at the node: its depth + c(rows it held)
        split_on = np.maximum(self.feature, 0)  # (T, M) a leaf reads feature 0, and its children are itself
        children = self.children()  # (T, 2M)
        total = np.zeros(len(Z))
        for start in range(0, len(Z), SCORE_ROWS):
            values = Z[start:start + SCORE_ROWS].ravel()  # (n K,) a view
            offsets = np.arange(len(values) // Z.shape[1]) * Z.shape[1]  # (n,) where each row starts in them
            for feature, threshold, child, ends in zip(split_on, self.threshold, children, path_end, strict=True):
                node = np.zeros(len(offsets), dtype=np.int64)  # (n,) every row starts at the root
                for _ in range(depth[-1]):
                    node = child[2 * node + (values[offsets + feature[node]] > threshold[node])]
                total[start:start + len(offsets)] += ends[node]
        typical = float(average_path(self.max_samples)[0])  # c(psi): 0 for a forest of one row, with no paths
        if typical == 0:
            return np.full(len(Z), 0.5)  # as scikit-learn's
        total /= trees  # in place, as below: no more (N,) arrays than the result
        total /= -typical
        return np.power(2.0, total, out=total)
