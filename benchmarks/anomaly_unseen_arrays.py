"""The outlier detector's defaults, of whatever version of the package is importable, on the unseen derived sets
written by ``anomaly_unseen.py --export``: how a past default does on them, e.g. the one before issue 13 (commit
52b3468, which predates the detector's own table handling, hence arrays: the sets exactly as the baselines get them).

    .venv/bin/python benchmarks/anomaly_unseen.py --export runs/unseen_arrays.npz
    git worktree add --detach ../at-52b3468 52b3468
    OMP_NUM_THREADS=1 PYTHONPATH=../at-52b3468/src .venv/bin/python benchmarks/anomaly_unseen_arrays.py \
        runs/unseen_arrays.npz --out runs/unseen_default_52b3468.json

Printed: mean ROC-AUC and AP over the MNIST sets, the tables and all sets (each set's mean over seeds first), with
the spread over seeds of the mean over sets, as ``anomaly_unseen.py`` prints them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import average_precision_score, roc_auc_score

import autoencoders
from autoencoders.sklearn import AutoencoderOutlierDetector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("arrays", type=Path, help="the .npz written by anomaly_unseen.py --export")
    parser.add_argument("--out", type=Path, required=True, help="JSON of every (set, seed): ROC-AUC and AP")
    args = parser.parse_args()
    print(f"scoring with {autoencoders.__file__}")
    torch.set_num_threads(1)
    results = {}
    with np.load(args.arrays) as arrays:
        for key in (k for k in arrays.files if k.endswith("|X")):
            name, seed, _ = key.split("|")
            X, y = arrays[key], arrays[f"{name}|{seed}|y"]  # (n, F), (n,)
            scores = -AutoencoderOutlierDetector(random_state=int(seed)).fit(X).score_samples(X)  # (n,) high = odd
            results[f"{name}|{seed}"] = {"roc_auc": roc_auc_score(y, scores), "ap": average_precision_score(y, scores)}
            row = results[f"{name}|{seed}"]
            print(f"seed {seed} {name:18s} roc {row['roc_auc']:.3f} ap {row['ap']:.3f}", flush=True)
    args.out.write_text(json.dumps(results, indent=1))
    names = sorted({key.split("|")[0] for key in results})
    seeds = sorted({key.split("|")[1] for key in results})
    groups = {"all sets": names, "MNIST": [n for n in names if n.startswith("mnist")],
              "tables": [n for n in names if not n.startswith("mnist")]}
    for group, members in groups.items():
        for metric in ("roc_auc", "ap"):
            by_seed = [np.mean([results[f"{n}|{s}"][metric] for n in members]) for s in seeds]
            print(f"{group:9s} ({len(members):2d}) {metric:7s} {np.mean(by_seed):.4f} "
                  f"(sd over seeds {np.std(by_seed):.4f})")


if __name__ == "__main__":
    main()
