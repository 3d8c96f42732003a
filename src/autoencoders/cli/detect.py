"""``ae detect``: fit autoencoders on a table (or a time series) without labels; write a score and a flag per row."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..data import check_array
from ._common import (
    data_options,
    echo_json,
    naming_the_file,
    output_options,
    read_data,
    save_numpy,
    warn_of_row_ids,
)
from ._series import read_series, warn_of_time_index_channels

OUTPUT_SUFFIXES = (".csv", ".npz")


def write_scores(path: str, scores: np.ndarray, outliers: np.ndarray, threshold: float,
                 top: tuple[np.ndarray, np.ndarray, list[str]] | None = None,
                 times: tuple[str, np.ndarray] | None = None) -> None:
    """Per-row scores and 0/1 flags as CSV (``row,score,outlier``) or .npz (``score``, ``outlier``, ``threshold``);
    with ``top`` = (column indices (N, k), shares (N, k), column names) of explained rows, a ``top_features`` CSV
    column (``name:share`` pairs, empty on rows not flagged) or .npz arrays ``top_features`` / ``top_shares``
    (-1 / 0 on rows not flagged) with ``feature_names``, the columns the indices in ``top_features`` stand for;
    with ``times`` = (the series' time column, its cells (N,)), each step's time stamp as the file writes it, in a
    CSV column of that name after ``row`` or .npz arrays ``times`` and ``time_column``."""
    from ..checkpoint import atomic_write

    target = Path(path)
    if target.suffix.lower() == ".npz":
        extra = {} if top is None else {"top_features": top[0], "top_shares": top[1],
                                        "feature_names": np.asarray(top[2], dtype=str)}  # what the indices name
        if times is not None:
            extra |= {"times": np.asarray(times[1], dtype=str), "time_column": times[0]}
        atomic_write(target, lambda tmp: save_numpy(tmp, np.savez, score=scores, outlier=outliers,
                                                    threshold=threshold, **extra))
        return
    stamps = [""] * len(scores) if times is None else [csv_cell(stamp) + "," for stamp in times[1]]
    header = "row," + ("" if times is None else csv_cell(times[0]) + ",") + "score,outlier"
    lines = [f"{i},{stamp}{score:.9g},{flag}" for i, (stamp, score, flag) in
             enumerate(zip(stamps, scores, outliers, strict=True))]
    if top is not None:
        columns, shares, names = top
        header += ",top_features"
        lines = [line + "," + ";".join(f"{names[c]}:{share:.3f}" for c, share in zip(cs, ss, strict=True) if c >= 0)
                 for line, cs, ss in zip(lines, columns, shares, strict=True)]
    atomic_write(target, lambda tmp: tmp.write_text("\n".join([header, *lines]) + "\n"))


def csv_cell(text: str) -> str:
    """``text`` as one CSV cell: quoted when it holds a comma, a quote or a line break (a time "Jan 5, 2024")."""
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n\r') else text


def top_features(contributions: np.ndarray, flagged: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` columns contributing most to each flagged row's score (N, k) and their shares of it (N, k);
    -1 and 0 on rows not flagged."""
    k = min(k, contributions.shape[1])
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :k]  # (N, k)
    shares = np.take_along_axis(contributions, order, axis=1) / np.maximum(
        contributions.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    return np.where(flagged[:, None], order, -1), np.where(flagged[:, None], shares, 0.0)


def contamination_value(value: str | None) -> float | str | None:
    """--contamination: 'auto' or a share in (0, 0.5]."""
    if value is None or value == "auto":
        return value
    try:
        share = float(value)
    except ValueError:
        raise click.BadParameter(f"must be 'auto' or a number in (0, 0.5], got {value!r}") from None
    if not 0 < share <= 0.5:
        raise click.BadParameter(f"must be in (0, 0.5], got {value}")
    return share


@click.command()
@data_options
@output_options("Where to write per-row scores and flags: .csv (row,score,outlier; with --window on a table with "
                "a time column, row,TIME,score,outlier: each step's time stamp as the file writes it) or .npz.")
@click.option("--contamination", default=None, callback=lambda _ctx, _param, value: contamination_value(value),
              help="Share of rows to flag as outliers, in (0, 0.5], or 'auto': rows scored beyond the far fence of "
                   "all scores, Q3 + 3 IQR  [default: 0.1 unless --quantile is given]")
@click.option("--quantile", type=float, default=None,
              help="Flag rows whose score is above this quantile of all scores, in (0, 1) (0.99 flags the top 1%).")
@click.option("--n-estimators", type=int, default=1, show_default=True,
              help="Autoencoders in the ensemble (tables; not with --window).")
@click.option("--combine", default=None,
              help="How the table detector scores a row (AutoencoderOutlierDetector's `combine`: tail, "
                   "tail_isolation, knn, ...)  [default: the detector's]")
@click.option("--window", type=click.IntRange(min=1), default=None,
              help="Treat the rows as consecutive time steps (columns = channels; a column of dates or times is the "
                   "steps' time stamps, written beside their scores) and score each step from sliding windows of "
                   "this many steps with the `sequence` autoencoder.")
@click.option("--explain", is_flag=True,
              help="Name the columns that contribute most to each flagged row's score, with their shares of it: "
                   "a column's share is how much the score falls when that column alone is set to what the model "
                   "reconstructs for it from the rest of the row (tables only).")
@click.option("--top", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many columns --explain names per flagged row.")
@click.option("--seed", type=int, default=0, show_default=True)
def detect(data, data_dir, split, label_column, out, contamination, quantile, n_estimators, combine, window, explain,
           top, seed):
    """Score every row of --data for abnormality (higher = more abnormal) with autoencoders fitted on all rows,
    without labels, and flag the outliers: an ensemble of MLP autoencoders on table rows, or with --window a
    sequence autoencoder on a time series. Labels in the data (--label-column, `y` in an .npz; 1 = anomaly, of text
    labels the one sorted last, named in the output) are only used to report ROC-AUC and average precision."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from ..applications.anomaly import COMBINATIONS, fence
    from ..applications.series_anomaly import series_anomaly_scores
    from ..sklearn import AutoencoderOutlierDetector

    if contamination is not None and quantile is not None:
        raise click.UsageError("give --contamination or --quantile, not both")
    if quantile is not None and not 0 < quantile < 1:
        raise click.BadParameter(f"must be in (0, 1), got {quantile}", param_hint="--quantile")
    if explain and window is not None:
        raise click.UsageError("--explain names table columns; it does not apply to a time series (--window)")
    context = click.get_current_context()
    if window is not None and context.get_parameter_source("n_estimators") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--n-estimators sizes the ensemble of the table detector; a time series (--window) "
                               "is scored by one sequence autoencoder")
    if combine is not None and combine not in COMBINATIONS:
        raise click.BadParameter(f"must be one of {', '.join(COMBINATIONS)}, got {combine!r}", param_hint="--combine")
    if combine is not None and window is not None:
        raise click.UsageError("--combine sets how the table detector scores a row; a time series (--window) is "
                               "scored by the sequence autoencoder's own score")
    contamination = 0.1 if contamination is None else contamination
    if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{out!r} must end in {' or '.join(OUTPUT_SUFFIXES)}", param_hint="--out")
    times = None
    if window is not None:
        series = read_series(data, data_dir, split, label_column)
        dataset, X = series.dataset, check_array(series.values, f"data from {data}")  # (T, C)
        warn_of_time_index_channels(series, data)
        times = None if series.time_column is None else (series.time_column, series.times)
        scores = series_anomaly_scores(X, window, seed=seed)  # (N,) one per time step
    else:
        dataset = read_data(data, data_dir, split, label_column)
        # a table stays a DataFrame: the detector's tabular path one-hot encodes categories and flags gaps
        X = dataset.X if dataset.is_table else check_array(dataset.X, f"data from {data}").reshape(len(dataset.X), -1)
        warn_of_row_ids(dataset, data)
        chosen = {} if combine is None else {"combine": combine}
        with naming_the_file(data):
            detector = AutoencoderOutlierDetector(n_estimators=n_estimators, random_state=seed, **chosen).fit(X)
        scores = -detector.score_samples(X)  # (N,) higher = more abnormal
    if quantile is None and contamination == "auto":
        threshold = fence(scores)
    else:
        threshold = float(np.quantile(scores, 1 - contamination if quantile is None else quantile))
    outliers = (scores > threshold).astype(np.int64)
    ranked = None
    if explain:
        names = list(X.columns) if dataset.is_table else list(getattr(dataset, "feature_names", None) or [
            str(i) for i in range(X.shape[1])])
        flagged = np.flatnonzero(outliers)  # only the flagged rows are explained (each costs 16 repairs)
        contributions = np.zeros((len(X), len(names)))
        if len(flagged):
            contributions[flagged] = np.asarray(detector.explain(X.iloc[flagged] if hasattr(X, "iloc") else X[flagged]))
        ranked = (*top_features(contributions, outliers == 1, top), names)
    write_scores(out, scores, outliers, threshold, ranked, times)
    summary = {"data": str(data), "n_rows": len(X), "n_features": X.shape[1], "threshold": threshold,
               "flagged": int(outliers.sum()), "out": str(out)}
    if times is not None:  # the rows of --out are named by it too
        summary["time_column"] = times[0]
    if dataset.y is not None and len(np.unique(dataset.y)) == 2:
        labels = np.asarray(dataset.y) == np.max(dataset.y)
        summary.update(roc_auc=float(roc_auc_score(labels, scores)), average_precision=float(
            average_precision_score(labels, scores)))
        if dataset.label_names:  # text labels: the one sorted last is taken for the anomalies; say which
            summary["anomaly_label"] = dataset.label_names[int(np.max(dataset.y))]
    echo_json(summary)


COMMANDS = [detect]
