"""Issue 13, a look after the twenty-second round (not a pre-registered round): does an isolation forest grown in
the member's own coordinates (its code and its signed per-feature residuals) rank compact anomaly groups as an
isolation forest on the inputs does, without losing gross errors as ``combine="tail_isolation"`` does?

Two checks, neither on the 60 sets of the selection protocol but one: (1) the gross-error check's rows
(``anomaly_gross_errors.py``: 45 draws, share of planted rows in the top k, per k), for the members' "tail" score
beside each forest, their tail surprisals summed as "tail_isolation" sums them; (2) one seed on one set (``--set``,
musk by default: where isolation on the inputs leads most), the same scores' ROC-AUC and AP, and an isolation
forest on the robust features rotated onto their principal axes. "tail + forest on robust features" is
``combine="tail_isolation"``'s score to the bit (same forest, same seed), for comparison.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_coordinate_isolation.py [--set musk]   # about 1 minute
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import SHARED_DATA, print_table
from anomaly_gross_errors import SIZES, broken_rows
from autoencoders.applications.anomaly import (
    ISOLATION_SAMPLES,
    ISOLATION_TREES,
    RobustFeatures,
    codes_and_errors,
    ensemble_score,
    reconstructions,
    surprisal,
    tail_quantiles,
)
from autoencoders.applications.isolation import IsolationTrees
from autoencoders.sklearn import AutoencoderOutlierDetector

OUTSIDE = SHARED_DATA.parents[1] / "adbench_outside22"  # the ADBench sets outside the shared 22 (benchmarks' note)


PARTS = ("code and residuals", "code", "residuals", "robust features")


def coordinates(detector: AutoencoderOutlierDetector, Z: np.ndarray) -> dict[str, np.ndarray]:
    """Each of ``PARTS`` (N, C + K), (N, C), (N, K), (N, K): the members' codes and signed residuals of robust
    features ``Z`` (N, K), members side by side, and ``Z`` itself (where "tail_isolation" grows its forest)."""
    codes, residuals = [], []
    for member in detector.members_:
        rows = Z[:, member.columns]  # (N, k)
        codes.append(codes_and_errors(member.model, rows)[0])  # (N, c)
        residuals.append(rows - reconstructions(member.model, rows).reshape(rows.shape))  # (N, k)
    return dict(zip(PARTS, (np.hstack(codes + residuals), np.hstack(codes), np.hstack(residuals), Z), strict=True))


def scores(X: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """(N,) scores, higher = more abnormal: the default detector's "tail", and for each of ``PARTS`` a forest grown
    there alone and the two's tail surprisals summed (as "tail_isolation" sums its two)."""
    detector = AutoencoderOutlierDetector(random_state=seed).fit(X)
    Z = detector.features_.transform(X)  # (N, K)
    tail = ensemble_score(detector.members_, Z, "tail")[:, None]  # (N, 1)
    results = {"tail (the default)": tail[:, 0]}
    for part, points in coordinates(detector, Z).items():
        forest = IsolationTrees.fit(points, ISOLATION_TREES, ISOLATION_SAMPLES, seed).score(points)[:, None]  # (N, 1)
        summed = surprisal(tail_quantiles(tail), tail) + surprisal(tail_quantiles(forest), forest)
        results |= {f"forest on {part}": forest[:, 0], f"tail + forest on {part}": summed[:, 0]}
    return results


def gross_errors() -> list[dict]:
    """Share of planted rows in the top k, per k and over all 45 draws, for each score of :func:`scores`."""
    found: dict[str, dict[int, list[float]]] = {}
    for k in SIZES:
        for data_seed in (0, 1, 2):
            X = broken_rows(400, 6, k, data_seed)
            for seed in (0, 1, 2):
                for name, values in scores(X, seed).items():
                    rank = np.flatnonzero(np.argsort(-values, kind="stable") < k)  # (k,) where the planted rows came
                    found.setdefault(name, {}).setdefault(k, []).append(float(np.mean(rank < k)))
    return [{"score": name, **{f"k={k}": float(np.mean(shares)) for k, shares in per_k.items()},
             "all 45": float(np.mean([s for shares in per_k.values() for s in shares]))}
            for name, per_k in found.items()]


def one_set(name: str) -> list[dict]:
    """ROC-AUC and AP on ADBench set ``name`` (seed 0) of :func:`scores` and of isolation forests on the robust
    features as they are and rotated onto their principal axes."""
    path = next(p for folder in (SHARED_DATA / "adbench", OUTSIDE) for p in sorted(Path(folder).glob(f"*_{name}.npz")))
    data = np.load(path)
    X, y = data["X"], data["y"]
    results = scores(X, 0)
    Z = RobustFeatures.fit(X).transform(X)  # (N, K) the detector's robust features
    centred = Z - Z.mean(axis=0)
    rotated = centred @ np.linalg.svd(centred, full_matrices=False)[2].T  # (N, K) on the principal axes
    for label, points in (("isolation forest, robust features", Z), ("isolation forest, principal axes", rotated)):
        results[label] = -IsolationForest(random_state=0).fit(points).score_samples(points)
    return [{"score": label, "ROC-AUC": float(roc_auc_score(y, values)),
             "AP": float(average_precision_score(y, values))} for label, values in results.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="musk")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print_table(gross_errors(), ".3f")
    print_table(one_set(args.set), ".3f")


if __name__ == "__main__":
    main()
