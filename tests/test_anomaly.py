from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import autoencoders as ae
from autoencoders.applications.anomaly import ScoredMember, TiedThresholdWarning, codes_and_errors, member_shapes
from autoencoders.cli import cli
from autoencoders.sklearn import AutoencoderOutlierDetector
from conftest import SHARED_DATA

WBC = SHARED_DATA / "adbench" / "42_WBC.npz"  # 223 breast-cancer rows, 10 of them anomalies


def fast_detector(**params) -> AutoencoderOutlierDetector:
    return AutoencoderOutlierDetector(**{"n_estimators": 1, "epochs": 2, "hidden": (8,), **params})


@parametrize_with_checks([fast_detector(), fast_detector(combine="tail_isolation"), fast_detector(isolation_trim=True)])
def test_sklearn_outlier_detector_contract(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def wbc() -> tuple[np.ndarray, np.ndarray]:
    with np.load(WBC) as data:
        return data["X"], data["y"]


def test_finds_the_anomalies_of_a_real_set_without_labels(wbc):
    X, y = wbc
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    assert roc_auc_score(y, -detector.score_samples(X)) > 0.9


def test_outlier_conventions_follow_isolation_forest(wbc):
    X, _ = wbc
    detector = fast_detector(contamination=0.2, random_state=0).fit(X)
    scores, decision, labels = detector.score_samples(X), detector.decision_function(X), detector.predict(X)
    np.testing.assert_allclose(decision, scores - detector.offset_)
    assert set(np.unique(labels)) == {-1, 1}
    np.testing.assert_array_equal(labels == -1, decision < 0)
    assert abs(np.mean(labels == -1) - 0.2) < 0.02
    assert np.all(scores <= 0), "score_samples is minus an anomaly score, which is never negative"


def test_same_seed_same_scores(wbc):
    X, _ = wbc
    first = fast_detector(random_state=3).fit(X).score_samples(X)
    np.testing.assert_array_equal(first, clone(fast_detector(random_state=3)).fit(X).score_samples(X))


def test_scores_stay_finite_with_heavy_tails_constant_columns_and_mixed_scales():
    rng = np.random.default_rng(0)
    n = 300
    X = np.column_stack([
        rng.standard_cauchy(n) * 1e6,  # heavy tails
        np.full(n, 7.0),  # constant
        rng.normal(size=n) * 1e-9,  # tiny scale
        rng.normal(size=n) * 1e9,  # huge scale
        (rng.random(n) < 0.02).astype(float),  # rare binary flag: IQR 0
    ])
    X[0, 3] = 1e300  # far beyond float32
    detector = fast_detector(random_state=0).fit(X)
    scores = detector.score_samples(X)
    assert np.isfinite(scores).all()
    assert scores[0] == scores.min(), "the row with the enormous value is the most abnormal"


@pytest.mark.parametrize(("bad", "message"), [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_or_inf_is_a_clear_error_in_fit_and_scoring(wbc, bad, message):
    X, _ = wbc
    broken = X.copy()
    broken[5, 2] = bad
    if np.isnan(bad):  # NaN in fitting is a gap: the tabular path flags it (tests/test_tables.py)
        assert np.isfinite(fast_detector(random_state=0).fit(broken).score_samples(broken)).all()
    else:
        with pytest.raises(ValueError, match=message):
            fast_detector().fit(broken)
    detector = fast_detector(random_state=0).fit(X)  # fitted without gaps, it cannot score one
    with pytest.raises(ValueError, match=message):
        detector.score_samples(broken)


def test_wrong_width_is_a_clear_error(wbc):
    X, _ = wbc
    detector = fast_detector(random_state=0).fit(X)
    with pytest.raises(ValueError, match=f"X has {X.shape[1] - 1} features.*expecting {X.shape[1]}"):
        detector.predict(X[:, 1:])


@pytest.mark.parametrize(("params", "message"), [({"contamination": 0.7}, "contamination must be 'auto' or in"),
                                                 ({"contamination": "half"}, "contamination must be 'auto' or in"),
                                                 ({"n_estimators": 0}, "n_estimators must be"),
                                                 ({"max_samples": 1}, "max_samples must be"),
                                                 ({"max_features": 0.0}, "max_features must be in"),
                                                 ({"trim": 0.5}, "trim must be in"),
                                                 ({"isolation_trim": "yes"}, "isolation_trim must be True or False"),
                                                 ({"isolation_trim": True, "trim": 0.0},
                                                  "isolation_trim=True leaves out the trim share"),
                                                 ({"combine": "max"}, "combine must be one of"),
                                                 ({"error_floor": 0.0}, "error_floor must be in"),
                                                 ({"density_rows": 1}, "density_rows must be an integer >= 2"),
                                                 ({"code_share": 0.75}, "code_share must be in"),
                                                 ({"hidden_layers": -1}, "hidden_layers must be"),
                                                 ({"code_size": 0}, "code_size must be None"),
                                                 ({"epochs": 0}, "epochs must be None"),
                                                 ({"steps": 0}, "steps must be"),
                                                 ({"max_epochs": 1}, "max_epochs must be an integer >= 2")])
def test_bad_parameters_fail_in_fit(wbc, params, message):
    with pytest.raises(ValueError, match=message):
        fast_detector(**params).fit(wbc[0])


def test_members_are_sized_by_code_share_and_hidden_layers(wbc):
    """Codes of ``code_share`` of the (kept) input width, spread up to twice that over the members; hidden layers of
    twice the width, none at all for ``hidden_layers=0`` (a linear encoder: one Linear layer into the code)."""
    assert member_shapes(40, 3) == [((80,), 10), ((80,), 15), ((80,), 20)]
    assert member_shapes(40, 1, code_share=0.125, hidden_layers=2) == [((80, 80), 5)]

    linear = AutoencoderOutlierDetector(hidden_layers=0, code_share=0.5, epochs=2).fit(wbc[0]).members_[0].model
    layers = [m for m in linear.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in layers] == [(9, 4), (4, 9)]


def test_max_epochs_caps_the_passes_that_small_sets_would_take_for_their_steps():
    from autoencoders.applications.anomaly import auto_epochs

    assert auto_epochs(200, 256, 200) == 60  # the default cap: 60 steps of one batch, not 200
    assert auto_epochs(200, 256, 200, high=200) == 200  # the eleventh round's candidate: the steps honoured
    assert auto_epochs(20_000, 256, 200) == auto_epochs(20_000, 256, 200, high=200) == 3  # large sets unchanged


def test_member_code_stays_below_the_capped_hidden_layer_on_wide_inputs():
    """The code is sized from the input width up to the hidden layers' cap: 784 pixels get hidden layers of 128
    and a code of 32 (it was 196, wider than the layer before it); inputs of at most 128 columns are unchanged."""
    assert member_shapes(784, 1) == [((128,), 32)]
    assert member_shapes(100, 1) == [((128,), 25)]
    for width in (1, 7, 64, 129, 300, 513, 5000):
        for share in (0.125, 0.25, 0.5):
            for layers, code in member_shapes(width, 3, code_share=share):
                assert code <= layers[0] and code <= width


def test_statistics_and_scores_do_not_depend_on_the_block_size(wbc, monkeypatch):
    """Wide tables are scaled a block of columns at a time and scored a block of rows at a time, so that no copy of
    the whole table's per-feature errors is held; the results are those of one block, to the bit."""
    import autoencoders.applications.anomaly as anomaly

    X = np.column_stack([wbc[0], (np.arange(len(wbc[0])) % 17 == 0).astype(float)])  # + a rare flag (IQR 0)
    whole = fast_detector(random_state=0).fit(X)
    monkeypatch.setattr(anomaly, "BLOCK_VALUES", 50)  # 5 rows or 5 columns' worth of values per block
    blocked = fast_detector(random_state=0).fit(X)
    assert np.array_equal(whole.features_.spread, blocked.features_.spread)
    assert np.array_equal(whole.score_samples(X), blocked.score_samples(X))
    assert whole.offset_ == blocked.offset_


def test_a_series_with_gaps_is_refused_naming_its_time_steps():
    series = np.sin(np.arange(300) / 5.0)
    series[[40, 41, 200]] = np.nan
    with pytest.raises(ValueError, match="3 time step\\(s\\) with NaN or infinite values, first at step 40 in "
                                         "channel 0"):
        ae.applications.series_anomaly_scores(series, 32)
    import pandas as pd

    frame = pd.DataFrame({"load": np.cos(np.arange(300) / 5.0), "temperature": series})  # the gap in the second
    with pytest.raises(ValueError, match="first at step 40 in column 'temperature'"):
        ae.applications.series_anomaly_scores(frame, 32)


def test_two_rows_are_enough_to_fit_and_score_as_with_isolation_forest():
    """Trimming 20% of two rows would leave one, too few to train on: then no row is dropped."""
    X = np.random.default_rng(0).normal(size=(2, 3))
    assert np.isfinite(AutoencoderOutlierDetector(random_state=0).fit(X).score_samples(X)).all()


def test_members_train_on_at_most_max_samples_rows(wbc, monkeypatch):
    X, _ = wbc
    trained_on = []
    fit = ae.Trainer.fit

    def recording_fit(trainer, rows, *args, **kwargs):
        trained_on.append(len(rows))
        return fit(trainer, rows, *args, **kwargs)

    monkeypatch.setattr(ae.Trainer, "fit", recording_fit)
    detector = fast_detector(n_estimators=2, max_samples=50, random_state=0).fit(X)
    # each member: its 50 rows, then the 40 left after trimming the 20% it scores highest halfway
    assert len(X) > 50 and trained_on == [50, 40, 50, 40]
    assert len(detector.score_samples(X)) == len(X)  # every row is scored
    assert detector.members_[0].error_scale.shape == (X.shape[1],)


def planted(n: int = 400, width: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Correlated Gaussian rows with a constant column, and 8 rows (the first) broken in column 2 only."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 2))
    X = np.column_stack([latent @ rng.normal(size=(2, width)) + 0.05 * rng.normal(size=(n, width)), np.ones(n)])
    X[:8, 2] += 40 * X[:, 2].std()
    return X, np.arange(8)


BAGGED = {"n_estimators": 3, "max_features": 0.7, "trim": 0.1}


@pytest.mark.parametrize("params", [{}, *({"combine": c} for c in ("log", "rank", "reconstruction", "feature_log",
                                                                    "knn", "tail_isolation")), BAGGED])
def test_explain_splits_each_score_over_the_columns_and_names_the_broken_one(params):
    X, broken = planted()
    detector = AutoencoderOutlierDetector(random_state=0, **params).fit(X)
    contributions = detector.explain(X)
    assert contributions.shape == X.shape
    np.testing.assert_allclose(contributions.sum(axis=1), -detector.score_samples(X), rtol=1e-9)
    assert np.all(contributions >= 0)
    assert np.all(contributions[:, -1] == 0), "the constant column was dropped: it explains nothing"
    assert np.all(np.argmax(contributions[broken], axis=1) == 2)


@pytest.mark.parametrize("seed", [1, 3, 6])
def test_explain_names_the_broken_column_where_the_reconstruction_error_points_elsewhere(seed):
    """With these seeds the members' largest normalised error on the broken rows is in column 3, a column
    correlated with the broken one (the reconstruction spreads an off-manifold row's error); repairing column 3
    leaves the row broken, repairing column 2 mends it, so the explanation names column 2."""
    from autoencoders.applications.attribution import error_terms

    X, broken = planted()
    detector = AutoencoderOutlierDetector(random_state=seed).fit(X)
    errors = error_terms(detector.members_, detector._features(X))[broken]  # (8, 6) without the constant column
    assert np.mean(np.argmax(errors, axis=1) == 3) >= 0.5, "the case this test is about: the error points elsewhere"
    assert np.all(np.argmax(detector.explain(X)[broken], axis=1) == 2)


def test_contamination_auto_flags_rows_beyond_the_far_fence_of_the_training_scores():
    X, broken = planted()
    detector = AutoencoderOutlierDetector(contamination="auto", random_state=0).fit(X)
    anomaly = -detector.score_samples(X)
    q1, q3 = np.percentile(anomaly, [25, 75])
    assert detector.offset_ == pytest.approx(-(q3 + 3 * (q3 - q1)))
    flagged = np.flatnonzero(detector.predict(X) == -1)
    assert set(broken) <= set(flagged) and len(flagged) < 0.1 * len(X), "the planted rows and few others"


def test_trimming_and_bagging_members():
    X, _ = planted(width=10)
    detector = AutoencoderOutlierDetector(n_estimators=3, max_features=0.5, max_samples=100, trim=0.2,
                                          random_state=0).fit(X)
    columns = [member.columns for member in detector.members_]
    assert all(len(c) == 5 for c in columns) and len({tuple(c) for c in columns}) > 1
    kept = [member.training_parts.shape[1] for member in detector.members_]
    assert kept == [80, 80, 80], "statistics come from the 100 drawn rows less the 20% trimmed"
    assert np.isfinite(detector.score_samples(X)).all()


@pytest.mark.parametrize("data_seed", [1, 2])
def test_the_default_ranks_gross_single_column_errors_first(data_seed):
    # A guard for the default (benchmarks/anomaly_gross_errors.py gives the rate over 45 draws: 43 of them for the
    # default, 1 for combine="tail_isolation", which is why that combination is not the default)
    for k in (1, 4, 16):
        X, _ = planted(seed=data_seed)
        X[:8, 2] = X[8:16, 2]  # the planted rows back to typical values, then k of them broken
        X[:k, 2] += 40 * X[:, 2].std()
        order = np.argsort(AutoencoderOutlierDetector(random_state=0).fit(X).score_samples(X), kind="stable")
        assert set(order[:k]) == set(range(k)), f"{k} rows 40 deviations off in one column are the top {k}"


def test_isolation_trim_trains_the_first_half_without_the_rows_a_forest_isolates(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    X[:12, :2] += 8.0  # a compact group far out in two features: the forest isolates it first
    trained = []
    fit_model = AutoencoderOutlierDetector._fit_model

    def recording(self, rows, **kwargs):
        trained.append(rows)
        return fit_model(self, rows, **kwargs)

    monkeypatch.setattr(AutoencoderOutlierDetector, "_fit_model", recording)
    detector = AutoencoderOutlierDetector(isolation_trim=True, trim=0.1, steps=20, random_state=0).fit(X)
    first, second = trained
    group = detector.features_.transform(X[:12])  # (12, K) the group as the member sees it
    assert len(first) == 360, "the first half leaves out the trim share"
    assert not any(np.any(np.all(first == row, axis=1)) for row in group), "no row of the group is learned first"
    assert not any(np.any(np.all(second == row, axis=1)) for row in group), "halfway the trimming drops it"
    plain = trained.clear() or AutoencoderOutlierDetector(trim=0.1, steps=20, random_state=0).fit(X)
    assert len(trained[0]) == 400 and plain.get_params()["isolation_trim"] is False


def test_error_floor_and_feature_log_keep_a_nearly_constant_column_from_drowning_the_rest():
    """Normal rows with rare spikes in a column constant on almost every row against a cluster of identical
    anomalies far out along the data's manifold (as in ADBench's http). Trimming drops the spikes, the column is
    then reconstructed almost perfectly on the kept rows, and without a floor its tiny mean error turns each spike
    into a huge term: the summed-error "log" ranks the spikes first. The default ``error_floor`` (1% of the
    feature's own squared spread), "feature_log" (log per feature) or "tail" (surprisal per feature, the default
    since the fourth round) rank the anomalies first."""
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(1000, 1))
    X = np.column_stack([np.zeros(1000), latent + 0.1 * rng.normal(size=(1000, 2))])  # (1000, 3)
    spikes = rng.choice(np.arange(8, 1000), 10, replace=False)
    X[spikes, 0] = 1 + rng.random(10)
    X[:8] = [0.0, 8.0, 8.0]
    y = np.arange(1000) < 8
    settings = {"no floor": {"error_floor": 1e-9, "combine": "log"}, "default floor": {"combine": "log"},
                "feature_log": {"error_floor": 1e-9, "combine": "feature_log"},
                "tail": {"error_floor": 1e-9, "combine": "tail"}}
    detectors = {name: AutoencoderOutlierDetector(random_state=0, **params).fit(X) for name, params in settings.items()}
    precision = {name: average_precision_score(y, -d.score_samples(X)) for name, d in detectors.items()}
    assert precision["no floor"] < 0.6, precision
    assert all(precision[name] > 0.95 for name in ("default floor", "feature_log", "tail")), precision
    model, Z = detectors["no floor"].members_[0].model, detectors["no floor"]._features(np.delete(X, spikes, axis=0))
    raw, floored = (ScoredMember.fit(model, Z, error_floor=floor).error_scale for floor in (1e-9, 0.01))
    assert raw[0] < 1e-3, "the constant-ish column's mean error is tiny"
    np.testing.assert_allclose(floored, np.maximum(raw, 0.01))



def test_the_trimming_score_is_the_full_members_sum_score_bit_for_bit(wbc):
    X, _ = wbc
    detector = AutoencoderOutlierDetector(random_state=0, trim=0.0, epochs=2).fit(X)
    model, Z = detector.members_[0].model, detector._features(X)
    for floor in (1e-9, 0.01):  # one pass and the sum's statistics only: the same score as fit + score
        expected = ScoredMember.fit(model, Z, error_floor=floor).score(Z, "sum")
        assert np.array_equal(ScoredMember.training_sum(model, Z, floor), expected)

def test_reference_sum_measures_rows_with_the_reference_rows_statistics(wbc):
    """ScoredMember.reference_sum scores new rows under the statistics of the rows the model trained on (what
    `ae detect RUN` measures a series' windows with): the reference rows score as training_sum scores them, and a
    row scores the same whichever other rows are scored beside it."""
    X, _ = wbc
    detector = AutoencoderOutlierDetector(random_state=0, trim=0.0, epochs=2).fit(X)
    model, Z = detector.members_[0].model, detector._features(X)
    reference, new = Z[: len(Z) // 2], Z[len(Z) // 2 :]
    scored, referenced = ScoredMember.reference_sum(model, new, reference)
    assert np.array_equal(referenced, ScoredMember.training_sum(model, reference))
    assert np.allclose(ScoredMember.reference_sum(model, new[:20], reference)[0], scored[:20], rtol=1e-12)
    assert not np.allclose(ScoredMember.training_sum(model, new[:20]), scored[:20])  # ranked among themselves


def test_rank_position_orders_values_beyond_the_training_maximum():
    from autoencoders.applications.anomaly import rank_position

    positions = rank_position(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 2.0, 4.0, 8.0, 16.0]))
    np.testing.assert_allclose(positions[:3], [0.0, 0.5, 1.0])
    assert positions[2] < positions[3] < positions[4]


def test_knn_code_density_finds_anomalies_between_two_clusters_of_normal_rows():
    """Normal rows in two clusters along a line, anomalies on the line halfway between them: all reconstructed
    well, and their codes lie at the training codes' mean, where a single Gaussian puts its peak, so the Mahalanobis
    distance ("log") misses them; their distance to the nearest training codes ("knn") does not."""
    rng = np.random.default_rng(0)
    position = np.concatenate([rng.choice([-3.0, 3.0], 990) + 0.3 * rng.normal(size=990), 0.1 * rng.normal(size=10)])
    X = position[:, None] * rng.normal(size=(1, 4)) + 0.05 * rng.normal(size=(1000, 4))  # (1000, 4)
    y = np.arange(1000) >= 990
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)  # trimming keeps the anomalies out of the codes
    precision = {c: average_precision_score(y, -detector.set_params(combine=c).score_samples(X))
                 for c in ("log", "knn")}
    assert precision["log"] < 0.3 and precision["knn"] > 0.9, precision


def test_tail_adds_up_moderate_deviations_in_several_features():
    """Independent features; 20 normal rows stand 8 spreads out in one feature, 10 anomalies 4 spreads out in three
    features at once (as in ADBench's smtp, where ECOD's sum of per-feature tail probabilities wins). The mean
    normalised error ranks the single larger deviation first (64 against 3 x 16); the "tail" reconstruction part
    sums the features' surprisals, each about the log of the number of training rows beyond which they lie, so
    three far-out features outrank one. (The code part, the same in both, blurs this in the whole score.)"""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 6))
    X[10:30, 0] = 8.0 * rng.choice([-1, 1], 20)
    X[:10, 1:4] = 4.0 * rng.choice([-1, 1], (10, 3))
    y = np.arange(2000) < 10
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    member, Z = detector.members_[0], detector._features(X)
    part = {c: average_precision_score(y, member.feature_terms(Z, c).sum(axis=1)) for c in ("log", "tail")}
    assert part["log"] < 0.3 and part["tail"] > 0.9, part
    whole = {c: average_precision_score(y, -detector.set_params(combine=c).score_samples(X)) for c in ("log", "tail")}
    assert whole["tail"] > 2 * whole["log"], whole


