from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.utils.estimator_checks import (
    check_methods_sample_order_invariance,
    check_methods_subset_invariance,
    parametrize_with_checks,
)

import autoencoders as ae
from autoencoders.sklearn import AutoencoderImputer, AutoencoderOutlierDetector, AutoencoderTransformer
from conftest import SHARED_DATA


@parametrize_with_checks([AutoencoderTransformer(epochs=3, code_size=2, hidden=(8,))])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


OBJECTIVE_TRANSFORMERS = [AutoencoderTransformer(model=None, backbone="mlp", objective=name, epochs=2, code_size=4,
                                                 hidden=(8,)) for name in ae.list_objectives() if name != "plain"]


@parametrize_with_checks(OBJECTIVE_TRANSFORMERS)
def test_sklearn_contract_holds_for_every_objective(estimator, check):
    check(estimator)  # the objective's own head and loss (a VAE's sampling, VQ's codebook) meet it as well


@pytest.mark.parametrize("estimator", [AutoencoderTransformer(epochs=3, code_size=2, hidden=(8,)),
                                       *OBJECTIVE_TRANSFORMERS], ids=lambda e: e.objective or e.model)
def test_transform_does_not_depend_on_the_row_order(estimator):
    X = 3 * np.random.default_rng(0).uniform(size=(40, 3))
    fitted = clone(estimator).set_params(random_state=1).fit(X)
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(X))
        # scikit-learn's tolerance: float64 rows go through a float64 copy of the model
        np.testing.assert_allclose(fitted.transform(X)[order], fitted.transform(X[order]), rtol=1e-7, atol=1e-7)


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
    options = {"dropout": 0.2, "activation": "tanh"}
    est = AutoencoderTransformer(model="deep", backbone_options=options)
    params = est.get_params()
    assert params["backbone_options"] == options and params["backbone__dropout"] == 0.2
    assert params["backbone__hidden"] == (512, 256) and params["objective__code_activation"] == "identity"
    copy = clone(est).set_params(backbone__dropout=0.3)
    assert copy.get_params()["backbone__dropout"] == 0.3 and copy.backbone_options["activation"] == "tanh"
    assert options["dropout"] == 0.2  # the caller's dict is not changed


def test_a_misspelt_option_fails_at_once():
    with pytest.raises(TypeError, match="backbone 'mlp' has no option.*hiden.*its options are: activation"):
        AutoencoderTransformer().set_params(backbone__hiden=(8,))
    with pytest.raises(TypeError, match="objective 'plain' has no option.*beta"):
        AutoencoderTransformer(model="deep").set_params(objective__beta=2.0)


def test_a_failed_set_params_leaves_the_estimator_as_it_was():
    # The misspelt option used to stay in backbone_options, so every later fit, get_params or clone failed.
    est = AutoencoderTransformer(code_size=3, backbone_options={"hidden": (16,)})
    with pytest.raises(TypeError, match="hiden"):
        est.set_params(code_size=5, backbone__hiden=(8,))
    assert est.backbone_options == {"hidden": (16,)} and est.code_size == 3
    assert clone(est).get_params()["backbone__hidden"] == (16,)


def test_set_params_routes_part_options_after_the_part_is_chosen():
    est = AutoencoderTransformer(model=None).set_params(objective__beta=2.0, objective="vae")
    assert est.get_params()["objective__beta"] == 2.0 and est.objective == "vae"


def test_grid_search_over_an_objective_option_of_a_conv_vae(digits):
    X = digits.X.reshape(len(digits.X), -1)[:120]
    est = AutoencoderTransformer(model=None, backbone="conv", objective="vae", input_shape=(1, 8, 8), code_size=2,
                                 backbone_options={"channels": (4,)}, epochs=1, random_state=0)
    assert est.get_params()["objective__beta"] == 1.0
    search = GridSearchCV(est, {"objective__beta": [0.5, 2.0]}, cv=2).fit(X)
    assert search.best_estimator_.model_.name == "conv+vae"
    assert search.best_estimator_.model_.config.objective.beta == search.best_params_["objective__beta"]


