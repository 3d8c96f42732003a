"""Read a table file (text: :mod:`.text_tables`; Parquet; ARFF: :mod:`.foreign`) as a DataFrame of its feature
columns and its labels: the columns picked by name, unnamed index columns left out, cells of numbers with a typo
named."""

from __future__ import annotations

import re
import shlex
import warnings
from dataclasses import InitVar, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import Dataset, labels_as_codes
from .foreign import read_arff
from .text_tables import read_text_table, read_text_table_and_texts
from .validation import DataError

TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
ARFF_SUFFIX = ".arff"  # Weka's tables (data.foreign)
NUMERIC_SHARE = 0.5  # a text column whose cells are mostly numbers has typos, not categories


@dataclass
class TableOptions:
    """How to read a table file: the delimiter (None: by suffix, else sniffed from ``,`` ``;`` tab ``|`` and runs of
    spaces; " " means any run of spaces), the feature columns to keep (``columns``) or to leave out (``drop``: ID
    and timestamp columns), and columns to treat as categorical (not checked for numeric typos), and the texts that
    mark missing cells (``missing_values``, text tables only), and whether a text table's first row names its
    columns (``header``: None sniffs it from the cells, which take a header of numbers such as ``country,2019,2020``
    for data)."""

    delimiter: str | None = None
    columns: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    # also keep the whole table as read (every column; a text table's cell texts too) in the Dataset's ``whole``,
    # for a command that writes the file back with its other columns and cells as they were (ae impute)
    keep_whole: bool = False
    # cell texts that mark a gap in a text table besides pandas' own (empty, NA, NaN, null, ...): "?" in UCI files
    missing_values: tuple[str, ...] = ()
    header: bool | None = None
    # columns kept aside as each row's IDs (the Dataset's ``dropped``, as --drop keeps its own) when the file has
    # them, without leaving them out of the features: a run's --drop columns, for a later command's file read
    # without --drop, whose features are picked by the run's column names
    keys: tuple[str, ...] = ()
    # the name keep_whole had until it kept the whole table aside (in Dataset.whole) rather than the unnamed
    # columns among the features: accepted, with a DeprecationWarning, as keep_whole
    keep_unnamed: InitVar[bool | None] = None

    def __post_init__(self, keep_unnamed: bool | None) -> None:
        if keep_unnamed is not None:
            warnings.warn("TableOptions(keep_unnamed=...) is deprecated: use keep_whole, which keeps every column, "
                          "the unnamed ones too, in the Dataset's `whole` (its X holds the feature columns)",
                          DeprecationWarning, stacklevel=3)
            self.keep_whole = keep_unnamed


def read_table(path: Path, label_column: str | int | None = None, options: TableOptions | None = None) -> Dataset:
    """A CSV/TSV (plain or compressed: :data:`~.text_tables.TEXT_OPENERS`), Parquet or ARFF table as a DataFrame
    ``X`` of its feature columns, with ``y`` from ``label_column`` (name or index; text labels become codes named in
    ``label_names``)."""
    options = options or TableOptions()
    parquet, arff = path.name.lower().endswith(PARQUET_SUFFIXES), path.name.lower().endswith(ARFF_SUFFIX)
    if (parquet or arff) and options.missing_values:
        kind = "a Parquet file, whose gaps are its nulls" if parquet else "an ARFF file, whose gaps are its ? cells"
        raise DataError(f"{path} is {kind}: --missing-values is for text tables (CSV, TSV)")
    if (parquet or arff) and options.header is not None:
        raise DataError(f"{path} is {'a Parquet' if parquet else 'an ARFF'} file, whose column names are stored "
                        "apart from its rows: --header and --no-header are for text tables (CSV, TSV)")
    text_options = (path, options.delimiter, options.missing_values, options.header)
    texts = None  # a text table's cell texts: every column's when the whole table is kept, else the IDs'
    aside = options.drop or options.keys  # the rows' IDs, written beside them as the file writes them
    if parquet or arff:
        frame = _read_parquet(path) if parquet else read_arff(path)
    elif options.keep_whole or aside:
        frame, texts = read_text_table_and_texts(*text_options, columns=None if options.keep_whole else aside)
    else:
        frame = read_text_table(*text_options)
    if frame.empty:
        raise DataError(f"{path} has no data rows")
    names = [str(c) for c in frame.columns]
    frame.columns = names
    whole = WholeTable(frame.copy(), None if texts is None else texts.set_axis(names, axis=1), typed=parquet) \
        if options.keep_whole else None
    y, label_names = None, []
    if label_column is not None:
        label = names[_column_index(label_column, names, path)]
        y, label_names = labels_as_codes(frame.pop(label), path)
        names.remove(label)
    keep = _feature_columns(frame, names, options, path)
    first_line = frame.attrs.get("first_line")  # the file line of the first data row (text tables only)
    dropped = _as_written(frame, texts, [name for name in aside if name in names], path)  # a series' time column?
    frame = frame[keep].reset_index(drop=True)
    _check_numeric_typos(frame, path, options, first_line)
    return Dataset(frame, y, path.name.split(".")[0], label_names, whole=whole, dropped=dropped)