def test_surprisal_is_minus_the_log_tail_share_and_orders_new_extremes():
    from autoencoders.applications.anomaly import surprisal, tail_quantiles

    values = np.column_stack([np.arange(1.0, 1025.0), np.zeros(1024)])  # (1024, 2): a ramp and a constant column
    quantiles = tail_quantiles(values)  # (11, 2): tail shares 1 down to 1/1024
    assert quantiles.shape == (11, 2)
    top = quantiles[-1, 0]  # where the top 1/1024 of the ramp begins
    result = surprisal(quantiles, np.array([[1.0, 0.0], [512.5, 0.0], [top, 1.0], [4 * top, 2.0]]))
    np.testing.assert_allclose(result[:, 0], [0.0, np.log(2), 10 * np.log(2), 10 * np.log(2) + np.log(4)])
    assert np.all(result[:2, 1] == 0), "a value every training row reaches is no surprise"
    assert np.isfinite(result).all() and result[3, 1] > result[2, 1] > 0
    # beyond a top quantile of 0 the ratio to it (held at the smallest float) overflowed to inf from about 4 on
    far = surprisal(quantiles, np.array([[0.0, 5.0], [0.0, 1e4]]))[:, 1]
    assert np.isfinite(far).all() and far[1] > far[0] > result[3, 1]


