"""Does the detector put gross errors first? The check a new user runs before trusting a detector: rows of
correlated measurements (two latent factors behind ``--width`` columns, plus a constant column), ``k`` of them
broken in one column by 40 of its standard deviations (a unit slip, a stuck sensor), k = 1, 2, 4, 8, 16 of 400
rows. The detector is fitted without labels on all rows for each ``combine`` of the registry (and scikit-learn's
IsolationForest beside it); printed per method: the share of planted rows among the top k scores, the draws (data
seed x k x detector seed) where all of them are the top k, and the worst rank a planted row got (0 = first).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_gross_errors.py [--data-seeds 0,1,2] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.ensemble import IsolationForest

from _common import print_table
from autoencoders.applications.anomaly import COMBINATIONS
from autoencoders.sklearn import AutoencoderOutlierDetector

SIZES = (1, 2, 4, 8, 16)


def broken_rows(n: int, width: int, k: int, seed: int) -> np.ndarray:
    """(n, width + 1) rows of two latent factors plus noise and a constant column; the first ``k`` moved by 40
    standard deviations of column 2 in that column only."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 2))
    X = np.column_stack([latent @ rng.normal(size=(2, width)) + 0.05 * rng.normal(size=(n, width)), np.ones(n)])
    X[:k, 2] += 40 * X[:, 2].std()
    return X


def scores(method: str, X: np.ndarray, seed: int) -> np.ndarray:
    """(n,) higher = more abnormal."""
    if method == "iforest":
        return -IsolationForest(random_state=seed).fit(X).score_samples(X)
    return -AutoencoderOutlierDetector(combine=method, random_state=seed).fit(X).score_samples(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-seeds", default="0,1,2")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--width", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data_seeds, seeds = ([int(s) for s in text.split(",")] for text in (args.data_seeds, args.seeds))
    default = AutoencoderOutlierDetector().get_params()["combine"]
    rows = []
    for method in (*COMBINATIONS, "iforest"):
        found, perfect, worst = [], 0, 0
        for data_seed in data_seeds:
            for k in SIZES:
                X = broken_rows(args.rows, args.width, k, data_seed)
                for seed in seeds:
                    order = np.argsort(-scores(method, X, seed), kind="stable")  # (n,) rows, most abnormal first
                    rank = np.flatnonzero(order < k)  # (k,) where the planted rows came
                    found.append(np.mean(rank < k))
                    perfect += bool(np.all(rank < k))
                    worst = max(worst, int(rank.max()))
        rows.append({"method": method + (" (default)" if method == default else ""),
                     "planted rows in the top k": float(np.mean(found)),
                     "draws all on top": f"{perfect} / {len(found)}", "worst rank": worst})
    print_table(rows, ".3f")


if __name__ == "__main__":
    main()
