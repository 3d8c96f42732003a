"""``ae detect``: fit autoencoders on a table (or a time series) without labels; write a score and a flag per row."""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import numpy as np

from ..data import check_array
from ..errors import DataError
from ._common import (
    data_options,
    echo_json,
    naming_the_file,
    output_options,
    read_data,
    save_numpy,
    table_options,
    text_columns,
    warn_of_row_ids,
)

OUTPUT_SUFFIXES = (".csv", ".npz")


def write_scores(path: str, scores: np.ndarray, outliers: np.ndarray, threshold: float,
                 top: tuple[np.ndarray, np.ndarray, list[str]] | None = None) -> None:
    """Per-row scores and 0/1 flags as CSV (``row,score,outlier``) or .npz (``score``, ``outlier``, ``threshold``);
    with ``top`` = (column indices (N, k), shares (N, k), column names) of explained rows, a ``top_features`` CSV
    column (``name:share`` pairs, empty on rows not flagged) or .npz arrays ``top_features`` / ``top_shares``
    (-1 / 0 on rows not flagged) with ``feature_names``, the columns the indices in ``top_features`` stand for."""
    from ..checkpoint import atomic_write

    target = Path(path)
    if target.suffix.lower() == ".npz":
        extra = {} if top is None else {"top_features": top[0], "top_shares": top[1],
                                        "feature_names": np.asarray(top[2], dtype=str)}  # what the indices name
        atomic_write(target, lambda tmp: save_numpy(tmp, np.savez, score=scores, outlier=outliers,
                                                    threshold=threshold, **extra))
        return
    header, lines = "row,score,outlier", [f"{i},{score:.9g},{flag}" for i, (score, flag) in
                                          enumerate(zip(scores, outliers, strict=True))]
    if top is not None:
        columns, shares, names = top
        header += ",top_features"
        lines = [line + "," + ";".join(f"{names[c]}:{share:.3f}" for c, share in zip(cs, ss, strict=True) if c >= 0)
                 for line, cs, ss in zip(lines, columns, shares, strict=True)]
    atomic_write(target, lambda tmp: tmp.write_text("\n".join([header, *lines]) + "\n"))


def top_features(contributions: np.ndarray, flagged: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` columns contributing most to each flagged row's score (N, k) and their shares of it (N, k);
    -1 and 0 on rows not flagged."""
    k = min(k, contributions.shape[1])
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :k]  # (N, k)
    shares = np.take_along_axis(contributions, order, axis=1) / np.maximum(
        contributions.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    return np.where(flagged[:, None], order, -1), np.where(flagged[:, None], shares, 0.0)


def time_index_channels(X: np.ndarray) -> list[int]:
    """The channels of a series ``X`` (n_steps, channels) that never fall, rise overall and hold whole numbers on
    every step: a time index (epoch seconds) or a step number, which the model would learn as a measurement (its
    windows' levels grow to the series' end, so the ends look far from the rest)."""
    whole = (np.round(X) == X).all(axis=0)  # (C,)
    rising = (np.diff(X, axis=0) >= 0).all(axis=0) & (X[-1] > X[0])  # (C,)
    return np.flatnonzero(whole & rising).tolist()


def warn_of_times_out_of_order(data: str) -> None:
    """The dropped columns of a series table (--drop timestamp, as the error for a text column advises) that hold
    times going back or repeating: the series is scored in file order, so its windows would splice stretches of
    time without a word."""
    import dataclasses

    import pandas as pd

    from ..data.table_files import read_table

    dropped = table_options().drop
    if not dropped:
        return
    frame = read_table(Path(data), None, dataclasses.replace(table_options(), columns=dropped, drop=())).X
    for name in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[name]):  # a measurement left out may rise and fall as it likes
            continue
        with warnings.catch_warnings():  # a column that is no time (an ID) parses to NaT, or with a format warning
            warnings.simplefilter("ignore")
            times = pd.to_datetime(frame[name], errors="coerce", format="mixed", utc=True)  # offsets: one clock
        if times.isna().any():
            continue
        steps = times.diff().dt.total_seconds().to_numpy()[1:]  # (T-1,)
        back, same = np.flatnonzero(steps < 0) + 1, np.flatnonzero(steps == 0) + 1  # rows counted from 0
        said = [f"{what} at {len(rows)} row(s), first row {rows[0]}"
                for what, rows in (("goes back", back), ("repeats the row before", same)) if len(rows)]
        if said:
            warnings.warn(f"{data}: {name} {' and '.join(said)} (rows counted from 0); the series is scored in file "
                          "order: sort the file by it (and merge repeated times) if that order is not time's",
                          stacklevel=3)


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
@output_options("Where to write per-row scores and flags: .csv (row,score,outlier) or .npz.")
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
              help="Treat the rows as consecutive time steps (columns = channels) and score each step from sliding "
                   "windows of this many steps with the `sequence` autoencoder.")
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
    dataset = read_data(data, data_dir, split, label_column, series=window is not None)
    if window is not None and dataset.is_table:
        text = text_columns(dataset.X)
        if text:
            raise DataError(f"a time series (--window) takes numeric columns; {', '.join(text)} hold(s) text "
                            f"(a timestamp?): leave it out with --drop {','.join(text)}")
    # a table stays a DataFrame: the detector's tabular path one-hot encodes categories and flags gaps
    X = dataset.X if dataset.is_table and window is None else check_array(dataset.X, f"data from {data}").reshape(
        len(dataset.X), -1)  # (N, D)
    if window is not None:
        names = list(dataset.X.columns) if dataset.is_table else [f"channel {i}" for i in range(X.shape[1])]
        for channel in time_index_channels(X):
            warnings.warn(f"{data}: {names[channel]} never falls and holds whole numbers, like a time index or a step "
                          "number, which the model would take as a measurement; if it is one, leave it out"
                          + (f" with --drop {names[channel]}" if dataset.is_table else ""), stacklevel=2)
        if dataset.is_table:
            warn_of_times_out_of_order(data)
        scores = series_anomaly_scores(X, window, seed=seed)  # (N,) one per time step
    else:
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
    write_scores(out, scores, outliers, threshold, ranked)
    summary = {"data": str(data), "n_rows": len(X), "n_features": X.shape[1], "threshold": threshold,
               "flagged": int(outliers.sum()), "out": str(out)}
    if dataset.y is not None and len(np.unique(dataset.y)) == 2:
        labels = np.asarray(dataset.y) == np.max(dataset.y)
        summary.update(roc_auc=float(roc_auc_score(labels, scores)), average_precision=float(
            average_precision_score(labels, scores)))
        if dataset.label_names:  # text labels: the one sorted last is taken for the anomalies; say which
            summary["anomaly_label"] = dataset.label_names[int(np.max(dataset.y))]
    echo_json(summary)


COMMANDS = [detect]
