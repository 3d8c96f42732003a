from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import autoencoders as ae

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


def small_model(name: str, input_shape=None, **options) -> ae.Autoencoder:
    """A registered model kept small for fast tests (families may size themselves from the input).

    The input shape defaults to the family's ``example_input_shape`` when it declares one (a family for
    other sample layouts, e.g. time-series windows), else to the 8x8 digits' (1, 8, 8)."""
    ae.seed_everything(0)
    cls = ae.get_model_class(name)
    input_shape = input_shape or getattr(cls, "example_input_shape", (1, 8, 8))
    config_fields = cls.config_class.__dataclass_fields__
    if "hidden" in config_fields:
        options.setdefault("hidden", (32,))
    return ae.create_model(name, input_shape=input_shape, code_size=options.pop("code_size", 6), **options)


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
