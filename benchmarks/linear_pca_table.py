"""The `linear` transformer against PCA on a real table: reconstruction error at the defaults and at linear_pca.py's
training (600 epochs, batch 512, lr 5e-3, cosine, no hold-out), on the numeric columns of the shared diamonds table
(its ID column dropped, first 5,000 rows), standardised and min-max scaled.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/linear_pca_table.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import SHARED_DATA, print_table
from autoencoders.sklearn import AutoencoderTransformer

ROWS = 5_000
LONG = {"epochs": 600, "batch_size": 512, "lr": 5e-3, "scheduler": "cosine", "patience": None,
        "validation_fraction": 0.0}  # benchmarks/linear_pca.py's training
TRAININGS = {"defaults": {}, "linear_pca.py's": LONG}


def squared_error(rebuilt: np.ndarray, rows: np.ndarray) -> float:
    """Mean over rows of a row's summed squared error."""
    return float(((rebuilt - rows) ** 2).sum(axis=1).mean())


def compared(rows: np.ndarray, scaling: str, code_size: int) -> list[dict]:
    """PCA's error and the linear transformer's under each training, on ``rows`` (n, F)."""
    pca = PCA(code_size).fit(rows)
    pca_error = squared_error(pca.inverse_transform(pca.transform(rows)), rows)
    table = []
    for training, options in TRAININGS.items():
        linear = AutoencoderTransformer(model="linear", code_size=code_size, random_state=0, **options).fit(rows)
        error = squared_error(linear.inverse_transform(linear.transform(rows)), rows)
        table.append({"scaling": scaling, "code": code_size, "training": training, "loss": linear.model_.config.loss,
                      "epochs": linear.history_.epochs_run, "PCA SSE/row": pca_error, "linear SSE/row": error,
                      "ratio": error / pca_error})
    return table


def main() -> None:
    frame = pd.read_csv(SHARED_DATA / "tables" / "diamonds.csv").drop(columns=["rownames"])
    numbers = frame.select_dtypes("number").iloc[:ROWS].to_numpy()  # (5000, 7)
    scaled = {"standardised": StandardScaler().fit_transform(numbers), "min-max": MinMaxScaler().fit_transform(numbers)}
    print_table([row for scaling, rows in scaled.items() for size in (2, 3) for row in compared(rows, scaling, size)])


if __name__ == "__main__":
    main()
