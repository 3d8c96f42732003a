"""scikit-learn estimators around the registry's models.

``__init__`` stores its arguments verbatim; everything is validated in ``fit``; learned state ends in an
underscore. Options of the chosen model family (``dropout=0.1``, ``beta=4`` ...) are passed as extra
keyword arguments and behave like any other hyperparameter (``get_params``, ``set_params``, ``clone``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import inference
from .registry import create_model
from .training import TrainConfig, Trainer, seed_everything


class _AutoencoderEstimator(BaseEstimator):
    """What every estimator here shares: model options as parameters, fitting a model through the engine."""

    def __init__(self, model: str = "deep", code_size: int = 10, hidden: tuple[int, ...] | None = None,
                 loss: str = "mse", epochs: int = 50, batch_size: int = 128, lr: float = 1e-3,
                 validation_fraction: float = 0.1, patience: int | None = 10, input_shape=None,
                 device: str = "auto", verbose: bool = False, random_state=None, **model_options: Any):
        self.model = model
        self.code_size = code_size
        self.hidden = hidden
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.input_shape = input_shape
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        for name, value in model_options.items():
            setattr(self, name, value)

    def _model_option_names(self) -> list[str]:
        """Attributes set from ``**model_options``: public, not a named parameter, not learned (``name_``).
        Names the chosen model does not have are reported by ``fit``."""
        named = set(self._get_param_names())
        return sorted(k for k in vars(self) if k not in named and not k.startswith("_") and not k.endswith("_"))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep)
        params.update({name: getattr(self, name) for name in self._model_option_names()})
        return params

    def set_params(self, **params: Any):
        for name, value in params.items():  # model options are plain attributes, like __init__ stores them
            setattr(self, name, value)
        return self

    # ------------------------------------------------------------------------------------------- fitting
    def _fit_model(self, X: np.ndarray):
        shape = tuple(self.input_shape) if self.input_shape is not None else (X.shape[1],)
        if int(np.prod(shape)) != X.shape[1]:
            raise ValueError(f"input_shape {shape} holds {int(np.prod(shape))} values but X has {X.shape[1]} columns")
        options = {name: getattr(self, name) for name in self._model_option_names()}
        if self.hidden is not None:
            options["hidden"] = tuple(self.hidden)
        seed = self._seed()
        seed_everything(seed)
        model = create_model(self.model, input_shape=shape, code_size=self.code_size, loss=self.loss, **options)
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, seed=seed,
                             validation_fraction=self.validation_fraction, patience=self.patience,
                             device=self.device, progress=bool(self.verbose))
        history = Trainer(model, config).fit(X.reshape(len(X), *shape))
        return model, history

    def _seed(self) -> int:
        if isinstance(self.random_state, int | np.integer):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _validated(self, X, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=1)

    def _flat(self, array: np.ndarray, like: np.ndarray) -> np.ndarray:
        """Model output as 2-D rows in the input's float dtype (sklearn transformers keep float64)."""
        return array.reshape(len(array), -1).astype(like.dtype, copy=False)


class AutoencoderTransformer(TransformerMixin, _AutoencoderEstimator):
    """Any registered autoencoder as a scikit-learn transformer: ``transform`` gives codes,
    ``inverse_transform`` gives reconstructions from codes, ``score`` is the negative mean reconstruction loss.

    >>> codes = AutoencoderTransformer(model="deep", code_size=2, epochs=20).fit_transform(X)
    """

    def fit(self, X, y=None):
        X = self._validated(X, reset=True)
        self.model_, self.history_ = self._fit_model(X)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = self._validated(X, reset=False)
        return self._flat(inference.encode(self.model_, X), X)

    def inverse_transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        codes = self._codes(X)
        return self._flat(inference.decode(self.model_, codes), codes)

    def _codes(self, X) -> np.ndarray:
        codes = check_array(X, dtype=[np.float64, np.float32])
        if codes.shape[1] != self.model_.config.code_size:
            raise ValueError(f"codes have {codes.shape[1]} columns; this model's code_size is "
                             f"{self.model_.config.code_size}")
        return codes

    def score(self, X, y=None) -> float:
        """Negative mean per-sample reconstruction loss (higher is better, as sklearn expects)."""
        check_is_fitted(self, "model_")
        X = self._validated(X, reset=False)
        return -float(inference.reconstruction_error(self.model_, X).mean())

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "model_")
        return np.asarray([f"code{i}" for i in range(self.model_.config.code_size)], dtype=object)