def test_bad_hyperparameters_fail_in_fit_with_a_clear_message():
    X = np.random.default_rng(0).random((20, 4))
    with pytest.raises(KeyError, match="unknown model 'nope'"):
        AutoencoderTransformer(model="nope").fit(X)
    with pytest.raises(TypeError, match="no option.*beta"):
        AutoencoderTransformer(model="deep", objective_options={"beta": 2.0}).fit(X)
    with pytest.raises(ValueError, match="code_size must be >= 1, got 0"):
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
    est = AutoencoderTransformer(code_size=4, epochs=3, random_state=0,
                                 backbone_options={"hidden": (16,), "dropout": 0.1}).fit(X)
    path = est.save(tmp_path / "codes")
    loaded = AutoencoderTransformer.load(path)
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    assert loaded.get_params() == est.get_params()


def test_loading_a_plain_model_as_a_transformer_is_refused(tmp_path):
    path = ae.save_model(ae.create_model("deep", input_shape=(4,), code_size=2, hidden=(3,)), tmp_path / "m")
    with pytest.raises(ae.CheckpointError, match="no saved AutoencoderTransformer"):
        AutoencoderTransformer.load(path)


def test_read_only_inputs_such_as_a_frame_of_codes_give_no_torch_warning(digits):
    """pandas' arrays (copy-on-write) and memory maps are read-only; torch warns on sharing one (once per process,
    so this checks the first time), and pytest's warnings-as-errors would fail."""
    pd = pytest.importorskip("pandas")
    X = digits.X[:64].reshape(64, -1)
    model = AutoencoderTransformer(code_size=2, hidden=(8,), epochs=1, random_state=0).fit(X)
    codes = model.transform(X)
    frame = pd.DataFrame(codes)
    read_only = X.copy()
    read_only.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(model.inverse_transform(frame), model.inverse_transform(codes))
        np.testing.assert_array_equal(ae.encode(model.model_, read_only), codes)


@pytest.mark.parametrize("cls", [AutoencoderImputer, AutoencoderOutlierDetector])
def test_backbone_hidden_is_used_by_estimators_that_size_their_own(cls):
    # The imputer and the detector put their data-sized hidden over backbone__hidden silently.
    X = np.random.default_rng(0).random((60, 6))
    est = cls(epochs=1, random_state=0).set_params(backbone__hidden=(3,)).fit(X)
    model = est.model_ if hasattr(est, "model_") else est.members_[0].model
    assert model.config.backbone.hidden == (3,)


def test_hidden_given_twice_with_two_values_is_refused():
    X = np.random.default_rng(0).random((60, 6))
    with pytest.raises(ae.ConfigError, match=r"hidden=\(5,\) and backbone_options hidden=\(3,\) disagree"):
        AutoencoderTransformer(epochs=1, hidden=(5,), backbone_options={"hidden": (3,)}).fit(X)


def test_random_state_int_leaves_numpy_alone_and_none_draws_from_it_as_documented():
    # README: fitting never changes the caller's random state, except random_state=None (scikit-learn's convention).
    X = np.random.default_rng(0).random((40, 4))
    np.random.seed(1)  # noqa: NPY002 (the legacy global generator is what is tested)
    before = np.random.get_state()  # noqa: NPY002
    AutoencoderTransformer(epochs=1, hidden=(4,), code_size=2, random_state=3).fit(X)
    after = np.random.get_state()  # noqa: NPY002
    assert (before[1] == after[1]).all() and before[2] == after[2]
    np.random.seed(1)  # noqa: NPY002 (the legacy global generator is what is tested)
    first = AutoencoderTransformer(epochs=1, hidden=(4,), code_size=2).fit(X).transform(X)
    np.random.seed(1)  # noqa: NPY002 (the legacy global generator is what is tested)
    assert np.array_equal(AutoencoderTransformer(epochs=1, hidden=(4,), code_size=2).fit(X).transform(X), first)


