"""The library's isolation forest and the detector's ``ISOLATED`` combinations ("tail_isolation", ...)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from scipy.stats import spearmanr
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from autoencoders.applications.anomaly import ISOLATED
from autoencoders.applications.isolation import IsolationTrees, average_path
from autoencoders.checkpoint import load_tensors, save_tensors
from autoencoders.cli import cli
from autoencoders.errors import CheckpointError, ConfigError
from autoencoders.sklearn import AutoencoderOutlierDetector


def blob_with_outliers(n: int = 600, width: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, width) Gaussian rows whose first 10 are moved far out in one random column each, and those 10 indices."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, width))
    X[np.arange(10), rng.integers(width, size=10)] += rng.choice([-6.0, 6.0], size=10)
    return X, np.arange(10)


def test_average_path_is_the_unsuccessful_search_length_of_a_binary_search_tree():
    # c(256) = 2 (ln 255 + Euler's gamma) - 2 * 255 / 256, the normaliser of Liu et al. for 256-row trees
    expected = 2 * (np.log(255) + 0.5772156649015329) - 2 * 255 / 256
    np.testing.assert_allclose(average_path(np.array([0, 1, 2, 256])), [0.0, 0.0, 1.0, expected])


def test_isolates_outliers_and_ranks_rows_as_scikit_learns_forest_does():
    X, outliers = blob_with_outliers()
    scores = IsolationTrees.fit(X, seed=0).score(X)  # (n,)
    assert np.all((scores > 0) & (scores <= 1))
    assert roc_auc_score(np.isin(np.arange(len(X)), outliers), scores) > 0.98
    reference = -IsolationForest(random_state=0).fit(X).score_samples(X)
    assert spearmanr(scores, reference).statistic > 0.9


def test_trees_are_heap_arrays_grown_to_the_depth_limit_from_max_samples_rows():
    X, _ = blob_with_outliers()
    trees = IsolationTrees.fit(X, n_trees=7, max_samples=64, seed=1)
    assert trees.feature.shape == (7, 2**7 - 1)  # depth ceil(log2 64) = 6: 127 heap nodes
    assert np.all(trees.size[:, 0] == 64)
    inner = np.flatnonzero(trees.feature[0] >= 0)
    children = trees.size[0, 2 * inner + 1] + trees.size[0, 2 * inner + 2]
    np.testing.assert_array_equal(children, trees.size[0, inner])  # every split sends each row one way


def test_same_seed_same_forest_without_touching_the_global_random_state():
    X, _ = blob_with_outliers()
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    first, second = IsolationTrees.fit(X, seed=3), IsolationTrees.fit(X, seed=3)
    np.testing.assert_array_equal(first.score(X), second.score(X))
    assert not np.array_equal(first.score(X), IsolationTrees.fit(X, seed=4).score(X))
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


@pytest.mark.parametrize("rows", [np.ones((50, 3)), np.zeros((1, 2)), np.eye(2)])
def test_constant_single_and_tiny_inputs_score_finitely(rows):
    scores = IsolationTrees.fit(rows, seed=0).score(rows)
    assert scores.shape == (len(rows),) and np.isfinite(scores).all()


def test_sparse_columns_still_split_where_some_vary():
    """A node whose first drawn column is constant on its rows draws again: mostly-zero columns do not stop a tree."""
    rng = np.random.default_rng(0)
    X = np.zeros((300, 40))
    X[:, 0] = rng.normal(size=300)
    X[0, 0] = 9.0  # far out in the one varying column
    trees = IsolationTrees.fit(X, seed=0)
    assert np.mean(trees.feature[:, 0] == 0) == 1.0  # every root splits on the column that varies
    assert np.argmax(trees.score(X)) == 0


@pytest.mark.parametrize("combine", ISOLATED)
def test_tail_isolation_detector_finds_outliers_saves_and_explains(tmp_path, combine):
    X, outliers = blob_with_outliers(width=6)
    detector = AutoencoderOutlierDetector(combine=combine, random_state=0).fit(X)
    scores = detector.score_samples(X)
    assert np.isfinite(scores).all()
    # independent columns, rows 6 deviations off in one: "tail" alone 0.939, "tail_isolation" 0.982,
    # "tail_isolation_core" 0.961, IsolationForest 0.974 (seed 0)
    assert roc_auc_score(np.isin(np.arange(len(X)), outliers), -scores) > 0.95
    again = AutoencoderOutlierDetector.load(detector.save(tmp_path / "detector"))
    np.testing.assert_array_equal(again.score_samples(X), scores)
    contributions = detector.explain(X[:10])
    np.testing.assert_allclose(contributions.sum(axis=1), -scores[:10], rtol=1e-9)
    moved = np.argmax(np.abs(X[:10]), axis=1)
    assert np.mean(np.argmax(contributions, axis=1) == moved) >= 0.8


def test_the_core_combination_measures_both_scores_against_the_kept_rows_and_grows_the_members_linearly():
    """"tail_isolation_core": quantiles of the 80% of rows the members score lowest (trim=0.2), so the trimmed 20%
    all lie beyond the members' top; there each further nat of the members' score adds nats linearly (at the rate
    the core's top quantiles rise), where "tail_isolation" adds only the log of the ratio to its top."""
    X, _ = blob_with_outliers(n=512, width=6)
    core = AutoencoderOutlierDetector(combine="tail_isolation_core", random_state=0).fit(X)
    plain = AutoencoderOutlierDetector(combine="tail_isolation", random_state=0).fit(X)
    assert core.isolation_.member_linear and not plain.isolation_.member_linear
    assert len(core.isolation_.member_quantiles) == int(np.log2(0.8 * 512)) + 1  # 409 kept rows: 9 levels
    assert len(plain.isolation_.member_quantiles) == int(np.log2(512)) + 1
    top = float(core.isolation_.member_quantiles[-1, 0])
    beyond = np.array([[top + 1.0], [top + 2.0]])  # the members' scores of two rows past the core's top
    nats = core.isolation_._nats(beyond, np.full((2, 1), 0.5))
    rate = float(core.isolation_.member_quantiles[-1, 0] - core.isolation_.member_quantiles[-4, 0]) / (3 * np.log(2))
    np.testing.assert_allclose(nats[1] - nats[0], 1.0 / max(rate, 1e-3))


@pytest.mark.parametrize("data_seed", [1, 2])
def test_the_core_combination_ranks_gross_single_column_errors_first_where_tail_isolation_does_not(data_seed):
    """The gross-error check (benchmarks/anomaly_gross_errors.py: 43 of 45 draws all on top for
    "tail_isolation_core", as for the default "tail"; 1 of 45 for "tail_isolation") on two of its draws."""
    rng = np.random.default_rng(data_seed)
    latent = rng.normal(size=(400, 2))
    X = np.column_stack([latent @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(400, 6)), np.ones(400)])
    missed = {}
    for k in (1, 4, 16):
        broken = X.copy()
        broken[:k, 2] += 40 * X[:, 2].std()
        for combine in ISOLATED:
            order = np.argsort(AutoencoderOutlierDetector(combine=combine, random_state=0).fit(broken)
                               .score_samples(broken), kind="stable")
            missed[combine, k] = len(set(range(k)) - set(order[:k]))
    assert all(missed["tail_isolation_core", k] == 0 for k in (1, 4, 16)), missed
    assert any(missed["tail_isolation", k] > 0 for k in (1, 4, 16)), "the check must tell the two apart"


