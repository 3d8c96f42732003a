"""Invariants every model must keep, for every preset and every (backbone, objective) pair: a new backbone or
objective is tested here with every other part the day it is registered."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import autoencoders as ae
from autoencoders import registry
from conftest import MODEL_NAMES, as_model_input, fast_config, slow_when_convolutional, small_model

MODELS = MODEL_NAMES


def test_registry_lists_the_core_families():
    assert {"vanilla", "deep", "linear"} <= set(MODELS)


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(ae.UnknownModelError, match="unknown model 'nope'.*registered models are"):
        ae.create_model("nope", input_shape=(4,))
    with pytest.raises(ae.UnknownModelError, match="unknown backbone 'nope'.*registered backbones are"):
        ae.create_model(backbone="nope", input_shape=(4,))


def test_unknown_option_names_the_option():
    with pytest.raises(TypeError, match="no option.*bogus"):
        ae.create_model("deep", input_shape=(4,), bogus=1)


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_an_option_without_an_upper_bound_names_an_infinite_or_nan_value_as_not_finite(value):
    # Audit 43: beta=inf was "beta must be >= 0, got inf", which inf is.
    with pytest.raises(ae.ConfigError, match=f"beta must be a finite number >= 0, got {value}"):
        ae.create_model("vae", input_shape=(4,), beta=value)
    with pytest.raises(ae.ConfigError, match=f"decoder_scale must be a finite number > 0, got {value}"):
        ae.create_model("vae", input_shape=(4,), loss="mse", decoder_scale=value)


def test_a_preset_with_a_part_swapped_keeps_its_other_defaults_and_is_named_by_its_pair():
    # The documented meaning of a preset given with a backbone or objective (README, `ae train --help`).
    swapped = ae.create_model("denoising", objective="vae", input_shape=(4,), code_size=2)
    assert swapped.name == "mlp+vae" and swapped.config.preset is None
    assert (swapped.config.backbone.hidden, swapped.config.backbone.activation) == ((512, 256), "elu")  # its MLP
    assert (swapped.config.corruption, swapped.config.corruption_level) == ("gaussian", 0.3)  # its noise
    assert swapped.config.objective == ae.create_model("vae", input_shape=(4,)).config.objective  # vae's defaults
    assert ae.create_model("vae", objective="vq", input_shape=(4,)).config == \
        ae.create_model(backbone="mlp", objective="vq", input_shape=(4,)).config
    assert ae.create_model("sparse", backbone="conv", input_shape=(1, 8, 8)).name == "conv+sparse"
    assert [registry.model_name(*names) for names in (("vae", None, "vq"), ("vae", "mlp", "vae"), (None, "conv"))] \
        == ["mlp+vq", "vae", "conv+plain"]  # the name `ae train` gives its folder before building the model


@pytest.mark.parametrize("name", MODELS)
def test_shapes_of_encode_decode_forward(name, small_images):
    model = small_model(name).eval()
    x = as_model_input(model, small_images[:5])
    code = model.encode(x)
    assert code.shape == (5, 6)
    assert model.decode(code).shape == x.shape
    assert model(x).shape == x.shape


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("loss", ["mse", "bce", "l1"])
def test_loss_parts_are_finite_scalars_that_sum_to_loss(name, loss, small_images):
    model = small_model(name, loss=loss)
    parts = model.loss(as_model_input(model, small_images[:16]))
    assert "loss" in parts and "reconstruction" in parts
    assert all(value.ndim == 0 and torch.isfinite(value) for value in parts.values())
    others = sum(value for key, value in parts.items() if key != "loss")
    torch.testing.assert_close(parts["loss"], others)


@pytest.mark.parametrize("name", slow_when_convolutional(MODELS))
def test_training_lowers_the_loss_on_real_digits(name, small_images):
    model = small_model(name)
    X = as_model_input(model, small_images).numpy()  # a sequence model's windows (2, 32): 64 values, like a digit
    history = ae.Trainer(model, fast_config(epochs=8, lr=3e-3, validation_fraction=0)).fit(X)
    assert history.train["loss"][-1] < 0.8 * history.train["loss"][0]


@pytest.mark.parametrize("name", MODELS)
def test_save_load_round_trip_gives_identical_outputs(name, small_images, tmp_path):
    model = small_model(name)
    X = as_model_input(model, small_images).numpy()
    ae.Trainer(model, fast_config(epochs=1)).fit(X)
    ae.save_model(model, tmp_path / "m.safetensors")
    loaded = ae.load_model(tmp_path / "m.safetensors")
    assert loaded.name == model.name and loaded.config == model.config
    np.testing.assert_array_equal(ae.encode(loaded, X), ae.encode(model, X))
    np.testing.assert_array_equal(ae.reconstruct(loaded, X), ae.reconstruct(model, X))


@pytest.mark.parametrize("name", slow_when_convolutional(MODELS))
def test_same_seed_gives_identical_training(name, small_images):
    runs = []
    for _ in range(2):
        model = small_model(name)
        X = as_model_input(model, small_images).numpy()
        history = ae.Trainer(model, fast_config(epochs=2)).fit(X)
        runs.append((history.train["loss"], history.val["loss"], ae.encode(model, X)))
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    np.testing.assert_array_equal(runs[0][2], runs[1][2])


@pytest.mark.parametrize("name", MODELS)
def test_wrong_input_width_is_a_clear_error(name):
    model = small_model(name)
    with pytest.raises(ae.DataError, match=rf"samples of shape \(10,\).*expects {re.escape(str(model.input_shape))}"):
        ae.encode(model, np.zeros((3, 10), np.float32))


def test_flat_rows_are_accepted_by_an_image_model(small_images):
    model = small_model("deep")
    np.testing.assert_array_equal(ae.encode(model, small_images.reshape(256, 64)), ae.encode(model, small_images))


@pytest.mark.parametrize("name", ae.list_models())
def test_every_model_trains_on_corrupted_inputs_and_evaluates_on_clean_ones(name, small_images, monkeypatch):
    model = small_model(name, corruption="mask", corruption_level=0.5)
    x = as_model_input(model, small_images[:8])
    seen = []
    corrupt = model.corrupt
    monkeypatch.setattr(model, "corrupt", lambda inputs: seen.append(corrupt(inputs)) or seen[-1])
    model.train()
    model.loss(x)
    assert seen and not torch.equal(seen[-1], x), f"{name}'s training loss does not corrupt its input"
    model.eval()
    model.loss(x)
    assert torch.equal(seen[-1], x), f"{name} corrupts its input in evaluation"


@pytest.mark.parametrize("corruption", ["gaussian", "mask", "salt_pepper"])
def test_corruption_changes_training_inputs_but_not_evaluation(corruption, small_images):
    model = small_model("deep", corruption=corruption, corruption_level=0.3)
    x = torch.from_numpy(small_images[:8])
    model.train()
    assert not torch.equal(model.corrupt(x), x)
    model.eval()
    assert torch.equal(model.corrupt(x), x)


def test_bce_with_identity_output_is_rejected():
    with pytest.raises(ValueError, match="bce.*sigmoid"):
        ae.create_model("deep", input_shape=(4,), loss="bce", output_activation="identity")


@pytest.mark.parametrize("options", [{"dropout": 0.3}, {"batch_norm": True}])
def test_dropout_or_batch_norm_without_a_hidden_layer_is_refused(options):
    # Both act after each hidden layer: with hidden=() (vanilla, sparse, linear, ...) they were built into nothing.
    name = next(iter(options))
    with pytest.raises(ae.ConfigError, match=f"{name}=.* act after each hidden layer.*hidden=\\(\\)"):
        ae.create_model("vanilla", input_shape=(8,), code_size=2, **options)
    assert ae.create_model("vanilla", input_shape=(8,), code_size=2, hidden=(4,), **options)


def test_a_size_given_alone_is_a_one_size_tuple():
    """A Keras user writes ``input_shape=784`` or ``hidden=128``: it was "object of type 'int' has no len()" and
    "Value after * must be an iterable, not int"; one number is taken as a tuple of one size."""
    model = ae.create_model("deep", input_shape=784, hidden=np.int64(128), code_size=8)
    assert model.config.input_shape == (784,) and model.config.backbone.hidden == (128,)
    with pytest.raises(ae.ConfigError, match=r"hidden must be >= 1, got \(0,\)"):
        ae.create_model("deep", input_shape=(4,), hidden=0)


def test_a_plain_code_wider_than_the_input_is_warned_of_as_no_bottleneck():
    """``code_size=1000`` for 784 pixels trained a plain model that can copy its input, without a word; the README
    says such a code needs a regulariser. A code no wider than the input, a regularised one, a denoising one and
    the default width (not the caller's choice) are not warned of."""
    with pytest.warns(UserWarning, match=r"code_size 1000 is wider than the input's 784 values.*sparse"):
        ae.create_model("vanilla", input_shape=(1, 28, 28), code_size=1000)
    for options in ({"code_size": 784}, {"code_size": 1000, "corruption": "gaussian"}, {}):
        ae.create_model("deep", input_shape=(784,), **options)  # warnings are errors in this suite
    ae.create_model("deep", input_shape=(4,))  # the default 32: no choice of the caller's
    for model in ("sparse", "contractive", "vae"):
        ae.create_model(model, input_shape=(784,), code_size=1000)


def test_uint8_pixels_given_to_a_bce_model_are_named_with_the_division_it_needs(small_images):
    """A model trained with BCE on pixels / 255, then given the uint8 pixels as stored (Keras' ``x_test`` before
    ``/ 255``), gave codes saturated at 0 and 1 and BCE figures of thousands without a word; 0/1 integers (binary
    data) are values in [0, 1] and are taken."""
    model = small_model("deep", loss="bce")
    pixels = (small_images[:4] * 255).round().astype(np.uint8)
    for use in (ae.encode, ae.reconstruct, ae.reconstruction_error):
        with pytest.raises(ae.DataError, match=r"loss 'bce'.*uint8 values up to 255.*X / 255"):
            use(model, pixels)
    assert ae.encode(model, (pixels > 127).astype(np.uint8)).shape == (4, 6)