@pytest.mark.parametrize("cls", [AutoencoderTransformer, AutoencoderImputer, AutoencoderOutlierDetector])
@pytest.mark.parametrize("params", [{"hidden": (8,)}, {"hidden": None, "model": "vae"}])
def test_set_params_of_get_params_changes_nothing(cls, params):
    # get_params(deep=True) listed the preset's hidden sizes, so set_params(**get_params()) pinned them in
    # backbone_options: fit then refused them against hidden=(8,), and a data-sized hidden became the preset's.
    est = cls(**params, epochs=1, random_state=0)
    before = est.get_params(deep=False)
    assert est.get_params()["backbone__hidden"] == (params["hidden"] or (None if cls._sizes_hidden else (512, 256)))
    assert est.set_params(**est.get_params()).get_params(deep=False) == before
    est.set_params(backbone__hidden=(4,), objective__beta=2.0) if params["hidden"] is None else None
    assert clone(est).set_params(**est.get_params()).get_params(deep=False) == est.get_params(deep=False)
    est.fit(np.random.default_rng(0).normal(size=(20, 3)))


def test_feature_names_out_check_input_features_as_sklearn_does():
    # input_features were ignored: the imputer named its output after the fitted columns whatever was asked
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 3)), columns=["a", "b", "c"])
    for est in (AutoencoderTransformer(epochs=1, code_size=2), AutoencoderImputer(epochs=1)):
        est.fit(frame)
        with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
            est.get_feature_names_out(["x", "y", "z"])
        with pytest.raises(ValueError, match="input_features should have length equal to number of features"):
            clone(est).fit(frame.to_numpy()).get_feature_names_out(["x", "y"])
    assert list(est.get_feature_names_out(["a", "b", "c"])) == ["a", "b", "c"]
    assert list(est.fit(frame.to_numpy()).get_feature_names_out(["x", "y", "z"])) == ["x", "y", "z"]
    assert list(est.get_feature_names_out()) == ["x0", "x1", "x2"]


def test_saved_imputer_reloads_with_identical_fills(tmp_path):
    # the imputer had no save/load, unlike the transformer and the detector
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.choice(["x", "y"], 30), "c": rng.normal(size=30)})
    frame = frame.mask(rng.random(frame.shape) < 0.2)
    est = AutoencoderImputer(epochs=2, categorical=("b",), backbone_options={"dropout": 0.1}, random_state=0).fit(frame)
    again = AutoencoderImputer.load(est.save(tmp_path / "imputer"))
    pd.testing.assert_frame_equal(again.transform(frame), est.transform(frame))
    assert again.get_params() == est.get_params() and list(again.feature_names_in_) == ["a", "b", "c"]


