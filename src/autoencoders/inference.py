"""Using a trained model on NumPy arrays: codes, reconstructions, per-sample errors, in batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .data.validation import check_array
from .errors import ConfigError, DataError, type_phrase
from .models._base import Autoencoder, evaluating
from .options import require_count
from .training.batching import ordered_batches

PROGRESS_DELAY_S = 2.0  # a progress bar appears only for jobs running longer, and only on an interactive terminal


@torch.no_grad()
def map_batches(model: nn.Module, array: np.ndarray, fn: Callable[[torch.Tensor], torch.Tensor],
                batch_size: int, desc: str) -> np.ndarray:
    """``fn`` applied batch by batch on the model's device in eval mode; the model's mode is left as it was."""
    require_count("batch_size", batch_size)
    device = next(model.parameters()).device
    if not array.flags.writeable:  # a pandas frame's values, a memory map: torch would warn on sharing them
        array = array.copy()
    batches = tqdm(ordered_batches(torch.from_numpy(array), batch_size), desc=desc, unit="batch",
                   total=-(-len(array) // batch_size), disable=None, delay=PROGRESS_DELAY_S, leave=False)
    with evaluating(model):
        outputs = [fn(batch.to(device)).cpu() for batch in batches]
    return torch.cat(outputs).numpy()


def check_model(model: object) -> None:
    """A TypeError naming what was given for a trained model and what to pass instead, unless it is one."""
    if isinstance(model, Autoencoder):
        return
    if hasattr(model, "get_params"):  # a scikit-learn estimator: its own methods take it, these take its model
        hint = ("a scikit-learn estimator's model is its model_, once fitted (on a table it encoded, model_ "
                "takes estimator.table_.transform(X))")
    elif isinstance(model, str | Path):
        hint = "a saved run is read with ae.load_model(path)"
    else:
        hint = "make one with ae.create_model and train it, or read a saved run with ae.load_model(path)"
    raise TypeError(f"expected a trained autoencoder (ae.Autoencoder), got {type_phrase(model)}: {hint}")


def _inputs(model: Autoencoder, X) -> np.ndarray:
    check_model(model)
    refuse_stored_pixels(model, X)
    return check_array(X, sample_shape=model.input_shape)


def refuse_stored_pixels(model: Autoencoder, X) -> None:
    """A DataError for integers above 1 given to a model trained with BCE, which training keeps to values in
    [0, 1]: pixels as stored (uint8 0-255), not divided as the training rows were, give saturated codes and BCE
    figures that mean nothing. Floats are left alone: new rows scaled as the training rows were may pass 1."""
    dtype = getattr(X, "dtype", None)
    if model.config.loss != "bce" or dtype is None or dtype.kind not in "ui" or not np.size(X):
        return
    if (high := np.max(X)) > 1:
        raise DataError(f"this model was trained with loss 'bce' on values in [0, 1], but X holds {dtype} values up "
                        f"to {high}: pixels as stored? give them divided as the training rows were, X / 255 for "
                        "8-bit pixels")


def _codes(model: Autoencoder, codes) -> np.ndarray:
    check_model(model)
    return check_array(codes, "codes", sample_shape=(model.config.code_size,))


def encode(model: Autoencoder, X, batch_size: int = 1024) -> np.ndarray:
    """Codes (n, code_size) of samples ``X`` (n, *input_shape)."""
    return map_batches(model, _inputs(model, X), model.encode, batch_size, "encode")


def code_indices(model: Autoencoder, X, batch_size: int = 1024) -> np.ndarray:
    """Codebook indices (n, G) of samples ``X`` under a model with discrete codes (the vq objective)."""
    check_model(model)
    if not model.objective.discrete_codes:
        raise ConfigError(f"a {model.name!r} model has no discrete codes; train one with the objective vq")
    indices = model.objective.code_indices
    return map_batches(model, _inputs(model, X), lambda x: indices(model.encoder(x)), batch_size, "encode")


def decodable(model: Autoencoder, codes, batch_size: int = 1024) -> np.ndarray:
    """Any codes (n, code_size) (mixture draws, points between codes) as codes the decoder was trained on
    (``Objective.decodable``): clamped into the code activation's range, for a model with discrete codes (vq) their
    nearest codebook entries, for a top-k sparse model the k largest active units (by value, as its encoder keeps
    them; codes it gave are kept as they are)."""
    codes = _codes(model, codes)
    return map_batches(model, codes, model.decodable, batch_size, "decodable")


def reconstruct(model: Autoencoder, X, batch_size: int = 1024) -> np.ndarray:
    """Reconstructions (n, *input_shape) of ``X``."""
    return map_batches(model, _inputs(model, X), model, batch_size, "reconstruct")


def decode(model: Autoencoder, codes, batch_size: int = 1024) -> np.ndarray:
    """Data-space outputs (n, *input_shape) of codes (n, code_size)."""
    codes = _codes(model, codes)
    return map_batches(model, codes, model.decode, batch_size, "decode")


def sample_likelihood(model: Autoencoder, codes, generator: torch.Generator, batch_size: int = 1024) -> np.ndarray:
    """Draws x ~ p(x|code) (n, *input_shape) for codes (n, code_size), from a model with a likelihood (a VAE)."""
    codes = _codes(model, codes)
    return map_batches(model, codes, lambda z: model.sample_likelihood(z, generator), batch_size, "sample")


def reconstruction_error(model: Autoencoder, X, batch_size: int = 1024) -> np.ndarray:
    """Per-sample reconstruction loss (n,) under the model's own loss (for MSE: sum of squared errors)."""
    return map_batches(model, _inputs(model, X), model.reconstruction_error, batch_size, "score")


def squared_error(model: Autoencoder, X, batch_size: int = 1024) -> np.ndarray:
    """Per-sample sum of squared errors (n,) between ``X`` and its reconstruction, whatever the loss."""
    X = _inputs(model, X)
    return ((reconstruct(model, X, batch_size) - X) ** 2).reshape(len(X), -1).sum(axis=1)
