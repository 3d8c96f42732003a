from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def small_model(name: str, input_shape=(1, 8, 8), **options) -> ae.Autoencoder:
    """A registered model kept small for fast tests (families may size themselves from the input)."""
    ae.seed_everything(0)
    config_fields = ae.get_model_class(name).config_class.__dataclass_fields__
    if "hidden" in config_fields:
        options.setdefault("hidden", (32,))
    return ae.create_model(name, input_shape=input_shape, code_size=options.pop("code_size", 6), **options)