def test_linear_surprisal_grows_beyond_the_top_as_an_exponential_tail():
    from autoencoders.applications.anomaly import RATE_FLOOR, surprisal, tail_quantiles

    values = np.column_stack([np.random.default_rng(0).exponential(2.0, 4096), np.zeros(4096)])  # (4096, 2)
    quantiles = tail_quantiles(values)  # (13, 2)
    top, level = quantiles[-1, 0], 12 * np.log(2)
    inside = np.array([[quantiles[5, 0], 0.0]])
    np.testing.assert_array_equal(surprisal(quantiles, inside, linear=True), surprisal(quantiles, inside))
    far = surprisal(quantiles, np.array([[top + 2.0, 0.0], [top + 20.0, 0.0]]), linear=True)[:, 0] - level
    assert far[1] == pytest.approx(10 * far[0]), "linear in the distance beyond the top"
    assert 0.5 < far[0] < 2.0, "at the tail's own scale: 2 beyond the top of an exponential of scale 2 is ~1 nat"
    flat = surprisal(quantiles, np.array([[0.0, 1.0]]), linear=True)[0, 1]  # a column whose quantiles are all 0
    assert np.isfinite(flat) and flat == pytest.approx(level + 1.0 / RATE_FLOOR)


def test_tail_peak_scores_a_row_by_its_most_surprising_feature_less_log_k_where_that_beats_the_mean():
    from autoencoders.applications.anomaly import peak_terms

    surprisals = np.array([[1.0, 1.0, 1.0, 1.0], [12.0, 0.0, 0.0, 0.0], [3.0, 2.0, 2.0, 2.0]])  # (3, 4)
    terms = peak_terms(surprisals, surprisals / 4)
    np.testing.assert_allclose(terms.sum(axis=1), [1.0, 12.0 - np.log(4), 2.25])
    np.testing.assert_array_equal(terms[1], [12.0 - np.log(4), 0, 0, 0]), "the peak alone, on its feature"
    np.testing.assert_array_equal(terms[2], surprisals[2] / 4), "3 - log 4 < the mean 2.25: the mean's terms"


