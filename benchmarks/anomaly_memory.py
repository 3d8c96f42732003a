"""Peak memory and time of the outlier detector's default on a wide table of the size of ADBench's largest sets
(census: about 300,000 rows by 500 columns): 20 normal columns and binary flags each held by 0.1% to 30% of the rows,
float32, seed 0. One thread; peak resident memory of this process (the table itself included).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_memory.py [--rows 300000] [--columns 500]

Run it at two commits to compare them (it only uses the public API).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch

from autoencoders.sklearn import AutoencoderOutlierDetector


def wide_table(rows: int, columns: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shares = rng.uniform(0.001, 0.3, columns).astype(np.float32)
    X = (rng.random((rows, columns), dtype=np.float32) < shares).astype(np.float32)  # (rows, columns) flags
    X[:, :20] = rng.normal(size=(rows, min(20, columns)))
    return X


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--columns", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X = wide_table(args.rows, args.columns)
    began = time.perf_counter()
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    fitted = time.perf_counter()
    scores = detector.score_samples(X)
    scored = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB (Linux)
    print(f"table {X.nbytes / 2**30:.2f} GiB; fit {fitted - began:.1f} s, scoring {scored - fitted:.1f} s, "
          f"peak resident {peak:.2f} GiB, all scores finite: {bool(np.isfinite(scores).all())}")


if __name__ == "__main__":
    main()
