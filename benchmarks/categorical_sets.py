"""Turn the categorical anomaly sets of ADRepository (Pang et al.; github.com/GuansongPang/ADRepository-Anomaly-
detection-datasets, folder "categorical data", ARFF files with nominal attributes, the label last) and its DevNet
backdoor table (CSV, label column ``class``) into what ``anomaly_adbench.py --data DIR`` scores:

    .venv/bin/python benchmarks/categorical_sets.py RAW_DIR OUT_DIR

For each set, ``OUT_DIR/NAME.npz`` holds ``X`` (float32: a {0, 1} attribute as one 0/1 column, every other nominal
attribute one-hot over its declared levels, as ADBench encodes categorical sets for detectors that need numbers)
and ``y`` (1 = the set's anomaly class, the minority label); ``OUT_DIR/NAME.parquet`` holds the same rows as a table
(the {0, 1} attributes as integers, the others as pandas categoricals) for the method ``ours_frame``, the detector
given the table itself. Prints each set's shape and anomaly share only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from autoencoders.data.foreign import read_arff

NAMES = {"AID362": "aid362", "Reuters-corn": "r10_corn", "apascal": "apascal", "bank-additional": "bank",
         "census-income": "census", "chess": "chess", "cmc": "cmc", "covertype": "covertype",
         "kddcup99-corrected-probe": "probe", "kddcup99-corrected-u2r": "u2r", "solar-flare": "solar_flare",
         "w7a": "w7a", "UNSW_NB15": "backdoor"}


def split_label(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and y (1 = the minority value of the last column, the anomaly class in every set here)."""
    label = frame.iloc[:, -1].astype(str)
    minority = label.value_counts().idxmin()
    return frame.iloc[:, :-1], (label == minority).to_numpy(np.int64)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The library's ARFF table with its {0, 1} nominal attributes as integers."""
    binary = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)
              and sorted(frame[c].cat.categories) == ["0", "1"]]
    return frame.astype({c: "Int8" for c in binary})


def one_hot(frame: pd.DataFrame) -> np.ndarray:
    """(n, d) float32: numeric columns as they are, categoricals one-hot over their levels (a gap: all zeros)."""
    parts = [pd.get_dummies(frame[c], dtype=np.float32).to_numpy() if isinstance(frame[c].dtype, pd.CategoricalDtype)
             else frame[[c]].to_numpy(np.float32, na_value=0.0) for c in frame.columns]
    return np.hstack(parts)


def main(raw: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(raw.glob("*.arff")) + sorted(raw.glob("UNSW_NB15*.csv")):
        if path.suffix == ".arff":
            features, y = split_label(read_arff(path))
            frame = typed(features)
        else:  # DevNet's backdoor: already numeric, one-hot protocol columns included
            table = pd.read_csv(path)
            frame, y = table.drop(columns="class"), table["class"].to_numpy(np.int64)
        name = next(short for start, short in NAMES.items() if path.stem.startswith(start))
        X = one_hot(frame)
        np.savez_compressed(out / f"{name}.npz", X=X, y=y)
        frame.to_parquet(out / f"{name}.parquet")
        print(f"{name:12s} {X.shape[0]:7d} rows {frame.shape[1]:4d} columns -> {X.shape[1]:4d} numbers, "
              f"anomalies {y.mean():.1%}, gaps {int(frame.isna().sum().sum())}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
