"""Tables as people have them (pandas DataFrames, mixed column types, gaps) to the float matrix a model trains on.

:class:`TabularPreprocessor` is fitted on a DataFrame (or a 2-D array) and replays exactly, from JSON, at inference:

* a numeric column becomes one scaled value; where it has gaps it also gets a missing-indicator column (1 = missing)
  and its gaps are fed as 0 - they are never imputed before training: the mixed loss
  (:mod:`autoencoders.models.mixed`) reads the indicator from the target and leaves those cells out;
* a categorical column (strings, pandas ``category``, booleans, or any column named in ``categorical``) becomes a
  one-hot block; a missing cell is an all-zero block, which the mixed loss leaves out too.

A gap at transform in a column that had none when fitted is an error (numeric or categorical alike), unless the
preprocessor was told to expect them (``indicators="all"``, or gaps in the ``held_out`` rows of ``fit``).

``layout`` describes the matrix for the model (stored in its config); ``to_dict``/``from_dict`` store the
preprocessor itself in the checkpoint (no pickle); ``inverse_transform`` turns reconstructions back into a DataFrame.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError

NUMERIC_SCALINGS = ("auto", "none", "minmax", "standard")
ID_LIKE = 50  # a text column with more distinct values than this and than half its cells is an ID, not categories
INDICATORS = ("auto", "all")
UNKNOWN = ("warn", "error")
UNSEEN_AS_GAP = "; treated as missing"  # what an unseen category's warning says becomes of the cell
INTEGER_DTYPE = re.compile(r"[uU]?[iI]nt\d*")  # the names of integer dtypes: int64, uint8, nullable Int32


class UnknownCategoryWarning(UserWarning):
    """A categorical cell at inference holds a value not seen in fitting; it is treated as missing."""


@dataclass
class TabularColumn:
    """How one input column maps to the matrix: its scaling or its categories, and whether it has an indicator."""

    name: str
    kind: str  # "numeric" | "categorical"
    dtype: str  # the fitted column's dtype, restored by inverse_transform
    offset: float = 0.0
    scale: float = 1.0
    indicator: bool = False  # numeric only: a missing-indicator column follows the value
    categories: list[Any] = field(default_factory=list)
    # a pandas category column's own dtype, given back by inverse_transform: all its declared categories (also
    # those absent when fitted, which get no one-hot column) and whether they are ordered; None for other dtypes
    declared: list[Any] | None = None
    ordered: bool = False
    label: int | None = None  # the frame's own label of the column where it is an integer (read_csv(header=None))
    # categorical only: whether a gap at transform is read (as an all-zero block): the column had gaps when fitted,
    # or the preprocessor was told to expect them; None: saved before this was kept, read as it was then
    gaps: bool | None = None

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "categorical" else 1 + self.indicator

    @property
    def takes_gaps(self) -> bool:
        """Whether a gap at transform is read: a numeric column's missing-indicator, a categorical's all-zero block."""
        return self.indicator if self.kind == "numeric" else self.gaps is not False

    def output_names(self) -> list[str]:
        if self.kind == "categorical":
            return [f"{self.name}={value}" for value in self.categories]
        return [self.name] + ([f"{self.name}_missing"] if self.indicator else [])


def as_frame(X: Any, name: str = "X"):
    """``X`` as a DataFrame: frames as they are, 2-D arrays / lists with columns named x0, x1, ... (sklearn's)."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    try:
        array = np.asarray(X, dtype=object if _has_text(X) else None)
    except (ValueError, TypeError) as error:
        raise DataError(f"{name} cannot be read as a table: {error}") from None
    if array.ndim != 2:
        raise DataError(f"{name} has {array.ndim} dimension(s) {array.shape}; a table needs 2 (n_samples, n_features)")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def _has_text(X: Any) -> bool:
    return isinstance(X, list | tuple) and any(isinstance(v, str) for row in X for v in np.ravel(row))


def is_missing(values) -> np.ndarray:
    """True where a cell is missing: NaN, None, pandas NA, or an empty / blank string."""
    import pandas as pd

    missing = np.array(pd.isna(values), dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = np.asarray([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
        missing |= blank
    return missing


def is_categorical(values) -> bool:
    """Strings, pandas ``category`` and booleans are categorical; numbers are numeric."""
    import pandas as pd

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_complex_dtype(dtype):  # numeric to pandas; as a float it would lose its imaginary part
        raise DataError(f"column {values.name!r} holds complex numbers; split it into real numbers first (its .real "
                        "and .imag, or abs and angle)")
    if pd.api.types.is_numeric_dtype(dtype):
        return False
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise DataError(f"column {values.name!r} holds dates or times; drop it (ae: --drop {values.name}) or turn "
                        "it into numbers first")
    observed = values[~is_missing(values)]
    return not all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in observed)


def _no_values(name: str, values, whole) -> str:
    """Why a column with no ``values`` cannot be fitted, counted in ``whole``, the table they were split from."""
    present = int((~is_missing(whole)).sum())
    if not present:
        return f"column {name!r} has no values (all {len(whole)} cells are missing); drop it"
    return (f"column {name!r} has no values in the {len(values)} training rows (its {present} value(s) are among "
            f"the {len(whole) - len(values)} test rows); drop it")


def _refuse_ids(name: str, values) -> None:
    """A DataError for a column of more distinct ``values`` than :data:`ID_LIKE` and than half its cells."""
    missing = is_missing(values)
    distinct = len(_category_order(values, missing))
    if distinct > max(ID_LIKE, (~missing).sum() / 2):
        raise DataError(_too_many_categories(name, values[~missing], distinct))


def _too_many_categories(name: str, present, distinct: int) -> str:
    """Why a text column with ``distinct`` values in its ``present`` cells is refused as categories: most often an
    ID, a timestamp or free text; a column of numbers held as text (read with a "?" among them, say) is named so."""
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(present).astype(str).str.strip(), errors="coerce").notna()
    if numbers.mean() >= 0.5:
        others = pd.Series(present)[~numbers.to_numpy()].astype(str).value_counts()
        shown = ", ".join(f"{text!r} x{count}" for text, count in others.head(3).items())
        texts = "" if others.empty else f" and text in the others ({shown}{', ...' if len(others) > 3 else ''})"
        return (f"column {name!r} holds numbers written as text in {int(numbers.sum())} of its {len(numbers)} cells"
                f"{texts}: convert it with pandas.to_numeric(column, errors='coerce'), which makes the cells that "
                "are no number gaps (or read the file with those texts as missing values: --missing-values), or "
                "name it as categorical if it really is one")
    return (f"column {name!r} has {distinct} distinct values in {len(present)} cells: an ID, timestamp or free "
            f"text rather than categories; drop it (ae: --drop {name}), or name it as categorical (ae: --categorical "
            f"{name}; in Python, make it a pandas category column: .astype({{{name!r}: 'category'}})) if it really "
            "is one")


def _plain(value: Any) -> Any:
    """A category as a JSON value (numpy scalars become Python ones)."""
    return value.item() if isinstance(value, np.generic) else value


class TabularPreprocessor:
    """Fitted on a DataFrame or 2-D array: numeric columns scaled, categorical ones one-hot, gaps as indicators.

    ``categorical`` names columns to treat as categorical whatever their dtype (e.g. integer codes); ``scale`` scales
    numeric columns on their observed values (``auto``: none if all already lie in [0, 1], else min-max);
    ``indicators``: ``auto`` gives a missing-indicator to numeric columns with gaps in the fitting data, ``all`` to
    every numeric column, and every categorical column reads gaps (so gaps anywhere at inference are fine; with
    ``auto`` a gap in a column that had none when fitted is an error); ``handle_unknown``: a category not seen in
    fitting is a warning (and treated as missing) or an error.
    """

    def __init__(self, categorical: tuple[str, ...] | list[str] = (), scale: str = "auto", indicators: str = "auto",
                 handle_unknown: str = "warn"):
        for option, value, choices in (("scale", scale, NUMERIC_SCALINGS), ("indicators", indicators, INDICATORS),
                                       ("handle_unknown", handle_unknown, UNKNOWN)):
            if value not in choices:
                raise ConfigError(f"unknown {option} {value!r}; choose one of {', '.join(choices)}")
        self.categorical = tuple(str(c) for c in categorical)
        self.scale, self.indicators, self.handle_unknown = scale, indicators, handle_unknown
        self.columns: list[TabularColumn] = []

    # ------------------------------------------------------------------------------------------------ fitting
    def fit(self, X: Any, held_out: Any = None, source: Any = None) -> TabularPreprocessor:
        """Fit on the table ``X``. ``held_out``: rows of the same columns kept from fitting (a test split); a
        numeric column with gaps only there gets its missing-indicator too, so that they transform (their values
        are not looked at). ``source``: the whole table ``X`` was split from (a file's rows), on which a text column
        is judged an ID rather than categories: fewer rows make its values look more distinct, and what the error
        counts is then what the user's file holds."""
        frame = as_frame(X)
        if len(frame) == 0 or frame.shape[1] == 0:
            raise DataError(f"cannot fit on an empty table of shape {frame.shape}")
        names = [str(c) for c in frame.columns]
        if len(set(names)) < len(names):
            raise DataError(f"column names repeat: {sorted({n for n in names if names.count(n) > 1})}")
        unknown = sorted(set(self.categorical) - set(names))
        if unknown:
            raise DataError(f"categorical column(s) {unknown} are not in the table; its columns are {names}")
        whole = frame if source is None else as_frame(source)
        self.columns = [self._fit_column(name, frame.iloc[:, i], whole.iloc[:, i]) for i, name in enumerate(names)]
        for column, label in zip(self.columns, frame.columns, strict=True):
            if isinstance(label, int | np.integer) and not isinstance(label, bool):  # given back by inverse_transform
                column.label = int(label)
        if held_out is not None:
            self._indicate_gaps_in(as_frame(held_out))
        observed = {i: _observed_numbers(frame.iloc[:, i], c)
                    for i, c in enumerate(self.columns) if c.kind == "numeric"}
        kind = self.scale
        if kind == "auto":  # as Scaler's auto: a table already in [0, 1] is kept as it is
            kind = "none" if all(v.min() >= 0 and v.max() <= 1 for v in observed.values()) else "minmax"
        for i, values in observed.items():
            offset, scale = {"none": (0.0, 1.0), "minmax": (values.min(), np.ptp(values)),
                             "standard": (values.mean(), values.std())}[kind]
            self.columns[i].offset, self.columns[i].scale = float(offset), float(scale) if scale > 0 else 1.0
        return self

    def _indicate_gaps_in(self, frame) -> None:
        """Let the columns with gaps in ``frame`` (rows of the fitted columns) read them: a numeric one gets a
        missing-indicator."""
        if frame.shape[1] != len(self.columns):
            return  # transforming them names the difference
        for i, column in enumerate(self.columns):
            if not is_missing(frame.iloc[:, i]).any():
                continue
            if column.kind == "numeric":
                column.indicator = True
            else:
                column.gaps = True

    def _fit_column(self, name: str, values, whole) -> TabularColumn:
        """The column ``values`` is fitted as; ``whole``: the same column of the table they were split from."""
        import pandas as pd

        missing = is_missing(values)
        if missing.all():
            raise DataError(_no_values(name, values, whole))
        if name in self.categorical or is_categorical(values):
            if name not in self.categorical and not isinstance(values.dtype, pd.CategoricalDtype):  # else declared
                _refuse_ids(name, whole)
            categories = _category_order(values, missing)
            column = TabularColumn(name, "categorical", str(values.dtype), categories=categories,
                                   gaps=self.indicators == "all" or bool(missing.any()))
            if isinstance(values.dtype, pd.CategoricalDtype):
                column.declared = [_plain(v) for v in values.dtype.categories]
                column.ordered = bool(values.dtype.ordered)
            return column
        column = TabularColumn(name, "numeric", str(values.dtype))
        column.indicator = self.indicators == "all" or bool(missing.any())
        _observed_numbers(whole, column)  # names a bad cell now rather than at transform, by its row in the table
        return column

    # ---------------------------------------------------------------------------------------------- replaying
    @property
    def n_features_out(self) -> int:
        return sum(c.width for c in self.columns)

    @property
    def feature_names_in(self) -> list[str]:
        return [c.name for c in self.columns]

    def feature_names_out(self) -> list[str]:
        return [name for column in self.columns for name in column.output_names()]

    @property
    def needs_mixed_loss(self) -> bool:
        """True unless every column is numeric without an indicator (then the matrix is a plain scaled table)."""
        return any(c.kind == "categorical" or c.indicator for c in self.columns)

    @property
    def layout(self) -> list[dict[str, Any]]:
        """The matrix's columns for the model's mixed loss: numeric ``{"kind", "value", "missing"}`` (the index of
        the indicator column or None) and categorical ``{"kind", "start", "stop"}`` blocks, in matrix order."""
        blocks, start = [], 0
        for column in self.columns:
            if column.kind == "categorical":
                blocks.append({"kind": "categorical", "start": start, "stop": start + column.width})
            else:
                blocks.append({"kind": "numeric", "value": start, "missing": start + 1 if column.indicator else None})
            start += column.width
        return blocks

    def transform(self, X: Any) -> np.ndarray:
        """The float32 matrix (n, n_features_out) of table ``X``, which must have the fitted columns in order."""
        frame = self.frame(X)
        parts = [self._transform_column(frame.iloc[:, i], column) for i, column in enumerate(self.columns)]
        return np.concatenate(parts, axis=1).astype(np.float32)  # (n, n_features_out)

    def _transform_column(self, values, column: TabularColumn) -> np.ndarray:
        if column.kind == "categorical":
            return self._one_hot(values, column)
        numbers = _numbers(values, column)  # (n,) NaN where missing
        missing = np.isnan(numbers)
        _refuse_new_gaps(values, missing, column)
        scaled = np.where(missing, 0.0, (numbers - column.offset) / column.scale)
        return np.column_stack([scaled, missing] if column.indicator else [scaled])

    def _one_hot(self, values, column: TabularColumn) -> np.ndarray:
        lookup = {value: i for i, value in enumerate(column.categories)}
        missing = is_missing(values)
        _refuse_new_gaps(values, missing, column)
        codes = np.array([-1 if gap else lookup.get(_plain(v), -2) for v, gap in zip(values, missing, strict=True)],
                         dtype=np.int64)  # (n,) integers even for no rows (a table's empty test split)
        unseen = codes == -2
        if unseen.any():
            found = sorted({str(v) for v in np.asarray(values, dtype=object)[unseen]})
            message = (f"column {column.name!r} has {int(unseen.sum())} cell(s) with categories not seen in fitting "
                       f"({', '.join(found[:5])}{' ...' if len(found) > 5 else ''}; first at "
                       f"{_row(values, unseen)}); known: {', '.join(map(str, column.categories[:10]))}")
            if self.handle_unknown == "error":
                raise DataError(message)
            warnings.warn(message + UNSEEN_AS_GAP, UnknownCategoryWarning, stacklevel=4)
        one_hot = np.zeros((len(codes), column.width))
        rows = np.flatnonzero(codes >= 0)
        one_hot[rows, codes[rows]] = 1.0
        return one_hot

    def inverse_transform(self, M: np.ndarray):
        """The DataFrame a matrix (n, n_features_out) stands for: values unscaled, each category block's largest
        entry as its category, fitted dtypes restored (integers rounded), a frame's integer column labels too."""
        import pandas as pd

        M = np.asarray(M, dtype=np.float64)
        if M.ndim != 2 or M.shape[1] != self.n_features_out:
            raise DataError(f"expected a matrix with {self.n_features_out} columns, got shape {M.shape}")
        data, start = {}, 0
        for column in self.columns:
            block = M[:, start : start + column.width]  # (n, width)
            start += column.width
            if column.kind == "categorical":
                values = np.asarray(column.categories, dtype=object)[block.argmax(axis=1)]
            else:
                values = block[:, 0] * column.scale + column.offset
            data[column.name if column.label is None else column.label] = _restore_dtype(pd.Series(values), column)
        return pd.DataFrame(data)

    def column_sums(self, M: np.ndarray) -> np.ndarray:
        """A matrix's entries (n, n_features_out) summed over each input column's block (n, n_columns): e.g. a score
        split over the matrix's entries, given back to the table's columns."""
        ends = np.cumsum([c.width for c in self.columns])  # (n_columns,)
        return np.add.reduceat(np.asarray(M), ends - [c.width for c in self.columns], axis=1)

    def missing_mask(self, X: Any) -> np.ndarray:
        """True where a cell of table ``X`` (n, n_columns) is missing."""
        frame = self.frame(X)
        return np.column_stack([is_missing(frame.iloc[:, i]) for i in range(frame.shape[1])])

    def frame(self, X: Any):
        """``X`` as a DataFrame with the fitted columns in the fitted order, or a DataError naming what differs."""
        import pandas as pd

        if not self.columns:
            raise DataError("this TabularPreprocessor is not fitted; call fit first")
        named = isinstance(X, pd.DataFrame)
        frame = as_frame(X)
        expected = self.feature_names_in
        if not named:
            if frame.shape[1] != len(expected):
                shown = ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")
                raise DataError(f"X has {frame.shape[1]} columns; fitted on {len(expected)} ({shown})")
            frame.columns = expected
            return frame
        given = [str(c) for c in frame.columns]
        missing = [n for n in expected if n not in given]
        extra = [n for n in given if n not in expected]
        if missing or extra:
            parts = [f"{what} column(s) {names}" for what, names in (("missing", missing), ("extra", extra)) if names]
            raise DataError(f"the table's columns differ from those fitted: {'; '.join(parts)}")
        if given != expected:
            moved = next(n for n, m in zip(given, expected, strict=True) if n != m)
            raise DataError(f"column order changed: {moved!r} is at position {given.index(moved) + 1}, fitted at "
                            f"{expected.index(moved) + 1}; expected the order {expected}")
        return frame

    # ---------------------------------------------------------------------------------------------- storing
    def to_dict(self) -> dict[str, Any]:
        return {"categorical": list(self.categorical), "scale": self.scale, "indicators": self.indicators,
                "handle_unknown": self.handle_unknown, "columns": [asdict(c) for c in self.columns]}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TabularPreprocessor:
        prep = cls(values["categorical"], values["scale"], values["indicators"], values["handle_unknown"])
        prep.columns = [TabularColumn(**c) for c in values["columns"]]
        return prep


def _category_order(values, missing: np.ndarray) -> list[Any]:
    """Categories in a stable order: a pandas category's own order, else sorted (by text for mixed types)."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values[~missing])
        return [_plain(v) for v in values.dtype.categories if v in present]
    unique = {_plain(v) for v in values[~missing]}
    try:
        return sorted(unique)
    except TypeError:
        return sorted(unique, key=str)


def _row(values, found: np.ndarray) -> str:
    """Where the first ``found`` cell of column ``values`` is: its row counting from 1 (a file's first data row is
    row 1), and its index label when the frame has an index of its own (not 0, 1, ...)."""
    import pandas as pd

    position = int(np.argmax(found))
    own = not values.index.equals(pd.RangeIndex(len(values)))
    return f"row {position + 1} (counting from 1{f'; index {values.index[position]!r}' if own else ''})"


def _refuse_new_gaps(values, missing: np.ndarray, column: TabularColumn) -> None:
    """A DataError naming the first ``missing`` (n,) cell of ``values`` where the fitted ``column`` reads no gaps."""
    if missing.any() and not column.takes_gaps:
        raise DataError(f"column {column.name!r} has {int(missing.sum())} missing value(s), first at "
                        f"{_row(values, missing)}, but had none when fitted; fill them first (ae impute, "
                        "AutoencoderImputer), or fit on rows with gaps in it (TabularPreprocessor itself: or "
                        "with indicators='all')")


def _numbers(values, column: TabularColumn) -> np.ndarray:
    """A numeric column as float64 (n,), NaN where missing; a cell that is not a number is an error naming it."""
    import pandas as pd

    missing = is_missing(values)
    converted = pd.to_numeric(values.where(~missing), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(converted) & ~missing
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"column {column.name!r} is numeric but row {row + 1} holds {values.iloc[row]!r}; name it "
                        "as categorical or fix the cell")
    if np.isinf(converted).any():
        row = int(np.argmax(np.isinf(converted)))
        raise DataError(f"column {column.name!r} has an infinite value at row {row + 1}")
    return converted


def _observed_numbers(values, column: TabularColumn) -> np.ndarray:
    numbers = _numbers(values, column)
    return numbers[~np.isnan(numbers)]


def _restore_dtype(series, column: TabularColumn):
    """``series`` in the fitted column's dtype where it can hold the values (integers rounded), else as it is; a
    category column gets its declared categories and order back, not only those that occur in ``series``."""
    import pandas as pd

    dtype = column.dtype
    if INTEGER_DTYPE.fullmatch(dtype):  # not a prefix: "interval[int64, right]" starts with "int"
        return series.round().astype(dtype if dtype[0] in "IU" else "int64")
    if dtype in ("bool", "boolean"):
        return series.astype(dtype)
    if dtype == "category":
        declared = column.categories if column.declared is None else column.declared  # None: saved before it was kept
        return series.astype(pd.CategoricalDtype(declared, ordered=column.ordered))
    if dtype in ("str", "string"):
        return series.astype(dtype)
    return series


# The layout contract (``TabularPreprocessor.layout``), read by the mixed loss and the "cells" corruption.
LAYOUT_KINDS = ("numeric", "categorical")


def check_layout(layout: list[dict[str, Any]], width: int) -> None:
    """A ConfigError naming the first block of ``layout`` that does not fit a matrix of ``width`` columns."""
    for index, block in enumerate(layout):
        kind = block.get("kind")
        if kind not in LAYOUT_KINDS:
            raise ConfigError(f"layout block {index} has kind {kind!r}; choose one of {', '.join(LAYOUT_KINDS)}")
        used = [block["value"]] + ([] if block.get("missing") is None else [block["missing"]]) if kind == "numeric" \
            else [block["start"], block["stop"] - 1]
        if kind == "categorical" and block["stop"] - block["start"] < 1:
            raise ConfigError(f"layout block {index} is an empty categorical block {block}")
        if min(used) < 0 or max(used) >= width:
            raise ConfigError(f"layout block {index} {block} points outside the {width} input columns")


def numeric_indices(layout: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numeric blocks' value columns, indicator columns (0 where none) and has-indicator flags."""
    numeric = [block for block in layout if block["kind"] == "numeric"]
    return (np.array([b["value"] for b in numeric], dtype=np.int64),
            np.array([b["missing"] or 0 for b in numeric], dtype=np.int64),
            np.array([b["missing"] is not None for b in numeric], dtype=bool))


def categorical_blocks(layout: list[dict[str, Any]]) -> list[slice]:
    """The one-hot column range of each categorical block."""
    return [slice(block["start"], block["stop"]) for block in layout if block["kind"] == "categorical"]
