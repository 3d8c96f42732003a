"""Does ``explain`` name the column that was broken? On each ADBench set, 2% of the normal rows (at most 100) are
broken in one random column each, moved by ``--shift`` robust spreads (IQR / 1.349, else the standard deviation)
up or down at random (with ``--typical``, only rows whose every column lies within 3 robust spreads of its
median are broken, so that the planted break is the row's only oddity; otherwise a row already far out in another
column has two answers and the benchmark counts one of them wrong); the detector (defaults) is fitted without
labels on all rows and explains the broken ones.
Printed per set and on average: how often the broken column is the top one (and among the top 3), over all the
broken rows and over those the detector flags (``predict`` at its default contamination: the rows ``ae detect
--explain`` explains), for

- ``repair`` (what ``explain`` does): each column's share is how much the row's score falls when the column alone
  is repaired to the value the members reconstruct for it from the rest of the row;
- ``error``: the columns' normalised reconstruction errors (what ``explain`` did before), from the same fit;
- ``marginal``: the column of largest robust z-score, |x - median| / spread, which needs no model (a break that
  moves one column far from its own range is found by it; one that stays inside the range but off the data's
  correlations is not).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_explain.py [--shift 4] [--typical] [--seeds 0,1,2]
        [--data ../adbench_outside22]   (the ADBench sets outside the 22 instead)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from _common import print_table
from anomaly_selection import adbench_sets, load_set, outside_sets
from autoencoders.applications.anomaly import RobustFeatures
from autoencoders.applications.attribution import error_terms
from autoencoders.sklearn import AutoencoderOutlierDetector

METHODS = ("repair", "error", "marginal")


def break_rows(X: np.ndarray, y: np.ndarray, shift: float, rng: np.random.Generator,
               typical: bool = False) -> tuple[np.ndarray, ...]:
    """A copy of ``X`` (N, F) with some normal rows moved in one varying column each: (X, rows, columns)."""
    robust = RobustFeatures.fit(X)  # the detector's own median and spread of the varying columns
    varying, spread = robust.keep, robust.spread  # (V,), (V,)
    inside = np.all(np.abs(robust.transform(X)) <= 3, axis=1)  # (N,) every column within 3 spreads
    normal = np.flatnonzero((y == 0) & (inside | (not typical)))
    rows = rng.choice(normal, min(100, max(1, len(normal) // 50)), replace=False)
    which = rng.choice(len(varying), len(rows))
    broken = X.copy()
    broken[rows, varying[which]] += rng.choice([-1.0, 1.0], len(rows)) * shift * spread[which]
    return broken, rows, varying[which]


def rankings(detector: AutoencoderOutlierDetector, X: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
    """(rows, F) columns ordered from most to least blamed, by each method."""
    Z = detector._features(X[rows])  # (n, K) robust features of the kept columns
    errors = np.zeros((len(rows), X.shape[1]))
    errors[:, detector.features_.keep] = error_terms(detector.members_, Z)
    marginal = np.zeros_like(errors)
    marginal[:, detector.features_.keep] = np.abs(Z)
    blame = {"repair": np.asarray(detector.explain(X[rows])), "error": errors, "marginal": marginal}
    return {m: np.argsort(-b, axis=1, kind="stable") for m, b in blame.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shift", type=float, default=4.0)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--typical", action="store_true", help="break only rows with every column within 3 spreads")
    parser.add_argument("--data", type=Path, default=None,
                        help="score the ADBench sets outside the 22 in this folder instead (e.g. ../adbench_outside22)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = []
    for path in adbench_sets() if args.data is None else outside_sets(args.data):
        X, y = load_set(path, args.max_rows)
        hits, flagged = {m: [] for m in METHODS}, []
        for seed in (int(s) for s in args.seeds.split(",")):
            broken, rows, columns = break_rows(X, y, args.shift, np.random.default_rng(seed), args.typical)
            detector = AutoencoderOutlierDetector(random_state=seed).fit(broken)
            flagged.append(detector.predict(broken[rows]) == -1)
            for method, order in rankings(detector, broken, rows).items():
                hits[method].append(np.stack([order[:, 0] == columns,
                                              (order[:, :3] == columns[:, None]).any(axis=1)]))  # (2, n)
        row = {"set": path.stem, "columns": X.shape[1]}
        flagged = np.concatenate(flagged)
        row["flagged"] = float(flagged.mean())
        for method in METHODS:
            top = np.concatenate(hits[method], axis=1)  # (2, broken rows)
            row[f"{method} top-1"], row[f"{method} top-3"] = (float(v) for v in top.mean(axis=1))
            row[f"{method} top-1 flagged"] = float(top[0, flagged].mean()) if flagged.any() else float("nan")
        table.append(row)
        print(row, flush=True)
    print(f"\nbroken column named first (top-1) or among the first three (top-3), shift {args.shift} spreads"
          f"{', typical rows only' if args.typical else ''}")
    print_table(table + [{"set": "mean", "columns": "-", **{k: float(np.nanmean([r[k] for r in table]))
                                                           for k in table[0] if k not in ("set", "columns")}}], ".3f")


if __name__ == "__main__":
    main()
