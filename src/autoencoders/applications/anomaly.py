"""Anomaly scores from a small ensemble of autoencoders: robust features in, combined normalised errors out.

The recipe of :class:`~autoencoders.sklearn.AutoencoderOutlierDetector`, whose defaults were chosen by
``benchmarks/anomaly_selection.py`` on 39 sets (22 from ADBench, 17 derived from MNIST and real tables) and are
measured out of fold on 60 (split by source in halves, chosen on one, measured on the other):

- features are centred on their median and divided by a robust spread (IQR, else standard deviation),
  so heavy tails and mixed scales do not decide the spread; values are clipped at +-1e4 spreads so that a
  huge entry cannot overflow float32 or the squared error (squashing tails with ``asinh`` was measured and
  lost: the extreme values are what gives many anomalies away); constant features are dropped;
- every member is an under-complete MLP sized from the number of features (at most ``WIDEST`` units wide),
  trained with early stopping on a held-out tenth of at most ``max_samples`` rows for about a fixed number of
  optimiser steps whatever the data size (in whole passes over the rows, at most ``max_epochs``); robust training
  trims, halfway, the rows the member scores highest and trains the rest of the steps without them, and the
  score's statistics come from the kept rows (the anomalies inside the training data otherwise teach the model
  to reconstruct them and inflate the scales their scores are divided by);
- a member's score has two parts, each scaled to mean 1 on its training rows: the reconstruction error
  (per-feature squared error divided by that feature's mean training error, so an easy feature and a hard one
  weigh the same; floored at ``ERROR_FLOOR`` of the feature's own squared spread, so one reconstructed almost
  perfectly cannot drown the rest) catches rows off the learned manifold; the Mahalanobis distance of the code to
  the training codes catches rows on the manifold but far out along it. ``COMBINATIONS`` lists how they are combined
  ("tail", the default, sums each feature's surprisal, minus the log of the share of training rows whose error on
  it is as large, and adds log1p of the code distance); an ensemble's score is the mean over members.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from dataclasses import dataclass, field, fields

import numpy as np
import torch

from ..models._base import Autoencoder
from ..training.batching import ordered_batches
from .isolation import IsolationTrees

# The IQR of a standard normal; dividing by IQR / this makes Gaussian features unit-variance.
NORMAL_IQR = 1.349
# Largest |scaled value| kept: far beyond any normal row, small enough that squared errors stay finite.
CLIP = 1e4
# Widest hidden layer of a member (for speed); its code is sized from the input width up to this (issue 13's ninth
# round: 784 pixels had a code of 196 behind hidden layers of 128, no bottleneck at the code).
WIDEST = 128
# Values (rows x columns) handled at once where a wide table's statistics or scores would otherwise copy it whole.
BLOCK_VALUES = 2**24
# Values (rows x columns) whose surprisal is computed at once: its (rows, columns) temporaries stay a few MB.
SURPRISAL_BLOCK = 2**18
# Smallest error scale of a feature, in its own squared robust spread: a member is credited with explaining at most
# 99% of it, so a feature it reconstructs almost perfectly cannot drown the rest of a row (issue 13's third round).
ERROR_FLOOR = 0.01
# The "knn" code density: the mean squared distance of a whitened code to its NEIGHBOURS nearest training codes,
# among at most REFERENCE_CODES of them (a fixed random subsample: scoring costs O(N * REFERENCE_CODES)).
NEIGHBOURS = 10
REFERENCE_CODES = 2048


@dataclass
class RobustFeatures:
    """x -> clip((x - median) / spread, -CLIP, CLIP) on the kept (non-constant) columns."""

    keep: np.ndarray  # (K,) indices of the columns used
    center: np.ndarray  # (K,)
    spread: np.ndarray  # (K,)

    @classmethod
    def fit(cls, X: np.ndarray) -> RobustFeatures:
        X = np.asarray(X)
        varying = np.flatnonzero(X.max(axis=0) > X.min(axis=0))
        keep = varying if len(varying) else np.arange(X.shape[1])  # all constant: nothing to learn, keep shape
        center, spread = np.empty(len(keep)), np.empty(len(keep))
        blocks = np.array_split(np.arange(len(keep)), min(len(keep), max(1, X.size // BLOCK_VALUES)))
        for block in blocks:  # a few columns at a time
            kept = X[:, keep[block]].astype(np.float64)  # (N, b): a wide table is never copied whole
            center[block] = np.median(kept, axis=0)
            q25, q75 = np.percentile(kept, [25, 75], axis=0)
            with np.errstate(over="ignore", invalid="ignore"):  # spans near float64's limit overflow to inf
                iqr = (q75 - q25) / NORMAL_IQR
                # a mostly constant feature (IQR 0, e.g. a rare binary flag) falls back to its standard deviation,
                # a pass over the block taken only where some feature needs it
                usable = _usable(iqr)
                spread[block] = iqr if usable.all() else np.where(usable, iqr, np.std(kept, axis=0))
        return cls(keep, center, np.where(_usable(spread), spread, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        z = np.asarray(X)[:, self.keep].astype(np.float64)  # (N, K), scaled in place below
        with np.errstate(over="ignore"):  # an overflow to +-inf is clipped like any huge value
            z -= self.center
            z /= self.spread
        return np.clip(z, -CLIP, CLIP, out=z)


def _usable(spread: np.ndarray) -> np.ndarray:
    return np.isfinite(spread) & (spread > 0)


def member_shapes(n_features: int, n_members: int, code_share: float = 0.25,
                  hidden_layers: int = 1) -> list[tuple[tuple[int, ...], int]]:
    """(hidden, code_size) of each member: ``hidden_layers`` hidden layers of twice the input width (8 to
    ``WIDEST`` units; none: a linear encoder and decoder), codes spread between ``code_share`` and twice that share
    (so members see the data differently) of the width the network works at: the input width up to ``WIDEST``, so
    that a wide input still gets a code well below its hidden layers (an under-complete member)."""
    hidden = (int(np.clip(2 * n_features, 8, WIDEST)),) * hidden_layers
    width = min(n_features, WIDEST)
    low, high = max(1, int(code_share * width)), max(1, int(2 * code_share * width))
    codes = np.linspace(low, high, n_members).round().astype(int)
    return [(hidden, int(code)) for code in codes]


def auto_epochs(n_samples: int, batch_size: int, steps: int = 150, low: int = 2, high: int = 60) -> int:
    """Epochs giving about ``steps`` optimiser steps: small sets get many passes, huge ones a couple."""
    return int(np.clip(math.ceil(steps * batch_size / max(n_samples, 1)), low, high))


@torch.no_grad()
def _passes(model: Autoencoder, Z: np.ndarray, batch_size: int):
    """(batch, code, reconstruction) of rows ``Z`` a batch at a time, on the CPU in float64 so that a row's result
    depends on which other rows share its batch only by float64 rounding (the matrix products' blocking can move
    the last digit); a model trained on a GPU moves here, where it stays."""
    if not _on_cpu_in_float64(model):  # Module.to walks every module even when nothing moves
        model.cpu().double()
    model.eval()
    for batch in ordered_batches(torch.from_numpy(np.asarray(Z, dtype=np.float64)), batch_size):  # (B, K)
        code = model.encode(batch)  # (B, C)
        yield batch, code, model.decode(code)


def _on_cpu_in_float64(model: Autoencoder) -> bool:
    """Whether ``model.cpu().double()`` would leave every parameter and buffer of ``model`` as it is."""
    tensors = itertools.chain(model.parameters(), model.buffers())
    return all(t.device.type == "cpu" and (t.dtype == torch.float64 or not t.is_floating_point()) for t in tensors)


def _joined(blocks: list[torch.Tensor]) -> np.ndarray:
    """The blocks (B, ...) of a pass stacked into one array (N, ...): a single block as it is (``torch.cat`` would
    copy a wide table's errors once more), made contiguous as ``torch.cat`` makes it."""
    return (blocks[0].contiguous() if len(blocks) == 1 else torch.cat(blocks)).numpy()


def codes_and_errors(model: Autoencoder, Z: np.ndarray, batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Codes (N, C) and per-feature squared reconstruction errors (N, K) of rows ``Z`` (N, K) or (N, *shape) with
    K values each (e.g. windows (N, channels, length) for a ``sequence`` model)."""
    codes, errors = [], []
    for batch, code, rebuilt in _passes(model, Z, batch_size):
        codes.append(code)
        errors.append(((rebuilt - batch) ** 2).reshape(len(batch), -1))  # (B, K), K = all input values
    return _joined(codes), _joined(errors)


def reconstructions(model: Autoencoder, Z: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """The model's reconstructions (N, K) of rows ``Z`` (N, K)."""
    rebuilt = [out for _, _, out in _passes(model, Z, batch_size)]
    return torch.cat(rebuilt).numpy() if rebuilt else np.empty((0, *np.shape(Z)[1:]))


# How a member turns its two parts into one score: "sum" adds them (each about 1 on a typical training row),
# "log" adds their log1p (so neither part's heavy tail drowns the other), "feature_log" does the same per feature
# (the mean over features of log1p of each one's normalised error, plus log1p of the code distance: a feature
# nearly constant on the training rows, whose tiny mean error turns any deviation into a huge term, cannot drown
# the rest of the row), "rank" averages each part's position among the training rows' values (rank-normalised),
# "reconstruction" keeps the error alone. Issue 13's fourth round: "knn" adds log1p of the error and log1p of a
# non-parametric code density instead of the Mahalanobis distance (the mean squared distance of the whitened code
# to its nearest training codes: a single Gaussian is a poor density when the normal rows form several clusters,
# e.g. several classes); "tail" replaces the error by the mean over features of each one's surprisal, minus the
# log of the share of training rows whose error on that feature is as large (a rare 0/1 flag held by a share p of
# the rows then weighs about log(1/p), not 1/p, and deviations in several features add up), plus log1p of the code
# distance. Issue 13's tenth round: "tail_knn" has both of the fourth round's parts, the mean surprisal of "tail" plus
# log1p of the code density of "knn".
# Issue 13's sixteenth round: "tail_isolation" is not a member's score but the detector's: the members' "tail"
# score beside an isolation forest grown on the same robust features (:class:`IsolationPart`), the two each turned
# into nats of tail surprisal against the training rows' own scores and summed. Reconstruction detectors catch rows
# that break the features' dependencies; isolation catches rows far out in few features, which an autoencoder can
# learn to reconstruct.
# Issue 13's nineteenth round: "tail_isolation_core" measures both scores against the core rows alone (those whose
# members' score is below its ``1 - trim`` quantile, the share the trimming keeps), and the members' surprisal grows
# beyond the core's top linearly, as an exponential tail does (:func:`tail_rate`): a row far beyond every core row
# in the members' score (a gross error) then outranks one the forest merely isolates, which a sum of two surprisals
# over all rows, each saturating at log N, cannot promise.
# Issue 13's eighteenth round: "tail_linear" is "tail" whose surprisal keeps growing beyond the training rows' top
# error as an exponential tail does (linearly, at the rate its top quantiles rise per nat) instead of by the log of
# the ratio to the top: a row broken grossly in one feature then outranks rows moderately off in all of them.
# Issue 13's twentieth round: "tail_peak" is "tail" whose reconstruction part is the larger of the mean surprisal
# over the K features and the largest one less log K (Tippett's test beside Fisher's: the chance that the most
# surprising of K features is that surprising is about K times its own): a row far out in a few of many features,
# which the mean dilutes by K, is scored by its peak; a row moderately off in many, by the mean.
MEMBER_COMBINATIONS = ("sum", "log", "feature_log", "rank", "reconstruction", "knn", "tail", "tail_knn", "tail_linear",
                       "tail_peak")
ISOLATED = ("tail_isolation", "tail_isolation_core")
COMBINATIONS = MEMBER_COMBINATIONS + ISOLATED
# The combinations whose reconstruction part is a per-feature surprisal, and those whose code part is the density.
SURPRISAL = ("tail", "tail_knn", "tail_linear", "tail_peak")
DENSITY = ("knn", "tail_knn")
# The least rise per nat "tail_linear" assumes beyond a feature's top error, in units of its mean training error
# (the values it divides are normalised errors, about 1 on a typical row): a feature whose top quantiles are equal
# (a flag, a column the member reconstructs exactly) would otherwise divide by zero.
RATE_FLOOR = 1e-3
# The isolation part's forest: Liu, Ting and Zhou's defaults (scikit-learn's too), not tuned.
ISOLATION_TREES = 100
ISOLATION_SAMPLES = 256


@dataclass
class ScoredMember:
    """One trained autoencoder and the training-row statistics that turn its outputs into a score. The member
    sees the ``columns`` of the robust features it was trained on (all of them unless features were bagged)."""

    model: Autoencoder
    columns: np.ndarray  # (K,) indices of the robust-feature columns the member sees
    error_scale: np.ndarray  # (K,) mean training error per feature
    code_mean: np.ndarray  # (C,)
    code_precision: np.ndarray  # (C, C) inverse covariance of the training codes
    training_parts: np.ndarray  # (2, N) sorted training values of the two parts (reconstruction, code distance)
    # (R, C) whitened codes of at most REFERENCE_CODES training rows: the "knn" density (empty in members saved
    # before it existed)
    reference_codes: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    # (L, K) each feature's normalised training error at the tail shares 1, 1/2, 1/4, ... down to 1/N: "tail"
    error_quantiles: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))

    @classmethod
    def fit(cls, model: Autoencoder, Z: np.ndarray, columns: np.ndarray | None = None,
            error_floor: float = ERROR_FLOOR, reference_rows: int = REFERENCE_CODES) -> ScoredMember:
        """Statistics of the trained ``model`` on its training rows ``Z`` (N, K) of robust features (each feature's
        spread 1, :class:`RobustFeatures`; already restricted to ``columns`` of the full features, all by default);
        the model moves to float64. A feature's error scale is at least ``error_floor`` times its own squared
        spread, i.e. ``error_floor`` itself: a feature nearly constant on these rows (a rare flag whose rows were
        trimmed, say) is reconstructed almost perfectly, and its tiny mean error would turn any deviation into a
        normalised error that drowns the rest of the row; with the floor, the model is credited with explaining
        at most ``1 - error_floor`` of a feature's squared spread. The "knn" density measures a code against at
        most ``reference_rows`` training codes."""
        member, codes, errors = cls._moments(model, Z, columns, error_floor)
        member.training_parts = np.sort(np.stack(member._parts(codes, errors)), axis=1)
        member.error_quantiles = tail_quantiles(errors / member.error_scale)
        reference = member._whiten(codes)  # (N, C)
        if len(reference) > reference_rows:  # fixed rows: the statistics do not depend on a global random state
            reference = reference[np.random.default_rng(0).choice(len(reference), reference_rows, replace=False)]
        member.reference_codes = reference
        return member

    @classmethod
    def _moments(cls, model: Autoencoder, Z: np.ndarray, columns: np.ndarray | None,
                 error_floor: float) -> tuple[ScoredMember, np.ndarray, np.ndarray]:
        """A member with the statistics the "sum" score needs (error scale, code mean and precision), and the codes
        (N, C) and errors (N, K) of ``Z`` they came from."""
        columns = np.arange(Z.shape[1]) if columns is None else np.asarray(columns)
        codes, errors = codes_and_errors(model, Z)  # (N, C), (N, K)
        error_scale = np.maximum(errors.mean(axis=0), error_floor)  # (K,) > 0, so no division by zero
        covariance = np.atleast_2d(np.cov(codes, rowvar=False)) if len(codes) > 1 else np.eye(codes.shape[1])
        ridge = 1e-6 * max(float(np.trace(covariance)) / len(covariance), 1e-12)  # collapsed code dimensions
        precision = np.linalg.pinv(covariance + ridge * np.eye(len(covariance)), hermitian=True)
        return cls(model, columns, error_scale, codes.mean(axis=0), precision, np.empty((2, 0))), codes, errors

    @classmethod
    def training_sum(cls, model: Autoencoder, Z: np.ndarray, error_floor: float = ERROR_FLOOR) -> np.ndarray:
        """``ScoredMember.fit(model, Z, error_floor=...).score(Z)`` (N,), the "sum" score of the rows the model
        trains on (what trimming ranks them by; the model moves to float64), from one pass over them and without
        the statistics that score does not use."""
        member, codes, errors = cls._moments(model, Z, None, error_floor)
        reconstruction, distance = member._parts(codes, errors)
        return reconstruction + distance

    @classmethod
    def reference_sum(cls, model: Autoencoder, Z: np.ndarray, reference: np.ndarray,
                      error_floor: float = ERROR_FLOOR) -> tuple[np.ndarray, np.ndarray]:
        """The "sum" scores of rows ``Z`` (N,) and of the ``reference`` rows (M,) (the rows the model trained on),
        both under the statistics of the reference rows: new rows measured against the training rows, as a fitted
        detector measures them, not ranked among themselves (:meth:`training_sum` is the second of the pair)."""
        member, codes, errors = cls._moments(model, reference, None, error_floor)
        return np.add(*member._parts(*codes_and_errors(model, Z))), np.add(*member._parts(codes, errors))

    def _whiten(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N, C) centred and whitened by the training codes' precision, so that every code direction
        weighs as in the Mahalanobis distance: squared distances between whitened codes are Mahalanobis ones."""
        values, vectors = np.linalg.eigh(self.code_precision)  # precision = V diag(values) V^T
        return (codes - self.code_mean) @ (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T

    def density(self, codes: np.ndarray) -> np.ndarray:
        """The "knn" code part (N,): mean squared distance of each whitened code to its nearest reference codes,
        per code dimension, over its leave-one-out mean on the reference rows themselves (so about 1 on a typical
        training row; computed here rather than in ``fit``, whose cost it would add to every other combination)."""
        scale = self._reference_scale  # first: it says so if this member has no reference codes
        return neighbour_distance(self._whiten(codes), self.reference_codes) / scale

    @functools.cached_property
    def _reference_scale(self) -> float:
        """The reference codes' leave-one-out mean neighbour distance, once per member (O(R^2 C), not per score)."""
        reference = self.reference_codes  # (R, C)
        if reference.size == 0:
            raise ValueError("this member was saved before combine='knn' existed (no reference codes); refit it")
        scale = neighbour_distance(reference, reference, leave_one_out=True).mean() if len(reference) > 1 else 1.0
        return max(float(scale), np.finfo(float).tiny)

    def _parts(self, codes: np.ndarray, errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised reconstruction error (N,) and Mahalanobis distance of the code per dimension (N,)."""
        offsets = codes - self.code_mean  # (N, C)
        distance = np.einsum("nc,cd,nd->n", offsets, self.code_precision, offsets) / len(self.code_mean)
        return (errors / self.error_scale).mean(axis=1), np.maximum(distance, 0.0)

    def score(self, Z: np.ndarray, combine: str = "sum") -> np.ndarray:
        """Anomaly score (N,) of rows ``Z`` (N, all feature columns), higher = more abnormal, from the two parts
        combined as ``combine`` says (see ``COMBINATIONS``)."""
        codes, errors = codes_and_errors(self.model, Z[:, self.columns])  # (N, C), (N, K)
        parts = self._parts(codes, errors)
        if combine in DENSITY:  # the code part: a nearest-neighbour density instead of the Mahalanobis distance
            parts = (parts[0], self.density(codes))
        if combine in ("feature_log", *SURPRISAL):
            return self._feature_terms(errors, combine).sum(axis=1) + np.log1p(parts[1])
        if combine == "sum":
            return parts[0] + parts[1]
        if combine == "log":
            return np.log1p(parts[0]) + np.log1p(parts[1])
        if combine == "reconstruction":
            return parts[0]
        if combine == "knn":
            return np.log1p(parts[0]) + np.log1p(parts[1])
        return np.mean([rank_position(train, part) for train, part in zip(self.training_parts, parts, strict=True)],
                       axis=0)

    def feature_terms(self, Z: np.ndarray, combine: str = "sum") -> np.ndarray:
        """Each seen feature's term (N, K) of the reconstruction part of rows ``Z`` as ``combine`` uses it: the
        rows sum to that part (the mean normalised error, or for "feature_log" and those of ``SURPRISAL`` the mean of
        its log1p or of its surprisal; any other ``combine`` gives the normalised error's terms)."""
        _, errors = codes_and_errors(self.model, Z[:, self.columns])  # (N, K)
        return self._feature_terms(errors, combine)

    def _feature_terms(self, errors: np.ndarray, combine: str) -> np.ndarray:
        normalised = errors / self.error_scale  # (N, K)
        if combine in SURPRISAL:
            if self.error_quantiles.size == 0:
                raise ValueError("this member was saved before combine='tail' existed (no error quantiles); refit it")
            normalised = surprisal(self.error_quantiles, normalised, linear=combine == "tail_linear")
        elif combine == "feature_log":
            normalised = np.log1p(normalised)
        terms = normalised / len(self.columns)  # (N, K) rows summing to the mean
        return peak_terms(normalised, terms) if combine == "tail_peak" else terms


def peak_terms(surprisals: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """(N, K) the feature terms of "tail_peak": each row's ``terms`` (N, K) of its mean surprisal, or, where the
    largest of its ``surprisals`` (N, K) less log K is larger than that mean, that peak alone on its feature."""
    top = np.argmax(surprisals, axis=1)  # (N,)
    rows = np.arange(len(surprisals))
    peak = surprisals[rows, top] - np.log(surprisals.shape[1])  # (N,)
    wins = peak > terms.sum(axis=1)
    peaked = np.zeros_like(terms)
    peaked[rows, top] = peak
    return np.where(wins[:, None], peaked, terms)


def tail_quantiles(values: np.ndarray) -> np.ndarray:
    """(L, K) quantiles of each column of ``values`` (N, K) at the tail shares 1, 1/2, 1/4, ..., 2^-(L-1) >= 1/N:
    where the column's top half, quarter, ... of the rows begins."""
    shares = 0.5 ** np.arange(int(np.log2(max(len(values), 1))) + 1)  # (L,)
    return np.quantile(values, 1 - shares, axis=0)


def surprisal(quantiles: np.ndarray, values: np.ndarray, linear: bool = False) -> np.ndarray:
    """-log of the share of training rows at or above each of ``values`` (N, K), from each column's ``quantiles``
    (L, K) (:func:`tail_quantiles`): 0 at or below the column's minimum, log 2 at its median, linear in the value
    between the tail shares 2^-i; above the top quantile it keeps growing by the log of the ratio to it, so
    that new extremes stay ordered (by how many times farther out they lie, not by the square of it), or with
    ``linear`` as an exponential tail does: by the distance beyond the top over the rate the top quantiles rise
    per nat (:func:`tail_rate`)."""
    rates = tail_rate(quantiles) if linear else None  # (K,)
    result = np.empty_like(values)
    rows = max(1, SURPRISAL_BLOCK // max(values.shape[1], 1))
    for start in range(0, len(values), rows):  # a block of rows at a time: its temporaries stay small
        result[start:start + rows] = _block_surprisal(quantiles, values[start:start + rows], rates)
    return result


def _block_surprisal(quantiles: np.ndarray, values: np.ndarray, rates: np.ndarray | None) -> np.ndarray:
    """:func:`surprisal` of ``values`` (B, K), every column at once (a loop over columns cost ~0.1 ms each, a
    fifth of a wide table's fit); ``rates`` (K,) for the linear tail, else None."""
    levels = np.arange(len(quantiles)) * np.log(2.0)  # (L,) -log of the tail shares
    upper = np.zeros(values.shape, dtype=np.intp)  # (B, K) first quantile >= the value, as searchsorted's "left"
    for level in quantiles:  # (K,) each column sorted along L; a NaN value passes every level (searchsorted: last)
        upper += ~(level >= values)
    inside = np.clip(upper, 1, len(quantiles) - 1)  # (B, K)
    low, high = np.take_along_axis(quantiles, inside - 1, axis=0), np.take_along_axis(quantiles, inside, axis=0)
    step = np.clip((values - low) / np.where(high > low, high - low, 1.0), 0.0, 1.0)
    result = np.where(upper == 0, 0.0, levels[inside - 1] + step * (levels[inside] - levels[inside - 1]))
    rows, columns = np.nonzero(upper == len(quantiles))  # (M,) each: the values beyond their column's top
    top, far = quantiles[-1, columns], values[rows, columns]  # (M,) each
    if rates is not None:
        result[rows, columns] = levels[-1] + (far - top) / rates[columns]
    else:  # log of the ratio as a difference: a top of 0 (tiny) must not overflow it
        top = np.maximum(top, np.finfo(float).tiny)
        result[rows, columns] = levels[-1] + np.log(np.maximum(far, top)) - np.log(top)
    return result


def tail_rate(quantiles: np.ndarray, levels: int = 3) -> np.ndarray:
    """(K,) how much each column's ``quantiles`` (L, K) rise per nat of surprisal over their top ``levels`` tail
    shares (an exponential tail's scale), at least ``RATE_FLOOR`` (a column whose top quantiles are equal)."""
    steps = min(levels, len(quantiles) - 1)
    if steps < 1:  # one quantile: no rise to measure
        return np.full(quantiles.shape[1], RATE_FLOOR)
    rise = (quantiles[-1] - quantiles[-1 - steps]) / (steps * np.log(2.0))
    return np.maximum(rise, RATE_FLOOR)


def neighbour_distance(codes: np.ndarray, reference: np.ndarray, neighbours: int = NEIGHBOURS,
                       leave_one_out: bool = False, chunk: int = 2048) -> np.ndarray:
    """Mean squared Euclidean distance (N,) of each of ``codes`` (N, C) to its ``neighbours`` nearest rows of
    ``reference`` (R, C), per dimension; ``leave_one_out`` when ``codes`` is ``reference`` (each row's zero
    distance to itself is skipped)."""
    k = min(neighbours, len(reference) - leave_one_out)
    squared_reference = (reference**2).sum(axis=1)  # (R,)
    distances = []
    for start in range(0, len(codes), chunk):
        block = codes[start:start + chunk]  # (B, C)
        squared = (block**2).sum(axis=1)[:, None] + squared_reference - 2 * block @ reference.T  # (B, R)
        nearest = np.partition(np.maximum(squared, 0.0), k - 1 + leave_one_out, axis=1)[:, :k + leave_one_out]
        distances.append(np.sort(nearest, axis=1)[:, leave_one_out:].mean(axis=1))  # (B,)
    return np.concatenate(distances) / reference.shape[1]


def rank_position(training: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the sorted ``training`` values (n,) at or below each of ``values`` (N,), in [0, 1]; a value above the
    training maximum keeps growing, by the log of its ratio to it, so new extremes stay ordered."""
    position = np.searchsorted(training, values, side="right") / len(training)
    top = max(float(training[-1]), 1e-300)  # > 0, so the ratio below is >= 1 and its log >= 0
    return position + np.log(np.maximum(values, top) / top)


def ensemble_score(members: list[ScoredMember], Z: np.ndarray, combine: str = "sum") -> np.ndarray:
    """Anomaly score (N,) of rows ``Z`` (N, K): the members' mean (higher = more abnormal). Scored a block of rows
    at a time (a row's score depends on the others' only by float64 rounding), so the per-feature errors of a large
    table are never held for all its rows at once."""
    rows = max(1, BLOCK_VALUES // max(Z.shape[1], 1))
    return np.concatenate([np.mean([member.score(Z[start:start + rows], combine) for member in members], axis=0)
                           for start in range(0, len(Z), rows)] or [np.empty(0)])


@dataclass
class IsolationPart:
    """The isolation half of the ``ISOLATED`` combinations: a forest grown on the detector's robust training features
    and the tail quantiles (L, 1) of the training rows' two scores, the members' "tail" one and the forest's (of the
    core rows alone for "tail_isolation_core", whose members' surprisal then grows linearly beyond their top)."""

    trees: IsolationTrees
    member_quantiles: np.ndarray  # (L, 1)
    forest_quantiles: np.ndarray  # (L, 1)
    member_linear: bool = False

    @classmethod
    def fit(cls, members: list[ScoredMember], Z: np.ndarray, seed: int,
            core: float | None = None) -> tuple[IsolationPart, np.ndarray]:
        """The part grown on rows ``Z`` (N, K) (all the detector's rows, whatever its members were trained on),
        and its scores of those rows (N,). With a ``core`` share in [0, 1) ("tail_isolation_core": the detector's
        ``trim``) the quantiles are those of the rows whose members' score is at or below its ``1 - core``
        quantile, and the members' surprisal grows linearly beyond the top of theirs."""
        trees = IsolationTrees.fit(Z, ISOLATION_TREES, ISOLATION_SAMPLES, seed)
        member_scores, forest_scores = ensemble_score(members, Z, "tail")[:, None], trees.score(Z)[:, None]  # (N, 1)
        rows = slice(None) if core is None else member_scores[:, 0] <= np.quantile(member_scores, 1 - core)
        part = cls(trees, tail_quantiles(member_scores[rows]), tail_quantiles(forest_scores[rows]), core is not None)
        return part, part._nats(member_scores, forest_scores)

    def score(self, members: list[ScoredMember], Z: np.ndarray) -> np.ndarray:
        """Anomaly score (N,) of rows ``Z`` (N, K), higher = more abnormal."""
        return self._nats(ensemble_score(members, Z, "tail")[:, None], self.trees.score(Z)[:, None])

    def _nats(self, member_scores: np.ndarray, forest_scores: np.ndarray) -> np.ndarray:
        """(N,) the surprisal of the members' scores (N, 1) plus the forest's, each against the training rows'
        (log 2 each on a median row)."""
        nats = (surprisal(self.member_quantiles, member_scores, linear=self.member_linear)
                + surprisal(self.forest_quantiles, forest_scores))
        return nats[:, 0]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the part by name (what ``save`` writes); :meth:`from_arrays` is the inverse."""
        trees = {f"trees.{f.name}": getattr(self.trees, f.name) for f in fields(IsolationTrees)}
        return {**trees, "member_quantiles": self.member_quantiles, "forest_quantiles": self.forest_quantiles,
                "member_linear": np.array(self.member_linear)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_features: int) -> IsolationPart:
        """The part from :meth:`arrays`'s output, for rows of ``n_features`` robust features; a ValueError names
        the first array missing or not fitting (a damaged or foreign file)."""
        names = [f"trees.{f.name}" for f in fields(IsolationTrees)] + ["member_quantiles", "forest_quantiles"]
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ValueError(f"it holds no {', '.join(missing)}")
        trees = IsolationTrees(**{f.name: arrays[f"trees.{f.name}"] for f in fields(IsolationTrees)})
        trees.check(n_features)
        quantiles = arrays["member_quantiles"], arrays["forest_quantiles"]
        if any(q.ndim != 2 or q.shape[0] < 1 or q.shape[1] != 1 for q in quantiles):
            raise ValueError(f"its score quantiles have shapes {[q.shape for q in quantiles]}, not (levels, 1)")
        return cls(trees, *quantiles, bool(arrays.get("member_linear", False)))  # absent: saved before the core


def fence(scores: np.ndarray, iqrs: float = 3.0) -> float:
    """Tukey's far fence of anomaly scores (N,), ``Q3 + 3 IQR``: a cut for outliers that needs no guess of their
    share (what ``contamination="auto"`` flags)."""
    q1, q3 = np.percentile(scores, [25, 75])
    return float(q3 + iqrs * (q3 - q1))


class TiedThresholdWarning(UserWarning):
    """Fewer rows flagged than asked for: several score exactly the threshold (:func:`warn_of_ties`)."""


def warn_of_ties(scores: np.ndarray, threshold: float, share: float, asked: str, stacklevel: int = 2) -> None:
    """Warn where the anomaly ``scores`` (N,) flagged, those above ``threshold``, fall short of the ``share`` of rows
    asked for (``asked`` says how) by more than one row and more than a tenth of them, because several score
    exactly the threshold: rows alike in every column score alike, and a row at the threshold is not flagged (as
    IsolationForest's ``predict`` does not flag it). A row fewer is the quantile's own rounding, not worth a word."""
    tied = int(np.count_nonzero(scores == threshold))
    flagged, expected = int(np.count_nonzero(scores > threshold)), round(share * len(scores))
    if tied > 1 and expected - flagged > max(1.0, 0.1 * expected):
        warnings.warn(f"{tied} rows score exactly the threshold {threshold:.6g} (rows alike score alike), and a row "
                      f"at the threshold is not flagged, so {flagged} rows are flagged rather than about {expected} "
                      f"({asked} of {len(scores)})", TiedThresholdWarning, stacklevel=stacklevel + 1)
