"""The Numenta Anomaly Benchmark (NAB): univariate series with labelled anomaly windows.

A NAB folder holds ``<group>/<file>.csv`` files (``timestamp,value``) and ``combined_windows.json``, which maps
each ``<group>/<file>.csv`` to its anomaly windows as ``[start, end]`` timestamps (inclusive).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .validation import DataError

WINDOWS_FILE = "combined_windows.json"
ONE_DAY = np.timedelta64(1, "D")


@dataclass
class NabSeries:
    """One NAB series: ``values`` (n,) at ``timestamps`` (n,) and the anomaly ``windows`` as (start, end)."""

    name: str  # "<group>/<file>.csv", the key in combined_windows.json
    timestamps: np.ndarray  # (n,) datetime64[s]
    values: np.ndarray  # (n,) float64
    windows: list[tuple[np.datetime64, np.datetime64]] = field(default_factory=list)

    @property
    def sampling_interval(self) -> np.timedelta64:
        """The median time between consecutive samples."""
        seconds = np.median(np.diff(self.timestamps).astype(np.int64))  # timestamps are datetime64[s]
        return np.timedelta64(int(seconds), "s")

    def steps_per(self, span: np.timedelta64 = ONE_DAY) -> int:
        """How many samples cover ``span`` (one day by default): the season of a daily pattern."""
        return max(1, round(span / self.sampling_interval))

    @property
    def labels(self) -> np.ndarray:
        """(n,) bool: True for samples inside an anomaly window."""
        inside = np.zeros(len(self.timestamps), dtype=bool)
        for start, end in self.windows:
            inside |= (self.timestamps >= start) & (self.timestamps <= end)
        return inside


def nab_series_names(root: str | Path) -> list[str]:
    """Every ``<group>/<file>.csv`` that has an entry in ``root``'s ``combined_windows.json``, sorted."""
    return sorted(name for name in _read_windows(Path(root)) if (Path(root) / name).is_file())


def read_nab_series(root: str | Path, name: str) -> NabSeries:
    """The series ``name`` (e.g. ``realKnownCause/nyc_taxi.csv``) of the NAB folder ``root``."""
    root = Path(root)
    windows = _read_windows(root)
    if name not in windows:
        raise DataError(f"{root / WINDOWS_FILE} has no entry {name!r}; known series: {', '.join(sorted(windows))}")
    timestamps, values = _read_csv(root / name)
    spans = [(_timestamp(start), _timestamp(end)) for start, end in windows[name]]
    return NabSeries(name, timestamps, values, spans)


def load_nab(root: str | Path, names: list[str] | None = None) -> list[NabSeries]:
    """Series ``names`` (default: all) of the NAB folder ``root``."""
    return [read_nab_series(root, name) for name in (names if names is not None else nab_series_names(root))]


def _read_windows(root: Path) -> dict[str, list[list[str]]]:
    path = root / WINDOWS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{root} is not a NAB folder: {WINDOWS_FILE} is missing") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise DataError(f"cannot read NAB series {path}: {error}") from None
    if not rows or [cell.strip() for cell in rows[0]] != ["timestamp", "value"]:
        raise DataError(f"{path} must start with the header 'timestamp,value', found {rows[:1]}")
    try:
        timestamps = np.array([_timestamp(row[0]) for row in rows[1:]], dtype="datetime64[s]")
        values = np.array([float(row[1]) for row in rows[1:]], dtype=np.float64)
    except (IndexError, ValueError) as error:
        raise DataError(f"{path} has a malformed row: {error}") from None
    if len(values) < 2:
        raise DataError(f"{path} has {len(values)} row(s); a series needs at least 2")
    return timestamps, values


def _timestamp(text: str) -> np.datetime64:
    return np.datetime64(text.strip().replace(" ", "T"), "s")
