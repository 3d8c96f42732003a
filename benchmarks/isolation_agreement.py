"""Does the library's isolation forest (``autoencoders/applications/isolation.py``, the forest of
``combine="tail_isolation"``) follow scikit-learn's ``IsolationForest``, and what does it cost at scale?

Agreement (default): on each shared ADBench set (at most 20,000 rows, a fixed random subset) and three synthetic
tables (Gaussian, 3-valued integers, cubed Gaussians beside Gaussians), both forests with their defaults (100
trees of 256 rows) are grown with ``--seeds`` seeds each. Per set: the mean ROC-AUC and AP of each, the Spearman
correlation of one forest's seed-averaged scores with the other's against that of scikit-learn's two halves of
seeds with each other (a forest that follows the same algorithm agrees with scikit-learn as well as scikit-learn
agrees with itself), the mean score's difference in standard errors over seeds (a systematic difference in
path lengths shows as a large z), and the share of rows whose mean score over seeds differs by more than 4
standard errors; and the median time to grow each forest.

Scale (``--scale``): fit and scoring time of both forests side by side in one process on a million rows of 20
Gaussian features, 2,000 rows of 10,000, and 5,000 rows of 10,000 sparse columns (0.1% non-zero: most of a node's
first draws are constant); one thread.

Detector (``--detector COMBINE``): fit and scoring time and this process's peak resident memory of the outlier
detector with its defaults and ``combine=COMBINE`` on ``--rows`` x ``--columns`` Gaussian rows (one process per
run, so that the peak is that run's).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/isolation_agreement.py [--seeds 6] [--first-seed 0] [--sets a b]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/isolation_agreement.py --scale
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/isolation_agreement.py --detector tail_isolation --rows 1000000
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import SHARED_DATA, paired_gap, print_table
from autoencoders.applications.isolation import IsolationTrees
from autoencoders.sklearn import AutoencoderOutlierDetector

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


def standard_errors(ours: np.ndarray, theirs: np.ndarray, axis: int) -> np.ndarray:
    """The difference of the means of ``ours`` and ``theirs`` over ``axis`` (their seeds), in standard errors."""
    gap = ours.mean(axis=axis) - theirs.mean(axis=axis)
    return gap / np.sqrt((ours.var(axis=axis, ddof=1) + theirs.var(axis=axis, ddof=1)) / ours.shape[axis] + 1e-300)


def agreement(seeds: range, names: list[str]) -> None:
    rows, auc_gaps, ap_gaps = [], [], []
    for name, (X, y) in tables().items():
        if names and name not in names:
            continue
        scores, fitting = {}, {}
        for kind, grow in FORESTS.items():
            forests = [grow(X, seed) for seed in seeds]  # (score, fit seconds) each
            scores[kind] = np.stack([score(X) for score, _ in forests])
            fitting[kind] = float(np.median([seconds for _, seconds in forests]))
        half = len(seeds) // 2  # (S, N) each: the two halves of scikit-learn's seeds against each other and ours
        row = {"set": name, "rows": len(X),
               "rho ours~sklearn": float(spearmanr(scores["ours"][:half].mean(0), scores["sklearn"][half:].mean(0))[0]),
               "rho sklearn~sklearn": float(spearmanr(scores["sklearn"][:half].mean(0),
                                                      scores["sklearn"][half:].mean(0))[0]),
               "mean score z": float(standard_errors(scores["ours"].mean(axis=1), scores["sklearn"].mean(axis=1), 0)),
               "rows beyond 4 se": float(np.mean(np.abs(standard_errors(scores["ours"], scores["sklearn"], 0)) > 4)),
               "fit s ours": fitting["ours"], "fit s sklearn": fitting["sklearn"]}
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
    for label, gaps in (("ROC-AUC", auc_gaps), ("AP", ap_gaps)) if len(auc_gaps) > 1 else ():
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


def detector(combine: str, rows: int, columns: int) -> None:
    X = np.random.default_rng(0).normal(size=(rows, columns))
    began = time.perf_counter()
    fitted = AutoencoderOutlierDetector(combine=combine, random_state=0).fit(X)
    middle = time.perf_counter()
    scores = fitted.score_samples(X)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB (Linux)
    print(f"combine={combine} on {rows} x {columns}: fit {middle - began:.1f} s, scoring "
          f"{time.perf_counter() - middle:.1f} s, peak resident {peak:.0f} MiB (the data {X.nbytes / 2**20:.0f} MiB), "
          f"all scores finite: {bool(np.isfinite(scores).all())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=6, help="forests per set and kind (at least 2)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--sets", nargs="*", default=[], help="only these sets (file stems, 'synthetic gaussian')")
    parser.add_argument("--scale", action="store_true", help="time both forests at scale instead")
    parser.add_argument("--detector", metavar="COMBINE", help="time the outlier detector with this combine instead")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20)
    args = parser.parse_args()
    if args.detector:
        detector(args.detector, args.rows, args.columns)
    elif args.scale:
        scale()
    else:
        agreement(range(args.first_seed, args.first_seed + max(2, args.seeds)), args.sets)


if __name__ == "__main__":
    main()
