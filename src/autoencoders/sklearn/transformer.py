"""Any registered autoencoder as a scikit-learn transformer."""

from __future__ import annotations

import copy
import warnings

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .. import inference
from ..errors import DataError
from ..training.defaults import warn_of_stored_pixels
from ._base import _AutoencoderEstimator, _OneModelSharing

BATCH_ROWS = 1024  # rows a batch of transform and inverse_transform takes (inference's default)


class AutoencoderTransformer(_OneModelSharing, TransformerMixin, _AutoencoderEstimator):
    """Any registered autoencoder as a scikit-learn transformer: ``transform`` gives codes,
    ``inverse_transform`` gives reconstructions from codes, ``score`` is minus the mean squared reconstruction error
    (a row's errors summed; whatever ``loss`` trained the model).
    An array's rows are trained on as given, not scaled: ``uint8`` values above 1 (pixels before ``/ 255``) are
    warned of, and refused under ``loss="bce"``, as ``Trainer.fit`` does. ``transform`` and ``inverse_transform``
    run float64 rows (and a table's) through a float64 copy of the model, so that a row's codes do not move with the
    rows transformed beside it (float32 products do, by an ulp); float32 rows through the model as it is.

    >>> codes = AutoencoderTransformer(model="deep", code_size=2, epochs=20).fit_transform(X)
    """

    def fit(self, X, y=None):
        _warn_of_targets_like_rows(X, y)
        matrix = self._table_inputs(X, reset=True)  # (n, F): float, an array's values as given (not scaled)
        warn_of_stored_pixels(self.loss, X, stacklevel=3)  # Trainer.fit's own check sees the float rows only
        self.model_, self.history_ = self._fit_model(matrix, table=self.table_)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        matrix = self._table_inputs(X, reset=False)  # (n, F); float32 for a table, whatever its columns held
        return self._mapped("encode", matrix, matrix.dtype if self.table_ is None else np.float64)

    def inverse_transform(self, X):
        """Reconstructions from codes: rows like the input, an array for an array and a DataFrame for a DataFrame
        (its columns, with categories for a table; with the row labels of codes given as a DataFrame). Codes given
        as a DataFrame (``set_output(transform="pandas")``) always come back as one with their row labels, its
        columns numbered by position where the fit had no text column names (an array, ``pd.DataFrame(X)``)."""
        check_is_fitted(self, "model_")
        codes = self._codes(X)  # (n, code_size)
        output = self._mapped("decode", codes, codes.dtype)  # (n, F)
        names = getattr(self, "feature_names_in_", None)  # fitted on a DataFrame (of string column names)
        if self.table_ is not None:
            table = self.table_.inverse_transform(output)
        elif names is not None or hasattr(X, "columns"):  # not a list's `index` method
            import pandas as pd

            table = pd.DataFrame(output, columns=names)  # names None: columns 0, 1, ...
        else:
            return output
        if hasattr(X, "columns"):  # codes in a DataFrame (set_output): the rows keep their labels
            table.index = X.index
        return table

    def _mapped(self, method: str, rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """``model_``'s ``method`` ("encode" or "decode") over ``rows`` (n, F) batch by batch, as 2-D rows in
        ``dtype``; float64 rows through a float64 copy of the model: float32 products sum a row's terms in an order
        that changes with the number of rows in the batch, so a row's codes moved by a float32 ulp with the rows
        beside it (scikit-learn's subset check, at rtol 1e-7, failed); in float64 that stays far below it."""
        model = copy.deepcopy(self.model_).double() if dtype == np.float64 else self.model_
        shape = model.input_shape if method == "encode" else (model.config.code_size,)
        rows = np.asarray(rows, dtype=dtype).reshape(len(rows), *shape)  # (n, *shape)
        return self._flat(inference.map_batches(model, rows, getattr(model, method), BATCH_ROWS, method), dtype)

    def _codes(self, X) -> np.ndarray:
        codes = check_array(X, dtype=[np.float64, np.float32])
        if codes.shape[1] != self.model_.config.code_size:
            raise DataError(f"codes have {codes.shape[1]} columns; this model's code_size is "
                             f"{self.model_.config.code_size}")
        return codes

    def score(self, X, y=None) -> float:
        """Minus the mean over rows of a row's summed squared reconstruction error (higher is better, as sklearn
        expects), whatever ``loss`` the model trained with: one figure for every model, so that ``GridSearchCV``
        over ``loss`` (mse, l1, bce) ranks the models, not their losses' units. A table with categories or gaps is
        scored by the mixed loss instead (gaps left out), which every model of it trains with."""
        check_is_fitted(self, "model_")
        X = self._table_inputs(X, reset=False)  # (n, F)
        mixed = self.model_.config.loss == "mixed"
        error = inference.reconstruction_error if mixed else inference.squared_error
        return -float(error(self.model_, X).mean())

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``code0`` ... one name per code unit; ``input_features``, if given, must match the fitted columns."""
        check_is_fitted(self, "model_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray([f"code{i}" for i in range(self.model_.config.code_size)], dtype=object)


def _warn_of_targets_like_rows(X, y) -> None:
    """Warn when ``y`` has the shape of ``X``, as the clean rows of Keras' ``fit(x_noisy, x_clean)`` do: scikit-learn
    passes labels as ``y`` and a transformer ignores them, so the model would learn the noisy rows alone."""
    shape = getattr(y, "shape", None)  # no np.shape: array-likes that refuse NumPy's functions are taken too
    if shape is not None and len(shape) == 2 and tuple(shape) == tuple(getattr(X, "shape", ())):
        warnings.warn(f"y has the shape of X {tuple(shape)}: an autoencoder reconstructs X and ignores y; to train one "
                      "that turns noisy rows into clean ones, give the clean rows as X and set corruption (e.g. "
                      "corruption='gaussian', corruption_level=0.5): each batch is noised afresh", UserWarning,
                      stacklevel=3)