def test_codes_of_a_table_are_float64_like_those_of_an_array():
    # a frame with one gap went through the table's float32 matrix and gave float32 codes; without it, float64
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(20, 3)), columns=["a", "b", "c"])
    gappy = frame.mask(frame > 1.5)
    est = AutoencoderTransformer(epochs=1, code_size=2, random_state=0)
    assert est.fit(frame).transform(frame).dtype == np.float64 and est.fit(gappy).transform(gappy).dtype == np.float64
    assert est.fit(frame.astype(np.float32)).transform(frame.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("cls", [AutoencoderTransformer, AutoencoderImputer, AutoencoderOutlierDetector])
def test_an_object_array_with_text_is_a_table_like_its_frame(cls):
    # a mixed table's to_numpy() (or a ColumnTransformer's output) failed with "could not convert string to float"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.choice(["x", "y"], 30), "c": rng.normal(size=30)})
    frame.iloc[3, 1], frame.iloc[5, 0] = None, np.nan
    def output(est):
        array = frame.to_numpy()  # (30, 3) object
        return np.asarray(est.transform(array) if hasattr(est, "transform") else est.score_samples(array))

    from_array = cls(epochs=1, random_state=0).fit(frame.to_numpy())
    from_frame = cls(epochs=1, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(output(from_array), output(from_frame))
    assert from_array.table_.layout == from_frame.table_.layout


@pytest.mark.parametrize("cls", [AutoencoderTransformer, AutoencoderImputer, AutoencoderOutlierDetector])
def test_a_frame_given_to_an_estimator_fitted_on_an_array_with_gaps_is_read_by_position(cls):
    # as scikit-learn does (and as the same estimator did for an array without gaps): a warning, columns by
    # position; it failed with "missing column(s) ['x0', ...]" once the array had a gap
    X = np.random.default_rng(0).normal(size=(30, 3))
    X[2, 1] = np.nan
    est = cls(epochs=1, random_state=0).fit(X)
    frame = pd.DataFrame(X, columns=["a", "b", "c"], index=range(100, 130))
    method = est.transform if hasattr(est, "transform") else est.score_samples
    with pytest.warns(UserWarning, match="X has feature names, but .* was fitted without feature names"):
        np.testing.assert_array_equal(np.asarray(method(frame), dtype=float), np.asarray(method(X), dtype=float))
    with pytest.raises(ValueError, match="X has 2 features"), pytest.warns(UserWarning, match="feature names"):
        method(frame[["a", "b"]])


def test_column_transformer_pipeline_and_grid_search_on_a_real_table():
    # penguins: gaps in 5 columns, two text columns; pandas all the way through to the classifier
    table = pd.read_csv(SHARED_DATA / "tables" / "penguins.csv")
    species = table.pop("species")
    numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    filled = ColumnTransformer([("fill", AutoencoderImputer(epochs=2, random_state=0), [*numbers, "sex"]),
                                ("keep", "passthrough", ["island"])], verbose_feature_names_out=False)
    pipe = Pipeline([("table", filled), ("codes", AutoencoderTransformer(epochs=3, random_state=0)),
                     ("classify", LogisticRegression(max_iter=300))]).set_output(transform="pandas")
    search = GridSearchCV(pipe, {"codes__code_size": [2, 3], "codes__backbone__dropout": [0.0, 0.2]}, cv=2, n_jobs=1,
                          error_score="raise").fit(table, species)
    best = search.best_estimator_
    codes = best[:-1].transform(table)
    assert list(codes.columns) == [f"code{i}" for i in range(search.best_params_["codes__code_size"])]
    assert codes.index.equals(table.index) and not codes.isna().any().any()
    assert list(best[0].get_feature_names_out()) == [*numbers, "sex", "island"]
    assert best.named_steps["codes"].backbone_options == {"dropout": search.best_params_["codes__backbone__dropout"]}
    assert search.best_score_ > 0.6  # three species (majority share 0.44); 0.90 when written


def _sparse_inputs():
    import scipy.sparse

    X = np.random.default_rng(0).random((30, 4))
    X[X < 0.5] = 0
    gappy = X.copy()
    gappy[0, 0] = np.nan
    return {"csr matrix": scipy.sparse.csr_matrix(X), "csc array": scipy.sparse.csc_array(X),
            "sparse frame": pd.DataFrame(X).astype(pd.SparseDtype(float, 0.0)),
            "sparse frame with a gap": pd.DataFrame(gappy).astype(pd.SparseDtype(float, 0.0))}, X


ESTIMATORS = [AutoencoderTransformer(epochs=1, code_size=2, hidden=(4,)), AutoencoderOutlierDetector(steps=2),
              AutoencoderImputer(epochs=1)]
assert {type(e).__name__ for e in ESTIMATORS} == set(ae.sklearn.__all__)  # every estimator, none forgotten


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_every_estimator_refuses_sparse_input_by_name_before_any_work(estimator, monkeypatch):
    # a DataFrame of sparse columns was densified without a word by the table path (the imputer, or any estimator
    # when it held a gap) and refused by scikit-learn's check otherwise
    inputs, dense = _sparse_inputs()
    fitted = clone(estimator).fit(dense)
    monkeypatch.setattr("autoencoders.sklearn._base.Trainer", lambda *args, **kwargs: pytest.fail("trained"))
    for X in inputs.values():
        with pytest.raises(TypeError, match=rf"{type(estimator).__name__} takes dense data, but X is sparse .* of "
                                            r"30 x 4\).*takes 4.8e-07 GB as float32"):
            clone(estimator).fit(X)
        for method in ("transform", "score", "predict", "score_samples", "decision_function", "explain"):
            if hasattr(fitted, method):
                with pytest.raises(TypeError, match="takes dense data, but X is sparse"):
                    getattr(fitted, method)(X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_sparse_output_of_the_step_before_is_refused_with_what_to_change_in_the_pipeline(estimator):
    # OneHotEncoder's default output is sparse, and so is a ColumnTransformer's below 30% density: the first
    # pipeline a scikit-learn user writes was refused with "pass X.toarray()", which a Pipeline's step cannot do
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "city": rng.choice([f"c{i}" for i in range(20)], 60)})
    encode = make_column_transformer((StandardScaler(), ["a"]), (OneHotEncoder(), ["city"]))
    with pytest.raises(TypeError, match=r"in a Pipeline.*OneHotEncoder\(sparse_output=False\).*sparse_threshold=0.*"
                                        r"give .* the DataFrame itself"):
        make_pipeline(encode, clone(estimator)).fit(frame)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_every_estimator_names_the_input_shape_that_takes_images(estimator):
    """Audit 43: MNIST images (n, 1, 28, 28) given to AutoencoderTransformer(backbone="conv", objective="vae"), as a
    pythae user holds them, were refused with scikit-learn's "Found array with dim 4, while dim <= 2 is required",
    no word of the rows and input_shape that take them."""
    images = np.random.default_rng(0).random((30, 1, 4, 4))
    shaped = r" with input_shape=\(1, 4, 4\)" if "input_shape" in estimator.get_params() else ""  # the transformer's
    with pytest.raises(ae.DataError, match=r"X has shape \(30, 1, 4, 4\).*rows \(n, features\).*"
                                           r"X.reshape\(len\(X\), -1\)" + shaped):
        clone(estimator).fit(images)
    fitted = clone(estimator).fit(images.reshape(30, -1))
    with pytest.raises(ae.DataError, match=r"X has shape \(30, 1, 4, 4\)"):
        (getattr(fitted, "transform", None) or fitted.score_samples)(images)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_a_saved_estimator_keeps_its_random_state_generator_and_numpy_numbers(estimator, tmp_path):
    # a RandomState given as random_state came back as None (scikit-learn's pickling keeps it, in its state at the
    # time), and a NumPy number (a grid's np.arange value) was dropped from the saved parameters for its default
    X = np.random.default_rng(0).random((30, 4))
    fitted = clone(estimator).set_params(random_state=np.random.RandomState(5), batch_size=np.int64(16)).fit(X)
    loaded = type(fitted).load(fitted.save(tmp_path / "saved"))
    state, again = fitted.random_state.get_state(), loaded.random_state.get_state()
    assert state[0] == again[0] and np.array_equal(state[1], again[1]) and state[2:] == again[2:]
    assert loaded.batch_size == 16 and type(loaded.batch_size) is int
    assert {k: v for k, v in loaded.get_params().items() if k != "random_state"} == {
        k: v for k, v in fitted.get_params().items() if k != "random_state"}
    cloned = clone(fitted).random_state  # as scikit-learn's clone does for its own: a copy in the same state
    assert cloned is not fitted.random_state and np.array_equal(cloned.get_state()[1], state[1])
    fitted.set_params(device=object())  # what JSON cannot hold is named, not dropped
    with pytest.raises(TypeError, match="parameter device=<object object at .*> cannot be saved: JSON cannot hold"):
        fitted.save(tmp_path / "unsaved")
    assert not (tmp_path / "unsaved").exists()  # refused before any file is written


@pytest.mark.parametrize("shape", [(6, 28, 28), (6, 1, 28, 28)])
def test_images_given_to_an_estimator_are_named_with_the_flat_rows_and_input_shape_it_takes(shape):
    """MNIST images as Keras or torchvision keep them were scikit-learn's "Found array with dim 3, while dim <= 2 is
    required by AutoencoderTransformer": nothing said how an image model is given them."""
    images = np.random.default_rng(0).random(shape, dtype=np.float32)
    sample = re.escape(str(shape[1:]))
    wanted = rf"X has shape .*X\.reshape\(len\(X\), -1\) with input_shape={sample}"
    with pytest.raises(ae.DataError, match=wanted):
        AutoencoderTransformer(code_size=4, epochs=1).fit(images)


def test_a_conv_estimator_on_flat_rows_names_input_shape():
    """``AutoencoderTransformer(backbone="conv")`` on MNIST rows (n, 784) named only ``X.reshape(-1, 1, 28, 28)``,
    which the estimator then refuses as 4-D: an estimator keeps its rows flat and takes the sample shape as
    ``input_shape``."""
    rows = np.random.default_rng(0).random((6, 784), dtype=np.float32)
    with pytest.raises(ae.ConfigError, match=r"28x28 gray images.*estimator.*input_shape=\(1, 28, 28\)"):
        AutoencoderTransformer(backbone="conv", objective="plain", model=None, code_size=4, epochs=1).fit(rows)


def test_clean_rows_given_as_y_are_warned_of_as_ignored():
    """Keras' denoiser is ``fit(x_noisy, x_clean)``; ``AutoencoderTransformer.fit(noisy, clean)`` trained on the noisy
    rows alone without a word (y is scikit-learn's, and ignored). Labels, as a pipeline passes them, are not warned
    of."""
    clean = np.random.default_rng(0).random((40, 6), dtype=np.float32)
    noisy = np.clip(clean + 0.3, 0, 1)
    with pytest.warns(UserWarning, match=r"y has the shape of X \(40, 6\).*ignores y.*corruption='gaussian'"):
        AutoencoderTransformer(code_size=2, epochs=1, random_state=0).fit(noisy, clean)
    AutoencoderTransformer(code_size=2, epochs=1, random_state=0).fit(noisy, np.arange(40) % 2)  # warnings are errors


def test_the_transformer_warns_of_uint8_pixels_as_trainer_fit_does():
    # Trainer.fit warns of uint8 values above 1 (pixels before / 255); the transformer, which trains on its rows as
    # they are, made them float64 first and trained on 0-255 without a word
    pixels = np.random.default_rng(0).integers(0, 256, (40, 16)).astype(np.uint8)
    small = {"epochs": 1, "code_size": 2, "hidden": (4,), "random_state": 0}
    with pytest.warns(UserWarning, match=r"X holds uint8 values up to 255.*as they are.*X / 255"):
        AutoencoderTransformer(**small).fit(pixels)
    with pytest.raises(ae.DataError, match=r"loss 'bce' needs every value in \[0, 1\].*to 255"):
        AutoencoderTransformer(loss="bce", **small).fit(pixels)
    AutoencoderTransformer(**small).fit((pixels > 127).astype(np.uint8))  # 0/1: no warning (warnings are errors)
    AutoencoderOutlierDetector(steps=2, random_state=0).fit(pixels)  # scales its features robustly: no warning


def test_the_transformer_warns_of_a_frame_of_uint8_pixels_as_of_an_array():
    # a DataFrame whose columns are all uint8 (MNIST from OpenML as a frame) trained on 0-255 without a word, while
    # the same pixels as an array were warned of (tidy 51)
    import pandas as pd

    pixels = pd.DataFrame(np.random.default_rng(0).integers(0, 256, (40, 16)).astype(np.uint8),
                          columns=[f"pixel{i}" for i in range(16)])
    small = {"epochs": 1, "code_size": 2, "hidden": (4,), "random_state": 0}
    with pytest.warns(UserWarning, match=r"X holds uint8 values up to 255.*as they are.*X / 255"):
        AutoencoderTransformer(**small).fit(pixels)
    AutoencoderTransformer(**small).fit(pixels.gt(127).astype(np.uint8))  # 0/1: no warning (warnings are errors)
    AutoencoderTransformer(**small).fit(pixels.assign(pixel0=pixels.pixel0 / 255) / 255)  # floats: no warning


def test_score_is_one_figure_whatever_the_loss_so_a_grid_over_loss_compares_models():
    # score was minus the model's own loss: a BCE sum (which cannot fall below the rows' entropy) against a squared
    # error (or an L1 sum), so GridSearchCV over loss ranked units, not models
    X = np.random.default_rng(0).uniform(size=(60, 6))  # (60, 6) in [0, 1]: loss="auto" resolves to bce
    for loss in ("auto", "bce", "mse", "l1"):
        est = AutoencoderTransformer(loss=loss, epochs=2, code_size=2, hidden=(8,), random_state=0).fit(X)
        squared = ((est.inverse_transform(est.transform(X)) - X) ** 2).sum(axis=1).mean()  # per row, mean over rows
        assert est.score(X) == pytest.approx(-squared, rel=1e-5), loss


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_an_estimator_pickled_on_a_gpu_machine_loads_and_predicts_on_one_without(estimator, monkeypatch):
    # a fitted model stays on the device it trained on; pickled there, its tensors were written as a GPU's, and
    # loading them (joblib.load on a laptop, a CPU server) failed in torch.load without a map_location
    X = np.random.default_rng(0).normal(size=(40, 3))
    fitted = clone(estimator).set_params(random_state=0).fit(X)
    method = getattr(fitted, "transform", None) or fitted.decision_function
    expected = method(X)
    with monkeypatch.context() as gpu:
        gpu.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")  # every tensor written as a GPU's
        gpu.setattr(torch.cuda, "is_available", lambda: True)
        stored = pickle.dumps(fitted)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # and read where there is none
    np.testing.assert_array_equal(method(X), expected)  # pickling left the fitted estimator as it was
    loaded = pickle.loads(stored)
    loaded_method = getattr(loaded, "transform", None) or loaded.decision_function
    np.testing.assert_array_equal(loaded_method(X), expected)
    assert all(p.device.type == "cpu" for model in _models(loaded) for p in model.parameters())


def _models(estimator) -> list:
    return [member.model for member in estimator.members_] if hasattr(estimator, "members_") else [estimator.model_]


@pytest.mark.parametrize("check", [check_methods_subset_invariance, check_methods_sample_order_invariance])
@pytest.mark.parametrize("model", ["deep", "vae", "denoising"])
def test_a_rows_codes_do_not_depend_on_the_rows_beside_it_at_default_widths(model, check):
    # check_estimator(AutoencoderTransformer(epochs=1)) failed its subset check at rtol 1e-7: float32 matrix products
    # summed a row's values in an order that changed with the number of rows in the batch (one float32 ulp)
    check("AutoencoderTransformer", AutoencoderTransformer(model=model, epochs=1, code_size=2))


@pytest.mark.parametrize("names", [{"model": "linear"}, {"model": None, "backbone": "mlp", "objective": "plain",
                                                          "backbone_options": {"hidden": ()}}])
def test_a_linear_model_trains_with_squared_error_on_rows_in_unit_range(names):
    # README: `linear` "learns PCA's subspace"; it does with squared error, but loss auto picked bce for rows in
    # [0, 1] (digits / 16, min-max scaled tables): a sigmoid output, 7 times PCA's error on min-max diamonds
    rows = np.random.default_rng(0).uniform(size=(40, 6))  # (40, 6) in [0, 1]
    fitted = AutoencoderTransformer(**names, code_size=2, epochs=1, random_state=0).fit(rows)
    assert fitted.model_.config.loss == "mse"
    deep = AutoencoderTransformer(model="deep", code_size=2, hidden=(8,), epochs=1, random_state=0).fit(rows)
    assert deep.model_.config.loss == "bce"  # a nonlinear model keeps bce for rows in [0, 1]