def test_tail_peak_ranks_a_row_far_out_in_one_of_many_features_above_rows_mildly_off_in_all():
    """Sixty independent columns: "tail" averages one feature's surprisal over all sixty, so a row 8 deviations
    off in one column scores below rows a little off in many (10th here); "tail_peak" scores it by that column
    (2nd here: one of the rows 1.6 times off in all sixty stays above it by its mean)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 60))
    X[0, 5] += 8.0
    X[1:6] *= 1.6  # five rows moderately off in every column
    ranks = {c: int(np.argsort(AutoencoderOutlierDetector(combine=c, random_state=0).fit(X).score_samples(X))
                    .tolist().index(0)) for c in ("tail", "tail_peak")}
    assert ranks["tail_peak"] <= 1 and ranks["tail"] >= 5, ranks


@pytest.mark.parametrize("combine", ["knn", "tail"])
def test_knn_and_tail_statistics_survive_save_and_load(combine, tmp_path):
    X, _ = planted()
    detector = AutoencoderOutlierDetector(random_state=0, combine=combine).fit(X)
    again = AutoencoderOutlierDetector.load(detector.save(tmp_path / "detector"))
    np.testing.assert_array_equal(again.score_samples(X), detector.score_samples(X))
    member = detector.members_[0]
    legacy = ScoredMember(member.model, member.columns, member.error_scale, member.code_mean, member.code_precision,
                          member.training_parts)  # as saved before the fourth round: no knn or tail statistics
    with pytest.raises(ValueError, match=f"before combine='{combine}' existed"):
        legacy.score(detector._features(X), combine)


def test_density_rows_bounds_the_training_codes_knn_measures_against(tmp_path):
    """The kept 80% of the 400 planted rows give 320 reference codes by default (at most 2,048) and 256 with
    ``density_rows=256``; the smaller reference survives save and load, and its scores differ from the default's."""
    X, _ = planted()
    scores = {}
    for rows, expected in ((None, round(0.8 * len(X))), (256, 256)):
        options = {} if rows is None else {"density_rows": rows}
        detector = AutoencoderOutlierDetector(random_state=0, combine="knn", **options).fit(X)
        assert len(detector.members_[0].reference_codes) == expected
        again = AutoencoderOutlierDetector.load(detector.save(tmp_path / f"detector{rows}"))
        assert again.get_params()["density_rows"] == detector.density_rows
        scores[rows] = again.score_samples(X)
        np.testing.assert_array_equal(scores[rows], detector.score_samples(X))
    assert not np.array_equal(scores[None], scores[256])


