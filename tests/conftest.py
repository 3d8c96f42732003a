from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import autoencoders as ae
from autoencoders import registry

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"


@pytest.fixture(scope="session")
def digits() -> ae.Dataset:
    return ae.load_data("digits")


@pytest.fixture
def small_images(digits) -> np.ndarray:
    """256 real digit images (256, 1, 8, 8) in [0, 1]."""
    return digits.X[:256]


def fast_config(**overrides) -> ae.TrainConfig:
    values = {"epochs": 3, "batch_size": 64, "lr": 1e-3, "progress": False, "seed": 0}
    values.update(overrides)
    return ae.TrainConfig(**values)


def another_setting(name: str, value):
    """A valid value of the TrainConfig field ``name`` other than ``value``, for tests that change one setting."""
    choices = {field.name: field.metadata.get("choices") for field in dataclasses.fields(ae.TrainConfig)}[name]
    if choices:
        return next(choice for choice in choices if choice not in (value, "auto"))
    if name == "device":
        return "cpu" if value != "cpu" else "auto"
    if isinstance(value, bool) or name == "progress":
        return not value
    if value is None:
        return 1
    return value + 1 if isinstance(value, int) else value / 2 + 0.25


# Every preset and every (backbone, objective) pair that no preset builds with its plain defaults, by the name
# a model of it carries ("deep", "conv+vae").
_PLAIN_PRESETS = {(p.backbone, p.objective) for p in map(registry.get_preset, ae.list_models()) if not p.defaults}
MODEL_NAMES = [*ae.list_models(), *(f"{b}+{o}" for b in ae.list_backbones() for o in ae.list_objectives()
                                    if (b, o) not in _PLAIN_PRESETS)]


def slow_when_convolutional(names: list[str]) -> list:
    """``names`` for a test that trains or exports each model, where a pair of a convolutional backbone (conv,
    sequence) with a regularising objective is marked slow: those take seconds each on CPU, so the fast subset runs
    the mlp pairs and the plain conv and sequence presets, and `make test` runs every pair."""
    return [pytest.param(name, marks=pytest.mark.slow) if "+" in name and not name.startswith("mlp+") else name
            for name in names]


def small_model(name: str, input_shape=None, **options) -> ae.Autoencoder:
    """A model kept small for fast tests, named by a preset ("deep") or a pair ("conv+vae").

    The input shape defaults to the backbone's ``example_input_shape`` when it declares one (a backbone for
    other sample layouts, e.g. time-series windows), else to the 8x8 digits' (1, 8, 8)."""
    ae.seed_everything(0)
    preset, pair = (None, name.split("+")) if "+" in name else (name, None)
    found = registry.get_preset(preset) if preset else None
    backbone, objective = pair or (found.backbone, found.objective)
    input_shape = input_shape or getattr(registry.get_backbone(backbone), "example_input_shape", (1, 8, 8))
    owners = registry.option_owners(backbone, objective)
    if "hidden" in owners:
        options.setdefault("hidden", (32,))
    if "channels" in owners:  # conv and sequence backbones
        options.setdefault("channels", (8, 16))
    if "code_dim" in owners:  # quantised vectors that divide the small code
        options.setdefault("code_dim", 2)
    if pair:
        options.update(backbone=backbone, objective=objective)
    with warnings.catch_warnings():  # the helper's own 6 on a narrower input is no test's choice: no warning of it
        if "code_size" not in options:
            warnings.filterwarnings("ignore", "code_size 6 is wider than the input", UserWarning)
        return ae.create_model(preset, input_shape=input_shape, code_size=options.pop("code_size", 6), **options)


def as_model_input(model: ae.Autoencoder, images: np.ndarray) -> torch.Tensor:
    """Real digit images (n, 1, 8, 8) laid out as the model's samples (same number of values per sample)."""
    return torch.from_numpy(images).reshape(len(images), *model.input_shape)


@pytest.fixture(scope="session", autouse=True)
def cli_cache(tmp_path_factory):
    """The CLI's cache of model options (see autoencoders.cli._cache) in a temporary folder, not the user's."""
    import os

    previous = os.environ.get("AUTOENCODERS_CACHE")
    os.environ["AUTOENCODERS_CACHE"] = str(tmp_path_factory.mktemp("cli-cache"))
    yield
    if previous is None:
        del os.environ["AUTOENCODERS_CACHE"]
    else:
        os.environ["AUTOENCODERS_CACHE"] = previous
