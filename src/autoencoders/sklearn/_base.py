"""What the scikit-learn estimators share: model options as parameters, fitting a model through the engine."""

from __future__ import annotations

import importlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..checkpoint import load_checkpoint, save_model
from ..data.tabular import TabularPreprocessor
from ..errors import CheckpointError, ConfigError, DataError
from ..registry import create_model, default_code_size, option_owners, own_modules
from ..training import TrainConfig, Trainer
from ..training.defaults import model_loss

_TRAIN = TrainConfig()  # the engine's defaults, so that they are written once
CODE_SIZE = 10  # the code width when code_size is None (fewer on narrow inputs: auto_code_size)
# Parameters handed to TrainConfig under the same name (the rest of TrainConfig: seed from random_state,
# device, progress from verbose).
TRAIN_PARAMETERS = ("epochs", "batch_size", "lr", "weight_decay", "optimizer", "scheduler", "validation_fraction",
                    "patience", "min_delta", "restore_best", "grad_clip")


PARTS = ("backbone", "objective")
PART_MODULES = "_autoencoders_part_modules"  # the pickled state's entry naming them (see __getstate__)
LEARNED = "_autoencoders_learned"  # the pickled state's entry holding the learned attributes, torch.save'd


def _is_learned(name: str) -> bool:
    """True for a learned attribute's name (``model_``, ``n_features_in_``): scikit-learn's trailing underscore."""
    return name.endswith("_") and not name.startswith("_")


def _where_available(storage, location: str):
    """``torch.load``'s ``map_location``: a tensor on the device it was saved from where this machine has that
    device, else on the CPU (where ``torch.load`` read it)."""
    try:
        return torch.serialization.default_restore_location(storage, location)
    except RuntimeError:  # "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False"
        return storage