@dataclass
class WholeTable:
    """A table file as read, every column kept (:attr:`TableOptions.keep_whole`): its ``values`` (the DataFrame,
    typed) and, for a text table, the ``texts`` of its cells as the file writes them (None for Parquet, ARFF);
    ``typed``: the file stores each column's dtype (Parquet), which its ``values`` have."""

    values: Any  # DataFrame (n, columns)
    texts: Any = None  # DataFrame of str (n, columns), "" for an empty cell
    typed: bool = False


def _as_written(frame, texts, names: list[str], path: Path):
    """The columns ``names`` of ``frame`` as the file writes them (the rows' IDs, to name each row of a command's
    output by): a text table's cell ``texts`` (an ID column of whole numbers with a gap, which pandas reads as
    floats, stays 12, not 12.0; 007 stays 007) and a Parquet file's integer columns as integers; a gap stays one.
    None for no columns."""
    if not names:
        return None
    if texts is not None:
        return texts[names].where(frame[names].notna().to_numpy(), None).reset_index(drop=True)
    columns = frame[names].reset_index(drop=True)
    return _stored_integers(path, columns) if path.name.lower().endswith(PARQUET_SUFFIXES) else columns


def _stored_integers(path: Path, columns):
    """``columns`` of the Parquet file ``path`` that it stores as integers as pandas' nullable integers, which
    pandas reads as floats when they have a null."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    types = {name: str(schema.field(name).type) for name in columns.columns if name in schema.names
             and pa.types.is_integer(schema.field(name).type)}  # "int64", "uint8", ...
    return columns.astype({name: f"UInt{kind[4:]}" if kind.startswith("u") else f"Int{kind[3:]}"
                           for name, kind in types.items()})


def _feature_columns(frame, names: list[str], options: TableOptions, path: Path) -> list[str]:
    """The columns ``options`` keep, in order: all named ones, or ``options.columns``, less ``options.drop``."""
    unknown = [c for c in (*options.columns, *options.drop, *options.categorical) if c not in names]
    if unknown:
        raise DataError(f"{path} has no column(s) {unknown}; its columns are {', '.join(names)}")
    unnamed = _unnamed_non_features(frame)
    keep = [c for c in (options.columns or [n for n in names if n not in unnamed]) if c not in options.drop]
    if not keep:
        raise DataError(f"no feature columns left in {path} after --columns/--drop")
    return keep


# Column names that say "identifier": id, ID, rownames, row_id, customer_id, CustomerID, index, key ...
ID_NAME = re.compile(r"^((?i:rownames|index|key|id)|.*[_ .-](?i:id)|.*[a-z](ID|Id))$")  # not "paid", "valid"


class RowIdWarning(UserWarning):
    """A table's feature column looks like row IDs (:func:`row_id_columns`), which a model would learn as a feature."""


def row_id_columns(frame) -> dict[str, str]:
    """The numeric columns that look like row IDs, which a model would learn as a feature, with why: holding each
    of 0..n-1 or 1..n once (n of at least 20, like the ``rownames`` of R's data sets), or named like an ID and
    holding a distinct whole number on every row (like Wage's ``rownames``: 231655, 86582, ...)."""
    ids = {}
    for name, values in frame.items():
        if len(values) < 20 or values.dtype.kind not in "iuf" or values.isna().any():
            continue
        ordered = np.sort(values.to_numpy())
        if ordered[0] in (0, 1) and np.array_equal(ordered, np.arange(ordered[0], ordered[0] + len(ordered))):
            ids[str(name)] = f"holds each number from {ordered[0]:g} to {ordered[-1]:g} once"
        elif (ID_NAME.match(str(name)) and np.all(ordered == np.round(ordered))
              and np.all(ordered[1:] != ordered[:-1])):
            ids[str(name)] = "is named like an ID and holds a distinct whole number on every row"
    return ids


