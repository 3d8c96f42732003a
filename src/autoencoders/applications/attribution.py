"""Which columns make a row anomalous: each column's share of the row's anomaly score, for
:meth:`~autoencoders.sklearn.AutoencoderOutlierDetector.explain`.

A reconstruction error is not a per-column verdict: an autoencoder sees a row broken in one column through all of
its columns, and where the columns are correlated its reconstruction of the others moves too, sometimes more than
that of the broken one (which it may partly copy). So the share of a column is **how much the row's score falls
when that column alone is repaired**: set to the value the members reconstruct for it from the rest of the row
(the column itself hidden at its median, 0 in robust units). Repairing the broken column brings the row back to
the data; repairing a column it merely disturbed does not. The columns tried for a row are the ``TRIED`` with the
largest error terms (all of them on narrow tables); a row no single repair lowers (a row far out along the data
in every column, or a normal row) is shared out by its error terms instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .anomaly import ScoredMember, reconstructions

TRIED = 16  # columns repaired per row: two passes of every row through every member each


def error_terms(members: list[ScoredMember], Z: np.ndarray) -> np.ndarray:
    """(N, K) each column's normalised reconstruction error in rows ``Z`` (N, K), averaged over the members (a
    member's unseen columns count 0)."""
    terms = np.zeros_like(Z)
    for member in members:
        terms[:, member.columns] += member.feature_terms(Z) / len(members)
    return terms


def repaired(members: list[ScoredMember], Z: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Rows ``Z`` (N, K) with row i's column ``columns[i]`` replaced by the members' mean reconstruction of it from
    the row with that column hidden (set to its median, 0); left at 0 where no member sees the column."""
    rows = np.arange(len(Z))
    hidden = Z.copy()
    hidden[rows, columns] = 0.0
    total, seen = np.zeros(len(Z)), np.zeros(len(Z))
    for member in members:
        position = np.full(Z.shape[1], -1)
        position[member.columns] = np.arange(len(member.columns))
        sees = position[columns] >= 0  # (N,)
        rebuilt = reconstructions(member.model, hidden[np.ix_(sees, member.columns)])  # (n_seen, K_member)
        total[sees] += rebuilt[np.arange(sees.sum()), position[columns[sees]]]
        seen[sees] += 1
    fixed = Z.copy()
    fixed[rows, columns] = total / np.maximum(seen, 1)
    return fixed


def score_shares(members: list[ScoredMember], Z: np.ndarray,
                 anomaly: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each column's share (N, K) of each row's score ``anomaly(Z)`` (N,) (rows sum to 1) and the scores: a share
    is the score's fall when the column is repaired by the ``members`` (see the module) over the falls of the row's
    ``TRIED`` columns of largest error; by the error terms where no repair lowers the score. ``anomaly`` scores
    rows of robust features, higher = more abnormal (the members' ensemble score, or one with more parts)."""
    terms = error_terms(members, Z)  # (N, K)
    score = anomaly(Z)  # (N,)
    tried = np.argsort(-terms, axis=1, kind="stable")[:, :TRIED]  # (N, T) columns of largest error first
    falls = np.stack([score - anomaly(repaired(members, Z, tried[:, t])) for t in range(tried.shape[1])],
                     axis=1)  # (N, T)
    shares = np.zeros_like(Z)
    np.put_along_axis(shares, tried, np.maximum(falls, 0.0), axis=1)
    shares = np.where(shares.sum(axis=1, keepdims=True) > 0, shares, terms)  # no repair helps: the error terms
    return shares / np.maximum(shares.sum(axis=1, keepdims=True), np.finfo(float).tiny), score