def test_tail_knn_adds_tails_error_part_to_knns_code_part():
    """combine="tail_knn" is the error surprisal of "tail" plus log1p of the code density of "knn"."""
    X, _ = planted()
    detector = AutoencoderOutlierDetector(random_state=0, combine="tail_knn").fit(X)
    member, Z = detector.members_[0], detector._features(X)
    codes, errors = codes_and_errors(member.model, Z)
    density, distance = member.density(codes), member._parts(codes, errors)[1]  # (N,) each
    np.testing.assert_allclose(member.score(Z, "tail_knn"),
                               member.feature_terms(Z, "tail").sum(axis=1) + np.log1p(density))
    np.testing.assert_allclose(member.score(Z, "tail_knn") - member.score(Z, "tail"),
                               np.log1p(density) - np.log1p(distance), atol=1e-12)
    assert np.isfinite(detector.score_samples(X)).all()


# ------------------------------------------------------------------------------------------------ ae detect
@pytest.fixture
def wbc_csv(tmp_path, wbc):
    path = tmp_path / "wbc.csv"
    X, y = wbc
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", comments="",
               header=",".join([f"f{i}" for i in range(X.shape[1])] + ["label"]))
    return path


def test_cli_detect_writes_a_score_and_flag_per_row(tmp_path, wbc_csv):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(wbc_csv), "--label-column", "label", "--out", str(out),
                                      "--contamination", "0.05", "--n-estimators", "1"])
    assert result.exit_code == 0, result.output
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert out.read_text().splitlines()[0] == "row,score,outlier"
    assert table.shape == (223, 3)
    assert np.isfinite(table[:, 1]).all()
    assert set(np.unique(table[:, 2])) == {0, 1}
    assert '"flagged": 12' in result.output  # 5% of 223 rows, rounded up by the threshold quantile
    assert '"roc_auc": 0.9' in result.output


