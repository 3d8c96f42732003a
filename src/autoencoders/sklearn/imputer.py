"""Fill the gaps of a table (numeric and categorical) with a denoising autoencoder, as a scikit-learn imputer."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .. import inference
from ..data.tabular import UNSEEN_AS_GAP, UnknownCategoryWarning
from ..errors import ConfigError
from ._base import _TRAIN, _AutoencoderEstimator, _OneModelSharing


class NothingToFillWarning(UserWarning):
    """``fit_transform`` was given a table without a gap: it comes back unchanged."""


class AutoencoderImputer(_OneModelSharing, TransformerMixin, _AutoencoderEstimator):
    """Imputer with the interface of scikit-learn's: ``fit`` learns from the observed cells, ``transform`` fills the
    missing ones (NaN, None, empty strings) and leaves the observed ones as they are.

    The table goes through the tabular preprocessing (numeric columns standardised with a missing-indicator each,
    categorical ones one-hot); an autoencoder is trained with the mixed loss on observed cells only while
    ``corruption_level`` of the cells are hidden from its input as extra gaps, so it learns to predict a cell from
    the others. ``transform`` fills each gap with the reconstruction (the most likely category for categorical
    columns) and, ``refine`` times, feeds the filled table back and fills again. A DataFrame comes back as a
    DataFrame with its dtypes and index (a float column's fills are not rounded, a nullable ``Int64`` column's are
    whole; new rows' category column has the fitted column's categories where that was one too, then any only
    the rows hold); an array as an array. Every column learns to be filled, so new rows may have gaps where the
    fitted ones had none; a category not seen in fitting is read as a gap by the model and kept in the output,
    with an ``UnknownCategoryWarning`` (``handle_unknown="error"`` refuses it). ``categorical`` names numeric
    columns to fill as categories (codes). ``fit_transform`` on a table without a gap gives it back unchanged with a
    ``NothingToFillWarning``; ``fit`` on complete rows, to fill other rows later, is quiet. ``save``/``load`` keep a
    fitted imputer (no pickle).
    ``code_size``, ``hidden`` and ``epochs`` of None are sized from the data (about 6,000 steps, 30 to 300 epochs).
    The defaults were chosen on ADBench sets never reported (letter, vowels, WPBC, thyroid;
    ``benchmarks/imputation.py``): training on all rows for the full budget beat early stopping on a tenth held out
    (mean RMSE at 10/30/50% gaps 0.603/0.731/0.798 with it), ``corruption_level`` 0.25 beat 0.1 and 0.5, and
    ``refine`` (re-filling from the filled table) made the fills worse (0.751 at 30%), so it is off.

    >>> filled = AutoencoderImputer(random_state=0).fit_transform(frame_with_gaps)
    """

    input_shape = None  # rows are flat feature vectors
    _sizes_hidden = True
    loss = "mixed"

    def __init__(self, categorical: tuple[str, ...] = (), corruption_level: float = 0.25, refine: int = 0,
                 handle_unknown: str = "warn",
                 model: str | None = "deep", code_size: int | None = None, hidden: tuple[int, ...] | None = None,
                 # training (TrainConfig): the whole step budget on every row, as measured
                 epochs: int | None = None, batch_size: int = 128, lr: float = 3e-3,
                 weight_decay: float = _TRAIN.weight_decay, optimizer: str = _TRAIN.optimizer,
                 scheduler: str = "none", validation_fraction: float | None = 0.0,
                 patience: int | None = None, min_delta: float = _TRAIN.min_delta,
                 restore_best: bool = _TRAIN.restore_best, grad_clip: float | None = _TRAIN.grad_clip,
                 device: str = "auto", verbose: bool = False, random_state=None,
                 backbone: str | None = None, objective: str | None = None, backbone_options: dict | None = None,
                 objective_options: dict | None = None):
        self._keep_parameters(locals())

    def fit(self, X, y=None):
        if not 0 <= self.corruption_level < 1:
            raise ConfigError(f"corruption_level must be in [0, 1), got {self.corruption_level!r}")
        if int(self.refine) != self.refine or self.refine < 0:
            raise ConfigError(f"refine must be a whole number >= 0, got {self.refine!r}")
        matrix = self._table_inputs(X, reset=True, always=True, categorical=self.categorical, scale="standard",
                                    indicators="all", handle_unknown=self.handle_unknown)  # (N, F)
        width = matrix.shape[1]
        # None: sized from the data; anything else as given (hidden=() is no hidden layer, not the default)
        hidden = (max(64, 2 * width),) if self.hidden is None else self.hidden
        code_size = max(4, width // 2) if self.code_size is None else self.code_size
        epochs = int(np.clip(6000 * self.batch_size // max(len(matrix), 1), 30, 300)) if self.epochs is None \
            else self.epochs
        self.model_, self.history_ = self._fit_model(matrix, code_size=code_size, hidden=hidden, epochs=epochs,
                                                     table=self.table_, corruption="cells",
                                                     corruption_level=self.corruption_level)
        return self

    def fit_transform(self, X, y=None):
        """``fit`` on ``X``, then ``X`` with its gaps filled; a ``NothingToFillWarning`` where it has none, as the
        table then comes back unchanged (``ae impute`` refuses such a file). Fitting on complete rows to fill
        other rows later is ``fit``, which says nothing."""
        filled = self.fit(X, y).transform(X)
        if not self.table_.missing_mask(X).any():
            warnings.warn(f"X has no missing cell in its {len(self.table_.columns)} columns (NaN, None, empty "
                          "text): nothing was filled, it comes back unchanged; to learn from complete rows and "
                          "fill others, call .fit(X) and then .transform(rows_with_gaps)", NothingToFillWarning,
                          stacklevel=2)
        return filled

    def transform(self, X):
        """``X`` with every missing cell filled; observed cells unchanged."""
        check_is_fitted(self, "model_")
        X = self._fitted_columns(X)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # each told once below, in the imputer's words
            matrix = self._table_inputs(X, reset=False)  # (N, F)
            gaps = self.table_.missing_mask(X)  # (N, n_columns)
            filled = self._fills(X, matrix, gaps)
        _warn_once_each(caught)
        result = _merge(self._as_frame(X), filled, gaps)
        if not hasattr(X, "columns"):
            return _as_array(result, getattr(X, "dtype", None))
        result.index = X.index  # the caller's row labels, as they came in
        return result

    def _fills(self, X, matrix: np.ndarray, gaps: np.ndarray):
        """The model's value for every cell of ``X`` (``matrix``, its (N, F) inputs), as a frame of ``X``'s shape,
        refilled ``refine`` times from the table with its ``gaps`` (N, n_columns) filled."""
        filled = self.table_.inverse_transform(inference.reconstruct(self.model_, matrix))
        for _ in range(self.refine):
            filled = self.table_.inverse_transform(inference.reconstruct(self.model_, self.table_.transform(
                _merge(self._as_frame(X), filled, gaps))))
        return filled

    def _as_frame(self, X):
        return self.table_.frame(X).reset_index(drop=True)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input's column names (one output column per input column); ``input_features`` must match them."""
        check_is_fitted(self, "model_")
        return _check_feature_names_in(self, input_features)


