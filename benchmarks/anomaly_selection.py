"""Honest selection of the outlier detector's defaults. The sets of the pool (``--pool all60``, the default since
the fourteenth round: the 22 ADBench sets, the 21 ADBench sets outside them read from ``--outside``, and the 17
derived sets of ``derived_sets.py``; ``--pool all``: the 22 and the 17, the twelfth round's; ``--pool adbench``: the
22 alone) are split into two halves, many times at random, by group (sets from one source, the ten MNIST digits or
the three penguin species, and in the 60-set pool the ADBench sets in ``SOURCES``, form one group and stay on one
side; every other set is its own group); on each split a candidate setting is chosen on one half (best mean rank of
ROC-AUC and AP over that half's sets and seeds, each set weighted by one over its group's size) and measured on the
other half, and the other way round, so every set is scored once per split by a setting chosen without it.
Printed: the out-of-fold mean ROC-AUC and AP of this selection with their spread across splits (over all sets, the
22 ADBench ones, the ones outside them and the derived ones), beside IsolationForest and ECOD (PyOD) on the same
rows and seeds; each candidate's in-sample means; what ``contamination="auto"`` flags. The candidate the same rule
picks on the whole pool is the detector's default, and the script says whether it is.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/anomaly_selection.py [--pool all60] [--seeds 0,1,2] [--splits 20]
        [--trainings base,trim] [--combinations sum,log] [--max-rows 20000]

A candidate is a training setting (``TRAININGS``) with a score combination (``COMBINATIONS``); the combinations of
one training setting are scored from one fit. The fourth round's combinations (``FOURTH_ROUND``, "knn" and "tail")
are crossed with the ``FOURTH_ROUND_TRAININGS`` only (each training they join is refitted on every set and seed);
``--combinations sum,log,feature_log,rank,reconstruction`` gives the third round's grid again. The seventh
round's trainings (``SEVENTH_ROUND_TRAININGS``: code width, depth, learning rate) take every combination;
``--trainings`` without them gives the fourth round's grid. The tenth round's combination (``TENTH_ROUND``,
"tail_knn") joins the fourth round's; ``--combinations`` without it gives the seventh round's grid. The eleventh
round's training (``ELEVENTH_ROUND_TRAININGS``, ``max_epochs=200``) takes every combination. The thirteenth round's
``FORESTS`` (the member's "tail" score beside a small isolation forest), the fifteenth round's ``MARGINAL`` (beside
a per-feature tail score of the robust features themselves) and the sixteenth round's ``ISOLATED`` (the library's
``combine="tail_isolation"``: beside the library's own isolation forest; the nineteenth round's
``"tail_isolation_core"``: the same measured against the rows the trimming keeps) join that training only.
``--exclude`` leaves named candidates out of what a half may choose (those known to fail a check a default must
pass: the gross-error check of ``anomaly_gross_errors.py`` or the fit-time gate). Every (set, seed,
candidate) result is stored in ``runs/anomaly_selection_floor_<max-rows>.json`` as soon as it is measured, so a re-run
only fits what is missing (``floor``: since the third round every training floors the error scale, so a cache from
before must not be read; the fourth round added its candidates to the third round's cache).
Sets above ``--max-rows`` rows (shuttle, smtp, celeba, cover, http at the default) are subsampled to that many rows,
the same rows for every method and seed, to keep the protocol runnable on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from _common import SHARED_DATA, print_table
from anomaly_adbench import read_cache, store
from autoencoders.applications.anomaly import (
    COMBINATIONS,
    DENSITY,
    ISOLATED,
    fence,
    surprisal,
    tail_quantiles,
)
from autoencoders.sklearn import AutoencoderOutlierDetector
from derived_sets import SETS, as_array, group, read_frames

DATA = SHARED_DATA / "adbench"
RUNS = Path(__file__).resolve().parents[1] / "runs"
# Every setting is spelled out in full rather than relative to the detector's defaults, which this script chooses.
# Third round: every training floors each feature's error scale at 1% of its own squared robust spread
# (``error_floor=0.01``, fixed by design before the run rather than a candidate of its own, see docs/benchmarks.md).
BASE = {"n_estimators": 1, "max_samples": 20_000, "max_features": 1.0, "trim": 0.0, "isolation_trim": False,
        "steps": 150, "error_floor": 0.01, "code_share": 0.25, "hidden_layers": 1, "lr": 6e-3, "model": "deep",
        "max_epochs": 60}
BAGGED = {**BASE, "n_estimators": 3, "max_samples": 2048, "max_features": 0.7, "steps": 50}  # one member's cost
TRAININGS = {
    "base": BASE,  # the previous default: one autoencoder on up to 20,000 rows, 150 steps at 6e-3
    # robust: the rows scored highest halfway are dropped for the second half and the score's statistics
    **{f"trim{round(100 * share):02d}": {**BASE, "trim": share} for share in (0.05, 0.1, 0.2, 0.3, 0.4)},
    "trim20_steps200": {**BASE, "trim": 0.2, "steps": 200},
    "bag": BAGGED,
    **{f"bagtrim{round(100 * share):02d}": {**BAGGED, "trim": share} for share in (0.1, 0.2)},
    "ens3trim20": {**BASE, "n_estimators": 3, "steps": 50, "trim": 0.2},  # three members on the same rows
}
# Fourth round, added after seeing the third round's out-of-fold AP: two combinations (a k-nearest-neighbour code
# density, per-feature tail surprisal) with the default's training and the two trainings chosen most often on halves
# in the third round after it (by family: trim shares, ensembles), not with all 11: each refit costs 66 fits.
FOURTH_ROUND = ("knn", "tail")
FOURTH_ROUND_TRAININGS = ("trim20_steps200", "trim40", "ens3trim20")
# Tenth round (written down before its run): "tail_knn", both of the fourth round's parts, with the same trainings.
TENTH_ROUND = ("tail_knn",)
# Seventh round (written down before its run, docs/benchmarks.md): the architecture and the learning rate, which no
# earlier round varied, one at a time around the default's training, crossed with every combination.
SEVENTH_ROUND = {"code_share": (0.125, 0.5), "hidden_layers": (0, 2), "lr": (2e-3, 2e-2)}
SEVENTH_ROUND_TRAININGS = tuple(f"trim20_steps200_{name}{value}" for name, values in SEVENTH_ROUND.items()
                                for value in values)
TRAININGS |= {f"trim20_steps200_{name}{value}": {**TRAININGS["trim20_steps200"], name: value}
              for name, values in SEVENTH_ROUND.items() for value in values}
# Eleventh round (written down before its run): small sets get their steps, up to 200 passes instead of 60.
ELEVENTH_ROUND_TRAININGS = ("trim20_steps200_epochs200",)
TRAININGS["trim20_steps200_epochs200"] = {**TRAININGS["trim20_steps200"], "max_epochs": 200}
# Thirteenth round (written down before its run): the default's member beside a small isolation forest fitted on
# the same robust features; each detector's score becomes nats of tail surprisal against the scores of the fitted
# rows (``surprisal``, as "tail" does per feature), and the two are summed. Only with the twelfth round's default.
FORESTS = {"tail_forest25": 25, "tail_forest50": 50}  # combination name -> trees
THIRTEENTH_ROUND_TRAININGS = ("trim20_steps200_epochs200",)
# Fifteenth round (written down before its run): the member's "tail" score beside a marginal one, each robust
# feature's |value| as a surprisal against the fitted rows' (ECOD's idea of per-feature tails, from our parts),
# each score turned into nats of tail surprisal and summed as the forests' are. Only with the default's training.
MARGINAL = ("tail_marginal",)
# Sixteenth round (written down before its run): the library's "tail_isolation" (``ISOLATED``), the member's "tail"
# score beside the library's own isolation forest (100 trees of 256 rows, arrays, no pickle) on the same robust
# features, combined as the thirteenth round's forests were. Only with the default's training.
# Seventeenth round (written down before its run): the default's training whose first half leaves out the rows an
# isolation forest isolates most (``isolation_trim``), scored by "tail" alone: the forest guides what the member
# learns, not the score.
SEVENTEENTH_ROUND_TRAININGS = ("trim20_steps200_epochs200_isotrim",)
TRAININGS["trim20_steps200_epochs200_isotrim"] = {**TRAININGS["trim20_steps200_epochs200"], "isolation_trim": True}
SEVENTEENTH_ROUND = ("tail",)
# Eighteenth round (written down before its run): the library's "tail_linear" ("tail" growing beyond the training
# rows' top error as an exponential tail does), with the default's training only.
EIGHTEENTH_ROUND = ("tail_linear",)
# Nineteenth round (written down before its run): the library's "tail_isolation_core" (``ISOLATED``: both scores
# measured against the rows the trimming keeps, the members' growing linearly beyond their top), with the default's
# training only; ``--exclude`` keeps the candidates known to fail a default's check out of the halves' choice.
# Twentieth round (written down before its run): the library's "tail_peak" ("tail" scoring a row by its most
# surprising feature less log K where that beats the mean), with the default's training only.
TWENTIETH_ROUND = ("tail_peak",)
# Twenty-first round (written down before its run): the default's training with a linear member (``model="linear"``,
# its reconstruction in a subspace as PCA's), crossed with the combinations the eleventh round's training takes but
# the late rounds'.
TWENTY_FIRST_ROUND_TRAININGS = ("trim20_steps200_epochs200_linear",)
TRAININGS["trim20_steps200_epochs200_linear"] = {**TRAININGS["trim20_steps200_epochs200"], "model": "linear"}
# Twenty-second round (written down before its run): the default's training and the twenty-first round's linear
# member, each with the "knn" code density measured against 256 training codes (``density_rows``, IsolationForest's
# subsample size) instead of 2,048, scored by the combinations that use it (``DENSITY``) only.
TWENTY_SECOND_ROUND_TRAININGS = ("trim20_steps200_epochs200_ref256", "trim20_steps200_epochs200_linear_ref256")
TRAININGS |= {f"{name}_ref256": {**TRAININGS[name], "density_rows": 256}
              for name in ("trim20_steps200_epochs200", "trim20_steps200_epochs200_linear")}
GRID = (*COMBINATIONS, *FORESTS, *MARGINAL)  # every combination the grid knows
# The combinations of the thirteenth round on, each crossed with the default's training only
LATE_ROUNDS = (*FORESTS, *MARGINAL, *ISOLATED, *EIGHTEENTH_ROUND, *TWENTIETH_ROUND)
BASELINES = ("iforest", "ecod")
CRITERIA = ("rank", "mean")  # how a half chooses; the first also chooses the default on all sets
POOLS = ("adbench", "all", "all60")  # the 22 ADBench sets; since the twelfth round also the 17 derived sets; since
# the fourteenth round (the default) also the 21 ADBench sets outside the 22, read from ``--outside``
OUTSIDE = Path(__file__).resolve().parents[2] / "adbench_outside22"  # docs/benchmarks.md says how to fill it
# Fourteenth round: in the 60-set pool, ADBench sets drawn from one source share a group with each other (and
# ADBench's mnist with the derived MNIST digits), as the derived sets of one source do.
SOURCES = {"30_satellite": "statlog_landsat", "31_satimage-2": "statlog_landsat", "19_landsat": "statlog_landsat",
           "6_cardio": "ctg", "7_Cardiotocography": "ctg", "4_breastw": "wisconsin", "42_WBC": "wisconsin",
           "43_WDBC": "wisconsin", "46_WPBC": "wisconsin", "2_annthyroid": "thyroid", "38_thyroid": "thyroid",
           "16_http": "kddcup99", "34_smtp": "kddcup99", "24_mnist": "mnist"}


def combinations(training: str, chosen: tuple[str, ...] = GRID) -> list[str]:
    """The combinations of ``chosen`` crossed with ``training``: the fourth and tenth rounds' only with the fourth,
    seventh, eleventh and twenty-first rounds' trainings, those of the thirteenth round on (``LATE_ROUNDS``) only
    with their own; the seventeenth round's training only with "tail", the twenty-second round's only with the
    code density's (``DENSITY``)."""
    if training in SEVENTEENTH_ROUND_TRAININGS:
        return [c for c in chosen if c in SEVENTEENTH_ROUND]
    if training in TWENTY_SECOND_ROUND_TRAININGS:
        return [c for c in chosen if c in DENSITY]
    return [c for c in chosen
            if (c not in FOURTH_ROUND + TENTH_ROUND + LATE_ROUNDS
                or training in FOURTH_ROUND_TRAININGS + SEVENTH_ROUND_TRAININGS + ELEVENTH_ROUND_TRAININGS
                + TWENTY_FIRST_ROUND_TRAININGS)
            and (c not in LATE_ROUNDS or training in THIRTEENTH_ROUND_TRAININGS)]