def test_cli_detect_combine_reaches_the_detector(tmp_path, wbc_csv, wbc):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(wbc_csv), "--label-column", "label", "--out", str(out),
                                      "--combine", "tail_isolation"])
    assert result.exit_code == 0, result.output
    expected = -AutoencoderOutlierDetector(combine="tail_isolation", random_state=0).fit(wbc[0]).score_samples(wbc[0])
    np.testing.assert_allclose(np.loadtxt(out, delimiter=",", skiprows=1)[:, 1], expected, rtol=1e-5)


def test_cli_detect_refuses_an_existing_out_before_fitting_and_replaces_it_with_overwrite(tmp_path, wbc_csv):
    out = tmp_path / "scores.npz"
    out.write_bytes(b"earlier results")
    args = ["detect", "--data", str(wbc_csv), "--label-column", "label", "--out", str(out)]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2 and "already exists; pass --overwrite" in refused.output
    assert out.read_bytes() == b"earlier results"
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0
    with np.load(out) as saved:  # written through a file handle: no ".npz" added to the name
        assert saved["score"].shape == (223,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.npz", "wbc.csv"]


def test_cli_detect_quantile_threshold_to_npz(tmp_path, wbc_csv):
    out = tmp_path / "scores.npz"
    result = CliRunner().invoke(cli, ["detect", "--data", str(wbc_csv), "--label-column", "label", "--out", str(out),
                                      "--quantile", "0.9", "--n-estimators", "1"])
    assert result.exit_code == 0, result.output
    with np.load(out) as saved:
        assert saved["outlier"].sum() == 23
        np.testing.assert_array_equal(saved["outlier"], saved["score"] > saved["threshold"])


@pytest.mark.parametrize(("args", "message"), [
    (["--contamination", "0.1", "--quantile", "0.9"], "not both"),
    (["--quantile", "1.5"], "must be in (0, 1)"),
    (["--contamination", "0.9"], "must be in (0, 0.5]"),
    (["--contamination", "many"], "must be 'auto' or a number"),
    (["--out", "scores.txt"], "must end in .csv or .npz"),
    (["--combine", "mean"], "must be one of sum, log"),
    (["--combine", "tail", "--window", "8"], "--combine sets how the table detector scores"),
])
def test_cli_detect_bad_options_are_clear_errors(tmp_path, wbc_csv, args, message):
    result = CliRunner().invoke(cli, ["detect", "--data", str(wbc_csv), "--out", str(tmp_path / "s.csv"), *args])
    assert result.exit_code != 0
    assert message in result.output


def test_cli_detect_scores_rows_with_missing_values(tmp_path):
    path = tmp_path / "holes.csv"  # a gap is flagged by the tabular path, never a reason to refuse the table
    path.write_text("a,b\n" + "".join(f"{3 * i},{'' if i == 3 else 2 * i}\n" for i in range(40)))  # 0..39: an ID
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    scores = np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1)[:, 1]
    assert scores.shape == (40,) and np.isfinite(scores).all()


def test_cli_detect_on_a_time_series_flags_the_spike(tmp_path):
    steps = np.arange(600)
    series = np.sin(2 * np.pi * steps / 24) + 0.05 * np.random.default_rng(0).normal(size=len(steps))
    series[400:404] += 4.0  # a burst the daily pattern cannot explain
    path = tmp_path / "series.npy"
    np.save(path, series[:, None])
    out = tmp_path / "steps.npz"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--window", "16", "--out", str(out),
                                      "--contamination", "0.02"])
    assert result.exit_code == 0, result.output
    with np.load(out) as saved:
        assert saved["score"].shape == (600,)
        assert np.isfinite(saved["score"]).all()
        assert 400 <= int(np.argmax(saved["score"])) < 404 + 16
        assert saved["outlier"][400:404].all()


