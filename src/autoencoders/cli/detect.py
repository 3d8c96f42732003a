"""``ae detect``: fit autoencoders on a table (or a time series) without labels; write a score and a flag per row."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ..applications.anomaly import series_anomaly_scores
from ..data import check_array
from ..sklearn import AutoencoderOutlierDetector
from ._common import data_options, echo_json, read_data

OUTPUT_SUFFIXES = (".csv", ".npz")


def write_scores(path: str, scores: np.ndarray, outliers: np.ndarray, threshold: float) -> None:
    """Per-row scores and 0/1 flags as CSV (``row,score,outlier``) or .npz (``score``, ``outlier``, ``threshold``)."""
    target = Path(path)
    if target.suffix.lower() == ".csv":
        table = np.column_stack([np.arange(len(scores)), scores, outliers])  # (N, 3)
        np.savetxt(target, table, delimiter=",", fmt=["%d", "%.9g", "%d"], header="row,score,outlier", comments="")
    else:
        np.savez(target, score=scores, outlier=outliers, threshold=threshold)


@click.command()
@data_options
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Where to write per-row scores and flags: .csv (row,score,outlier) or .npz.")
@click.option("--contamination", type=float, default=None,
              help="Share of rows to flag as outliers, in (0, 0.5]  [default: 0.1 unless --quantile is given]")
@click.option("--quantile", type=float, default=None,
              help="Flag rows whose score is above this quantile of all scores, in (0, 1) (0.99 flags the top 1%).")
@click.option("--n-estimators", type=int, default=1, show_default=True, help="Autoencoders in the ensemble.")
@click.option("--window", type=int, default=None,
              help="Treat the rows as consecutive time steps (columns = channels) and score each step from sliding "
                   "windows of this many steps with the `sequence` autoencoder.")
@click.option("--seed", type=int, default=0, show_default=True)
def detect(data, data_dir, split, label_column, out, contamination, quantile, n_estimators, window, seed):
    """Score every row of --data for abnormality (higher = more abnormal) with autoencoders fitted on all rows,
    without labels, and flag the outliers: an ensemble of MLP autoencoders on table rows, or with --window a
    sequence autoencoder on a time series. Labels in the data (--label-column, `y` in an .npz; 1 = anomaly) are
    only used to report ROC-AUC and average precision."""
    if contamination is not None and quantile is not None:
        raise click.UsageError("give --contamination or --quantile, not both")
    if quantile is not None and not 0 < quantile < 1:
        raise click.BadParameter(f"must be in (0, 1), got {quantile}", param_hint="--quantile")
    contamination = 0.1 if contamination is None else contamination
    if not 0 < contamination <= 0.5:
        raise click.BadParameter(f"must be in (0, 0.5], got {contamination}", param_hint="--contamination")
    if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{out!r} must end in {' or '.join(OUTPUT_SUFFIXES)}", param_hint="--out")
    dataset = read_data(data, data_dir, split, label_column)
    # a table stays a DataFrame: the detector's tabular path one-hot encodes categories and flags gaps
    X = dataset.X if dataset.is_table and window is None else check_array(dataset.X, f"data from {data}").reshape(
        len(dataset.X), -1)  # (N, D)
    if window is not None:
        scores = series_anomaly_scores(X, window, seed=seed)  # (N,) one per time step
    else:
        detector = AutoencoderOutlierDetector(n_estimators=n_estimators, random_state=seed).fit(X)
        scores = -detector.score_samples(X)  # (N,) higher = more abnormal
    threshold = float(np.quantile(scores, 1 - contamination if quantile is None else quantile))
    outliers = (scores > threshold).astype(np.int64)
    write_scores(out, scores, outliers, threshold)
    summary = {"data": str(data), "n_rows": len(X), "n_features": X.shape[1], "threshold": threshold,
               "flagged": int(outliers.sum()), "out": str(out)}
    if dataset.y is not None and len(np.unique(dataset.y)) == 2:
        labels = np.asarray(dataset.y) == np.max(dataset.y)
        summary.update(roc_auc=float(roc_auc_score(labels, scores)), average_precision=float(
            average_precision_score(labels, scores)))
    echo_json(summary)


COMMANDS = [detect]
