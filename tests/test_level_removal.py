"""The sequence backbone's per-window level removal (``remove_level``): the level travels in the code's last values,
so every use of a model (codes, reconstructions, errors, generation, compression, save/load, export) keeps it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autoencoders as ae
import autoencoders.applications as apps
from autoencoders.inference import decodable
from conftest import fast_config


def waves(n: int = 96, length: int = 32, seed: int = 0) -> np.ndarray:
    """Two-channel windows (n, 2, length): sines of random phase around random levels."""
    rng = np.random.default_rng(seed)
    steps = np.arange(length) / length * 2 * np.pi
    phase, level = rng.uniform(0, 2 * np.pi, (n, 2, 1)), rng.normal(0, 3, (n, 2, 1))
    return (np.sin(steps + phase) + level).astype(np.float32)


def level_model(objective: str = "plain", **options) -> ae.Autoencoder:
    ae.seed_everything(0)
    return ae.create_model(backbone="sequence", objective=objective, input_shape=(2, 32), code_size=6,
                           channels=(8, 16), remove_level=True, **options)


def test_the_code_ends_with_each_channels_level_and_decoding_restores_it():
    model, X = level_model(), waves()
    codes = ae.encode(model, X)  # (n, 6): 4 learned values, then the 2 channels' means
    np.testing.assert_allclose(codes[:, -2:], X.mean(axis=-1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ae.decode(model, codes), ae.reconstruct(model, X))
    centred = X - X.mean(axis=-1, keepdims=True)  # the same windows at level 0 decode to the same shape
    np.testing.assert_allclose(ae.reconstruct(model, X) - X.mean(axis=-1, keepdims=True),
                               ae.reconstruct(model, centred), atol=1e-5)


@pytest.mark.parametrize("objective", ["plain", "sparse", "contractive"])
def test_a_constant_offset_reconstructs_with_the_same_error(objective):
    model, X = level_model(objective), waves()
    ae.Trainer(model, fast_config(epochs=2)).fit(X)
    shifted = X + np.float32(50.0)  # far outside every level seen in training
    np.testing.assert_allclose(ae.reconstruction_error(model, shifted), ae.reconstruction_error(model, X), rtol=1e-3)
    np.testing.assert_allclose(ae.squared_error(model, shifted), ae.squared_error(model, X), rtol=1e-3)
    plain = ae.create_model("sequence", input_shape=(2, 32), code_size=6, channels=(8, 16))
    ae.Trainer(plain, fast_config(epochs=2)).fit(X)  # without the option the offset is an error of its own
    assert ae.squared_error(plain, shifted).mean() > 10 * ae.squared_error(plain, X).mean()


def test_the_level_is_off_by_default_and_a_model_without_it_is_unchanged():
    assert ae.create_model("sequence", input_shape=(2, 32)).config.backbone.remove_level is False
    ae.seed_everything(0)
    off = ae.create_model("sequence", input_shape=(2, 32), code_size=6)
    assert off.level_size == 0 and off.config.head_size == 6
    assert level_model().level_size == 2 and level_model().config.head_size == 4


def test_training_lowers_the_loss_and_save_load_keeps_the_option(tmp_path):
    model, X = level_model(), waves(512)
    history = ae.Trainer(model, fast_config(epochs=6, lr=3e-3, validation_fraction=0)).fit(X)
    assert history.train["loss"][-1] < 0.8 * history.train["loss"][0]
    ae.save_model(model, tmp_path / "m.safetensors")
    loaded = ae.load_model(tmp_path / "m.safetensors")
    assert loaded.config == model.config and loaded.config.backbone.remove_level
    np.testing.assert_array_equal(ae.reconstruct(loaded, X), ae.reconstruct(model, X))


def test_generation_interpolation_and_compression_keep_the_level(tmp_path):
    model, X = level_model("sparse"), waves()  # sparse: ReLU codes, whose clamp must leave negative levels alone
    ae.Trainer(model, fast_config(epochs=1)).fit(X)
    codes = ae.encode(model, X)
    np.testing.assert_array_equal(decodable(model, codes), codes)
    ends = apps.interpolate(model, X[0], X[1], steps=3)
    np.testing.assert_allclose(ends[[0, -1]], ae.reconstruct(model, X[:2]), atol=1e-5)
    samples = apps.generate(model, 200, density=apps.fit_code_density(model, X, n_components=2))
    assert abs(samples.mean(axis=(0, 2)) - X.mean(axis=(0, 2))).max() < 1.0  # levels drawn from the codes' density
    result = apps.compress(model, X, tmp_path / "x.aec", step=0.05)
    np.testing.assert_array_equal(apps.decompress(model, tmp_path / "x.aec"), result.reconstructions)
    assert abs(result.reconstructions.mean(axis=-1) - X.mean(axis=-1)).max() < 0.5  # each window at its level


def test_onnx_export_keeps_the_level(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from autoencoders.export import export_onnx, max_abs_difference

    model = level_model()
    for part in ("encoder", "decoder", "model"):
        export_onnx(model, tmp_path / f"{part}.onnx", part)
        assert max_abs_difference(model, tmp_path / f"{part}.onnx", part) < 1e-4


@pytest.mark.parametrize(("options", "message"), [
    ({"objective": "vae"}, "objective 'vae' cannot hold"),
    ({"objective": "vq", "code_dim": 2}, "objective 'vq' cannot hold"),
    ({"code_size": 2}, "keeps 2 value.*larger code_size"),
    ({"loss": "bce"}, "output in data space"),
    ({"output_activation": "sigmoid"}, "output in data space"),
    ({"objective": "sparse", "penalty": "topk", "k": 5}, r"code_size=6 less 2 level value\(s\) = 4\], got 5"),
])
def test_settings_the_level_cannot_work_with_are_named(options, message):
    options = {"objective": "plain", "code_size": 6, **options}
    with pytest.raises(ValueError, match=message):
        ae.create_model(backbone="sequence", input_shape=(2, 32), remove_level=True, **options)


def test_a_classifier_on_the_code_sees_the_level():
    model, X = level_model(), waves()
    classifier = apps.train_classifier(model, X, (X[:, 0].mean(axis=1) > 0).astype(np.int64), n_classes=2,
                                       config=fast_config(epochs=1))
    assert classifier.encode(torch.from_numpy(X[:3])).shape == (3, 6)


def test_the_series_detector_keeps_each_windows_level_and_its_scores(monkeypatch):
    """``series_anomaly_scores`` (``ae detect --window``) builds its model with remove_level off whatever the
    sequence model's default, and scores as before the option existed (values computed on main before it)."""
    from autoencoders.applications import series_anomaly

    built, create = [], series_anomaly.create_model
    monkeypatch.setattr(series_anomaly, "create_model", lambda *a, **k: built.append(create(*a, **k)) or built[-1])
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(300) / 4.0) + 0.1 * rng.normal(size=300)
    series[150:160] += 3  # a level shift the detector must still see
    scores = series_anomaly.series_anomaly_scores(series, 16, epochs=2)
    assert built[0].config.backbone.remove_level is False and built[0].level_size == 0
    np.testing.assert_allclose(scores[[0, 100, 155, 299]], [0.5773951782, 1.2584068412, 16.3695634055, 1.0811050488],
                               rtol=1e-6)