def test_cli_detect_explain_names_the_top_columns_of_flagged_rows(tmp_path):
    X, broken = planted()
    path = tmp_path / "planted.npy"
    np.save(path, X)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(out), "--contamination", "auto",
                                      "--explain", "--top", "2"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "row,score,outlier,top_features"
    rows = [line.split(",") for line in lines[1:]]
    assert all((row[2] == "1") == bool(row[3]) for row in rows), "explained exactly the flagged rows"
    for index in broken:
        first, second = rows[index][3].split(";")
        assert first.startswith("2:") and float(first[2:]) > float(second.split(":")[1])
    npz = tmp_path / "scores.npz"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(npz), "--explain"])
    assert result.exit_code == 0, result.output
    with np.load(npz) as saved:
        assert saved["top_features"].shape == (len(X), 3)
        np.testing.assert_array_equal(saved["top_features"][:, 0] >= 0, saved["outlier"] == 1)
        assert (saved["top_features"][broken, 0] == 2).all()
        assert saved["feature_names"].tolist() == [str(i) for i in range(X.shape[1])]  # the indices' columns


def test_cli_detect_explain_is_for_tables_only(tmp_path):
    path = tmp_path / "series.npy"
    np.save(path, np.sin(np.arange(200.0))[:, None])
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--window", "16", "--explain",
                                      "--out", str(tmp_path / "s.csv")])
    assert result.exit_code != 0 and "does not apply to a time series" in result.output


def test_cli_detect_refuses_top_without_explain_before_any_work(tmp_path):
    # --top 5 alone was ignored without a word: the scores were written with no top_features column
    path = tmp_path / "rows.npy"
    np.save(path, np.random.default_rng(0).normal(size=(50, 4)))
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--top", "5", "--out", str(out)])
    assert result.exit_code == 2 and "--top sets how many columns --explain names" in result.output, result.output
    assert not out.exists()


def tied_rows():
    """100 rows of two categories, the rarer 12% of them all alike: their equal scores tie at the 90th percentile."""
    import pandas as pd

    return pd.DataFrame({"kind": ["common"] * 88 + ["rare"] * 12, "size": ["s", "m", "l", "m"] * 22 + ["s"] * 12})


def test_detector_warns_when_rows_tied_at_its_threshold_leave_fewer_flagged_than_contamination():
    # contamination=0.1 flagged none of these 100 rows, without a word: the 12 rare rows share the top score, and a
    # row scoring exactly the threshold is an inlier (as IsolationForest's ties are)
    frame = tied_rows()
    with pytest.warns(TiedThresholdWarning, match=r"12 rows score exactly the threshold .* so 0 rows are flagged "
                                                  r"rather than about 10 \(contamination 0.1 of 100\)"):
        detector = AutoencoderOutlierDetector(steps=20, random_state=0).fit(frame)
    assert (detector.predict(frame) == 1).all()


def test_cli_detect_warns_when_rows_tied_at_the_threshold_leave_fewer_flagged_than_asked(tmp_path):
    path = tmp_path / "tied.csv"
    tied_rows().to_csv(path, index=False)
    out = tmp_path / "s.csv"
    # once, for --quantile's threshold (the detector's own, at its default contamination, is not the one used)
    with pytest.warns(TiedThresholdWarning, match=r"12 rows score exactly the threshold .* so 0 rows are flagged "
                                                  r"rather than about 10 \(--quantile 0.9 of 100\)") as caught:
        result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(out), "--quantile", "0.9"])
    assert result.exit_code == 0 and '"flagged": 0' in result.output, result.output
    assert len(caught) == 1


def test_cli_detect_on_a_series_with_a_timestamp_column_takes_it_aside_and_names_other_text(tmp_path):
    """A timestamp column is the steps' time stamps (written beside their scores), not a channel; a text column
    that is no time is still refused by name before any work."""
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(f"2024-01-01 {h:02d}:00:00,{np.sin(h)}\n" for h in range(24)))
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--window", "4", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0 and '"time_column": "timestamp"' in result.output, result.output
    path.write_text("host,value\n" + "".join(f"web{h % 2},{np.sin(h)}\n" for h in range(24)))
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--window", "4", "--out", str(tmp_path / "t.csv")])
    assert result.exit_code == 1 and "--drop host" in result.output and not (tmp_path / "t.csv").exists()


def planted_frame():
    """The planted rows as a DataFrame with a categorical column tied to the first feature."""
    import pandas as pd

    X, broken = planted()
    frame = pd.DataFrame(X[:, :-1], columns=[f"f{i}" for i in range(X.shape[1] - 1)])
    frame["kind"] = np.where(X[:, 0] > np.median(X[:, 0]), "high", "low")
    return frame, broken


def test_explain_on_a_mixed_frame_gives_one_contribution_per_input_column():
    frame, broken = planted_frame()
    detector = AutoencoderOutlierDetector(random_state=0).fit(frame)
    explained = detector.explain(frame)
    assert list(explained.columns) == list(frame.columns) and explained.index.equals(frame.index)
    contributions = explained.to_numpy()
    assert contributions.shape == frame.shape, "one-hot blocks fold back to their columns"
    np.testing.assert_allclose(contributions.sum(axis=1), -detector.score_samples(frame), rtol=1e-9)
    assert np.all(np.argmax(contributions[broken], axis=1) == 2), "the broken column, not the ones it disturbs"