def _unnamed_non_features(frame) -> list[str]:
    """The columns with no name in the header that hold no feature: the row index pandas' ``to_csv`` and R's
    ``write.csv`` write first (distinct values, no gaps; the model would learn row numbers), and the empty column
    that a delimiter at the end of every line makes. pandas names them ``Unnamed: i``."""
    unnamed = [c for i, c in enumerate(frame.columns) if c == f"Unnamed: {i}"]
    return [c for c in unnamed if frame[c].isna().all()
            or (c == frame.columns[0] and frame[c].notna().all() and frame[c].is_unique)]


def _read_parquet(path: Path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError:
        raise DataError(f"reading {path} needs pyarrow: pip install 'autoencoders[parquet]'") from None
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path} as Parquet: {error}") from None


def _column_index(column: str | int, names: list[str], path: Path) -> int:
    if column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).lstrip("-").isdigit():
        if not -len(names) <= int(column) < len(names):  # 10 of 3 columns was taken for column 10 % 3
            raise DataError(f"{path} has {len(names)} columns, so no column number {column} (counting from 0, or "
                            f"-1 for the last); its columns are {', '.join(names)}")
        return int(column) % len(names)
    raise DataError(f"{path} has no column {column!r}; its columns are {', '.join(names)}")


def _check_numeric_typos(frame, path: Path, options: TableOptions, first_line: int | None) -> None:
    """A text column that is almost all numbers holds a typo: name its file, line, column and cell."""
    import pandas as pd

    for position, name in enumerate(frame.columns, start=1):
        values = frame[name]
        text = values.dtype == object or isinstance(values.dtype, pd.StringDtype)  # not dates, categories, numbers
        if name in options.categorical or not text:
            continue
        present = values.dropna()
        numeric = pd.to_numeric(present, errors="coerce").notna()
        if len(present) and numeric.mean() < NUMERIC_SHARE and _formatted_numbers(present).mean() >= NUMERIC_SHARE:
            example = present[~numeric].iloc[0]
            raise DataError(f"{path}, column {position} ({name!r}): cells such as {example!r} are numbers written with "
                            "thousands separators, a % sign or a decimal comma unlike the file's other numbers, which "
                            "are read as text; write plain numbers (12345.6, 0.45), or name the column with "
                            "--categorical if they are labels")
        if len(present) and NUMERIC_SHARE <= numeric.mean() < 1:
            bad = int(np.flatnonzero(~numeric.to_numpy())[0])
            row = int(present.index[bad])  # 0-based data row
            where = f"row {row + 1}" if first_line is None else f"row {row + 1} (line {row + first_line})"
            named = "; the first row is read as data (--no-header): give --header if it names the columns" * (
                row == 0 and options.header is False)
            raise DataError(f"{path}, {where}, column {position} ({name!r}): {present.iloc[bad]!r} is not a "
                            f"number while the column's other cells are; fix the cell or name the column with "
                            f"--categorical{_gap_marker_hint(present[~numeric])}{named}")


def _gap_marker_hint(texts) -> str:
    """For the text cells of a column of numbers: when a few texts repeat (a "?" or "-" on many rows), a hint that
    they may mark missing values, with the option that reads them so."""
    counts = texts.astype(str).str.strip().value_counts()
    if len(counts) > 3 or counts.iloc[0] < 2:
        return ""
    cells = ", ".join(f"{text!r} ({count} cells)" for text, count in counts.items())
    verb = "marks" if len(counts) == 1 else "mark"
    return f"; if {cells} {verb} missing values, give --missing-values {shlex.quote(','.join(counts.index))}"


# A number with a % sign or thousands separators in groups of three: 12,345.6  12.345,6  12 345  12'345  45%
_FORMATTED_NUMBER = r"^[+-]?(?:\d{1,3}(?:[,.'\s\u00a0]\d{3})+|\d+)(?:[.,]\d+)?%?$"


def _formatted_numbers(cells):
    """Which text ``cells`` are numbers written with a % sign or thousands separators (or plain numbers)."""
    return cells.astype(str).str.strip().str.fullmatch(_FORMATTED_NUMBER)