def test_ae_train_with_remove_level_picks_squared_error_for_windows_in_the_unit_interval(tmp_path):
    """The CLI's loss auto would be bce for windows in [0, 1], which cannot carry a level: it is mse there."""
    import json

    from click.testing import CliRunner

    from autoencoders.cli import cli

    np.save(tmp_path / "w.npy", (waves(64) + 6) / 12)  # every value in [0, 1]
    result = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "w.npy"), "--model", "sequence",
                                      "--remove-level", "--code-size", "6", "--channels", "8,16", "--epochs", "1",
                                      "--out", str(tmp_path / "run"), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["model_config"]["loss"] == "mse" and config["model_config"]["backbone"]["remove_level"] is True


def test_the_transformer_takes_remove_level_as_a_backbone_option():
    from autoencoders.sklearn import AutoencoderTransformer

    X = ((waves(64) + 6) / 12).reshape(64, -1)  # rows of 64 values in [0, 1]: loss auto is mse with a level
    transformer = AutoencoderTransformer(model="sequence", input_shape=(2, 32), code_size=6, epochs=1,
                                         backbone_options={"remove_level": True, "channels": (8, 16)}, random_state=0)
    codes = transformer.fit_transform(X)
    assert transformer.model_.config.loss == "mse"
    np.testing.assert_allclose(codes[:, -2:], X.reshape(64, 2, 32).mean(axis=-1), rtol=1e-5, atol=1e-6)
