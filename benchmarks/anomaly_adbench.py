"""ADBench protocol on the 22 sets in ../shared/data/adbench: fit without labels on all of X, score every row,
ROC-AUC and average precision against y; our detector beside IsolationForest, PCA reconstruction error and
PyOD's AutoEncoder and VAE with their defaults (``pip install -e ".[bench]"``).

    .venv/bin/python benchmarks/anomaly_adbench.py [--sets cardio,glass] [--seeds 0,1,2] [--redo ours]
        [--data DIR]   (another folder of .npz sets, e.g. the ADBench sets outside the 22: docs/benchmarks.md)

Seed by seed, sets run from smallest to largest. Every fit is stored in ``runs/anomaly_adbench.json`` as soon
as it ends, so an interrupted run resumes where it stopped (``--redo METHOD`` measures a method again). Every
method runs on one thread in this one process after a warm-up fit, so fit times compare side by side when the
methods are measured in one invocation (e.g. ``--methods ours,pyod_ae --seeds 0 --cache runs/timing.json``).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from _common import SHARED_DATA, paired_gap, print_table
from autoencoders.sklearn import AutoencoderOutlierDetector

DATA = SHARED_DATA / "adbench"
CACHE = Path(__file__).resolve().parents[1] / "runs" / "anomaly_adbench.json"
METHODS = ("ours", "ours_3", "iforest", "ecod", "pca", "pyod_ae", "pyod_vae")


def pca_scores(X: np.ndarray, seed: int) -> np.ndarray:
    """Squared residual after projecting standardised rows on the components holding 90% of the variance."""
    Z = StandardScaler().fit_transform(X)
    pca = PCA(n_components=0.9, svd_solver="full", random_state=seed).fit(Z)
    return ((Z - pca.inverse_transform(pca.transform(Z))) ** 2).sum(axis=1)


def pyod_scores(name: str, X: np.ndarray, seed: int) -> np.ndarray:
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.vae import VAE

    detector = {"pyod_ae": AutoEncoder, "pyod_vae": VAE}[name](verbose=0, random_state=seed)
    return detector.fit(X).decision_scores_


def method_scores(method: str, X: np.ndarray, seed: int) -> np.ndarray:
    """Anomaly scores (n,), higher = more abnormal, of ``method`` fitted on all of X."""
    if method.startswith("ours"):  # ours_3: an ensemble of three autoencoders instead of the default one;
        # ours_isolation: combine="tail_isolation" (the sixteenth round's); ours_isotrim: isolation_trim=True (the
        # seventeenth round's); ours_frame: the default given the set's
        # table (X is then a DataFrame, see run); any other ours_*: the default (of the checkout on PYTHONPATH)
        options = {"ours_3": {"n_estimators": 3}, "ours_isolation": {"combine": "tail_isolation"},
                   "ours_isotrim": {"isolation_trim": True}}.get(method, {})
        detector = AutoencoderOutlierDetector(random_state=seed, **options)
        return -detector.fit(X).score_samples(X)
    if method == "iforest":
        return -IsolationForest(random_state=seed).fit(X).score_samples(X)
    if method == "ecod":  # PyOD's defaults; deterministic, the seed is not used
        from pyod.models.ecod import ECOD

        return ECOD().fit(X).decision_scores_
    if method == "pca":
        return pca_scores(X, seed)
    return pyod_scores(method, X, seed)


def measure(method: str, X: np.ndarray | pd.DataFrame, y: np.ndarray, seed: int) -> dict:
    """One fit: ROC-AUC, AP, fit seconds and the number of non-finite scores (ranked above every finite one)."""
    began = time.perf_counter()
    scores = np.asarray(method_scores(method, X, seed), dtype=np.float64)
    seconds = time.perf_counter() - began
    finite = np.isfinite(scores)
    ranked = np.where(finite, scores, np.max(scores[finite], initial=0.0) + 1)
    return {"roc_auc": roc_auc_score(y, ranked), "ap": average_precision_score(y, ranked),
            "fit_seconds": seconds, "non_finite": int((~finite).sum()), "measured": time.strftime("%F %T")}


def read_cache(cache: Path) -> dict:
    return json.loads(cache.read_text()) if cache.exists() else {}


def store(cache: Path, rows: dict[str, dict]) -> dict:
    """Add results ({key: row}) to the cache file, merged with what other runs stored meanwhile: the read, merge and
    write hold a lock on a file beside the cache, so processes writing one cache at once lose none of each other's
    rows (the whole file is rewritten each time: store the rows of one fit together)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        results = {**read_cache(cache), **rows}
        scratch = cache.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(results, indent=1))
        scratch.replace(cache)
    return results


def warm_up(methods: list[str]) -> None:
    """One small fit of each method first, so that no method's first timed fit pays for torch's start-up."""
    X = np.random.default_rng(0).normal(size=(300, 8))
    for method in methods:
        method_scores(method, X, 0)


def run(sets: list[Path], seeds: list[int], methods: list[str], pyod_max_rows: int, cache: Path) -> dict:
    results = read_cache(cache)
    for seed in seeds:
        for path in sets:
            with np.load(path) as data:
                X, y = data["X"].astype(np.float64), data["y"]
            for method in methods:
                key = f"{path.stem}|{method}|{seed}"
                if key in results or (method.startswith("pyod") and len(X) > pyod_max_rows):
                    continue
                table = method.endswith("_frame")  # the set's columns as a table (categorical_sets.py writes it)
                results[key] = row = measure(method, pd.read_parquet(path.with_suffix(".parquet")) if table else X,
                                             y, seed)
                results = store(cache, {key: row})
                print(f"seed {seed} {path.stem:16s} {method:9s} roc {row['roc_auc']:.3f} ap {row['ap']:.3f} "
                      f"{row['fit_seconds']:7.1f}s non-finite {row['non_finite']}", flush=True)
    return results