class _AutoencoderEstimator(BaseEstimator):
    """What every estimator here shares: a model and its training.

    Model: the preset ``model`` (a registry name; None with ``backbone`` and ``objective``) and/or a ``backbone``
    and an ``objective``, whose own options are the dicts ``backbone_options`` and ``objective_options``, also
    set and searched as ``backbone__NAME`` / ``objective__NAME`` (skorch's routing): ``set_params`` refuses a
    name the part does not have at once, and ``get_params(deep=True)`` lists every option of both parts (the
    hidden sizes as fit uses them: ``hidden``, or None where sized from the data), so ``set_params(**get_params())``
    changes nothing.
    ``code_size`` (PCA's ``n_components``; None: 10, or half a row's values where that is fewer), ``hidden`` (the
    mlp backbone's), ``loss`` (``auto``: BCE for data in [0, 1], else MSE, and MSE always for a linear model,
    resolved in ``fit`` and kept in ``model_.config.loss``), ``corruption``/``corruption_level`` (None: the
    preset's) and ``input_shape``. Training: the fields of :class:`~autoencoders.training.TrainConfig` of the
    same names (None: sized from the data), ``device``, ``verbose`` (progress bar) and ``random_state`` (an int:
    the same model every time, every global generator left as it was; None, as in scikit-learn: a seed drawn from
    NumPy's global generator, which that draw advances).
    """

    _sizes_hidden = False  # True where ``hidden=None`` means sized from the data rather than the preset's

    def __init__(self, model: str | None = "deep", backbone: str | None = None, objective: str | None = None,
                 backbone_options: dict | None = None, objective_options: dict | None = None,
                 code_size: int | None = None, hidden: tuple[int, ...] | None = None, loss: str = "auto",
                 corruption: str | None = None, corruption_level: float | None = None, input_shape=None,
                 # training (TrainConfig)
                 epochs: int | None = _TRAIN.epochs, batch_size: int = _TRAIN.batch_size, lr: float = _TRAIN.lr,
                 weight_decay: float = _TRAIN.weight_decay, optimizer: str = _TRAIN.optimizer,
                 scheduler: str = _TRAIN.scheduler, validation_fraction: float | None = _TRAIN.validation_fraction,
                 patience: int | None = _TRAIN.patience, min_delta: float = _TRAIN.min_delta,
                 restore_best: bool = _TRAIN.restore_best, grad_clip: float | None = _TRAIN.grad_clip,
                 device: str = "auto", verbose: bool = False, random_state=None):
        self._keep_parameters(locals())

    def _keep_parameters(self, parameters: dict[str, Any]) -> None:
        """Store every ``__init__`` argument verbatim as an attribute (scikit-learn's convention); ``parameters``
        is the caller's ``locals()``."""
        for name, value in parameters.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _parts(self) -> tuple[str | None, str, str]:
        """The preset (None where it names neither part) and the backbone and objective names."""
        from ..registry import model_parts

        return self.model, *model_parts(self.model, self.backbone, self.objective)

    def _part_options(self, part: str) -> dict[str, Any]:
        """Every option of ``part`` with its value here: given, else the preset's, else the part's default."""
        import dataclasses

        from ..registry import get_backbone, get_objective, preset_defaults

        preset, backbone, objective = self._parts()
        cls = get_backbone(backbone) if part == "backbone" else get_objective(objective).config_class
        defaults = preset_defaults(preset, backbone, objective) if preset else {}
        values = {f.name: defaults.get(f.name, f.default) for f in dataclasses.fields(cls)}
        if "hidden" in values:  # what fit uses: the ``hidden`` parameter, else (None) sized from the data or preset's
            values["hidden"] = self.hidden if self.hidden is not None or self._sizes_hidden else values["hidden"]
        return {**values, **self._given(part)}

    def _given(self, part: str) -> dict[str, Any]:
        """The options of ``part`` given to this estimator, each checked to be one of the part's."""
        from ..registry import option_owners, other_parts_options

        given = dict(getattr(self, f"{part}_options") or {})
        _, backbone, objective = self._parts()
        owners = option_owners(backbone, objective)
        wrong = sorted(name for name in given if owners.get(name) != part)
        if wrong:
            name = backbone if part == "backbone" else objective
            options = ", ".join(sorted(k for k, v in owners.items() if v == part))
            raise TypeError(f"{part} {name!r} has no option(s) {', '.join(wrong)}{other_parts_options(wrong)}; its "
                            f"options are: {options}")
        return given

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep)
        if deep:
            try:
                for part in PARTS:
                    params.update({f"{part}__{k}": v for k, v in self._part_options(part).items()})
            except (KeyError, TypeError, ValueError):  # an unknown model or option, or bad values: fit names them
                pass
        return params

    def set_params(self, **params: Any):
        """sklearn's ``set_params``, with ``backbone__NAME`` / ``objective__NAME`` routed into the options dicts
        after the plain parameters (so ``objective="vae", objective__beta=2`` works in any order); an option set to the
        value it already has (in ``get_params(deep=True)``) is not written into the dict, so the preset's value
        still follows a later change of ``model``; a misspelt option fails at once and leaves every parameter as it
        was."""
        before = self.get_params(deep=False)
        routed = {key: value for key, value in params.items() if key.partition("__")[0] in PARTS and "__" in key}
        try:
            super().set_params(**{key: value for key, value in params.items() if key not in routed})
            current = self.get_params(deep=True)
            for key, value in routed.items():
                if key in current and _same(current[key], value):
                    continue  # already what fit uses: set_params(**get_params()) pins nothing and changes nothing
                part, _, name = key.partition("__")
                # a copy: the caller's dict stays as it was
                setattr(self, f"{part}_options", {**(getattr(self, f"{part}_options") or {}), name: value})
            for part in {key.partition("__")[0] for key in routed}:
                self._given(part)  # a typo fails here, at once
        except Exception:
            super().set_params(**before)
            raise
        return self

    # ------------------------------------------------------------------------------------------- fitting
    def _fit_model(self, X: np.ndarray, *, code_size: int | None = None, hidden: tuple[int, ...] | None = None,
                   epochs: int | None = None, seed: int | None = None, model=None,
                   table: TabularPreprocessor | None = None, **fixed_options: Any):
        """Train one model on ``X``; the keywords replace the parameters of the same name (the outlier
        detector sizes each member of its ensemble from the data); a given ``model`` is trained further instead
        of a new one. A ``table`` whose matrix needs it (categories, gaps) makes the loss the mixed one over its
        column layout; ``fixed_options`` are model options the estimator sets itself (the imputer's corruption)."""
        shape = tuple(self.input_shape) if self.input_shape is not None else (X.shape[1],)
        if int(np.prod(shape)) != X.shape[1]:
            raise ConfigError(f"input_shape {shape} holds {int(np.prod(shape))} values but X has {X.shape[1]} columns")
        options = {**self._given("backbone"), **self._given("objective")}
        if "hidden" in options:  # given as backbone__hidden: it wins over a size chosen from the data
            if self.hidden is not None and tuple(self.hidden) != tuple(options["hidden"]):
                raise ConfigError(f"hidden={tuple(self.hidden)} and backbone_options hidden="
                                  f"{tuple(options['hidden'])} disagree; give the hidden sizes once")
        else:
            hidden = self.hidden if hidden is None else hidden
            # widths the estimator sized from the data go to a backbone with hidden layers only (a conv one has none)
            if hidden is not None and (self.hidden is not None or "hidden" in option_owners(*self._parts()[1:])):
                options["hidden"] = tuple(hidden)
        for name in ("corruption", "corruption_level"):  # None: the preset's
            if getattr(self, name, None) is not None:
                options[name] = getattr(self, name)
        options |= fixed_options
        seed = self._seed() if seed is None else seed
        code_size = self.code_size if code_size is None else code_size
        parts = {"backbone": self.backbone, "objective": self.objective, "renames": False}  # options by part
        loss, added = model_loss(self.loss, X, self.model, table=table, **parts, **options)
        options |= added  # a table with categories or gaps: the mixed loss's column layout
        if model is None and code_size is None:  # 10, fewer on a narrow input, then a width the parts accept
            code_size = default_code_size(self.model, CODE_SIZE, **parts, input_shape=shape, loss=loss, **options)
        if model is None:  # the initial weights drawn without touching the caller's random state
            model = create_model(self.model, **parts, input_shape=shape, code_size=code_size, loss=loss, seed=seed,
                                 **options)
        training = {name: getattr(self, name) for name in TRAIN_PARAMETERS}
        training["epochs"] = epochs or self.epochs
        config = TrainConfig(**training, seed=seed, device=self.device, progress=bool(self.verbose))
        history = Trainer(model, config).fit(X.reshape(len(X), *shape))
        return model, history

    def _seed(self) -> int:
        if isinstance(self.random_state, int | np.integer):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _validated(self, X, reset: bool) -> np.ndarray:
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=1)

    def _refuse_samples_of_more_axes(self, X) -> None:
        """A DataError for samples that are not rows (images (n, C, H, W), windows (n, channels, W)), saying how
        they are given: flattened, with ``input_shape`` where the estimator takes one."""
        shape = getattr(X, "shape", ())  # an array's; nested lists are left to scikit-learn's own check
        if len(shape) <= 2:
            return
        shaped = f" with input_shape={tuple(shape[1:])}" if "input_shape" in self.get_params() else ""
        raise DataError(f"X has shape {tuple(shape)}: {type(self).__name__} takes rows (n, features); give "
                        f"X.reshape(len(X), -1){shaped}")

    def _table_inputs(self, X, reset: bool, always: bool = False, **options: Any) -> np.ndarray:
        """The float matrix of ``X`` (n, F). A DataFrame with text, category or boolean columns or gaps, or an array
        with NaN (or anything, if ``always``), goes through a :class:`TabularPreprocessor` fitted here (``table_``,
        with ``options``); anything else is validated as a numeric array and ``table_`` is None. A pandas Series and
        sparse input are refused first (:func:`refuse_sparse`)."""
        if hasattr(X, "to_frame") and np.ndim(X) == 1:  # a pandas Series: one column, or one row?
            raise DataError(f"X is a pandas Series ({X.name!r}, {len(X)} values); {type(self).__name__} takes a "
                            "table of rows: give a DataFrame, such as X.to_frame() for one column")
        refuse_sparse(X, type(self).__name__)
        self._refuse_samples_of_more_axes(X)
        if hasattr(X, "columns") and X.shape[1] == 0:  # NumPy's own words: "at least one array or dtype is required"
            raise DataError(f"X has no columns (shape {X.shape}); {type(self).__name__} needs at least one feature "
                            "column")
        if reset:
            warn_of_row_ids(X, type(self).__name__)
            self.table_ = TabularPreprocessor(**options) if always or needs_table(X) else None
        if getattr(self, "table_", None) is None:
            if not reset:
                refuse_bad_cells(X, type(self).__name__, getattr(self, "feature_names_in_", None))
            return self._validated(X, reset=reset)
        X = X if reset else self._fitted_columns(X)
        is_frame = hasattr(X, "columns")
        if not is_frame:  # scikit-learn's checks of an array (sparse, 1-D, complex, width); NaN is a gap
            dtype = None if holds_text(X) else [np.float64, np.float32]  # text cells stay for the table's categories
            X = validate_data(self, X, reset=reset, dtype=dtype, ensure_all_finite="allow-nan")
        if reset:
            self.table_.fit(X)
            if is_frame:
                self.n_features_in_ = len(self.table_.columns)
                if all(isinstance(name, str) for name in X.columns):
                    self.feature_names_in_ = np.asarray(X.columns, dtype=object)
                elif hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
        return self.table_.transform(X)

    def _fitted_columns(self, X):
        """``X``, but a DataFrame given to an estimator whose table was fitted on an array gets the array's column
        names by position, after scikit-learn's warning and width check (as for a plain array); a table fitted on a
        DataFrame checks a frame's names itself."""
        fitted = getattr(self, "table_", None)
        generated = fitted is not None and fitted.feature_names_in == [f"x{i}" for i in range(len(fitted.columns))]
        if (hasattr(X, "columns") and getattr(self, "feature_names_in_", None) is None and generated
                and list(X.columns) != fitted.feature_names_in):
            validate_data(self, X, reset=False, skip_check_array=True)
            return X.set_axis(fitted.feature_names_in, axis=1)
        return X

    # ----------------------------------------------------------------------------------------- sharing
    def __getstate__(self) -> dict[str, Any]:
        """Pickled (``joblib``'s worker processes of ``GridSearchCV(n_jobs=2)``, ``copy.deepcopy``), the state
        names the modules of the user's that registered the estimator's parts, imported again where it is
        unpickled, as pickle imports the module of a class: its parameters name them by strings only. The learned
        attributes go through ``torch.save``, so that ``__setstate__`` loads their tensors with a ``map_location``:
        an estimator fitted and pickled on a GPU loads on a machine without one (on its CPU) instead of failing."""
        state = dict(super().__getstate__())  # a copy: object.__getstate__ gives the instance's own __dict__
        learned = {name: state.pop(name) for name in list(state) if _is_learned(name)}
        if learned:
            buffer = io.BytesIO()
            torch.save(learned, buffer)
            state[LEARNED] = buffer.getvalue()
        modules = own_modules(self.model, self.backbone, self.objective)
        return {**state, **({PART_MODULES: modules} if modules else {})}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for module in state.pop(PART_MODULES, ()):  # before the learned state, whose models are of their classes
            importlib.import_module(module)
        if LEARNED in state:  # absent from an unfitted estimator's state, and from those pickled before it
            state |= torch.load(io.BytesIO(state.pop(LEARNED)), map_location=_where_available, weights_only=False)
        super().__setstate__(state)

    def _saved_state(self) -> dict[str, Any]:
        """What a saved estimator keeps besides its models, as JSON: parameters, input width and names, table."""
        names = getattr(self, "feature_names_in_", None)
        return {"estimator": type(self).__name__,
                "params": {k: _saved_param(k, v) for k, v in self.get_params(deep=False).items()},
                "n_features_in": self.n_features_in_, "feature_names_in": None if names is None else list(names),
                "table": None if self.table_ is None else self.table_.to_dict(),
                "output": getattr(self, "_sklearn_output_config", None)}  # set_output's, as pickling keeps it

    @classmethod
    def _from_saved_state(cls, saved: dict[str, Any], path: Any):
        """An estimator with the parameters and input description of :meth:`_saved_state` (models still to set)."""
        held = saved.get("estimator")
        if held != cls.__name__:
            raise CheckpointError(f"{path} holds a saved {held}: load it with {held}.load" if held else
                                  f"{path} holds no saved {cls.__name__} (save it with .save())")
        estimator = cls(**{k: _loaded_param(v) for k, v in saved["params"].items()})
        estimator.n_features_in_ = saved["n_features_in"]
        estimator.table_ = None if saved.get("table") is None else TabularPreprocessor.from_dict(saved["table"])
        if saved.get("feature_names_in") is not None:
            estimator.feature_names_in_ = np.asarray(saved["feature_names_in"], dtype=object)
        if saved.get("output"):
            estimator.set_output(**saved["output"])
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # gaps go through the tabular path, left out of the loss
        return tags

    def _flat(self, array: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Model output as 2-D rows in ``dtype``: the input's float dtype (sklearn transformers keep float64)."""
        return array.reshape(len(array), -1).astype(dtype, copy=False)


class _OneModelSharing:
    """``save``/``load`` for an estimator whose learned state is one model (``model_``) and its input description."""

    def save(self, path: str | Path, overwrite: bool = False) -> Path:
        """Write the fitted estimator to a ``.safetensors`` file or a directory (weights + JSON, no pickle; a model
        file already there is a FileExistsError unless ``overwrite``);
        :meth:`load` gives back an estimator whose ``transform`` is identical and whose parameters are equal (a
        ``random_state`` that is a ``RandomState`` comes back in the state it had when saved, as a pickled
        scikit-learn estimator's does)."""
        check_is_fitted(self, "model_")
        return save_model(self.model_, path, {"sklearn": self._saved_state()}, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path):
        from .outlier import DETECTOR_FILE

        if (Path(path) / DETECTOR_FILE).is_file():  # a detector's folder, whose members are no model.safetensors
            raise CheckpointError(f"{path} holds a saved AutoencoderOutlierDetector: load it with "
                                  "AutoencoderOutlierDetector.load")
        checkpoint = load_checkpoint(path)
        estimator = cls._from_saved_state(checkpoint.extra.get("sklearn", {}), path)
        estimator.model_, estimator.history_ = checkpoint.model, None
        return estimator


def refuse_sparse(X: Any, estimator: str) -> None:
    """A TypeError for sparse ``X`` (a scipy.sparse matrix or array, a DataFrame with sparse columns), before any
    work, naming the memory that densifying it takes: the networks train on dense rows, and a sparse matrix made
    dense without a word (as a table with gaps was before) can need far more memory than it holds. It says what to
    change in a Pipeline too, where sparse rows come from the step before (OneHotEncoder's default output)."""
    if hasattr(X, "dtypes"):
        import pandas as pd

        if not any(isinstance(dtype, pd.SparseDtype) for dtype in X.dtypes):
            return
    elif not sparse.issparse(X):
        return
    rows, columns = X.shape
    raise TypeError(f"{estimator} takes dense data, but X is sparse ({type(X).__name__} of {rows} x {columns}); "
                    f"its networks train on dense rows: pass X.toarray() (or a DataFrame's sparse.to_dense()), which "
                    f"takes {rows * columns * 4 / 1e9:.3g} GB as float32; in a Pipeline, have the step before give "
                    "dense rows (OneHotEncoder(sparse_output=False), ColumnTransformer(..., sparse_threshold=0)), or "
                    f"give {estimator} the DataFrame itself: it one-hot encodes text columns on its own")


def warn_of_row_ids(X: Any, estimator: str) -> None:
    """Warn of the columns of a DataFrame ``X`` that look like row IDs (:func:`row_id_columns`: R's ``rownames``
    read as a column, a customer_id), which the estimator would learn as a feature, as ``ae detect`` does."""
    if not hasattr(X, "columns"):
        return
    from ..data.table_files import RowIdWarning, row_id_columns

    for name, why in row_id_columns(X).items():
        warnings.warn(f"column {name!r} {why}, like a row ID, which {estimator} would learn as a feature; if it is "
                      f"one, leave it out: X.drop(columns={name!r}) (or read it as the index: index_col={name!r})",
                      RowIdWarning, stacklevel=4)


def refuse_bad_cells(X: Any, estimator: str, names: Any = None) -> None:
    """A DataError naming the first text cell, else the first missing cell (NaN, None, pd.NA), of ``X`` for an
    estimator fitted on numbers without gaps (its model has neither categories nor missing-indicators to read them
    by): scikit-learn's own checks say "could not convert string to float", naming no column, and that the
    estimator takes no NaN at all, while it fits on rows with gaps. ``names``: the fitted column names, for an
    array's columns."""
    cells = _labelled_cells(X, names)
    if cells is None:
        return  # not a table: scikit-learn's check names what it is
    import pandas as pd

    # only columns that are not numbers can hold text (a float array's frame has none: no loop over its columns)
    for position in np.flatnonzero([not pd.api.types.is_numeric_dtype(t) for t in cells.dtypes]):
        column = cells.iloc[:, position]
        text = column.notna().to_numpy() & pd.to_numeric(column.astype(object), errors="coerce").isna().to_numpy()
        if text.any():  # (n,) a cell that is neither a number ("3.5" is one) nor a gap
            row = int(np.argmax(text))
            raise DataError(f"column {str(cells.columns[position])!r} holds text ({cells.iloc[row, position]!r}, first "
                            f"at row {row + 1}, counting from 1), but was numbers when {estimator} was fitted: convert "
                            "it (pandas.to_numeric), or fit on rows where it holds text to read it as categories")
    missing = cells.isna().to_numpy()  # (n, D)
    if not missing.any():
        return
    row, column = np.argwhere(missing)[0]
    label = str(cells.columns[column])
    raise DataError(f"X has {int(missing.sum())} missing value(s) (NaN), first in column {label!r} at row {row + 1} "
                    f"(counting from 1), but {estimator} was fitted on data without any, so its model "
                    "has no missing-indicator to read them by: fill them first (AutoencoderImputer), or fit it on "
                    "rows with gaps in the columns that may have them")


def _labelled_cells(X: Any, names: Any = None):
    """``X`` as a DataFrame of its cells: a frame as it is, a 2-D array with ``names`` (the fitted column names,
    where as many) or ``x0, x1, ...`` as its columns; None for anything else (a 1-D or 3-D array, ragged lists)."""
    import pandas as pd

    if hasattr(X, "columns"):
        return X
    try:
        array = np.asarray(X)
    except ValueError:  # ragged rows
        return None
    if array.ndim != 2:
        return None
    labels = list(names) if names is not None and len(names) == array.shape[1] else [
        f"x{i}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=labels, copy=False)


def needs_table(X: Any) -> bool:
    """True for data a plain float array cannot hold: a DataFrame with non-numeric columns or gaps, an array with
    text cells or NaN cells."""
    if hasattr(X, "dtypes") and hasattr(X, "isna"):
        import pandas as pd

        numeric = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in X.dtypes)
        return not numeric or bool(X.isna().to_numpy().any())
    array = np.asarray(X) if not hasattr(X, "toarray") else None
    return array is not None and (holds_text(array) or array.dtype.kind == "f" and bool(np.isnan(array).any()))


def holds_text(X: Any) -> bool:
    """True for an array (not a DataFrame) with text or None cells, such as a mixed table's ``to_numpy()``."""
    if hasattr(X, "columns") or hasattr(X, "toarray"):
        return False
    array = np.asarray(X)
    return array.dtype.kind in "US" or (array.dtype.kind == "O"
                                        and any(v is None or isinstance(v, str) for v in array.ravel()))


def _same(a: Any, b: Any) -> bool:
    """True where two parameter values are equal (False where comparing them fails or is ambiguous)."""
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


RANDOM_STATE = "numpy.random.RandomState"  # the key a saved RandomState's state is kept under


def _saved_param(name: str, value: Any) -> Any:
    """A parameter as JSON: a ``RandomState`` as its generator state (``get_state``: what pickling keeps), NumPy
    scalars (a grid's ``np.arange`` values) as Python numbers; anything else JSON cannot hold is refused by name
    rather than dropped, which left the loaded estimator with the default in its place."""
    if isinstance(value, np.random.RandomState):
        kind, keys, position, has_gauss, cached = value.get_state()
        return {RANDOM_STATE: [kind, keys.tolist(), int(position), int(has_gauss), float(cached)]}
    try:
        return json.loads(json.dumps(value, default=_plain_number))
    except TypeError as error:
        raise TypeError(f"parameter {name}={value!r} cannot be saved: {error}; give it as a number, string, "
                        "list or dict of them") from None


def _plain_number(item: Any) -> Any:
    """``json.dumps``'s ``default``: a NumPy scalar as the Python number it holds; anything else refused."""
    if isinstance(item, np.generic):
        return item.item()
    raise TypeError(f"JSON cannot hold a {type(item).__name__}")


def _loaded_param(value: Any) -> Any:
    """A parameter read back from :func:`_saved_param`'s JSON."""
    if isinstance(value, dict) and set(value) == {RANDOM_STATE}:
        state = np.random.RandomState()
        kind, keys, position, has_gauss, cached = value[RANDOM_STATE]
        state.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
        return state
    return _tuples(value)


def _tuples(value: Any) -> Any:
    """A parameter read back from JSON, its lists (also inside option dicts) tuples again."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return tuple(value) if isinstance(value, list) else value