def test_cli_detect_explain_names_columns_of_a_mixed_csv(tmp_path):
    frame, broken = planted_frame()
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(out), "--contamination", "0.02",
                                      "--explain", "--top", "3"])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in out.read_text().splitlines()[1:]]
    assert all(rows[index][2] == "1" and "f2:" in rows[index][3] for index in broken)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_detector_trains_on_the_gpu_and_scores_on_the_cpu():
    """Members train where ``device`` says and are scored on the CPU in float64 (the rows are CPU tensors)."""
    X, broken = planted()
    detector = AutoencoderOutlierDetector(device="cuda", random_state=0).fit(X)
    assert np.isfinite(detector.score_samples(X)).all() and detector.explain(X[broken]).shape == X[broken].shape


def column_by_column_surprisal(quantiles: np.ndarray, values: np.ndarray, linear: bool) -> np.ndarray:
    """The definition of ``surprisal`` one column at a time, as it was written before it took every column at
    once: what the vectorised one must equal bit for bit."""
    from autoencoders.applications.anomaly import tail_rate

    levels = np.arange(len(quantiles)) * np.log(2.0)
    result = np.empty_like(values)
    for j, (column, values_j) in enumerate(zip(quantiles.T, values.T, strict=True)):
        upper = np.searchsorted(column, values_j, side="left")
        inside = np.clip(upper, 1, len(column) - 1)
        low, high = column[inside - 1], column[inside]
        step = np.clip((values_j - low) / np.where(high > low, high - low, 1.0), 0.0, 1.0)
        result[:, j] = np.where(upper == 0, 0.0, levels[inside - 1] + step * (levels[inside] - levels[inside - 1]))
        beyond, top = upper == len(column), max(float(column[-1]), np.finfo(float).tiny)
        if linear:
            result[beyond, j] = levels[-1] + (values_j[beyond] - column[-1]) / tail_rate(quantiles)[j]
        else:
            result[beyond, j] = levels[-1] + np.log(np.maximum(values_j[beyond], top)) - np.log(top)
    return result


@pytest.mark.parametrize("linear", [False, True])
def test_surprisal_takes_every_column_at_once_with_the_same_bits(linear, monkeypatch):
    """A wide table's fit spent a fifth of its time in surprisal's loop over columns (a searchsorted and a dozen
    small operations each); it now takes them all at once, and its values are the loop's bit for bit: on values at,
    between, below and beyond the quantiles, ties, a constant column and a column of zeros."""
    from autoencoders.applications.anomaly import surprisal, tail_quantiles

    rng = np.random.default_rng(0)
    training = np.column_stack([rng.exponential(1.0, (500, 40)), np.full(500, 3.0), np.zeros(500),
                                rng.integers(0, 3, 500).astype(float)])  # (500, 43)
    quantiles = tail_quantiles(training)  # (9, 43)
    values = np.concatenate([rng.exponential(1.5, (300, 43)), quantiles, 1e3 * rng.random((5, 43)),
                             np.zeros((2, 43))])  # (316, 43)
    expected = column_by_column_surprisal(quantiles, values, linear)
    monkeypatch.setattr(np, "searchsorted", lambda *args, **kwargs: pytest.fail("searched column by column"))
    assert surprisal(quantiles, values, linear=linear).tobytes() == expected.tobytes()


def test_a_member_already_in_float64_is_scored_without_walking_it_again_or_copying_one_block(monkeypatch):
    """A fit scores its member's rows three times (the trimming, the statistics, the offset) and each pass moved
    the model to the CPU in float64 again (Module.to walks every module even when nothing moves) and copied its
    single block of errors with torch.cat (a wide table's errors are tens of MB)."""
    Z = np.random.default_rng(0).normal(size=(300, 6))
    model = fast_detector(random_state=0, trim=0.0).fit(Z).members_[0].model
    codes, errors = codes_and_errors(model, Z)  # (300, C), (300, 6): already in float64
    walks, cat = [], torch.cat
    monkeypatch.setattr(torch.nn.Module, "_apply", lambda *args, **kwargs: walks.append(1))
    monkeypatch.setattr(torch, "cat", lambda blocks, *args, **kwargs: pytest.fail("one block copied")
                        if len(blocks) == 1 else cat(blocks, *args, **kwargs))
    again = codes_and_errors(model, Z)
    assert walks == [] and np.array_equal(again[0], codes) and np.array_equal(again[1], errors)
    np.testing.assert_allclose(codes_and_errors(model, Z, batch_size=128)[1], errors, rtol=1e-12)  # three blocks


def test_robust_scaling_takes_no_standard_deviation_when_every_feature_has_a_spread():
    """The fallback spread of a feature with an IQR of 0 cost a float64 pass over every column of every table;
    it is taken only where a feature needs it (and is then the same as before)."""
    from autoencoders.applications.anomaly import RobustFeatures

    rng = np.random.default_rng(0)
    spread_out, flagged = rng.normal(size=(400, 5)), np.column_stack([rng.normal(size=400), np.arange(400) < 8])
    fallback = RobustFeatures.fit(flagged).spread
    assert fallback[1] == pytest.approx(flagged[:, 1].std())  # the flag's IQR is 0: its standard deviation
    taken = []  # numpy's standard deviation (np.std and ndarray.std alike) runs the Python function _methods._std

    def watch(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "_std":
            taken.append(frame.f_code.co_filename)

    sys.setprofile(watch)
    try:
        spread = RobustFeatures.fit(spread_out).spread
    finally:
        sys.setprofile(None)
    assert taken == [] and np.all(spread > 0)
