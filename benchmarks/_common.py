"""Shared by the benchmark scripts: where the shared data is, and small table printing."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"

# How the MNIST benchmarks (mnist_deep.py, applications.py) train an autoencoder; everything else is the family's
# default (`deep`: 784-512-256-code, ELU). About 6.0 test SSE/image with a 30-D code after 60 epochs.
MNIST_MODEL_OPTIONS = {"loss": "bce"}  # pixels in [0, 1]
MNIST_TRAIN_OPTIONS = {"batch_size": 64, "lr": 1e-3, "scheduler": "cosine", "validation_fraction": 0.0,
                       "patience": None}
MNIST_EPOCHS = 60


def pca_baseline(X_train: np.ndarray, X_test: np.ndarray, size: int) -> tuple[PCA, float, float]:
    """PCA with ``size`` components fitted on ``X_train`` (N, D): the model, its test sum of squared errors per
    row, and its fitting time in seconds."""
    began = time.perf_counter()
    pca = PCA(size, random_state=0).fit(X_train)
    seconds = time.perf_counter() - began
    sse = float(((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2).sum(axis=1).mean())
    return pca, sse, seconds


def print_table(rows: list[dict], floatfmt: str = ".4g") -> None:
    """A Markdown table of ``rows`` (dicts with the same keys), ready to paste into docs/benchmarks.md."""
    if not rows:
        return
    keys = list(rows[0])
    cells = [[f"{row[k]:{floatfmt}}" if isinstance(row[k], float) else str(row[k]) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    print("| " + " | ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")


def paired_gap(gap: np.ndarray, draws: int = 10_000) -> tuple[float, str, int]:
    """For per-set differences ``gap`` (sets,) of two methods: their mean, its 95% bootstrap interval over sets
    (sets resampled, ``default_rng(0)``) as text, and the number of sets where the difference is positive."""
    drawn = np.random.default_rng(0).integers(len(gap), size=(draws, len(gap)))  # (draws, sets)
    low, high = np.quantile(gap[drawn].mean(axis=1), [0.025, 0.975])
    return float(gap.mean()), f"[{low:+.4f}, {high:+.4f}]", int((gap > 0).sum())


def reference_arguments(doc: str, stored: str) -> argparse.Namespace:
    """``--store PATH`` or ``--check PATH`` (one of them) of a script that checks outputs bit for bit against a
    reference run of other code; ``stored`` says what PATH is (a folder, a file)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--store", type=Path, help=f"{stored} to write the reference to")
    action.add_argument("--check", type=Path, help=f"{stored} of the reference to compare with")
    return parser.parse_args()
