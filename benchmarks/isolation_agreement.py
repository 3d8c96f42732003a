"""Does the library's isolation forest (``autoencoders/applications/isolation.py``, the forest of
``combine="tail_isolation"``) follow scikit-learn's ``IsolationForest``, and what does it cost at scale?

Agreement (default): on each shared ADBench set (at most 20,000 rows, a fixed random subset) and three synthetic
tables (Gaussian, 3-valued integers, cubed Gaussians beside Gaussians), both forests with their defaults (100
trees of 256 rows) are grown with ``--seeds`` seeds each. Per set: the mean ROC-AUC and AP of each, the Spearman
correlation of one forest's seed-averaged scores with the other's against that of scikit-learn's two halves of
seeds with each other (a forest that follows the same algorithm agrees with scikit-learn as well as scikit-learn
agrees with itself), and the mean score's difference in standard errors over seeds (a systematic difference in
path lengths shows as a large z).

Scale (``--scale``): fit and scoring time of both forests side by side in one process on a million rows of 20
Gaussian features, 2,000 rows of 10,000, and 5,000 rows of 10,000 sparse columns (0.1% non-zero: most of a node's
first draws are constant); one thread.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/isolation_agreement.py [--seeds 6]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/isolation_agreement.py --scale
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import SHARED_DATA, paired_gap, print_table
from autoencoders.applications.isolation import IsolationTrees

MAX_ROWS = 20_000


def ours(X: np.ndarray, seed: int) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    began = time.perf_counter()
    trees = IsolationTrees.fit(X, seed=seed)
    return trees.score, time.perf_counter() - began


def scikit_learns(X: np.ndarray, seed: int) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    began = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(X)
    return lambda rows: -forest.score_samples(rows), time.perf_counter() - began


FORESTS = {"ours": ours, "sklearn": scikit_learns}


def synthetic(name: str, rows: int = 2000, width: int = 8) -> np.ndarray:
    rng = np.random.default_rng(1)
    if name == "gaussian":
        return rng.normal(size=(rows, width))
    if name == "integers":
        return rng.integers(0, 3, size=(rows, width)).astype(np.float64)
    return np.column_stack([rng.normal(size=(rows, width // 2)) ** 3, rng.normal(size=(rows, width - width // 2))])


def tables() -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    found = {}
    for path in sorted((SHARED_DATA / "adbench").glob("*.npz")):
        with np.load(path) as data:
            X, y = data["X"].astype(np.float64), data["y"]
        if len(X) > MAX_ROWS:
            keep = np.random.default_rng(0).choice(len(X), MAX_ROWS, replace=False)
            X, y = X[keep], y[keep]
        found[path.stem] = X, y
    return found | {f"synthetic {name}": (synthetic(name), None) for name in ("gaussian", "integers", "cubed")}


def agreement(seeds: int) -> None:
    rows, auc_gaps, ap_gaps = [], [], []
    for name, (X, y) in tables().items():
        scores = {kind: np.stack([grow(X, seed)[0](X) for seed in range(seeds)]) for kind, grow in FORESTS.items()}
        half = seeds // 2  # (S, N) each: the two halves of scikit-learn's seeds against each other and ours
        ours_mean, theirs = scores["ours"].mean(axis=1), scores["sklearn"].mean(axis=1)  # (S,) mean score per seed
        row = {"set": name, "rows": len(X),
               "rho ours~sklearn": float(spearmanr(scores["ours"][:half].mean(0), scores["sklearn"][half:].mean(0))[0]),
               "rho sklearn~sklearn": float(spearmanr(scores["sklearn"][:half].mean(0),
                                                      scores["sklearn"][half:].mean(0))[0]),
               "mean score z": float((ours_mean.mean() - theirs.mean()) / np.sqrt(
                   ours_mean.var(ddof=1) / seeds + theirs.var(ddof=1) / seeds))}
        if y is not None:
            auc = {kind: np.mean([roc_auc_score(y, s) for s in scores[kind]]) for kind in FORESTS}
            ap = {kind: np.mean([average_precision_score(y, s) for s in scores[kind]]) for kind in FORESTS}
            row.update({"ROC-AUC ours": auc["ours"], "ROC-AUC sklearn": auc["sklearn"], "AP ours": ap["ours"],
                        "AP sklearn": ap["sklearn"]})
            auc_gaps.append(auc["ours"] - auc["sklearn"])
            ap_gaps.append(ap["ours"] - ap["sklearn"])
        rows.append(row)
        print(row, flush=True)
    print_table([{k: row.get(k, "") for k in rows[0]} for row in rows], ".4f")
    for label, gaps in (("ROC-AUC", auc_gaps), ("AP", ap_gaps)):
        mean, interval, ahead = paired_gap(np.array(gaps))
        print(f"{label}: ours - sklearn over {len(gaps)} ADBench sets {mean:+.4f}, 95% interval {interval}, "
              f"ours ahead on {ahead}")


def sparse(rows: int, columns: int, density: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    X = np.zeros((rows, columns))
    filled = rng.random(X.shape) < density
    X[filled] = rng.normal(size=int(filled.sum()))
    return X


def scale() -> None:
    cases = {"1,000,000 x 20": lambda: np.random.default_rng(0).normal(size=(1_000_000, 20)),
             "2,000 x 10,000": lambda: np.random.default_rng(0).normal(size=(2000, 10_000)),
             "5,000 x 10,000, 0.1% non-zero": lambda: sparse(5000, 10_000, 0.001)}
    rows = []
    for case, make in cases.items():
        X = make()
        for kind, grow in FORESTS.items():
            score, fitting = grow(X, 0)
            began = time.perf_counter()
            score(X)
            rows.append({"rows x columns": case, "forest": kind, "fit s": fitting,
                         "score s": time.perf_counter() - began})
            print(rows[-1], flush=True)
    print_table(rows, ".2f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=6, help="forests per set and kind (at least 2)")
    parser.add_argument("--scale", action="store_true", help="time both forests at scale instead")
    args = parser.parse_args()
    if args.scale:
        scale()
    else:
        agreement(max(2, args.seeds))


if __name__ == "__main__":
    main()
