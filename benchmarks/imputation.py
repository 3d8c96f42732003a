"""Imputation: AutoencoderImputer beside scikit-learn's SimpleImputer, KNNImputer and IterativeImputer.

ADBench (numeric): normal rows of each set (at most --max-rows drawn at random), standardised with the complete
data's mean and deviation (the units of the RMSE), then --rates of the cells removed completely at random; RMSE of
the removed cells. Tables (numeric + categorical, ../shared/data/tables, `rownames` dropped): --rates of the observed
cells removed at random (real gaps stay gaps); RMSE of the removed numeric cells in units of each column's standard
deviation, and accuracy of the removed categorical cells. For the sklearn imputers the categorical columns are
one-hot encoded (a gap is NaN across its block) and a filled block's largest entry is the category; SimpleImputer
fills numeric columns with the mean and categorical ones with the most frequent value. Seconds: fit + transform.

    .venv/bin/python benchmarks/imputation.py adbench --sets cardio,fault --rates 0.1,0.3,0.5
    .venv/bin/python benchmarks/imputation.py tables --rates 0.1,0.3

Every method runs in this one process on one thread, so its seconds compare side by side (absolute timings depend
on the machine's load). Results are stored in runs/imputation-<mode>.json as each fit ends; a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (makes IterativeImputer importable)
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from _common import SHARED_DATA, print_table
from autoencoders.sklearn import AutoencoderImputer

RUNS = Path(__file__).resolve().parents[1] / "runs"
REPORTED_ADBENCH = ("6_cardio", "12_fault", "18_Ionosphere", "4_breastw", "30_satellite", "28_pendigits", "42_WBC")
TUNING_ADBENCH = ("20_letter", "40_vowels", "46_WPBC", "38_thyroid")  # defaults chosen on these, never reported
TABLES = ("penguins", "TitanicSurvival", "Wage", "CPS1988", "diamonds")
METHODS = ("ours", "mean", "knn", "iterative")


def sklearn_imputer(method: str, seed: int):
    return {"mean": SimpleImputer(strategy="mean"), "knn": KNNImputer(n_neighbors=5),
            "iterative": IterativeImputer(max_iter=10, random_state=seed)}[method]


def adbench_rows(name: str, max_rows: int, seed: int) -> np.ndarray:
    data = np.load(SHARED_DATA / "adbench" / f"{name}.npz")
    X = data["X"][data["y"] == 0].astype(np.float64)
    if len(X) > max_rows:
        X = X[np.random.default_rng(seed).choice(len(X), max_rows, replace=False)]
    X = X[:, X.std(axis=0) > 0]
    return (X - X.mean(axis=0)) / X.std(axis=0)  # (N, D) standardised


def run_adbench(name: str, rate: float, method: str, seed: int, max_rows: int, options: dict) -> dict:
    X = adbench_rows(name, max_rows, seed)
    removed = np.random.default_rng(seed + 1).random(X.shape) < rate
    gappy = np.where(removed, np.nan, X)
    began = time.perf_counter()
    if method == "ours":
        filled = AutoencoderImputer(random_state=seed, **options).fit(gappy).transform(gappy)
    else:
        filled = _keep_all_columns(sklearn_imputer(method, seed), gappy)
    seconds = time.perf_counter() - began
    return {"rmse": float(np.sqrt(np.mean((filled[removed] - X[removed]) ** 2))), "seconds": seconds}


def _keep_all_columns(imputer, gappy: np.ndarray) -> np.ndarray:
    """sklearn imputers drop a column with no observed value; keep its place (filled with 0, the mean)."""
    imputer.set_params(keep_empty_features=True)
    return imputer.fit_transform(gappy)


def read_table(name: str, max_rows: int, seed: int) -> pd.DataFrame:
    frame = pd.read_csv(SHARED_DATA / "tables" / f"{name}.csv").drop(columns=["rownames"], errors="ignore")
    if len(frame) > max_rows:
        frame = frame.iloc[np.sort(np.random.default_rng(seed).choice(len(frame), max_rows, replace=False))]
    return frame.reset_index(drop=True)


def run_table(name: str, rate: float, method: str, seed: int, max_rows: int, options: dict) -> dict:
    frame = read_table(name, max_rows, seed)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    observed = frame.notna().to_numpy()
    removed = observed & (np.random.default_rng(seed + 1).random(frame.shape) < rate)  # (N, columns)
    gappy = frame.mask(removed)
    began = time.perf_counter()
    if method == "ours":
        filled = AutoencoderImputer(random_state=seed, **options).fit(gappy).transform(gappy)
    else:
        filled = one_hot_impute(gappy, numeric, method, seed)
    seconds = time.perf_counter() - began
    errors, hits = [], []
    for index, column in enumerate(frame.columns):
        rows = removed[:, index]
        if not rows.any():
            continue
        truth, guess = frame[column].to_numpy()[rows], filled[column].to_numpy()[rows]
        if column in numeric:
            errors.append((guess.astype(float) - truth.astype(float)) / frame[column].std())
        else:
            hits.append(guess.astype(str) == truth.astype(str))
    return {"rmse": float(np.sqrt(np.mean(np.concatenate(errors) ** 2))) if errors else float("nan"),
            "accuracy": float(np.mean(np.concatenate(hits))) if hits else float("nan"), "seconds": seconds}


def one_hot_impute(gappy: pd.DataFrame, numeric: list[str], method: str, seed: int) -> pd.DataFrame:
    """A sklearn imputer on standardised numeric columns + one-hot categorical blocks (NaN across a gap's block);
    SimpleImputer uses the mean for numeric and the most frequent value for categorical columns."""
    filled = gappy.copy()
    categorical = [c for c in gappy.columns if c not in numeric]
    if method == "mean":
        for column in categorical:
            filled[column] = gappy[column].fillna(gappy[column].mode().iloc[0])
        filled[numeric] = SimpleImputer(strategy="mean").fit_transform(gappy[numeric])
        return filled
    center, spread = gappy[numeric].mean(), gappy[numeric].std()
    blocks = [((gappy[numeric] - center) / spread).to_numpy(dtype=float)]
    levels = {}
    for column in categorical:
        levels[column] = sorted(gappy[column].dropna().unique(), key=str)
        one_hot = (gappy[column].to_numpy()[:, None] == np.asarray(levels[column], dtype=object)[None]).astype(float)
        one_hot[gappy[column].isna().to_numpy()] = np.nan
        blocks.append(one_hot)
    matrix = _keep_all_columns(sklearn_imputer(method, seed), np.concatenate(blocks, axis=1))
    filled[numeric] = matrix[:, : len(numeric)] * spread.to_numpy() + center.to_numpy()
    start = len(numeric)
    for column in categorical:
        width = len(levels[column])
        filled[column] = np.asarray(levels[column], dtype=object)[matrix[:, start : start + width].argmax(axis=1)]
        start += width
    return filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["adbench", "tables"])
    parser.add_argument("--sets", default=None, help="comma-separated names (default: the reported ones)")
    parser.add_argument("--rates", default="0.1,0.3,0.5")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--options", default="{}", help="JSON keyword arguments for AutoencoderImputer (tuning)")
    parser.add_argument("--cache", default=None, help="results file (default runs/imputation-<mode>.json)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.filterwarnings("ignore", message=r"\[IterativeImputer\] Early stopping")  # it still fills the gaps
    torch.set_num_threads(1)
    names = args.sets.split(",") if args.sets else list(REPORTED_ADBENCH if args.mode == "adbench" else TABLES)
    if args.mode == "adbench":
        names = [next(full for full in (*REPORTED_ADBENCH, *TUNING_ADBENCH, n) if full.endswith(n)) for n in names]
    options = json.loads(args.options)
    cache_path = Path(args.cache or RUNS / f"imputation-{args.mode}.json")
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    run = run_adbench if args.mode == "adbench" else run_table
    rows = []
    for rate in map(float, args.rates.split(",")):
        for name in names:
            for seed in map(int, args.seeds.split(",")):
                for method in args.methods.split(","):
                    key = f"{name}|{rate}|{method}|{seed}|{args.max_rows}|{json.dumps(options, sort_keys=True)}"
                    if key not in cache:
                        cache[key] = run(name, rate, method, seed, args.max_rows, options if method == "ours" else {})
                        cache_path.parent.mkdir(exist_ok=True)
                        cache_path.write_text(json.dumps(cache, indent=1))
                    rows.append({"rate": rate, "set": name, "method": method, "seed": seed, **cache[key]})
    results = pd.DataFrame(rows)
    metrics = [m for m in ("rmse", "accuracy", "seconds") if m in results]
    per_set = results.groupby(["rate", "set", "method"], sort=False)[metrics].mean().reset_index()
    print_table(per_set.to_dict("records"))
    print()
    print_table(per_set.groupby(["rate", "method"], sort=False)[metrics].mean().reset_index().to_dict("records"))


if __name__ == "__main__":
    main()
