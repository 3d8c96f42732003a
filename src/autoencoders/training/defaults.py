"""Settings left to the data: the reconstruction loss, the validation split and the training length.

These are the rules behind every ``auto`` / ``None`` default (``TrainConfig``, ``ae train``, the scikit-learn
estimators), chosen by measurement (``benchmarks/defaults.py``; see docs/benchmarks.md, issue 16): on the data
used to choose them, binary cross-entropy beat squared error on data in [0, 1], holding rows out for early stopping
paid on small sets, and the learning rate did best following the monitored loss (plateau) when early stopping was
in play, and a cosine schedule over a budget of optimiser steps sized from the data when it was not.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from ..models.losses import LOSSES as _MODEL_LOSSES
from ..registry import needs_data_space

LOSSES = ("auto", *_MODEL_LOSSES)
# Optimiser steps a run gets: STEPS_PER_FEATURE per input value, within [MIN_STEPS, MAX_STEPS]. MNIST-sized
# inputs (784 values) reach the cap: 7,500 steps, 60 epochs of 8,000 rows, about 52 s on 2 idle cores.
STEPS_PER_FEATURE = 10
MIN_STEPS, MAX_STEPS = 1500, 7500
MAX_EPOCHS = 300
# Below this many rows a tenth is held out to stop early and keep the best epoch; above it, every row trains.
VALIDATION_BELOW_ROWS = 5000
VALIDATION_FRACTION = 0.1
UNIT_TOLERANCE = 1e-6


def auto_code_size(values: int, cap: int) -> int:
    """The code width when none is given: ``cap``, or half the values of a sample where that is fewer (at least
    1), so that a narrow table is not given a code wider than its rows (32 for digits' 64 pixels and anything
    wider, 3 for a table of 6 encoded columns)."""
    return max(1, min(cap, values // 2))


def resolve_loss(loss: str, X: np.ndarray, data_space: bool = False) -> str:
    """``auto``: binary cross-entropy when every value of ``X`` lies in [0, 1] (pixels, min-max scaled tables),
    else squared error, and squared error always for a model whose output must stay in data space
    (``data_space``, from ``registry.needs_data_space``: a linear model, PCA's form; the sequence backbone's
    remove_level adds each window's level to it, a VAE's decoder scale is an mse or l1 one); any other choice is
    returned as given."""
    if loss not in LOSSES:
        raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if loss != "auto":
        return loss
    if data_space:
        return "mse"
    # float32 min-max scaling can land a hair outside [0, 1]; BCE's targets may be off by that much
    return "bce" if len(X) and float(np.min(X)) >= -UNIT_TOLERANCE and float(np.max(X)) <= 1 + UNIT_TOLERANCE \
        else "mse"


def model_loss(loss: str, X: np.ndarray, preset: str | None, /, *, table: Any = None,
               **names_and_options: Any) -> tuple[str, dict[str, Any]]:
    """The loss a model of these names and options (``registry.make_config``'s) trains with on the rows ``X``, and
    the model options it adds: ``loss`` as :func:`resolve_loss` resolves it (squared error for a model whose output
    must stay in data space: ``registry.needs_data_space``), except for a table (a fitted ``TabularPreprocessor``)
    whose matrix has categories or gaps: the mixed loss over its column layout (``{"columns": table.layout}``).
    ``ae train`` and the scikit-learn estimators both resolve their loss here."""
    loss = resolve_loss(loss, X, data_space=needs_data_space(preset, **names_and_options))
    if table is not None and table.needs_mixed_loss:
        return "mixed", {"columns": table.layout}
    return loss, {}


def check_unit_interval(loss: str | None, X, name: str = "X", fix: str = "scale the data to [0, 1]") -> None:
    """A DataError unless every value of ``X`` (an array or tensor) lies in [0, 1] when ``loss`` is bce, whose
    targets are probabilities: outside [0, 1] its terms are no likelihood and a sigmoid output cannot reach them.
    ``fix``: how the caller's user brings the values into [0, 1]."""
    if loss != "bce" or not len(X):
        return
    low, high = float(X.min()), float(X.max())
    if low < -UNIT_TOLERANCE or high > 1 + UNIT_TOLERANCE:
        raise DataError(f"loss 'bce' needs every value in [0, 1], but {name} holds values from {low:.4g} to "
                        f"{high:.4g}; {fix} or use loss 'mse' (or 'auto')")


def warn_of_stored_pixels(loss: str | None, X: Any, name: str = "X", stacklevel: int = 4) -> None:
    """Warn when ``X`` is uint8 above 1, pixels as stored (Keras' ``x_train`` before ``/ 255``), given to a loss other
    than bce (which refuses them): they are trained on as they are, at losses thousands of times those of [0, 1].
    Streamed rows are not read an extra time for this. ``stacklevel``: that of the user's call (``Trainer.fit``'s
    by default). A DataFrame whose columns are all uint8 is warned of as their array."""
    if hasattr(X, "dtypes") and len(X.dtypes) and all(dtype == np.uint8 for dtype in X.dtypes):
        X = X.to_numpy()  # (n, columns) uint8
    if loss == "bce" or not isinstance(X, np.ndarray) or X.dtype != np.uint8 or not X.size or (high := X.max()) <= 1:
        return
    warnings.warn(f"{name} holds uint8 values up to {high}, trained on as they are; 8-bit pixels are usually "
                  f"divided first ({name} / 255, as ae.load_data reads images), or their losses and learning rate "
                  "are those of values 255 times larger", UserWarning, stacklevel=stacklevel)


def auto_validation_fraction(n_rows: int) -> float:
    """Share of ``n_rows`` to hold out for early stopping: a tenth of a small data set, none of a large one."""
    return VALIDATION_FRACTION if n_rows < VALIDATION_BELOW_ROWS else 0.0


def auto_epochs(n_rows: int, n_features: int, batch_size: int) -> int:
    """Passes over ``n_rows`` training rows of ``n_features`` values giving the step budget for that width."""
    steps = min(MAX_STEPS, max(MIN_STEPS, STEPS_PER_FEATURE * n_features))
    batches = max(1, math.ceil(n_rows / batch_size))
    return int(min(MAX_EPOCHS, max(1, math.ceil(steps / batches))))
