"""The defaults every entry point trains with, against the settings they replaced, side by side.

* ``mnist``: ``AutoencoderTransformer(model="deep", code_size=30, random_state=0)`` with nothing else set, on the
  MNIST benchmark split (8,000 training digits, 2,000 test digits), against PCA-30; then ``ae train`` with only
  ``--code-size 30`` on the same rows (written to .npy files). Test sum of squared errors per image, wall time.
* ``tables``: digits and 4 ADBench sets used as plain tables (min-max scaled on the training rows): held-out
  reconstruction error (mean squared error per value, scaled units) of a ``deep`` transformer with the old
  defaults (MSE, 50 epochs, batch 128, constant rate, a tenth held out, patience 10) and with today's.
* ``choose``: the candidates the defaults were picked from (learning-rate schedule, step budget, validation
  split), on ADBench sets that are *not* reported in ``tables``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/defaults.py --part mnist|tables|choose [--threads 2] [--seeds 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler

import autoencoders as ae
from _common import MNIST_DIR, SHARED_DATA, pca_baseline, print_table
from autoencoders.sklearn import AutoencoderTransformer

OLD_DEFAULTS = {"loss": "mse", "epochs": 50, "batch_size": 128, "lr": 1e-3, "scheduler": "none",
                "validation_fraction": 0.1, "patience": 10}
REPORTED_SETS = ("6_cardio", "20_letter", "26_optdigits", "30_satellite")
CHOOSING_SETS = ("12_fault", "18_Ionosphere", "28_pendigits", "40_vowels")


def sse_per_image(model: ae.Autoencoder, X: np.ndarray) -> float:
    return float(ae.squared_error(model, X).mean())


def mnist(threads: int) -> None:
    train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
    X_train, X_test = train.X.reshape(len(train.X), -1), test.X.reshape(len(test.X), -1)
    _, pca_sse, pca_seconds = pca_baseline(X_train, X_test, 30)
    rows = [{"method": "PCA-30", "test SSE/image": pca_sse, "seconds": pca_seconds, "epochs": "-"}]

    began = time.perf_counter()
    estimator = AutoencoderTransformer(model="deep", code_size=30, random_state=0).fit(X_train)
    seconds = time.perf_counter() - began
    history = estimator.history_
    rows.append({"method": 'AutoencoderTransformer("deep", code_size=30)', "test SSE/image":
                 sse_per_image(estimator.model_, X_test), "seconds": seconds, "epochs": history.epochs_run})
    print(rows, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        np.save(Path(folder) / "train.npy", X_train), np.save(Path(folder) / "test.npy", X_test)
        command = [sys.executable, "-m", "autoencoders.cli", "train", "--data", f"{folder}/train.npy", "--test-data",
                   f"{folder}/test.npy", "--code-size", "30", "--out", f"{folder}/run", "--quiet", "--no-report"]
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - began
        metrics = json.loads((Path(folder) / "run" / "metrics.json").read_text())
        run = ae.load_model(Path(folder) / "run")
    rows.append({"method": "ae train --code-size 30 (process, incl. start-up)", "test SSE/image":
                 sse_per_image(run, X_test), "seconds": seconds, "epochs": metrics["epochs_run"]})
    print_table(rows)
    print(f"\ntorch threads: {threads}; defaults: {ae.TrainConfig()}")


def table_sets(names: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(train, test) rows of each set, min-max scaled on the training rows; a seeded 80/20 split."""
    sets = {}
    for name in names:
        X = ae.load_data("digits").X if name == "digits" else np.load(SHARED_DATA / "adbench" / f"{name}.npz")["X"]
        X = X.reshape(len(X), -1).astype(np.float32)
        order = np.random.default_rng(0).permutation(len(X))
        n_test = len(X) // 5
        scaler = MinMaxScaler().fit(X[order[n_test:]])
        sets[name] = (scaler.transform(X[order[n_test:]]).astype(np.float32),
                      scaler.transform(X[order[:n_test]]).astype(np.float32))
    return sets


def held_out_error(settings: dict, X_train: np.ndarray, X_test: np.ndarray, seeds: int) -> tuple[float, float]:
    """(test mean squared error per value, seconds per fit) of a deep transformer with ``settings``, mean over
    ``seeds`` seeds."""
    errors, began = [], time.perf_counter()
    for seed in range(seeds):
        estimator = AutoencoderTransformer(code_size=max(2, X_train.shape[1] // 4), random_state=seed,
                                           **settings).fit(X_train)
        errors.append(float(np.mean((estimator.inverse_transform(estimator.transform(X_test)) - X_test) ** 2)))
    return float(np.mean(errors)), (time.perf_counter() - began) / seeds


def compare(candidates: dict[str, dict], names: tuple[str, ...], seeds: int) -> None:
    rows = []
    for name, (X_train, X_test) in table_sets(names).items():
        row = {"data": f"{name} {X_train.shape}"}
        for label, settings in candidates.items():
            error, seconds = held_out_error(settings, X_train, X_test, seeds)
            row[f"{label} MSE"], row[f"{label} s"] = error, seconds
        rows.append(row)
        print(row, flush=True)
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["mnist", "tables", "choose"], required=True)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the goal is stated for 2 cores)")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per table and setting (tables, choose)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.part == "mnist":
        mnist(args.threads)
    elif args.part == "tables":
        compare({"old": OLD_DEFAULTS, "new": {}}, ("digits", *REPORTED_SETS), args.seeds)
    else:
        compare({"new": {}, "constant rate": {"scheduler": "none"}, "plateau": {"scheduler": "plateau"},
                 "never validate": {"validation_fraction": 0.0}, "mse": {"loss": "mse"}}, CHOOSING_SETS, args.seeds)


if __name__ == "__main__":
    main()
