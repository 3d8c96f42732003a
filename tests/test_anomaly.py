from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import autoencoders as ae
from autoencoders.cli import cli
from autoencoders.sklearn import AutoencoderOutlierDetector
from conftest import SHARED_DATA

WBC = SHARED_DATA / "adbench" / "42_WBC.npz"  # 223 breast-cancer rows, 10 of them anomalies


def fast_detector(**params) -> AutoencoderOutlierDetector:
    return AutoencoderOutlierDetector(**{"n_estimators": 1, "epochs": 2, "hidden": (8,), **params})


@parametrize_with_checks([fast_detector()])
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
    with pytest.raises(ValueError, match=message):
        fast_detector().fit(broken)
    detector = fast_detector(random_state=0).fit(X)
    with pytest.raises(ValueError, match=message):
        detector.score_samples(broken)


def test_wrong_width_is_a_clear_error(wbc):
    X, _ = wbc
    detector = fast_detector(random_state=0).fit(X)
    with pytest.raises(ValueError, match=f"X has {X.shape[1] - 1} features.*expecting {X.shape[1]}"):
        detector.predict(X[:, 1:])


@pytest.mark.parametrize(("params", "message"), [({"contamination": 0.7}, "contamination must be in"),
                                                 ({"n_estimators": 0}, "n_estimators must be"),
                                                 ({"max_samples": 1}, "max_samples must be")])
def test_bad_parameters_fail_in_fit(wbc, params, message):
    with pytest.raises(ValueError, match=message):
        fast_detector(**params).fit(wbc[0])


def test_members_train_on_at_most_max_samples_rows(wbc, monkeypatch):
    X, _ = wbc
    trained_on = []
    fit = ae.Trainer.fit

    def recording_fit(trainer, rows, *args, **kwargs):
        trained_on.append(len(rows))
        return fit(trainer, rows, *args, **kwargs)

    monkeypatch.setattr(ae.Trainer, "fit", recording_fit)
    detector = fast_detector(n_estimators=2, max_samples=50, random_state=0).fit(X)
    assert len(X) > 50 and trained_on == [50, 50]
    assert len(detector.score_samples(X)) == len(X)  # every row is scored
    assert detector.members_[0].error_scale.shape == (X.shape[1],)


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
    (["--out", "scores.txt"], "must end in .csv or .npz"),
])
def test_cli_detect_bad_options_are_clear_errors(tmp_path, wbc_csv, args, message):
    result = CliRunner().invoke(cli, ["detect", "--data", str(wbc_csv), "--out", str(tmp_path / "s.csv"), *args])
    assert result.exit_code != 0
    assert message in result.output


def test_cli_detect_rejects_missing_values(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("a,b\n1,2\n3,nan\n5,6\n")
    result = CliRunner().invoke(cli, ["detect", "--data", str(path), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1
    assert "Error:" in result.output and "NaN" in result.output


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
