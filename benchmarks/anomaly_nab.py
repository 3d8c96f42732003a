"""Time-series anomaly detection on the NAB series in ../shared/data/nab: each series is cut into sliding
windows and scored per time step without labels; ROC-AUC and average precision of the step scores against
NAB's anomaly windows (a step is anomalous when it lies inside one), mean over series.

    .venv/bin/python benchmarks/anomaly_nab.py [--series nyc_taxi,ec2_cpu] [--seeds 0] [--data DIR]

``--data``: another NAB folder (series in ``<group>/<file>.csv`` beside ``combined_windows.json``), e.g. the NAB
series outside the shared ones (docs/benchmarks.md says how to fetch them).

Methods: ``sequence_ae`` (``series_anomaly_scores``: our 1-D conv autoencoder on the windows, what
``ae detect --window`` runs),
``deep_windows`` (our tabular AutoencoderOutlierDetector on the flattened windows), ``iforest_windows``
(IsolationForest on the same windows) and ``robust_z`` (|value - median| / IQR, no window at all). A window
score counts for every step the window covers (averaged over the windows covering a step).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import SHARED_DATA, paired_gap, print_table
from autoencoders.applications.anomaly import RobustFeatures
from autoencoders.applications.series_anomaly import series_anomaly_scores, step_scores
from autoencoders.data.nab import NabSeries, load_nab
from autoencoders.data.windows import sliding_windows
from autoencoders.sklearn import AutoencoderOutlierDetector

NAB = SHARED_DATA / "nab"
METHODS = ("sequence_ae", "deep_windows", "iforest_windows", "robust_z")


def window_length(series: NabSeries) -> int:
    """A quarter of a day of samples, kept between 16 and 64 steps."""
    return int(np.clip(series.steps_per() // 4, 16, 64))


def method_scores(method: str, series: NabSeries, seed: int) -> np.ndarray:
    values, length = series.values[:, None], window_length(series)  # (T, 1)
    if method == "sequence_ae":
        return series_anomaly_scores(values, length, seed=seed)
    if method == "robust_z":
        return np.abs(RobustFeatures.fit(values).transform(values)[:, 0])
    flat = sliding_windows(RobustFeatures.fit(values).transform(values), length).reshape(-1, length)  # (N, L)
    detector = (AutoencoderOutlierDetector if method == "deep_windows" else IsolationForest)(random_state=seed)
    return step_scores(-detector.fit(flat).score_samples(flat), len(values), length)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", default=None, help="comma-separated parts of series names (default: all)")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--data", type=Path, default=NAB, help="NAB folder (default: ../shared/data/nab)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    collection = load_nab(args.data)
    if args.series:
        collection = [s for s in collection if any(part in s.name for part in args.series.split(","))]
    unlabelled = [s.name for s in collection if not s.labels.any()]
    if unlabelled:  # ROC-AUC and AP need at least one anomalous step
        print(f"skipped, no anomaly window: {', '.join(unlabelled)}")
        collection = [s for s in collection if s.name not in unlabelled]
    methods, seeds = args.methods.split(","), [int(s) for s in args.seeds.split(",")]
    fits = {method: [] for method in methods}
    table = []
    for series in collection:
        labels = series.labels
        row = {"series": series.name.split("/")[1].removesuffix(".csv")[:32], "steps": len(labels),
               "window": window_length(series)}
        for method in methods:
            for seed in seeds:
                began = time.perf_counter()
                scores = method_scores(method, series, seed)
                seconds = time.perf_counter() - began
                assert np.isfinite(scores).all(), f"{method} gave non-finite scores on {series.name}"
                fits[method].append({"roc_auc": roc_auc_score(labels, scores),
                                     "ap": average_precision_score(labels, scores), "seconds": seconds})
            row[method] = float(np.mean([f["roc_auc"] for f in fits[method][-len(seeds):]]))
        table.append(row)
        print(row, flush=True)
    print("\nROC-AUC per series (mean over seeds)")
    print_table(table, ".3f")
    print(f"\nMeans over {len(collection)} series x {len(seeds)} seed(s)")
    print_table([{"method": m, "ROC-AUC": float(np.mean([f["roc_auc"] for f in fits[m]])),
                  "AP": float(np.mean([f["ap"] for f in fits[m]])),
                  "median fit s": float(np.median([f["seconds"] for f in fits[m]]))} for m in methods], ".4g")
    if methods[0] == "sequence_ae" and len(methods) > 1:
        versus(fits, methods, len(seeds))


def versus(fits: dict, methods: list[str], n_seeds: int) -> None:
    """The time-series detector minus each other method, per series (mean over seeds), with a 95% bootstrap
    interval over series (series resampled) and the number of series where it is ahead."""
    per = {m: np.array([[f[metric] for f in fits[m]] for metric in ("roc_auc", "ap")]).reshape(2, -1, n_seeds)
           .mean(axis=2) for m in methods}  # (2, series) each
    rows = []
    for method in methods[1:]:
        row = {"against": method}
        for i, short in enumerate(("ROC-AUC", "AP")):
            gap, interval, ahead = paired_gap(per[methods[0]][i] - per[method][i])
            row |= {f"{short} gap": gap, f"{short} 95%": interval, f"{short} series ahead": ahead}
        rows.append(row)
    print(f"\n{methods[0]} minus each method (interval: series resampled)")
    print_table(rows, ".4f")


if __name__ == "__main__":
    main()
