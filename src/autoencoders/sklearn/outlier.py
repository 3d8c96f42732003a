"""An IsolationForest-like outlier detector made of small autoencoders."""

from __future__ import annotations

import dataclasses
import json
import re
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from ..applications.anomaly import (
    COMBINATIONS,
    ERROR_FLOOR,
    ISOLATED,
    ISOLATION_SAMPLES,
    ISOLATION_TREES,
    REFERENCE_CODES,
    IsolationPart,
    RobustFeatures,
    ScoredMember,
    auto_epochs,
    ensemble_score,
    fence,
    member_shapes,
    warn_of_ties,
)
from ..applications.attribution import score_shares
from ..applications.isolation import IsolationTrees
from ..checkpoint import (
    load_checkpoint,
    load_tensors,
    move_in,
    refuse_existing,
    save_model,
    save_tensors,
    staging_folder,
    write_json,
)
from ..errors import CheckpointError, ConfigError
from ._base import _AutoencoderEstimator

DETECTOR_FILE = "detector.json"
ISOLATION_FILE = "isolation.safetensors"
MEMBER = re.compile(r"member\d+\.safetensors")
MEMBER_STATISTICS = [f.name for f in dataclasses.fields(ScoredMember) if f.name != "model"]


def saved_files(folder: Path) -> list[Path]:
    """The files of a detector saved in ``folder`` (any number of members), none of the folder's other files."""
    named = [folder / DETECTOR_FILE, folder / ISOLATION_FILE]
    members = folder.glob("member*.safetensors") if folder.is_dir() else []
    return [path for path in named if path.is_file()] + [path for path in members if MEMBER.fullmatch(path.name)]