def candidates(trainings: list[str], chosen: tuple[str, ...] = GRID) -> dict[str, dict]:
    return {f"{t}_{c}": {**TRAININGS[t], "combine": c} for t in trainings for c in combinations(t, chosen)}


def load_set(path: Path, max_rows: int) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as data:
        X, y = data["X"].astype(np.float64), data["y"].astype(int)
    if len(X) > max_rows:  # one fixed subsample per set, whatever the method or seed
        rows = np.sort(np.random.default_rng(0).choice(len(X), max_rows, replace=False))
        X, y = X[rows], y[rows]
    return X, y


def adbench_sets() -> list[Path]:
    """The 22 ADBench sets, smallest first (the order the splits permute)."""
    return sorted(DATA.glob("*.npz"), key=lambda p: np.load(p)["X"].size)


def outside_sets(folder: Path) -> list[Path]:
    """The ADBench sets in ``folder`` that are not among the 22, smallest first (the fourteenth round's 21)."""
    if not folder.is_dir():
        raise SystemExit(f"--pool all60 needs the ADBench sets outside the 22 in {folder} (docs/benchmarks.md)")
    ours = {p.name for p in adbench_sets()}
    return sorted((p for p in folder.glob("*.npz") if p.name not in ours and p.stat().st_size),
                  key=lambda p: np.load(p)["X"].size)


