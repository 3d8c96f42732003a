"""The look behind the outlier detector's "knn" and "tail" score combinations (issue 13, fourth round):
exploration at seed 0, not a claim. One fit of the default training per set (trim 0.2, 200 steps, on the protocol's
20,000-row subsamples), scored with the default "log" combination and the two new ones; IsolationForest beside it.
Also the synthetic wide table of ``anomaly_error_floor.py`` (numeric anomalies among rare 0/1 flags).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_tail_density.py [--sets 28_pendigits,34_smtp]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.ensemble import IsolationForest

from _common import print_table
from anomaly_error_floor import rare_flags_table, row
from anomaly_selection import DATA, load_set
from autoencoders.sklearn import AutoencoderOutlierDetector

SHOWN = ("log", "knn", "tail")


def scored_rows(name: str, X: np.ndarray, y: np.ndarray, seed: int = 0) -> list[dict]:
    detector = AutoencoderOutlierDetector(random_state=seed).fit(X)
    rows = [row(name, combine, y, -detector.set_params(combine=combine).score_samples(X)) for combine in SHOWN]
    return rows + [row(name, "IsolationForest", y, -IsolationForest(random_state=seed).fit(X).score_samples(X))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="28_pendigits,32_shuttle,26_optdigits,34_smtp,6_cardio,2_annthyroid")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [r for seed in (0, 1) for r in scored_rows(f"rare flags, seed {seed}", *rare_flags_table(seed=seed), seed)]
    for name in args.sets.split(","):
        rows += scored_rows(name, *load_set(DATA / f"{name}.npz", 20_000))
    print_table(rows, ".3f")


if __name__ == "__main__":
    main()
