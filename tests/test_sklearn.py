from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import autoencoders as ae
from autoencoders.sklearn import AutoencoderTransformer


@parametrize_with_checks([AutoencoderTransformer(epochs=3, code_size=2, hidden=(8,))])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


def test_transform_inverse_transform_and_score(digits):
    X = digits.X.reshape(len(digits.X), -1)[:400]
    est = AutoencoderTransformer(code_size=8, hidden=(64,), loss="mse", epochs=100, lr=3e-3, random_state=0).fit(X)
    codes = est.transform(X)
    assert codes.shape == (400, 8) and est.n_features_in_ == 64
    recon = est.inverse_transform(codes)
    assert recon.shape == X.shape
    assert est.score(X) == pytest.approx(-((recon - X) ** 2).sum(axis=1).mean(), rel=1e-4)
    assert est.score(X) > -((X - X.mean(0)) ** 2).sum(1).mean() / 2  # beats half the variance


def test_model_options_are_parameters_and_survive_clone():
    est = AutoencoderTransformer(model="deep", dropout=0.2, activation="tanh")
    assert est.get_params()["dropout"] == 0.2
    copy = clone(est).set_params(dropout=0.3)
    assert copy.get_params()["dropout"] == 0.3 and copy.activation == "tanh"


def test_bad_hyperparameters_fail_in_fit_with_a_clear_message():
    X = np.random.default_rng(0).random((20, 4))
    with pytest.raises(KeyError, match="unknown model 'nope'"):
        AutoencoderTransformer(model="nope").fit(X)
    with pytest.raises(TypeError, match="no option.*beta"):
        AutoencoderTransformer(model="deep", beta=2.0).fit(X)
    with pytest.raises(ValueError, match="code_size must be >= 1"):
        AutoencoderTransformer(code_size=0).fit(X)


def test_image_rows_with_input_shape(digits):
    X = digits.X.reshape(len(digits.X), -1)[:100]
    est = AutoencoderTransformer(code_size=4, hidden=(16,), epochs=2, input_shape=(1, 8, 8)).fit(X)
    assert est.model_.input_shape == (1, 8, 8) and est.transform(X).shape == (100, 4)


def test_works_inside_a_pipeline(digits):
    X = digits.X.reshape(len(digits.X), -1)[:100] * 16
    pipe = make_pipeline(MinMaxScaler(), AutoencoderTransformer(code_size=3, hidden=(16,), epochs=2))
    assert pipe.fit_transform(X).shape == (100, 3)


def test_saved_transformer_reloads_with_identical_transform(digits, tmp_path):
    X = digits.X.reshape(len(digits.X), -1)[:300]
    est = AutoencoderTransformer(code_size=4, hidden=(16,), epochs=3, random_state=0, dropout=0.1).fit(X)
    path = est.save(tmp_path / "codes")
    loaded = AutoencoderTransformer.load(path)
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    assert loaded.get_params() == est.get_params()


def test_loading_a_plain_model_as_a_transformer_is_refused(tmp_path):
    path = ae.save_model(ae.create_model("deep", input_shape=(4,), code_size=2, hidden=(3,)), tmp_path / "m")
    with pytest.raises(ae.CheckpointError, match="no saved AutoencoderTransformer"):
        AutoencoderTransformer.load(path)
