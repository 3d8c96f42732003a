"""The look behind the outlier detector's ``error_floor`` (issue 13, third round): exploration, not a claim.

Part 1, ADBench (seed 0, the protocol's 20,000-row subsamples): one default detector fitted with no floor
(``error_floor=1e-9``), its member's error scales then floored at several shares of a feature's own squared robust
spread (1 in the robust units), and the "log" score recomputed from the same fit. Part 2, a synthetic wide table:
a two-factor numeric block with off-manifold anomalies beside independent rare binary flags (the one-hot columns
of wide tables), fitted with and without the floor, IsolationForest beside it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_error_floor.py [--sets 16_http,24_mnist]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import print_table
from anomaly_selection import DATA, load_set
from autoencoders.applications.anomaly import codes_and_errors
from autoencoders.sklearn import AutoencoderOutlierDetector

FLOORS = (1e-3, 1e-2, 1e-1)
NO_FLOOR = 1e-9


def floored_scores(X: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """{setting: anomaly scores (N,)} of one unfloored default fit, rescored with each floor in ``FLOORS``."""
    detector = AutoencoderOutlierDetector(random_state=seed, error_floor=NO_FLOOR).fit(X)
    member, Z = detector.members_[0], detector._features(X)  # (N, K)
    codes, errors = codes_and_errors(member.model, Z)  # (N, C), (N, K)
    _, distance = member._parts(codes, errors)
    raw = member.error_scale.copy()
    scores = {"no floor": -detector.score_samples(X)}
    for floor in FLOORS:
        member.error_scale = np.maximum(raw, floor)
        scores[f"floor {floor:g}"] = np.log1p(member._parts(codes, errors)[0]) + np.log1p(distance)
    return scores


def rare_flags_table(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 26) rows: 6 numeric columns from two factors (40 rows pushed off that plane: the anomalies) and 20
    independent binary flags each set on 0.2% to 3% of the rows."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n, 2)) @ rng.normal(size=(2, 6)) + 0.2 * rng.normal(size=(n, 6))  # (n, 6)
    flags = (rng.random((n, 20)) < rng.uniform(0.002, 0.03, 20)).astype(float)  # (n, 20)
    anomalies = rng.choice(n, 40, replace=False)
    numeric[anomalies] += 3 * rng.normal(size=(40, 6))
    return np.column_stack([numeric, flags]), np.isin(np.arange(n), anomalies).astype(int)


def row(name: str, setting: str, y: np.ndarray, scores: np.ndarray) -> dict:
    return {"data": name, "setting": setting, "ROC-AUC": roc_auc_score(y, scores),
            "AP": average_precision_score(y, scores)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="16_http,34_smtp,32_shuttle,8_celeba,24_mnist,6_cardio,28_pendigits")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name in args.sets.split(","):
        X, y = load_set(DATA / f"{name}.npz", 20_000)
        rows += [row(name, setting, y, scores) for setting, scores in floored_scores(X, 0).items()]
    print_table(rows, ".3f")
    rows = []
    for seed in (0, 1):
        X, y = rare_flags_table(seed=seed)
        for setting, floor in (("no floor", NO_FLOOR), ("floor 0.01 (default)", 0.01)):
            detector = AutoencoderOutlierDetector(random_state=seed, error_floor=floor).fit(X)
            rows.append(row(f"rare flags, seed {seed}", setting, y, -detector.score_samples(X)))
        rows.append(row(f"rare flags, seed {seed}", "IsolationForest", y,
                        -IsolationForest(random_state=seed).fit(X).score_samples(X)))
    print_table(rows, ".3f")


if __name__ == "__main__":
    main()