def test_tail_isolation_needs_the_forest_grown_in_fit():
    X, _ = blob_with_outliers()
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)  # combine="tail": no forest
    with pytest.raises(ConfigError, match="fit it again with combine='tail_isolation'"):
        detector.set_params(combine="tail_isolation").score_samples(X)


def test_every_split_sends_rows_both_ways_even_between_values_a_few_ulps_apart():
    """A threshold drawn between two neighbouring floats rounds onto one of them: rows at or below it go left (as
    in scikit-learn), so each side keeps a row; with ``>=`` for right, a threshold rounded onto the smaller value
    sent both rows right, an empty split that only lengthened their paths (about every other tree here)."""
    X = np.array([[1e16], [1e16 + 2.0]])  # neighbouring float64 values: a draw between them rounds onto one
    trees = IsolationTrees.fit(X, n_trees=50, seed=0)
    assert np.all(trees.feature[:, 0] == 0)
    np.testing.assert_array_equal(trees.size[:, 1:3], np.ones((50, 2)))  # each child of the root holds one row
    np.testing.assert_allclose(trees.score(X), 0.5)  # both isolated at depth 1 = c(2): a typical path


def test_a_forest_of_one_row_scores_every_row_as_typical_as_scikit_learns_does():
    """One row gives no path to compare with (c(1) = 0): every score is 0.5, as scikit-learn's, not 1 (the
    most abnormal), which dividing by a floored c(1) gave."""
    trees = IsolationTrees.fit(np.zeros((1, 2)), seed=0)
    np.testing.assert_array_equal(trees.score(np.array([[0.0, 0.0], [5.0, -5.0]])), [0.5, 0.5])