class AutoencoderOutlierDetector(OutlierMixin, _AutoencoderEstimator):
    """Outlier detector from ``n_estimators`` small autoencoders, used like IsolationForest:
    ``score_samples`` (lower = more abnormal), ``decision_function`` (``score_samples - offset_``, negative
    for outliers) and ``predict`` (1 inlier, -1 outlier). ``contamination`` is the share of training rows flagged,
    or ``"auto"``: flag the rows whose anomaly score lies beyond the far fence of the training scores,
    ``Q3 + 3 IQR``, however many that is (none on clean data; IsolationForest's ``"auto"`` is a fixed offset of its
    own score instead); a row scoring exactly the threshold is an inlier, and a ``TiedThresholdWarning`` says where
    rows tied there leave markedly fewer flagged than ``contamination``. Features are scaled robustly in ``fit``;
    each member scores a row by its reconstruction error and the distance of its code to the training codes, the
    two parts combined as ``combine`` says (see :mod:`autoencoders.applications.anomaly`); ``explain`` splits each
    row's score over the input columns. A DataFrame with text, category or boolean columns or gaps (or an array with
    NaN) goes through :class:`~autoencoders.data.TabularPreprocessor` first (numeric columns standardised,
    categories one-hot, a missing-indicator per column with gaps; kept in ``table_``). ``save``/``load`` keep a
    fitted detector (no pickle).

    Robustness to the anomalies inside the training rows: with ``trim`` > 0 a member trains half its ``steps``,
    drops the ``trim`` share of its rows it scores highest (summed parts), and trains the other half on the rest,
    whose statistics then normalise its score. With ``isolation_trim`` the first half already trains without the
    ``trim`` share of rows an isolation forest grown on them isolates most (100 trees of 256 rows): a compact group
    of anomalies far out in a few features, which an autoencoder trained on every row learns to reconstruct, is
    then not learned, so its error is large halfway and the trimming drops it (the score is the members' alone).
    ``error_floor``: each feature's mean training error, which
    divides its reconstruction error, is at least this share of the feature's own squared spread (robust units): a
    feature the member reconstructs almost perfectly on its rows, such as a rare flag whose few rows were trimmed or
    a column nearly constant on the training rows, would otherwise turn a small deviation into a score that drowns
    the rest of the row. ``density_rows``: the "knn" code density (``combine="knn"`` or ``"tail_knn"``) measures
    a code against at most this many of the training codes (a fixed random subsample); fewer cost less and let a
    compact group of anomalies weigh less among its own neighbours (as IsolationForest's 256-row trees do).
    Bagging: each member trains on its own random ``max_samples`` rows (all rows are scored) and, with
    ``max_features`` < 1, its own random share of the features. ``code_size``, ``hidden`` and ``epochs`` of None
    are sized from the data: ``hidden_layers`` layers of twice the input width (at most 128 units), codes
    of ``code_share`` of that width capped at 128 (spread up to twice that over the members; 32 units by default on
    any input of 128 columns or more), ``epochs`` from about ``steps`` optimiser steps but at most ``max_epochs``
    passes (so a set of fewer than about ``steps * batch_size / max_epochs`` rows gets fewer steps; with the
    defaults none does: below 256 rows, one batch, every pass is one step and 200 passes give the 200 steps).

    The defaults (one member, ``trim=0.2``, ``steps=200``, ``max_epochs=200``, ``combine="tail"``,
    ``error_floor=0.01``, ``code_share=0.25``, ``hidden_layers=1``, ``lr=6e-3``) are the candidate that
    ``benchmarks/anomaly_selection.py`` chose on 39 sets (22 ADBench sets and 17 derived from MNIST and real
    tables). On 21 other ADBench sets, never seen by any choice, they score a mean ROC-AUC of 0.740 and AP of 0.337
    (IsolationForest 0.734 / 0.391, ECOD 0.728 / 0.371); on 38 ADBench image and text embedding sets never seen,
    0.787 / 0.537 (IsolationForest 0.746 / 0.489, ECOD 0.731 / 0.467); chosen out of fold over all 60 tabular sets
    (by source, on one half among the candidates that pass the checks a default must, measured on the other),
    0.786 / 0.363 (IsolationForest 0.782 / 0.388): ahead in ROC-AUC, behind in AP. ``combine="tail_isolation"``
    adds an isolation forest over the robust features (100 trees of 256 rows,
    :mod:`autoencoders.applications.isolation`), grown in ``fit`` only with that combination: best in sample on
    the 60 sets, not the default: it costs about a quarter more fit time and ranks rows broken grossly in one
    column first far less often (``benchmarks/anomaly_gross_errors.py``).
    ``combine="tail_isolation_core"`` measures the two scores against the rows the trimming keeps (the lowest
    ``1 - trim`` of the members' score) and lets the members' surprisal grow linearly beyond their top, so that a
    row far beyond every kept row in the members' score (a gross error) outranks rows the forest merely isolates
    (as the default, it puts them first); on the 60 sets it scores the default's AP in sample at 1.5 times its
    fit time. ``combine="tail_peak"`` scores a row by its most surprising feature less log K where that beats the
    mean over the K features: better where anomalies sit in a few of many features, worse where normal rows have
    one badly reconstructed feature (0.361 AP in sample on the 60 sets against the default's 0.377).

    >>> flags = AutoencoderOutlierDetector(contamination=0.05).fit(X).predict(X)
    """

    input_shape = None  # rows are flat feature vectors
    _sizes_hidden = True

    def __init__(self, n_estimators: int = 1, contamination: float | str = 0.1, max_samples: int = 20_000,
                 max_features: float = 1.0, trim: float = 0.2, isolation_trim: bool = False, combine: str = "tail",
                 steps: int = 200,
                 max_epochs: int = 200, error_floor: float = ERROR_FLOOR, code_share: float = 0.25,
                 hidden_layers: int = 1, density_rows: int = REFERENCE_CODES,
                 model: str | None = "deep", code_size: int | None = None, hidden: tuple[int, ...] | None = None,
                 loss: str = "mse",
                 # training (TrainConfig), set for scoring rows rather than for reconstructing them
                 epochs: int | None = None, batch_size: int = 256, lr: float = 6e-3, weight_decay: float = 0.0,
                 optimizer: str = "adam", scheduler: str = "none", validation_fraction: float | None = 0.1,
                 patience: int | None = 5, min_delta: float = 0.0, restore_best: bool = True,
                 grad_clip: float | None = None,
                 device: str = "auto", verbose: bool = False, random_state=None,
                 backbone: str | None = None, objective: str | None = None, backbone_options: dict | None = None,
                 objective_options: dict | None = None):
        self._keep_parameters(locals())

    def _check_parameters(self) -> None:
        auto = isinstance(self.contamination, str) and self.contamination == "auto"
        checks = [
            (auto or (isinstance(self.contamination, Real) and 0 < self.contamination <= 0.5),
             f"contamination must be 'auto' or in (0, 0.5], got {self.contamination!r}"),
            (isinstance(self.n_estimators, Integral) and self.n_estimators >= 1,
             f"n_estimators must be an integer >= 1, got {self.n_estimators!r}"),
            (isinstance(self.max_samples, Integral) and self.max_samples >= 2,
             f"max_samples must be an integer >= 2, got {self.max_samples!r}"),
            (isinstance(self.max_features, Real) and 0 < self.max_features <= 1,
             f"max_features must be in (0, 1], got {self.max_features!r}"),
            (isinstance(self.trim, Real) and 0 <= self.trim < 0.5, f"trim must be in [0, 0.5), got {self.trim!r}"),
            (isinstance(self.isolation_trim, (bool, np.bool_)),
             f"isolation_trim must be True or False, got {self.isolation_trim!r}"),
            (not self.isolation_trim or self.trim > 0,
             f"isolation_trim=True leaves out the trim share of rows, and trim is {self.trim!r}: give trim > 0"),
            (isinstance(self.error_floor, Real) and 0 < self.error_floor <= 1,
             f"error_floor must be in (0, 1], got {self.error_floor!r}"),
            (isinstance(self.density_rows, Integral) and self.density_rows >= 2,
             f"density_rows must be an integer >= 2, got {self.density_rows!r}"),
            (isinstance(self.code_share, Real) and 0 < self.code_share <= 0.5,
             f"code_share must be in (0, 0.5], got {self.code_share!r}"),
            (isinstance(self.hidden_layers, Integral) and self.hidden_layers >= 0,
             f"hidden_layers must be an integer >= 0, got {self.hidden_layers!r}"),
            (self.code_size is None or (isinstance(self.code_size, Integral) and self.code_size >= 1),
             f"code_size must be None (sized from the data) or an integer >= 1, got {self.code_size!r}"),
            (self.epochs is None or (isinstance(self.epochs, Integral) and self.epochs >= 1),
             f"epochs must be None (from steps) or an integer >= 1, got {self.epochs!r}"),
            (self.combine in COMBINATIONS, f"combine must be one of {COMBINATIONS}, got {self.combine!r}"),
            (isinstance(self.steps, Integral) and self.steps >= 1,
             f"steps must be an integer >= 1, got {self.steps!r}"),
            (isinstance(self.max_epochs, Integral) and self.max_epochs >= 2,
             f"max_epochs must be an integer >= 2, got {self.max_epochs!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def fit(self, X, y=None):
        self._check_parameters()
        X = self._table_inputs(X, reset=True, scale="standard")  # (N, D); a table one-hot, gaps flagged
        seed = self._seed()
        rng = np.random.default_rng(seed)
        self.features_ = RobustFeatures.fit(X)
        Z = self.features_.transform(X)  # (N, K)
        n_columns = max(1, round(self.max_features * Z.shape[1]))
        self.members_ = []
        shapes = member_shapes(n_columns, self.n_estimators, self.code_share, self.hidden_layers)
        for index, (hidden, code_size) in enumerate(shapes):
            rows = rng.choice(len(Z), self.max_samples, replace=False) if len(Z) > self.max_samples else slice(None)
            columns = np.sort(rng.choice(Z.shape[1], n_columns, replace=False)) if n_columns < Z.shape[1] else None
            member_rows = Z[rows] if columns is None else Z[rows][:, columns]  # (n, k)
            self.members_.append(self._train_member(member_rows, columns, hidden, code_size, seed + index))
        if self.combine in ISOLATED:  # the forest grows on every row, as the members' statistics use them
            training_scores = self.grow_isolation(Z, seed)  # (N,) higher = more abnormal
        else:
            self.isolation_, training_scores = None, ensemble_score(self.members_, Z, self.combine)
        self.offset_ = -(fence(training_scores) if self.contamination == "auto"
                         else float(np.percentile(training_scores, 100 * (1 - self.contamination))))
        if self.contamination != "auto":
            warn_of_ties(training_scores, -self.offset_, self.contamination, f"contamination {self.contamination}")
        return self

    def grow_isolation(self, Z: np.ndarray, seed: int) -> np.ndarray:
        """Grows ``isolation_`` for ``combine`` (one of ``ISOLATED``) on the robust features ``Z`` (N, K) of the
        fitted rows beside the trained members, and returns its scores of those rows (N,), higher = more abnormal."""
        core = self.trim if self.combine == "tail_isolation_core" else None
        self.isolation_, scores = IsolationPart.fit(self.members_, Z, seed, core)
        return scores

    def _train_member(self, Z: np.ndarray, columns: np.ndarray | None, hidden: tuple[int, ...], code_size: int,
                      seed: int) -> ScoredMember:
        """One member trained on its rows ``Z`` (n, k), trimmed halfway through when ``trim`` > 0."""
        sizes = {"code_size": self.code_size or code_size, "hidden": self.hidden if self.hidden is not None else hidden,
                 "seed": seed}
        epochs = self.epochs or auto_epochs(len(Z), self.batch_size, self.steps, high=self.max_epochs)
        if self.trim == 0 or epochs < 2:
            model, _ = self._fit_model(Z, epochs=epochs, **sizes)
            return ScoredMember.fit(model, Z, columns, self.error_floor, self.density_rows)
        first = self._least_isolated(Z, seed) if self.isolation_trim else Z  # (m, k)
        model, _ = self._fit_model(first, epochs=epochs // 2, **sizes)
        # ranked by the summed parts (n,) whatever combine; the model moves to float64
        kept = self._untrimmed(Z, ScoredMember.training_sum(model, Z, self.error_floor))
        model, _ = self._fit_model(kept, epochs=epochs - epochs // 2, model=model.float(), **sizes)
        # statistics of the kept rows too
        return ScoredMember.fit(model, kept, columns, self.error_floor, self.density_rows)

    def _least_isolated(self, Z: np.ndarray, seed: int) -> np.ndarray:
        """Rows of ``Z`` (n, k) without the ``trim`` share an isolation forest grown on them isolates most."""
        return self._untrimmed(Z, IsolationTrees.fit(Z, ISOLATION_TREES, ISOLATION_SAMPLES, seed).score(Z))

    def _untrimmed(self, Z: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Rows of ``Z`` (n, k) without the ``trim`` share its ``scores`` (n,) rank highest; all of them when that
        leaves fewer than two (training needs two)."""
        kept = Z[scores <= np.quantile(scores, 1 - self.trim)]
        return kept if len(kept) >= 2 else Z

    def score_samples(self, X) -> np.ndarray:
        """Normality of each row (n,): minus the ensemble's anomaly score, so lower = more abnormal."""
        check_is_fitted(self, "members_")
        return -self._anomaly(self._features(X))

    def _anomaly(self, Z: np.ndarray) -> np.ndarray:
        """Anomaly score (n,) of robust features ``Z`` (n, K), higher = more abnormal, as ``combine`` says."""
        if self.combine not in ISOLATED:
            return ensemble_score(self.members_, Z, self.combine)
        if getattr(self, "isolation_", None) is None:
            raise ConfigError(f"combine={self.combine!r} needs the isolation forest grown in fit, and this detector "
                              f"was fitted without it: fit it again with combine={self.combine!r}")
        return self.isolation_.score(self.members_, Z)

    def decision_function(self, X) -> np.ndarray:
        """``score_samples - offset_``: negative for the rows ``predict`` flags as outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def explain(self, X):
        """Contribution of each input column to each row's anomaly score (n, n_features_in_), the rows summing to
        ``-score_samples(X)``; a DataFrame for a DataFrame (its index and columns), else an array. A column's share
        is how much the row's score falls when that column alone is repaired, set to the value the members
        reconstruct for it from the rest of the row (:mod:`autoencoders.applications.attribution`; tried on the
        16 columns of largest reconstruction error per row): a row broken in one column is put down to that column
        even where the autoencoder's reconstruction spreads the error over the columns correlated with it. A row
        no single repair lowers is shared out by the columns' normalised reconstruction errors. Constant columns,
        dropped in ``fit``, get 0; a categorical column's share is that of its one-hot block and gap indicator."""
        check_is_fitted(self, "members_")
        Z = self._features(X)  # (n, K)
        width = self.n_features_in_ if self.table_ is None else self.table_.n_features_out
        contributions = np.zeros((len(Z), width))
        if len(Z):  # no rows: nothing to share out, as score_samples scores none
            shares, score = score_shares(self.members_, Z, self._anomaly)  # (n, K) rows summing to 1, (n,)
            contributions[:, self.features_.keep] = shares * score[:, None]
        contributions = contributions if self.table_ is None else self.table_.column_sums(contributions)
        if hasattr(X, "columns"):  # pandas in, pandas out: the input's row index and column names
            import pandas as pd

            return pd.DataFrame(contributions, index=X.index, columns=X.columns)
        return contributions

    def _features(self, X) -> np.ndarray:
        return self.features_.transform(self._table_inputs(X, reset=False))

    # ----------------------------------------------------------------------------------------- sharing
    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the fitted detector to directory ``path``: one ``memberN.safetensors`` per autoencoder (weights and
        its score statistics) and ``detector.json`` (parameters, feature scaling, table preprocessing, offset); no
        pickle. :meth:`load` gives back a detector with identical scores. Any of these files already there is a
        FileExistsError unless ``overwrite``; with it, a detector saved there before is replaced as a whole (its
        extra members and forest go; the folder's other files stay), written beside first and moved in with
        ``detector.json`` last, so that a crash midway never leaves a folder that loads as a mix of the two."""
        check_is_fitted(self, "members_")
        folder, state = Path(path), self._saved_state()  # a parameter that cannot be saved: refused before writing
        members = [f"member{index}.safetensors" for index in range(len(self.members_))]
        old_files = saved_files(folder)  # a detector's files there, all replaced: none kept without overwrite
        refuse_existing(dict.fromkeys([*(folder / name for name in [DETECTOR_FILE, ISOLATION_FILE, *members]),
                                       *old_files]), overwrite)
        with staging_folder(folder) as staging:
            self._write_files(staging, state, members)
            move_in(staging, folder, DETECTOR_FILE, old_files)
        return folder

    def _write_files(self, folder: Path, state: dict, members: list[str]) -> None:
        """The detector's files, named ``members`` for the members, written into the empty ``folder``."""
        for name, member in zip(members, self.members_, strict=True):
            statistics = {field: getattr(member, field).tolist() for field in MEMBER_STATISTICS}
            save_model(member.model, folder / name, {"member": statistics})
        isolation = getattr(self, "isolation_", None)
        if isolation is not None:
            arrays = {name: torch.from_numpy(np.ascontiguousarray(a)) for name, a in isolation.arrays().items()}
            save_tensors(folder / ISOLATION_FILE, arrays, {})
        features = {name: getattr(self.features_, name).tolist() for name in ("keep", "center", "spread")}
        write_json(folder / DETECTOR_FILE, {**state, "features": features, "offset": self.offset_,
                                             "n_members": len(self.members_), "isolation": isolation is not None})

    @classmethod
    def load(cls, path: str | Path) -> AutoencoderOutlierDetector:
        folder = Path(path)
        if not (folder / DETECTOR_FILE).is_file():
            raise CheckpointError(f"{folder} holds no saved {cls.__name__} ({DETECTOR_FILE} is missing)")
        saved = json.loads((folder / DETECTOR_FILE).read_text(encoding="utf-8"))
        named = [f"member{index}.safetensors" for index in range(saved["n_members"])]
        named += [ISOLATION_FILE] if saved.get("isolation") else []  # absent in detectors saved before the forest
        missing = [name for name in named if not (folder / name).is_file()]
        if missing:
            raise CheckpointError(f"{folder} is an incomplete saved detector: {', '.join(missing)} "
                                  f"{'is' if len(missing) == 1 else 'are'} missing (listed in {DETECTOR_FILE})")
        detector = cls._from_saved_state(saved, folder)
        detector.features_ = RobustFeatures(*(np.asarray(saved["features"][k]) for k in ("keep", "center", "spread")))
        detector.offset_, detector.members_, detector.isolation_ = saved["offset"], [], None
        if saved.get("isolation"):
            arrays, _ = load_tensors(folder / ISOLATION_FILE)
            try:
                detector.isolation_ = IsolationPart.from_arrays({name: t.numpy() for name, t in arrays.items()},
                                                                len(detector.features_.keep))
            except ValueError as error:
                raise CheckpointError(f"{folder / ISOLATION_FILE} is not this detector's isolation forest: "
                                      f"{error}") from None
        for index in range(saved["n_members"]):
            checkpoint = load_checkpoint(folder / f"member{index}.safetensors")
            statistics = {name: np.asarray(value) for name, value in checkpoint.extra["member"].items()}
            detector.members_.append(ScoredMember(checkpoint.model, **statistics))
        return detector