def pool(name: str, outside: Path = OUTSIDE) -> list[str]:
    """The sets of a pool: the ADBench sets, smallest first, then (``all60``) the ones outside the 22, smallest
    first, then (``all``, ``all60``) the derived sets in ``SETS`` order."""
    extra = [p.stem for p in outside_sets(outside)] if name == "all60" else []
    return [p.stem for p in adbench_sets()] + extra + (list(SETS) if name != "adbench" else [])


class Loader:
    """(X, y) of a set for a seed: an ADBench set (the same rows whatever the seed) or a derived set drawn for that
    seed and encoded as the baselines get it (``as_array``); the source tables are read once."""

    def __init__(self, names: list[str], max_rows: int, outside: Path = OUTSIDE):
        self.max_rows, self.outside = max_rows, outside
        self.frames = read_frames({SETS[n].table for n in names if n in SETS})

    def __call__(self, name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        if name not in SETS:
            path = DATA / f"{name}.npz"
            return load_set(path if path.exists() else self.outside / f"{name}.npz", self.max_rows)
        features, y = SETS[name].draw(self.frames, seed, self.max_rows)
        return as_array(features), y


def groups(names: list[str], sources: bool = False) -> np.ndarray:
    """(sets,) the index of each set's group: derived sets of one source (the ten MNIST digits, the three penguin
    species) share one, which the splits keep on one side and the choice weighs as one set; with ``sources`` (the
    60-set pool) so do the ADBench sets of one source (``SOURCES``); every other set is its own group (so on the
    ADBench sets alone, the splits and the rule are the unweighted ones)."""
    keys = [group(n) if n in SETS else SOURCES.get(n, n) if sources else n for n in names]
    first = {key: i for i, key in enumerate(dict.fromkeys(keys))}  # groups numbered in order of appearance
    return np.array([first[key] for key in keys])


def metrics(y: np.ndarray, scores: np.ndarray, seconds: float, flagged: np.ndarray) -> dict:
    """ROC-AUC, AP (non-finite scores ranked above every finite one, and counted), fit seconds, and the share and
    F1 of the rows the method flags with its own automatic threshold."""
    finite = np.isfinite(scores)
    ranked = np.where(finite, scores, np.max(scores[finite], initial=0.0) + 1)
    hits = float(np.sum(flagged & (y == 1)))
    return {"roc_auc": roc_auc_score(y, ranked), "ap": average_precision_score(y, ranked), "fit_seconds": seconds,
            "non_finite": int((~finite).sum()), "auto_flagged": float(np.mean(flagged)),
            "auto_f1": 2 * hits / max(float(flagged.sum() + y.sum()), 1.0)}


def measure_training(training: str, X: np.ndarray, y: np.ndarray, seed: int) -> dict[str, dict]:
    """One fit of a training setting scored with every combination: {candidate: metrics}; ``contamination='auto'``
    flags each combination's scores beyond their own fence, as ``fit`` does."""
    began = time.perf_counter()
    detector = AutoencoderOutlierDetector(random_state=seed, **TRAININGS[training]).fit(X)
    seconds = time.perf_counter() - began
    rows, scored = {}, {}
    for combine in combinations(training, COMBINATIONS):
        fit_seconds = seconds
        if combine in ISOLATED:  # grown as fit grows it for this combination (same rows, same seed), and timed
            began = time.perf_counter()
            detector.set_params(combine=combine).grow_isolation(detector._features(X), seed)
            fit_seconds += time.perf_counter() - began
        scored[combine] = -detector.set_params(combine=combine).score_samples(X)  # (N,) higher = more abnormal
        rows[f"{training}_{combine}"] = metrics(y, scored[combine], fit_seconds,
                                                scored[combine] > fence(scored[combine]))
    for name, trees in FORESTS.items() if training in THIRTEENTH_ROUND_TRAININGS else ():
        began = time.perf_counter()
        Z = detector._features(X)  # (N, K) the robust features the member saw
        forest = -IsolationForest(n_estimators=trees, random_state=seed).fit(Z).score_samples(Z)  # (N,)
        scores = summed_nats(scored["tail"], forest)
        rows[f"{training}_{name}"] = metrics(y, scores, seconds + time.perf_counter() - began, scores > fence(scores))
    for name in MARGINAL if training in THIRTEENTH_ROUND_TRAININGS else ():
        began = time.perf_counter()
        spread = np.abs(detector._features(X))  # (N, K) each feature's distance from its median, in spreads
        marginal = surprisal(tail_quantiles(spread), spread).mean(axis=1)  # (N,) mean nats per feature
        scores = summed_nats(scored["tail"], marginal)
        rows[f"{training}_{name}"] = metrics(y, scores, seconds + time.perf_counter() - began, scores > fence(scores))
    return rows


def summed_nats(*scores: np.ndarray) -> np.ndarray:
    """(N,) the sum of ``scores`` (each (N,), higher = more abnormal), each first turned into nats of tail surprisal
    against its own values (as "tail" does per feature): how the thirteenth and fifteenth rounds combine two scores."""
    return sum(surprisal(tail_quantiles(score[:, None]), score[:, None])[:, 0] for score in scores)


def measure_baseline(name: str, X: np.ndarray, y: np.ndarray, seed: int) -> dict:
    """IsolationForest (defaults, contamination 'auto') or ECOD (PyOD defaults; deterministic, flags its top 10%)."""
    began = time.perf_counter()
    if name == "iforest":
        detector = IsolationForest(random_state=seed).fit(X)
        scores, flagged = -detector.score_samples(X), detector.predict(X) == -1
    else:
        from pyod.models.ecod import ECOD

        detector = ECOD().fit(X)
        scores, flagged = detector.decision_scores_, detector.labels_ == 1
    return metrics(y, np.asarray(scores, dtype=np.float64), time.perf_counter() - began, flagged)


def run(names: list[str], seeds: list[int], trainings: list[str], max_rows: int, cache: Path,
        chosen: tuple[str, ...] = GRID, outside: Path = OUTSIDE) -> dict:
    """Measures every (set, seed) the cache lacks for a candidate of the grid (a training is refitted, and scored
    with all its combinations, when one of its ``chosen`` candidates is missing) and the baselines."""
    results, load = read_cache(cache), Loader(names, max_rows, outside)
    for seed in seeds:
        for name in names:
            missing = [t for t in trainings
                       if any(f"{name}|{c}|{seed}" not in results for c in candidates([t], chosen))]
            missing_baselines = [b for b in BASELINES if f"{name}|{b}|{seed}" not in results]
            if not missing and not missing_baselines:
                continue
            X, y = load(name, seed)
            for training in missing:  # each fit's rows stored as soon as it ends
                results = keep(cache, name, seed, measure_training(training, X, y, seed))
            for baseline in missing_baselines:
                results = keep(cache, name, seed, {baseline: measure_baseline(baseline, X, y, seed)})
    return results


def keep(cache: Path, name: str, seed: int, rows: dict[str, dict]) -> dict:
    """Stores one fit's rows ({method: metrics}) of a set and seed, prints them, and returns the whole cache."""
    for method, row in rows.items():
        print(f"seed {seed} {name:18s} {method:22s} roc {row['roc_auc']:.3f} ap {row['ap']:.3f} "
              f"{row['fit_seconds']:6.2f}s", flush=True)
    return store(cache, {f"{name}|{method}|{seed}": row for method, row in rows.items()})


def table(results: dict, names: list[str], seeds: list[int], methods: list[str], metric: str) -> np.ndarray:
    """(methods, sets) means over seeds of ``metric``."""
    return np.array([[np.mean([results[f"{n}|{m}|{s}"][metric] for s in seeds]) for n in names] for m in methods])


def select(roc: np.ndarray, ap: np.ndarray, sets: np.ndarray, weights: np.ndarray, criterion: str = "rank") -> int:
    """Index of the candidate chosen on ``sets`` (column indices of the (candidates, sets) tables): by the best mean
    rank over those sets of its ROC-AUC and AP among the candidates ("rank", the default: a set where AP swings
    from 0.2 to 0.9 weighs no more than any other), or by the best mean of ROC-AUC and AP ("mean"); each set's
    weight (sets,) is one over the size of its group, so a group counts as one set."""
    w = weights[sets] / weights[sets].sum()  # (sets,)
    if criterion == "mean":
        return int(np.argmax((roc[:, sets] + ap[:, sets]) @ w))
    ranks = [rankdata(-table[:, sets], axis=0) for table in (roc, ap)]  # (candidates, sets) 1 = best
    return int(np.argmin(sum(r @ w for r in ranks)))


def out_of_fold(roc: np.ndarray, ap: np.ndarray, group: np.ndarray, n_splits: int,
                criterion: str) -> tuple[np.ndarray, list[int]]:
    """(n_splits, 2, sets): every set's ROC-AUC and AP scored by the candidate chosen on the other half of the
    groups (split at random, ``default_rng(split)``), and every choice made."""
    weights = 1.0 / np.bincount(group)[group]  # (sets,)
    members = [np.flatnonzero(group == g) for g in range(group.max() + 1)]
    held, chosen = np.zeros((n_splits, 2, roc.shape[1])), []
    for split in range(n_splits):
        order = np.random.default_rng(split).permutation(len(members))
        halves = [np.concatenate([members[g] for g in part]) for part in np.split(order, [len(members) // 2])]
        for train, test in (halves, halves[::-1]):
            pick = select(roc, ap, train, weights, criterion)
            chosen.append(pick)
            held[split, 0, test], held[split, 1, test] = roc[pick, test], ap[pick, test]
    return held, chosen


def report(results: dict, names: list[str], seeds: list[int], trainings: list[str], n_splits: int,
           chosen: tuple[str, ...] = GRID, per_set: tuple[str, ...] = (), sources: bool = False,
           excluded: tuple[str, ...] = ()) -> None:
    grid = {name: settings for name, settings in candidates(trainings, chosen).items() if name not in excluded}
    names = [n for n in names if all(f"{n}|{m}|{s}" in results for m in [*grid, *BASELINES] for s in seeds)]
    ours = list(grid)
    roc, ap = (table(results, names, seeds, ours, metric) for metric in ("roc_auc", "ap"))
    group = groups(names, sources)
    print(f"\n{len(names)} sets ({group.max() + 1} groups) x {len(seeds)} seeds, {n_splits} random splits into halves")
    dev = {p.stem for p in adbench_sets()}
    subsets = {"all sets": np.arange(len(names)), "ADBench": np.flatnonzero([n in dev for n in names]),
               "ADBench outside the 22": np.flatnonzero([n not in dev and n not in SETS for n in names]),
               "derived": np.flatnonzero([n in SETS for n in names])}
    held = {criterion: out_of_fold(roc, ap, group, n_splits, criterion) for criterion in CRITERIA}
    rows = []
    for subset, columns in ((k, v) for k, v in subsets.items() if len(v) and (k == "all sets" or len(v) < len(names))):
        baselines = {b: np.array([[table(results, names, seeds, [b], m)[0][columns].mean()
                                   for m in ("roc_auc", "ap")]]) for b in BASELINES}  # (1, 2): no spread over splits
        for method, figures in [*((f"ours, selected out of fold by {c}", held[c][0][:, :, columns].mean(axis=2))
                                  for c in CRITERIA), *baselines.items()]:  # figures (splits, 2)
            rows.append({"sets": f"{subset} ({len(columns)})", "method": method,
                         **{f"{key}{what}": float(f(figures[:, i])) for i, key in enumerate(("ROC-AUC", "AP"))
                            for what, f in (("", np.mean), (" sd over splits", np.std), (" min", np.min))},
                         **{f"splits above {b}": "-" if method in BASELINES else
                            "/".join(str(int(np.sum(figures[:, i] > v[0, i]))) for i in range(2))
                            for b, v in baselines.items()}})
    print_table(rows, ".4f")
    print("(splits above: ROC-AUC / AP, of the splits; every figure is a plain mean over the sets)")
    picks = np.bincount(held[CRITERIA[0]][1], minlength=len(ours))
    print(f"\nIn-sample means over all sets and seeds (not the claim), times each was chosen on a half by "
          f"{CRITERIA[0]}")
    print_table([{"candidate": c, "ROC-AUC": float(roc[i].mean()), "AP": float(ap[i].mean()),
                  "median fit s": float(np.median([results[f"{n}|{c}|{s}"]["fit_seconds"] for n in names
                                                   for s in seeds])),
                  "auto flags": float(np.mean([results[f"{n}|{c}|{s}"]["auto_flagged"] for n in names for s in seeds])),
                  "auto F1": float(np.mean([results[f"{n}|{c}|{s}"]["auto_f1"] for n in names for s in seeds])),
                  "non-finite": sum(results[f"{n}|{c}|{s}"]["non_finite"] for n in names for s in seeds),
                  "chosen": int(picks[i])} for i, c in enumerate(ours)]
                + [{"candidate": b, "ROC-AUC": float(table(results, names, seeds, [b], "roc_auc").mean()),
                    "AP": float(table(results, names, seeds, [b], "ap").mean()),
                    "median fit s": float(np.median([results[f"{n}|{b}|{s}"]["fit_seconds"] for n in names
                                                     for s in seeds])),
                    "auto flags": float(np.mean([results[f"{n}|{b}|{s}"]["auto_flagged"] for n in names
                                                 for s in seeds])),
                    "auto F1": float(np.mean([results[f"{n}|{b}|{s}"]["auto_f1"] for n in names for s in seeds])),
                    "non-finite": sum(results[f"{n}|{b}|{s}"]["non_finite"] for n in names for s in seeds),
                    "chosen": "-"} for b in BASELINES], ".4f")
    if per_set:
        shown = [*per_set, *BASELINES]
        set_roc, set_ap = (table(results, names, seeds, shown, metric) for metric in ("roc_auc", "ap"))  # (shown, sets)
        print("\nPer set, mean over seeds (in sample, not the claim): ROC-AUC / AP")
        print_table([{"set": n, **{m: f"{set_roc[i, j]:.3f} / {set_ap[i, j]:.3f}" for i, m in enumerate(shown)}}
                     for j, n in enumerate(names)])
    default = ours[select(roc, ap, np.arange(len(names)), 1.0 / np.bincount(group)[group])]
    params = AutoencoderOutlierDetector().get_params()
    matches = all(params[k] == v for k, v in grid[default].items())
    print(f"\nChosen on all {len(names)} sets: {default} {grid[default]}; "
          f"the detector's defaults {'are' if matches else 'are NOT'} this candidate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--trainings", default=",".join(TRAININGS))
    parser.add_argument("--combinations", default=",".join(GRID),
                        help="the combinations of the grid (a refitted training is scored with all of its own)")
    parser.add_argument("--per-set", default="", help="candidates whose per-set means to print beside the baselines")
    parser.add_argument("--exclude", default="", help="candidates no half may choose (known to fail a check a "
                                                      "default must pass; nineteenth round)")
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--pool", choices=POOLS, default="all60",
                        help="the sets chosen and measured on: the 22 ADBench sets; those and the 17 derived sets of "
                             "derived_sets.py (twelfth round); or (default, since the fourteenth round) also the 21 "
                             "ADBench sets outside the 22 in --outside")
    parser.add_argument("--outside", type=Path, default=OUTSIDE,
                        help="folder of the ADBench sets outside the 22 (default: ../adbench_outside22)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="default: runs/anomaly_selection_floor_<max-rows>.json")
    args = parser.parse_args()
    cache = args.cache or RUNS / f"anomaly_selection_floor_{args.max_rows}.json"
    torch.set_num_threads(1)
    names = pool(args.pool, args.outside)
    seeds, trainings = [int(s) for s in args.seeds.split(",")], args.trainings.split(",")
    chosen = tuple(args.combinations.split(","))
    excluded = tuple(filter(None, args.exclude.split(",")))
    unknown = sorted(set(excluded) - set(candidates(trainings, chosen)))
    if unknown:
        raise SystemExit(f"--exclude names candidates not in the grid: {', '.join(unknown)}")
    for training in trainings:  # the first fit pays for torch's start-up: not a timed one
        measure_training(training, *load_set(adbench_sets()[0], 300), 0)
    results = run(names, seeds, trainings, args.max_rows, cache, chosen, args.outside)
    report(results, names, seeds, trainings, args.splits, chosen,
           tuple(filter(None, args.per_set.split(","))), sources=args.pool == "all60", excluded=excluded)


if __name__ == "__main__":
    main()
