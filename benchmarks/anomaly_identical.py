"""Whether the outlier detector's scores are bit-identical to a stored reference: for speed work that must not
change a score. Fits ``AutoencoderOutlierDetector(random_state=0)`` on every .npz set of the given folders (at most
20,000 rows, drawn with ``np.random.default_rng(0)``) and keeps ``score_samples`` of every row, ``explain`` of five
rows and the scores after ``save``/``load``; a few small sets also with other options (an ensemble, no trimming,
the isolation combinations), so that the paths the default does not take are covered too.

    # once, with the code to compare against on the path:
    PYTHONPATH=/work/main/src .venv/bin/python benchmarks/anomaly_identical.py --store runs/identical_ref
    # after each change:
    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/anomaly_identical.py --check runs/identical_ref
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from _common import SHARED_DATA, reference_arguments
from anomaly_selection import OUTSIDE
from autoencoders.sklearn import AutoencoderOutlierDetector

FOLDERS = (SHARED_DATA / "adbench", OUTSIDE)  # the 22 shared ADBench sets and the 21 outside them
MAX_ROWS = 20_000
EXPLAINED_ROWS = 5
# Options beside the default, tried on the sets of at most VARIANT_ROWS rows.
VARIANTS = {"ensemble": {"n_estimators": 3}, "untrimmed": {"trim": 0.0},
            "isolation": {"combine": "tail_isolation", "isolation_trim": True},
            "core": {"combine": "tail_isolation_core"}}
VARIANT_ROWS = 500


def load_rows(path: Path) -> np.ndarray:
    """The set's rows (n, D) as float64, at most MAX_ROWS of them."""
    with np.load(path) as data:
        X = data["X"].astype(np.float64)
    if len(X) > MAX_ROWS:
        X = X[np.sort(np.random.default_rng(0).choice(len(X), MAX_ROWS, replace=False))]
    return X


def outputs(X: np.ndarray, options: dict) -> dict[str, np.ndarray]:
    """Scores (n,), explanations of the first rows (r, D) and the scores of the saved and loaded detector (n,)."""
    detector = AutoencoderOutlierDetector(random_state=0, **options).fit(X)
    with tempfile.TemporaryDirectory() as folder:
        reloaded = AutoencoderOutlierDetector.load(detector.save(Path(folder) / "detector"))
        reloaded_scores = reloaded.score_samples(X)
    return {"scores": detector.score_samples(X), "explain": detector.explain(X[:EXPLAINED_ROWS]),
            "reloaded": reloaded_scores, "offset": np.array(detector.offset_)}


def cases() -> list[tuple[str, Path, dict]]:
    """(name, set, options) of every fit to compare."""
    sets = sorted(path for folder in FOLDERS for path in folder.glob("*.npz"))
    found = [(path.stem, path, {}) for path in sets]
    small = [path for path in sets if np.load(path)["X"].shape[0] <= VARIANT_ROWS]
    return found + [(f"{path.stem}.{name}", path, options) for name, options in VARIANTS.items() for path in small]


def main() -> None:
    args = reference_arguments(__doc__, "folder")
    torch.set_num_threads(1)
    differing, began = [], time.perf_counter()
    for name, path, options in cases():
        found = outputs(load_rows(path), options)
        if found["reloaded"].tobytes() != found["scores"].tobytes():
            differing.append(f"{name}: save/load")
        if args.store:
            args.store.mkdir(parents=True, exist_ok=True)
            np.savez(args.store / f"{name}.npz", **found)
            continue
        with np.load(args.check / f"{name}.npz") as reference:
            differing += [f"{name}: {key}" for key in found if not np.array_equal(found[key], reference[key])]
        print(f"{name:40s} {'differs' if differing and differing[-1].startswith(name) else 'identical'}", flush=True)
    print(f"{len(cases())} fits in {time.perf_counter() - began:.0f} s; "
          + ("every output identical" if not differing else f"DIFFERENT: {', '.join(differing)}"))
    if differing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