@pytest.fixture(scope="module")
def saved_tail_isolation(tmp_path_factory) -> Path:
    """The folder a small fitted ``combine="tail_isolation"`` detector was saved to (copy it to damage it)."""
    X, _ = blob_with_outliers(n=120)
    detector = AutoencoderOutlierDetector(combine="tail_isolation", steps=10, random_state=0).fit(X)
    return detector.save(tmp_path_factory.mktemp("saved") / "detector")


@pytest.mark.parametrize("name", ["isolation.safetensors", "member0.safetensors"])
def test_a_saved_detector_missing_one_of_its_files_is_a_checkpoint_error_naming_it(saved_tail_isolation, name,
                                                                                   tmp_path):
    """It was a bare FileNotFoundError from deep in the loader, not the CheckpointError of every other bad folder."""
    folder = shutil.copytree(saved_tail_isolation, tmp_path / "copy")
    (folder / name).unlink()
    with pytest.raises(CheckpointError, match=f"{name} is missing"):
        AutoencoderOutlierDetector.load(folder)


DAMAGES = {  # readable files, checksums intact, whose arrays cannot be this detector's forest (4 features)
    "an array missing": lambda arrays: {k: v for k, v in arrays.items() if k != "forest_quantiles"},
    "another file's arrays": lambda arrays: {"weight": torch.zeros(3)},
    "trees of two sizes": lambda arrays: arrays | {"trees.threshold": arrays["trees.threshold"][:, :3]},
    "splits on feature 6": lambda arrays: arrays | {"trees.feature": torch.full_like(arrays["trees.feature"], 6)},
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_saved_forest_whose_arrays_do_not_fit_is_a_checkpoint_error_at_load(saved_tail_isolation, damage, tmp_path):
    """It was a KeyError at load, or an IndexError (or a silently wrong score: a feature index past the row's
    width reads the next row) at the first score."""
    folder = shutil.copytree(saved_tail_isolation, tmp_path / "copy")
    arrays, _ = load_tensors(folder / "isolation.safetensors")
    save_tensors(folder / "isolation.safetensors", damage(arrays), {})
    with pytest.raises(CheckpointError, match="isolation.safetensors"):
        AutoencoderOutlierDetector.load(folder)


def test_scoring_many_rows_works_through_cache_sized_blocks_with_the_same_scores():
    """Each tree walked every row at once: a dozen (N,) temporaries per level, out of the CPU cache from a few
    hundred thousand rows on (a million rows of 20 features scored 4.4x slower than in blocks, 4.5x scikit-learn's
    time). In blocks the scoring's own memory stays small whatever N, and a row's score does not depend on its
    block."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200_000, 3))  # 4.8 MB; the scores 1.6 MB
    trees = IsolationTrees.fit(X, n_trees=5, seed=0)
    tracemalloc.start()
    scores = trees.score(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 3e6, f"scoring 200,000 rows held {peak / 1e6:.1f} MB at its peak"
    np.testing.assert_array_equal(trees.score(X[:5000]), scores[:5000])
    np.testing.assert_array_equal(trees.score(X[-3:]), scores[-3:])


def test_cli_detect_tail_isolation_explains_a_table_with_a_category_and_gaps(tmp_path):
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"amount": rng.normal(100, 10, 300), "kind": rng.choice(["a", "b", "c"], 300),
                          "count": rng.integers(0, 10, 300).astype(float)})
    table.loc[0, "amount"], table.loc[1, "kind"], table.loc[2, "count"] = 400.0, "never seen", np.nan
    table.to_csv(tmp_path / "table.csv", index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(tmp_path / "table.csv"), "--out", str(out),
                                      "--combine", "tail_isolation", "--explain", "--top", "1"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out)
    assert np.isfinite(rows["score"]).all() and rows["outlier"].sum() == 30
    assert rows["top_features"][0].startswith("amount:") and rows["top_features"][1].startswith("kind:")


def small_detector(X: np.ndarray, **params) -> AutoencoderOutlierDetector:
    return AutoencoderOutlierDetector(**{"steps": 10, "random_state": 0, **params}).fit(X)


def test_overwriting_a_saved_detector_leaves_exactly_the_new_detectors_files(tmp_path):
    """Saving one member and no forest over three members and a forest left member1, member2 and the forest beside
    the new detector.json; a file of the user's in the folder is no detector's and stays."""
    X, _ = blob_with_outliers(n=120)
    folder = small_detector(X, n_estimators=3, combine="tail_isolation").save(tmp_path / "detector")
    (folder / "notes.txt").write_text("mine")
    new = small_detector(X, n_estimators=1, combine="tail")
    with pytest.raises(FileExistsError, match="member2.safetensors"):  # none of them replaced without overwrite
        new.save(folder)
    new.save(folder, overwrite=True)
    assert sorted(path.name for path in folder.iterdir()) == ["detector.json", "member0.safetensors", "notes.txt"]
    np.testing.assert_array_equal(AutoencoderOutlierDetector.load(folder).score_samples(X), new.score_samples(X))
    assert [path.name for path in tmp_path.iterdir()] == ["detector"]  # no staging folder left beside it


def replace_failing_at(call: int):
    """``os.replace`` that raises OSError (a crash) on its ``call``-th use (from 0) and renames otherwise."""
    real_replace, calls = os.replace, iter(range(1_000))

    def replace(source, target):
        if next(calls) == call:
            raise OSError("crash")
        real_replace(source, target)

    return replace


def test_a_detector_save_failing_midway_never_leaves_a_folder_that_loads_as_a_mix(tmp_path, monkeypatch):
    """Each rename of the save fails in turn (a crash there): the folder then loads as the old detector or not at
    all, never as the old detector.json over new members (the save wrote its files in place, one by one)."""
    X, _ = blob_with_outliers(n=120)
    old = small_detector(X, n_estimators=2)
    new = small_detector(X, n_estimators=1, combine="tail_isolation", random_state=1)
    pristine, saved = old.save(tmp_path / "pristine"), False
    for call in range(20):
        folder = shutil.copytree(pristine, tmp_path / f"detector{call}")
        with monkeypatch.context() as patch:
            patch.setattr(os, "replace", replace_failing_at(call))
            with contextlib.suppress(OSError):
                saved = new.save(folder, overwrite=True) == folder
        if saved:
            break
        with contextlib.suppress(CheckpointError):
            np.testing.assert_array_equal(AutoencoderOutlierDetector.load(folder).score_samples(X),
                                          old.score_samples(X))
    assert saved and call > 0
