"""The derived anomaly sets (one class of a classification table, or a rare category, downsampled to a few percent as
the anomalies, as ADBench and ODDS derive theirs), drawn per seed; ``anomaly_unseen.py`` says how they were built and
first used (a report on sets never used for any choice), ``anomaly_selection.py --pool all`` selects on them beside
the 22 ADBench sets since the twelfth round."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from _common import MNIST_DIR, SHARED_DATA
from autoencoders.data import TabularPreprocessor, load_standard


@dataclass(frozen=True)
class Derived:
    """One derived set: the rows of ``table`` whose column ``column`` passes ``is_anomaly`` are the anomaly class,
    kept at ``share`` of the rows; the ``label`` columns (``column`` and what gives it away) are not features."""

    table: str
    column: str
    is_anomaly: Callable[[pd.Series], pd.Series]  # the column -> True for the anomaly class
    share: float
    label: tuple[str, ...] = ()

    def draw(self, frames: dict[str, pd.DataFrame], seed: int, max_rows: int) -> tuple[pd.DataFrame, np.ndarray]:
        """The features (n, F) as a DataFrame and the anomaly labels (n,) of this set for ``seed``."""
        frame = frames[self.table]
        anomalous = np.asarray(self.is_anomaly(frame[self.column]), dtype=bool)
        rng = np.random.default_rng(seed)
        normal, abnormal = np.flatnonzero(~anomalous), np.flatnonzero(anomalous)
        n_normal = min(len(normal), round(max_rows * (1 - self.share)))
        n_abnormal = min(len(abnormal), round(n_normal * self.share / (1 - self.share)))
        rows = np.sort(np.concatenate([rng.choice(normal, n_normal, replace=False),
                                       rng.choice(abnormal, n_abnormal, replace=False)]))
        features = frame.iloc[rows].drop(columns=[self.column, *self.label, "rownames"], errors="ignore")
        return features.reset_index(drop=True), anomalous[rows].astype(int)


def equals(value):
    return lambda column: column == value


def others(value):
    return lambda column: column != value


SETS = {
    **{f"mnist_{d}": Derived("mnist", "digit", others(d), 0.05) for d in range(10)},
    "diamonds_fair": Derived("diamonds", "cut", equals("Fair"), 0.03),
    "cps1988_parttime": Derived("CPS1988", "parttime", equals("yes"), 0.03),
    "wage_high_earners": Derived("Wage", "wage", lambda wage: wage > 250, 0.03, ("logwage",)),
    "titanic_survivors": Derived("TitanicSurvival", "survived", equals("yes"), 0.05),
    **{f"penguins_{s.lower()}": Derived("penguins", "species", equals(s), 0.05)
       for s in ("Adelie", "Chinstrap", "Gentoo")},
}


def read_frames(tables: set[str]) -> dict[str, pd.DataFrame]:
    """The source tables by name; ``mnist`` as 784 pixel columns in [0, 1] and its ``digit``."""
    frames = {t: pd.read_csv(SHARED_DATA / "tables" / f"{t}.csv") for t in tables - {"mnist"}}
    if "mnist" in tables:
        digits = load_standard("mnist", "test", MNIST_DIR, download=False)
        frames["mnist"] = pd.DataFrame(digits.X.reshape(len(digits.X), -1).astype(np.float64),  # (10000, 784)
                                       columns=[f"pixel{i}" for i in range(784)]).assign(digit=digits.y)
    return frames


def group(name: str) -> str:
    """The source a derived set shares with its siblings (``mnist_3`` -> ``mnist``; ``penguins_adelie`` ->
    ``penguins``); every other set is its own."""
    return SETS[name].table if sum(d.table == SETS[name].table for d in SETS.values()) > 1 else name


def as_array(features: pd.DataFrame) -> np.ndarray:
    """(n, F') numeric: numeric columns standardised, categories one-hot, gaps filled with an indicator beside; how
    the baselines (and, in the selection, every method) get a derived set."""
    return TabularPreprocessor(scale="standard").fit(features).transform(features)