def _warn_once_each(caught) -> None:
    """The warnings ``caught`` while filling, each once (a refill would repeat them); an unseen category's says what
    the imputer does with the cell: the model reads it as a gap, but it is none, so the output keeps it."""
    for category, text in dict.fromkeys((caught_one.category, str(caught_one.message)) for caught_one in caught):
        if issubclass(category, UnknownCategoryWarning):
            text = text.replace(UNSEEN_AS_GAP, "; read as a gap by the model, kept as it is in the output "
                                               "(handle_unknown='error' refuses it)")
        warnings.warn(text, category, stacklevel=3)


def _merge(frame, filled, gaps: np.ndarray):
    """``frame`` with the cells where ``gaps`` (n, columns) is True taken from ``filled`` (same shape; its columns
    matched by position: they are named as strings, ``frame``'s as the caller's, such as pandas' 0, 1, ...)."""
    merged = {name: _fill(frame[name], filled.iloc[:, i], gaps[:, i]) for i, name in enumerate(frame.columns)}
    return type(frame)({name: column.infer_objects() for name, column in merged.items()})


def _fill(column, fills, gap: np.ndarray):
    """``column`` with its cells where ``gap`` (n,) is True taken from ``fills``, in its own dtype: float fills in
    a float32 column's precision (they would make it float64); a category column able to hold its fills."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        column, fills = _holding_fills(column, fills, gap), fills.astype(object).where(gap)  # the gaps' only
    elif column.dtype.kind == "f" and pd.api.types.is_numeric_dtype(fills.dtype):  # not a text column's, all NaN
        fills = fills.astype(column.dtype)
    return column.where(~gap, fills)


def _holding_fills(column, fills, gap: np.ndarray):
    """A category column whose categories hold its ``fills``: new rows made categorical on their own declare only
    those they hold. The fitted categories in their order (as ``fit_transform`` gives them, an ordered column's
    order kept) where the fitted column was a category one, then any only the rows hold; else the rows' own, then
    the fills'."""
    import pandas as pd

    own = column.cat.categories
    if isinstance(fills.dtype, pd.CategoricalDtype):
        fitted = fills.cat.categories
        return column.cat.set_categories(fitted.append(own.difference(fitted, sort=False)))
    return column.cat.add_categories(pd.Index(fills[gap].unique()).difference(own))


def _as_array(frame, dtype: np.dtype | None) -> np.ndarray:
    """A filled table as a float array when every column is numeric (in ``dtype``, the given array's, where that is a
    float one: float32 rows stay float32, as a frame's float32 column does; float64 otherwise), else an object
    array."""
    try:
        return frame.to_numpy(dtype=dtype if dtype is not None and dtype.kind == "f" else np.float64)
    except (ValueError, TypeError):
        return frame.to_numpy(dtype=object)

