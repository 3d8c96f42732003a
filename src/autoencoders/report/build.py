"""Write a run's report: every section that applies, as PNGs plus one self-contained ``report.html``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..checkpoint import refuse_existing
from ..data import Scaler
from ..data.validation import check_array
from ..errors import DataError
from ..inference import evaluating
from ..models._base import Autoencoder
from ..training.run_folder import REPORT_FILE
from .html import write_html
from .sections import FIGURES, SECTIONS, ReportInputs, RunRecords

MAX_EXAMPLES = 2000  # rows pictured (code map, score histogram); a seeded random subset of larger data


def write_report(out_dir: str | Path, model: Autoencoder, X: np.ndarray, y: np.ndarray | None = None, *,
                 scaler: Scaler | None = None, records: RunRecords | None = None,
                 anomaly_scores: np.ndarray | None = None, threshold: float | None = None,
                 label_names: Sequence[str] = (), rows: str = "", progress: bool | None = None,
                 overwrite: bool = False) -> Path:
    """Write ``report.html`` and its PNGs to ``out_dir`` for ``model`` shown on rows ``X`` (model units).

    ``scaler`` maps ``X`` back to the data's units for pictures (default: none); ``records`` are the run's
    history, config and metrics (default: read from ``out_dir``); ``anomaly_scores`` (n,), higher = more
    abnormal, e.g. a detector's, replace the reconstruction error in the score histogram, with ``threshold``;
    ``label_names`` name the label codes 0..k-1 of ``y`` in the code map's legend; ``rows`` says in the summary
    which rows ``X`` are (e.g. "the test rows, held out from training"), since every picture is drawn on them.
    ``progress``: None shows a bar only on an interactive terminal. A report (or one of its PNGs) already in
    ``out_dir`` is a FileExistsError, before any work, unless ``overwrite``.
    """
    out_dir = Path(out_dir)
    refuse_existing([out_dir / name for name in (REPORT_FILE, *(f"{figure}.png" for figure in FIGURES))], overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    X = check_array(X, sample_shape=model.input_shape)
    y, anomaly_scores = (None if values is None else np.asarray(values) for values in (y, anomaly_scores))
    for name, values in (("y", y), ("anomaly_scores", anomaly_scores)):
        if values is not None and len(values) != len(X):
            raise DataError(f"{name} has {len(values)} values for {len(X)} rows of X")
    if label_names and y is not None and not np.isin(y, np.arange(len(label_names))).all():
        raise DataError(f"label_names name the codes 0..{len(label_names) - 1}; y must hold only those")
    if len(X) > MAX_EXAMPLES:
        rows = "; ".join(filter(None, [rows, f"a random {MAX_EXAMPLES:,} of these {len(X):,}"]))
        chosen = np.sort(np.random.default_rng(0).choice(len(X), MAX_EXAMPLES, replace=False))
        X, y, anomaly_scores = (None if values is None else values[chosen] for values in (X, y, anomaly_scores))
    if scaler is None:
        scaler = Scaler("none", np.zeros(model.input_shape, np.float32), np.ones(model.input_shape, np.float32))
    inputs = ReportInputs(out_dir, model, X, y, scaler,
                          records or RunRecords.read(out_dir), anomaly_scores, threshold, tuple(label_names), rows)
    bar = tqdm(SECTIONS, desc="report", unit="section", disable=None if progress is None else not progress)
    with evaluating(model):  # the caller's mode is given back
        sections = [section for make in bar if (section := make(inputs)) is not None]
    title = f"{model.name} autoencoder on {inputs.records.metrics.get('data', 'data')}"
    return write_html(out_dir / REPORT_FILE, title, sections)  # claimed above