def time_over_ours(results: dict, name: str, method: str, seeds: list[int]) -> float | None:
    """Median over the seeds both have of ``method``'s fit time on set ``name`` over ours' (None: no such seed)."""
    ratios = [results[f"{name}|{method}|{s}"]["fit_seconds"] / results[f"{name}|ours|{s}"]["fit_seconds"]
              for s in seeds if f"{name}|{method}|{s}" in results and f"{name}|ours|{s}" in results]
    return float(np.median(ratios)) if ratios else None


def summarise(results: dict, sets: list[Path], seeds: list[int], methods: list[str]) -> None:
    """Per-set mean ROC-AUC over seeds and fit time over ours, then per method its means over the (set, seed) fits it
    has, beside ours on exactly those fits (methods skipped on large sets are compared fairly) and its fit time over
    ours."""
    names = [p.stem for p in sets]
    table = [{"set": name, **{m: float(np.mean(done)) if (done := [results[k]["roc_auc"] for seed in seeds
                                                                  if (k := f"{name}|{m}|{seed}") in results]) else "-"
                              for m in methods}} for name in names]
    print("\nROC-AUC, mean over seeds")
    print_table(table, ".3f")
    others = [m for m in methods if m != "ours"]
    if "ours" in methods and others:
        times = [{"set": name, **{m: "-" if (r := time_over_ours(results, name, m, seeds)) is None else r
                                  for m in others}} for name in names]
        print("\nFit time over ours, median over seeds (below 1: the method fits faster)")
        print_table(times, ".3g")
    summary = []
    for method in methods:
        keys = [(name, seed) for name in names for seed in seeds if f"{name}|{method}|{seed}" in results]
        paired = [key for key in keys if f"{key[0]}|ours|{key[1]}" in results]
        if not keys:
            continue
        mine = [results[f"{name}|{method}|{seed}"] for name, seed in keys]
        ours = {key: results[f"{key[0]}|ours|{key[1]}"] for key in paired}
        summary.append({
            "method": method, "fits": len(keys), "sets": len({name for name, _ in keys}),
            "ROC-AUC": float(np.mean([f["roc_auc"] for f in mine])), "AP": float(np.mean([f["ap"] for f in mine])),
            "ours ROC-AUC, same fits": float(np.mean([f["roc_auc"] for f in ours.values()])) if ours else "-",
            "ours AP, same fits": float(np.mean([f["ap"] for f in ours.values()])) if ours else "-",
            "median fit s": float(np.median([f["fit_seconds"] for f in mine])),
            "median fit time / ours": float(np.median([results[f"{n}|{method}|{s}"]["fit_seconds"]
                                                       / ours[(n, s)]["fit_seconds"] for n, s in paired]))
            if ours else "-",
            "sets faster than ours": sum((r := time_over_ours(results, n, method, seeds)) is not None and r < 1
                                         for n in names),
            "non-finite": sum(f["non_finite"] for f in mine)})
    print("\nMeans over the fits (sets x seeds) each method has")
    print_table(summary, ".4g")
    compare(results, names, seeds, methods)


def compare(results: dict, names: list[str], seeds: list[int], methods: list[str]) -> None:
    """Over the sets where a method has every seed beside ours: each set's mean over seeds, the spread over seeds of
    the mean over sets, and ours minus the method with a 95% bootstrap interval over sets (sets resampled)."""
    rows = []
    for method in methods:
        done = [n for n in names if all(f"{n}|{m}|{s}" in results for m in (method, "ours") for s in seeds)]
        if method == "ours" or not done:
            continue
        row = {"method": method, "sets": len(done)}
        for metric, short in (("roc_auc", "ROC"), ("ap", "AP")):
            per = {m: np.array([[results[f"{n}|{m}|{s}"][metric] for s in seeds] for n in done])
                   for m in ("ours", method)}  # (sets, seeds) each
            gap, interval, ahead = paired_gap(per["ours"].mean(axis=1) - per[method].mean(axis=1))
            row |= {f"ours {short}": per["ours"].mean(), f"{short} sd seeds": per["ours"].mean(axis=0).std(ddof=1)
                    if len(seeds) > 1 else 0.0, short: per[method].mean(), f"{short} gap": gap,
                    f"{short} 95%": interval, f"{short} sets ahead": ahead}
        rows.append(row)
    print("\nOurs against each method, sets with every seed for both (gap = ours - method; interval: sets resampled)")
    print_table(rows, ".4f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=None, help="comma-separated set names, e.g. cardio,glass (default: all 22)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--redo", default="", help="comma-separated methods to measure again, ignoring the cache")
    parser.add_argument("--pyod-max-rows", type=int, default=10**9,
                        help="skip the PyOD models on larger sets (they take hours on the largest)")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder of ADBench-style .npz files (X, y) to score instead of ../shared/data/adbench")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sets = sorted(args.data.glob("*.npz"), key=lambda p: np.load(p)["X"].size)
    if args.sets:
        sets = [p for p in sets if p.stem.split("_", 1)[1] in args.sets.split(",")]
    seeds, methods = [int(s) for s in args.seeds.split(",")], args.methods.split(",")
    if args.redo and args.cache.exists():
        redo = set(args.redo.split(","))
        kept = {k: v for k, v in read_cache(args.cache).items()
                if not (k.split("|")[1] in redo and int(k.split("|")[2]) in seeds
                        and any(k.startswith(p.stem + "|") for p in sets))}
        args.cache.write_text(json.dumps(kept, indent=1))
    warm_up(methods)
    results = run(sets, seeds, methods, args.pyod_max_rows, args.cache)
    summarise(results, sets, seeds, methods)


if __name__ == "__main__":
    main()
