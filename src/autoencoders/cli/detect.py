"""``ae detect``: fit autoencoders on a table (or a time series) without labels; write a score and a flag per row."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..data import check_array
from ._data_options import data_options, fitting_on, read_data, warn_of_row_ids
from ._outputs import RowKeys, echo_json, output_options, refuse_keys_named_as, save_numpy
from ._run_data import read_run_data
from ._run_model import load_run, model_inputs
from ._series import read_series, run_series_settings, warn_of_time_index_channels

OUTPUT_SUFFIXES = (".csv", ".npz")
SCORE_COLUMNS = ("row", "score", "outlier", "top_features")  # the CSV --out's own columns


def write_scores(path: str, scores: np.ndarray, outliers: np.ndarray, threshold: float,
                 top: tuple[np.ndarray, np.ndarray, list[str]] | None = None, keys: RowKeys | None = None) -> None:
    """Per-row scores and 0/1 flags as CSV (``row,score,outlier``) or .npz (``score``, ``outlier``, ``threshold``);
    with ``top`` = (column indices (N, k), shares (N, k), column names) of explained rows, a ``top_features`` CSV
    column (``name:share`` pairs, empty on rows not flagged) or .npz arrays ``top_features`` / ``top_shares``
    (-1 / 0 on rows not flagged) with ``feature_names``, the columns the indices in ``top_features`` stand for;
    with ``keys`` (a series' time column, or a table's --drop columns), each row's cells of them, in CSV columns
    of their names after ``row`` or the .npz arrays of :meth:`RowKeys.npz_arrays`."""
    from ..checkpoint import atomic_write

    target = Path(path)
    if target.suffix.lower() == ".npz":
        extra = {} if top is None else {"top_features": top[0], "top_shares": top[1],
                                        "feature_names": np.asarray(top[2], dtype=str)}  # what the indices name
        if keys is not None:
            extra |= keys.npz_arrays()
        atomic_write(target, lambda tmp: save_numpy(tmp, np.savez, score=scores, outlier=outliers,
                                                    threshold=threshold, **extra))
        return
    cells = [""] * len(scores) if keys is None else ["".join(csv_cell(cell) + "," for cell in row)
                                                     for row in keys.texts()]
    header = "row," + ("" if keys is None else "".join(csv_cell(name) + "," for name in keys.names)) + "score,outlier"
    lines = [f"{i},{named}{score:.9g},{flag}" for i, (named, score, flag) in
             enumerate(zip(cells, scores, outliers, strict=True))]
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
@click.argument("run", type=click.Path(exists=True), required=False)
@data_options
@output_options("Where to write per-row scores and flags: .csv (row,score,outlier; with --window or RUN on a table "
                "with a time column, row,TIME,score,outlier: each step's time stamp as the file writes it; a table's "
                "--drop columns, its IDs, after row likewise) or .npz.")
@click.option("--contamination", default=None, callback=lambda _ctx, _param, value: contamination_value(value),
              help="Share of rows to flag as outliers, in (0, 0.5], or 'auto': rows scored beyond the far fence of "
                   "all scores, Q3 + 3 IQR. With RUN the threshold is the higher of the share or fence of the "
                   "scores of the steps the run held out for testing and of its training steps' (these alone where "
                   "it held out none or too few), and the steps of --data scored above it are flagged  [default: 0.1 "
                   "unless --quantile is given]")
@click.option("--quantile", type=float, default=None,
              help="Flag rows whose score is above this quantile of all scores (with RUN: the higher of this "
                   "quantile of the held-out and of the training steps' scores, as --contamination), in (0, 1) "
                   "(0.99 flags the top 1%).")
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
def detect(run, data, data_dir, split, label_column, out, contamination, quantile, n_estimators, combine, window,
           explain, top, seed):
    """Score every row of --data for abnormality (higher = more abnormal) with autoencoders fitted on all rows,
    without labels, and flag the outliers: an ensemble of MLP autoencoders on table rows, or with --window a
    sequence autoencoder on a time series. Labels in the data (--label-column, `y` in an .npz; 1 = anomaly, of text
    labels the one sorted last, named in the output) are only used to report ROC-AUC and average precision.

    With RUN, a run trained on a series' windows (ae train --window), no model is fitted: each step of the series
    in --data (by default the run's own file) is scored by the run's model, from the windows cut as the run's
    were, measured against the windows the run trained on (its file less the steps held out for testing): their
    statistics normalise the scores, and the threshold is the higher of the share to flag of the held-out steps'
    scores (scored alike, unseen in training) and of the training steps' own (these alone where the run held out
    none or too few): neither stretch is flagged beyond the share asked. Stretches that score far apart (the series
    drifted) are warned of, also where the held-out steps are too few for a threshold and score higher. A step's
    score is the mean of the windows covering it: the first and last window - 1 steps of a series, covered by fewer,
    score more widely and are flagged more often; the summary's flagged_in_end_steps counts their flags."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from ..applications.anomaly import COMBINATIONS, TiedThresholdWarning, fence, warn_of_ties
    from ..applications.series_anomaly import series_anomaly_scores
    from ..sklearn import AutoencoderOutlierDetector

    if contamination is not None and quantile is not None:
        raise click.UsageError("give --contamination or --quantile, not both")
    if quantile is not None and not 0 < quantile < 1:
        raise click.BadParameter(f"must be in (0, 1), got {quantile}", param_hint="--quantile")
    if combine is not None and combine not in COMBINATIONS:
        raise click.BadParameter(f"must be one of {', '.join(COMBINATIONS)}, got {combine!r}", param_hint="--combine")
    refuse_what_a_series_takes_not(explain, combine, window, run)
    if not explain and click.get_current_context().get_parameter_source("top") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--top sets how many columns --explain names per flagged row: give --explain too")
    contamination = 0.1 if contamination is None else contamination
    if Path(out).suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.BadParameter(f"{out!r} must end in {' or '.join(OUTPUT_SUFFIXES)}", param_hint="--out")
    reference = None
    if run is not None:
        dataset, X, scores, keys, reference = scored_with_run(run, data, data_dir, split, label_column, window, out)
    elif window is not None:
        series = read_series(data, data_dir, split, label_column)
        keys = series.time_keys()
        refuse_ids_named_as_scores(keys, out)
        dataset, X = series.dataset, check_array(series.values, f"data from {data}")  # (T, C)
        warn_of_time_index_channels(series, data)
        scores = series_anomaly_scores(X, window, seed=seed)  # (N,) one per time step
    else:
        dataset = read_data(data, data_dir, split, label_column)
        # a table stays a DataFrame: the detector's tabular path one-hot encodes categories and flags gaps
        X = dataset.X if dataset.is_table else check_array(dataset.X, f"data from {data}").reshape(len(dataset.X), -1)
        warn_of_row_ids(dataset, data)
        keys = RowKeys.of_table(dataset)  # its --drop columns: the rows' IDs, to join the scores back to the file
        refuse_ids_named_as_scores(keys, out)
        chosen = {} if combine is None else {"combine": combine}
        with fitting_on(data), warnings.catch_warnings():
            # the detector's ties at its own contamination's threshold: the threshold here is --contamination's or
            # --quantile's, whose ties are warned of below
            warnings.simplefilter("ignore", TiedThresholdWarning)
            detector = AutoencoderOutlierDetector(n_estimators=n_estimators, random_state=seed, **chosen).fit(X)
        scores = -detector.score_samples(X)  # (N,) higher = more abnormal
    share = None if quantile is None and contamination == "auto" else (
        contamination if quantile is None else 1 - quantile)
    def threshold_of(values: np.ndarray) -> float:
        return fence(values) if share is None else float(np.quantile(values, 1 - share))

    measured, measured_on = (scores, None) if reference is None else reference.threshold_steps(share)
    threshold = threshold_of(measured)
    if reference is not None and measured is not reference.training:
        measured, threshold, measured_on = reference.guarded(threshold, threshold_of(reference.training), measured,
                                                             measured_on)
    elif reference is not None:  # too few held-out steps for a threshold: still compared with the one taken
        reference.warn_of_held_out_above(threshold)
    if share is not None:
        asked = f"--contamination {contamination}" if quantile is None else f"--quantile {quantile}"
        warn_of_ties(measured, threshold, share, asked)
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
    write_scores(out, scores, outliers, threshold, ranked, keys)
    summary = {} if run is None else {"run": str(run)}
    summary |= {"data": dataset.source, "n_rows": len(X), "n_features": X.shape[1], "threshold": threshold,
                "flagged": int(outliers.sum()), "out": str(out)}  # data: with RUN, the run's own file by default
    if measured_on is not None:
        summary["threshold_measured_on"] = measured_on
    if reference is not None:
        summary["flagged_in_end_steps"] = reference.flagged_at_the_ends(outliers)
    if keys is not None:  # the rows of --out are named by them too
        summary |= {"time_column": keys.names[0]} if keys.times else {"id_columns": keys.names}
    if dataset.y is not None and len(np.unique(dataset.y)) == 2:
        labels = np.asarray(dataset.y) == np.max(dataset.y)
        summary.update(roc_auc=float(roc_auc_score(labels, scores)), average_precision=float(
            average_precision_score(labels, scores)))
        if dataset.label_names:  # text labels: the one sorted last is taken for the anomalies; say which
            summary["anomaly_label"] = dataset.label_names[int(np.max(dataset.y))]
    echo_json(summary)


