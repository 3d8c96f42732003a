"""Any registered autoencoder as a scikit-learn transformer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from .. import inference
from ..checkpoint import CheckpointError, load_checkpoint, save_model
from ..errors import DataError
from ._base import _AutoencoderEstimator, _is_json


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
            raise DataError(f"codes have {codes.shape[1]} columns; this model's code_size is "
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

    # ----------------------------------------------------------------------------------------- sharing
    def save(self, path: str | Path) -> Path:
        """Write the fitted transformer to a ``.safetensors`` file or a directory (weights + JSON, no pickle);
        :meth:`load` gives back an estimator whose ``transform`` is identical."""
        check_is_fitted(self, "model_")
        params = {k: v for k, v in self.get_params(deep=False).items() if _is_json(v)}  # not a RandomState
        return save_model(self.model_, path, {"sklearn": {"estimator": type(self).__name__, "params": params,
                                                          "n_features_in": self.n_features_in_}})

    @classmethod
    def load(cls, path: str | Path) -> AutoencoderTransformer:
        checkpoint = load_checkpoint(path)
        saved = checkpoint.extra.get("sklearn", {})
        if saved.get("estimator") != cls.__name__:
            raise CheckpointError(f"{path} holds a model but no saved {cls.__name__} (save it with .save())")
        estimator = cls(**{k: _tuples(v) for k, v in saved["params"].items()})
        estimator.model_, estimator.n_features_in_, estimator.history_ = checkpoint.model, saved["n_features_in"], None
        return estimator


def _tuples(value):
    """A parameter read back from JSON, its lists (also inside option dicts) tuples again."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return tuple(value) if isinstance(value, list) else value