def refuse_ids_named_as_scores(keys: RowKeys | None, out: str) -> None:
    """Refuse, before fitting or scoring, --drop columns (or a series' time column) that a CSV --out would write
    under the name of one of its own."""
    if Path(out).suffix.lower() == ".csv":
        arrays = "times and time_column" if keys is not None and keys.times else "ids and id_columns"
        refuse_keys_named_as(keys, SCORE_COLUMNS, f"write --out as .npz (they go in the arrays {arrays})")


def refuse_what_a_series_takes_not(explain: bool, combine: str | None, window: int | None, run: str | None) -> None:
    """Refuse the table detector's options for a time series (--window, or one scored with a windows RUN), and
    with RUN the options of a model ``ae detect`` fits itself."""
    if window is None and run is None:
        return
    series = "a time series (--window)" if run is None else "a series scored with RUN"
    scorer = "one sequence autoencoder" if run is None else "the run's model"
    context = click.get_current_context()
    given = {name for name in ("n_estimators", "seed")
             if context.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    if explain:
        raise click.UsageError(f"--explain names table columns; it does not apply to {series}")
    if "n_estimators" in given:
        raise click.UsageError(f"--n-estimators sizes the ensemble of the table detector; {series} is scored by "
                               f"{scorer}")
    if combine is not None:
        raise click.UsageError(f"--combine sets how the table detector scores a row; {series} is scored by "
                               f"{scorer}'s own score")
    if run is not None and "seed" in given:
        raise click.UsageError("--seed seeds the model ae detect fits; with RUN the run's trained model scores the "
                               "series: leave it out")


def scored_with_run(run: str, data: str, data_dir: str | None, split: str, label_column: str | None,
                    window: int | None, out: str) -> tuple:
    """(the series' dataset, its steps (T, C), their scores (T,), the :class:`RowKeys` of its time column or None,
    the :class:`RunReference` the threshold is taken from) of the series in --data (the run's own by default)
    scored by the model of ``run``, a run trained on windows: cut and scaled as the run's windows, each window
    scored as ``--window`` scores with its model but with the statistics of the run's training windows
    (:func:`reference_step_scores`), so that a series is measured against what the run trained on. A time column
    that a CSV ``out`` would write under the name of one of its own columns is refused before scoring."""
    from ..applications.series_anomaly import reference_step_scores
    from ._training_run import _could_remove_level

    if not Path(run).is_dir() and Path(run).suffix != ".safetensors":  # `ae detect series.csv`: --data left out
        raise click.UsageError(f"RUN is a run folder (or its model.safetensors), and {run} is neither: a file to "
                               f"score goes in --data (ae detect --data {run} --window W fits a model on a series)")
    checkpoint, scaler = load_run(run)
    settings = run_series_settings(checkpoint)
    if settings is None:
        raise click.UsageError(f"{run} was not trained on the windows of a series (ae train --window): ae detect RUN "
                               "scores each step of a series with such a run. For rows, ae detect --data fits its "
                               f"own detector, and ae evaluate {run} gives the run's reconstruction errors")
    if window is not None:
        raise click.UsageError(f"the run's windows ({settings['window']} steps, {settings['stride']} apart) are cut "
                               "from the series as in its training: leave out --window (with it and no RUN, ae "
                               "detect fits its own sequence autoencoder)")
    windows = read_run_data(checkpoint, data, data_dir, split, label_column)
    series = windows.series
    if series is None:  # (N, C, L) given as they are: no steps to score
        raise click.UsageError(f"{windows.source} holds windows cut already, of the model's shape; ae detect RUN "
                               "scores each step of a series: give the series they were cut from")
    refuse_ids_named_as_scores(series.time_keys(), out)
    own = series if windows.source == (checkpoint.extra.get("data") or {}).get("source") else None  # read already
    training, whole, source = run_training_windows(run, checkpoint, data_dir, own)  # ((M, C, L), T'), ((K, C, L), T)
    reference = model_inputs(checkpoint, scaler, training[0])  # (M, C, L) in model units

    def measured(inputs: np.ndarray, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Step scores (n_steps,) of windows (N, C, L) in model units, and the training steps' (T',)."""
        return reference_step_scores(checkpoint.model, inputs, n_steps, reference, training[1], settings["stride"])

    inputs = model_inputs(checkpoint, scaler, windows)  # (N, C, L)
    scores, training_scores = measured(inputs, len(series))  # (T,), (T',)
    # the held-out steps as the run's whole file scores them (T'' - L + 1,), less their first L - 1, which windows
    # that hold training steps cover too: windows cut on the training windows' grid, as the model's scores move
    # with where a window starts (4% on NAB's ec2_cpu_utilization_5f5533 for starts 2 steps off a stride of 4)
    n_held_out, held_out_scores = whole[1] - training[1], np.zeros(0)
    if n_held_out:
        whole_inputs = model_inputs(checkpoint, scaler, whole[0])  # (K, C, L)
        # --data left out: the series scored is the run's whole file, already scored above
        whole_scores = scores if np.array_equal(whole_inputs, inputs) else measured(whole_inputs, whole[1])[0]
        held_out_scores = whole_scores[training[1] + settings["window"] - 1:]
    steps = check_array(series.values, f"data from {windows.source}")  # (T, C)
    return (series.dataset, steps, scores, series.time_keys(),
            RunReference(training_scores, held_out_scores, n_held_out, source, settings["window"],
                         _could_remove_level(checkpoint.model)))


class HeldOutDriftWarning(UserWarning):
    """``ae detect RUN``: the run's held-out steps and its training steps score far apart
    (:meth:`RunReference.warn_of_drift`)."""


@dataclass(frozen=True)
class RunReference:
    """The step scores of a windows run's training steps (T',) and of its held-out test steps past their first
    window - 1 (T'' - L + 1,; none with --test-fraction 0 or --test-data), both under the training windows'
    statistics, from which ``ae detect RUN`` takes its threshold; ``n_held_out`` the steps held out (T''),
    ``source`` the run's training file, ``window`` its windows' length (L), ``level_removable`` whether the run's
    model could have been trained with --remove-level."""

    training: np.ndarray
    held_out: np.ndarray
    n_held_out: int
    source: str
    window: int
    level_removable: bool = False

    def threshold_steps(self, share: float | None) -> tuple[np.ndarray, str]:
        """(the step scores to take the threshold of, which steps they are in words) for flagging ``share`` of
        them (None: the ``auto`` fence). The held-out steps, as a calibration set, where there are enough of them:
        the training steps' scores are in sample (the model fitted them), so unseen clean steps would cross a
        threshold taken of them more often than asked. Enough: a window's length of steps, and of them at least a
        window's length above the share's quantile (window / share steps): the scores of the steps one window
        covers move together, so fewer would leave the quantile to the scores of a window or two."""
        n_training, n_kept, skipped = len(self.training), len(self.held_out), self.window - 1
        # rounded first: 16 / 0.05 is 320.00000000000006 in floating point, and 320 steps hold 16 above 5%
        needed = self.window if share is None else int(np.ceil(round(self.window / share, 9)))
        if n_kept >= needed:
            return self.held_out, (f"the run's held-out test steps: the last {self.n_held_out} of {self.source} "
                                   f"but their first {skipped} (which windows with training steps cover), unseen in "
                                   f"training and scored under its first {n_training} steps' statistics")
        if self.n_held_out:
            return self.training, (
                f"the run's training steps: the first {n_training} of {self.source} (its last {self.n_held_out}, "
                f"held out for testing, leave {n_kept} past their first {skipped}, fewer than the {needed} a "
                "threshold needs here; in-sample scores, so unseen steps may cross it more often than asked)")
        return self.training, (f"the run's training steps: all {n_training} of {self.source} (it held none out for "
                               "testing; in-sample scores, so unseen steps may cross it more often than asked)")

    def guarded(self, held_out: float, in_sample: float, measured: np.ndarray,
                said: str) -> tuple[np.ndarray, float, str]:
        """(the steps, the threshold, those steps in words) of the larger of the two thresholds: the ``held_out``
        steps' unless the training steps' own (``in_sample``) is higher. A held-out stretch calmer than the training
        one (a series that drifts: NAB's ec2_cpu_utilization_5f5533 ends at a lower, steadier level) gives a
        threshold most training steps cross, so a series like the one the run trained on would be flagged nearly
        whole; the larger bound flags at most the share asked of the training steps. Far apart, they are warned of
        (:meth:`warn_of_drift`)."""
        self.warn_of_drift(held_out, in_sample)
        if held_out >= in_sample:
            return measured, held_out, said
        return self.training, in_sample, (
            f"the run's training steps: the first {len(self.training)} of {self.source} (the threshold of its "
            f"held-out test steps, {held_out:.6g}, is below theirs: those steps are calmer than the training "
            "stretch, and the lower threshold would flag more than the share asked of the training steps)")

    def warn_of_drift(self, held_out: float, in_sample: float) -> None:
        """A :class:`HeldOutDriftWarning` where the lower of the held-out steps' (``held_out``) and the training
        steps' (``in_sample``) thresholds flags more than :data:`DRIFT_FACTOR` times the share of the other stretch
        that the higher, its own, flags (at least a window's length of its steps, as a fence may flag none)."""
        stretches = sorted([("held-out", self.held_out, held_out), ("training", self.training, in_sample)],
                           key=lambda stretch: stretch[2])
        (low, low_scores, low_threshold), (high, high_scores, high_threshold) = stretches
        own, crossed = np.mean(high_scores > high_threshold), np.mean(high_scores > low_threshold)
        if crossed <= DRIFT_FACTOR * max(own, self.window / len(high_scores)):
            return
        warnings.warn(
            f"the run's {low} steps score lower than its {high} steps: their threshold, {low_threshold:.6g}, is "
            f"{1 - low_threshold / high_threshold:.0%} below the {high} steps' {high_threshold:.6g} and would flag "
            f"{crossed:.1%} of the {high} steps, where theirs flags {own:.1%}; the higher is taken, and flags "
            f"{np.mean(low_scores > high_threshold):.1%} of the {low} steps. {self._drifted()}",
            HeldOutDriftWarning, stacklevel=2)

    def warn_of_held_out_above(self, threshold: float) -> None:
        """Where the held-out steps are too few for a threshold of their own and the training steps' (``threshold``)
        is taken: a :class:`HeldOutDriftWarning` where it flags more than :data:`DRIFT_FACTOR` times the share of
        the held-out steps that it flags of the training steps (at least a window's length of the held-out steps,
        whose scores move together a window at a time). One way only: held-out steps calmer than the training ones
        are flagged less than asked, which a threshold of the training steps allows (:meth:`guarded` takes it)."""
        if not len(self.held_out):
            return
        own, crossed = np.mean(self.training > threshold), np.mean(self.held_out > threshold)
        if crossed <= DRIFT_FACTOR * max(own, self.window / len(self.held_out)):
            return
        warnings.warn(
            f"the run's held-out steps score higher than its training steps: the training steps' threshold, "
            f"{threshold:.6g} (too few held-out steps for one of their own), flags {crossed:.1%} of the "
            f"{len(self.held_out)} held-out steps past their first {self.window - 1}, where it flags {own:.1%} of the "
            f"training steps. {self._drifted()}", HeldOutDriftWarning, stacklevel=2)

    def flagged_at_the_ends(self, outliers: np.ndarray) -> int:
        """How many of the series' flags ``outliers`` (T,) fall on its first and last window - 1 steps: each is the
        mean of fewer windows than the steps between them (the first and the last of one), so its score spreads
        wider and crosses a threshold measured mostly on steps covered whole more often than the share asked."""
        ends = np.zeros(len(outliers), bool)
        ends[:self.window - 1] = ends[len(outliers) - self.window + 1:] = True  # (window 1: none)
        return int(outliers[ends].sum())

    def _drifted(self) -> str:
        """What the warnings of drift mean, and what to do."""
        level = ("; if its level shifted, ae train --remove-level lets the model follow it" if self.level_removable
                 else "")
        return (f"The series drifted between its training stretch and its held-out tail (its last {self.n_held_out} "
                "steps), so its steps are measured against a stretch unlike some of them: if the series has moved "
                f"for good, retrain on recent steps{level}")


# how many times the share of the other stretch that the lower threshold may flag before a warning: a share of
# some 1,200 steps moves by up to 2x from sampling alone (step scores of overlapping windows move together; Series
# 48's clean continuations flagged 1.9-9.9% at --contamination 0.05), so 3x is drift, not chance
DRIFT_FACTOR = 3.0


def run_training_windows(run: str, checkpoint, data_dir: str | None, own: Any = None) -> tuple[tuple, tuple, str]:
    """((the windows (M, C, L) the run ``run``, trained on windows, was trained on, the number of steps they were
    cut from), (the windows (K, C, L) of its whole series, those last steps its training held out for testing
    (:func:`held_out_steps`) too, its number of steps), its training file): its own series read and cut as its
    training did. ``own``: the run's file as the command read it to score it (--data left out or naming it), taken
    where the digest the run keeps of its training rows says it holds them, so the file is read once. Its file gone,
    or edited since, is an error: the scores would be measured against another thing than the model saw."""
    from ..data.windows import checked_series, sliding_windows
    from ..training.run_folder import RunFolder
    from ._data_options import stored_table_options
    from ._run_data import missing_data_file, refuse_edited_training_file
    from ._series import read_run_windows
    from ._training_rows import held_out_steps, training_windows

    stored = run_series_settings(checkpoint)
    source, window, stride = stored["source"], stored["window"], stored["stride"]
    instead = "ae detect --data SERIES --window W fits a model on a series and ranks its steps among themselves"
    if missing_data_file(source):
        raise click.UsageError(
            f"the run was trained on {source}, which is no longer there (moved or deleted?): ae detect RUN measures "
            f"each step against the windows the run trained on, cut from that file; put it back ({instead})")

    def cut(series: Any) -> tuple[np.ndarray, int, np.ndarray]:
        """(its steps (T, C) as training read them, how many of them trained, the training windows (M, C, L) made
        again as training made them, in model units, to check against its digest)."""
        steps = checked_series(series.values, window, stride)  # (T, C)
        n_training = len(steps) - held_out_steps(len(steps), window, stride, stored["test_data"],
                                                 stored["test_fraction"])
        return steps, n_training, training_windows(steps[:n_training], window, stride, stored["scale"])[1]

    run_dir = run if Path(run).is_dir() else Path(run).parent  # (RUN may name its model.safetensors)
    made = None if own is None else cut(own)
    if made is None or RunFolder(run_dir).trained_on(made[2]) is not True:  # read as training read it
        with stored_table_options(stored):
            made = cut(read_run_windows(checkpoint, source, data_dir, stored["split"], stored["label_column"]).series)
        refuse_edited_training_file(run_dir, made[2], source, "ae detect RUN measures each step against the windows "
                                    f"the run trained on: put the file back as it was, or train a new run on it "
                                    f"({instead})")
    # the windows returned are cut from the steps unscaled: the series scored is scaled with the run's stored scaler,
    # so that a step of both scores alike to the last bit
    steps, n_training, _ = made
    return ((sliding_windows(steps[:n_training], window, stride), n_training),
            (sliding_windows(steps, window, stride), len(steps)), source)


COMMANDS = [detect]
