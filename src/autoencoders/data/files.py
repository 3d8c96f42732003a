"""Read a user's data from files: .npy, .npz, tables (.csv/.tsv, plain, .gz, .bz2 or .xz; .parquet), IDX (MNIST
format, plain or .gz) and image folders (each image read by :mod:`.images`)."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import lzma
import re
import shlex
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .foreign import read_arff, read_mat
from .images import IMAGE_SUFFIXES, image_files_in, read_image, with_channels
from .validation import DataError

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


@dataclass
class Dataset:
    """Samples ``X`` (n, *sample_shape), optional labels ``y`` (n,), and where they came from."""

    X: np.ndarray
    y: np.ndarray | None = None
    name: str = "data"
    label_names: list[str] = field(default_factory=list)

    @property
    def is_image(self) -> bool:
        return self.X.ndim == 4

    @property
    def is_table(self) -> bool:
        """True when ``X`` is a DataFrame read from a table file (mixed column types and gaps allowed)."""
        return hasattr(self.X, "iloc")

    def subset(self, index: np.ndarray) -> Dataset:
        X = self.X.iloc[index].reset_index(drop=True) if self.is_table else self.X[index]
        return Dataset(X, None if self.y is None else self.y[index], self.name, self.label_names)


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (the MNIST format), gzip-compressed or not (told by its content: browsers unpack a download and
    keep its .gz name), as an array of its stored dtype."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        raw = gzip.decompress(raw) if raw.startswith(b"\x1f\x8b") else raw
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"cannot read IDX file {path}: {error}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated: its {len(raw)} bytes end inside the header of a {ndim}-D IDX array")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path} is truncated or corrupt: header promises {expected} bytes, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
# Compressions a table may come in (as the commands' --out writes them too), with what opens them as text.
TEXT_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
PARQUET_SUFFIXES = (".parquet", ".pq")
ARFF_SUFFIX = ".arff"  # Weka's tables (data.foreign)
DELIMITERS = ",;\t|"
NUMERIC_SHARE = 0.5  # a text column whose cells are mostly numbers has typos, not categories
SAMPLE_LINES = 50  # lines read to sniff the delimiter and the header


@dataclass
class TableOptions:
    """How to read a table file: the delimiter (None: by suffix, else sniffed from ``,`` ``;`` tab ``|`` and runs of
    spaces; " " means any run of spaces), the feature columns to keep (``columns``) or to leave out (``drop``: ID
    and timestamp columns), and columns to treat as categorical (not checked for numeric typos), and the texts that
    mark missing cells (``missing_values``, text tables only)."""

    delimiter: str | None = None
    columns: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    keep_unnamed: bool = False  # keep the unnamed row-index and empty columns (to write the whole file back)
    # cell texts that mark a gap in a text table besides pandas' own (empty, NA, NaN, null, ...): "?" in UCI files
    missing_values: tuple[str, ...] = ()


def read_table(path: Path, label_column: str | int | None = None, options: TableOptions | None = None) -> Dataset:
    """A CSV/TSV (plain or compressed: :data:`TEXT_OPENERS`), Parquet or ARFF table as a DataFrame ``X`` of its feature
    columns, with ``y`` from ``label_column`` (name or index; text labels become codes named in ``label_names``)."""
    options = options or TableOptions()
    parquet, arff = path.name.lower().endswith(PARQUET_SUFFIXES), path.name.lower().endswith(ARFF_SUFFIX)
    if (parquet or arff) and options.missing_values:
        kind = "a Parquet file, whose gaps are its nulls" if parquet else "an ARFF file, whose gaps are its ? cells"
        raise DataError(f"{path} is {kind}: --missing-values is for text tables (CSV, TSV)")
    frame = _read_parquet(path) if parquet else read_arff(path) if arff else _read_csv(path, options)
    if frame.empty:
        raise DataError(f"{path} has no data rows")
    names = [str(c) for c in frame.columns]
    frame.columns = names
    y, label_names = None, []
    if label_column is not None:
        label = names[_column_index(label_column, names, path)]
        y, label_names = _labels(frame.pop(label), path)
        names.remove(label)
    unknown = [c for c in (*options.columns, *options.drop, *options.categorical) if c not in names]
    if unknown:
        raise DataError(f"{path} has no column(s) {unknown}; its columns are {', '.join(names)}")
    unnamed = [] if options.keep_unnamed else _unnamed_non_features(frame)
    keep = [c for c in (options.columns or [n for n in names if n not in unnamed]) if c not in options.drop]
    if not keep:
        raise DataError(f"no feature columns left in {path} after --columns/--drop")
    first_line = frame.attrs.get("first_line")  # the file line of the first data row (CSV only)
    frame = frame[keep].reset_index(drop=True)
    _check_numeric_typos(frame, path, options, first_line)
    return Dataset(frame, y, path.name.split(".")[0], label_names)


# Column names that say "identifier": id, ID, rownames, row_id, customer_id, CustomerID, index, key ...
ID_NAME = re.compile(r"^((?i:rownames|index|key|id)|.*[_ .-](?i:id)|.*[a-z](ID|Id))$")  # not "paid", "valid"


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


def _read_csv(path: Path, options: TableOptions):
    """The CSV as a DataFrame; a first row of numbers is data, unless it is pandas' default header 0,1,2,..."""
    import pandas as pd

    encoding = _encoding(path)
    sample = _text_sample(path, encoding)
    excel = re.match(r"sep=(.)\r?\n", sample)  # a first line Excel writes to name the delimiter
    sample = sample[excel.end():] if excel else sample
    delimiter = _given_delimiter(options.delimiter) or (excel.group(1) if excel else _sniff_delimiter(path, sample))
    lines = sample.splitlines()
    comments = next(i for i, line in enumerate([*lines, ""]) if not _comment(line, delimiter))
    comments = comments if comments < len(lines) else 0  # all "#...": a column of such texts, not comments
    rows = [_cells(line, delimiter) for line in lines[comments:][:SAMPLE_LINES] if line.strip()]
    if not rows:
        raise DataError(f"{path} is empty")
    header = _has_header(rows)
    decimal = _decimal_mark(delimiter, sample)
    one_column = len(rows[0]) == 1  # its empty cell is an empty line: a gap in that row, not a line to skip
    leading = next(i for i, line in enumerate(lines) if line.strip())  # empty lines before the first
    skipped = bool(excel) + comments + (leading if one_column else 0)  # lines pandas skips (else it skips empty ones)
    # rows one cell longer than the header, that cell empty: a delimiter ends each row, not the header (pandas would
    # take the first column for the row index and shift every name one column to the right)
    trailing = header and len(rows) > 1 and all(len(row) == len(rows[0]) + 1 and not row[-1].strip()
                                                for row in rows[1:-1] or rows[1:])
    try:
        frame = pd.read_csv(path, sep=r"\s+" if delimiter == " " else delimiter, header=0 if header else None,
                            skipinitialspace=True, decimal=decimal, compression="infer", encoding=encoding,
                            skiprows=skipped or None, skip_blank_lines=not one_column,
                            na_values=list(options.missing_values) or None, index_col=False if trailing else None)
    except UnicodeDecodeError as error:
        raise DataError(_not_utf8(path, error)) from None
    except (EOFError, OSError, lzma.LZMAError) as error:  # cut short past the sample read above (click: 'Aborted!')
        raise DataError(f"cannot read {path}: the file is truncated or corrupt ({error})") from None
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"cannot read {path} as a table (delimiter {delimiter!r}): {error}") from None
    sniffed = _sniff_delimiter(path, sample)
    if options.delimiter and frame.shape[1] == 1 and sniffed != delimiter and sniffed in rows[0][0]:
        raise DataError(f"{path} has one column when split at the delimiter {delimiter!r}; it seems to use "
                        f"{sniffed!r}: give --delimiter {sniffed!r} or leave --delimiter out")
    if one_column:  # empty lines after the last value end the file; they are no rows
        filled = np.flatnonzero(frame.iloc[:, 0].notna())
        frame = frame.iloc[:filled[-1] + 1 if len(filled) else 0]
    if not header:
        frame.columns = [str(i) for i in range(frame.shape[1])]
    else:
        _warn_of_repeated_names(path, rows[0], list(frame.columns))
    stripped = [name.strip() if isinstance(name, str) else name for name in frame.columns]
    if len(set(stripped)) == len(stripped):  # "age ," names the column "age", which --drop age then finds
        frame.columns = stripped
    frame.attrs["first_line"] = (2 if header else 1) + skipped
    frame.attrs["dialect"] = {"sep": delimiter, "decimal": decimal}  # a table written back keeps the file's own
    return frame


def _warn_of_repeated_names(path: Path, header: list[str], columns: list) -> None:
    """Warn of names the ``header`` cells give more than one column: pandas reads them as "a", "a.1", ..., the names
    the options that pick columns then take."""
    names = [cell.strip().strip('"') for cell in header]
    repeated = [name for name in dict.fromkeys(names) if name and names.count(name) > 1]
    if repeated and len(names) == len(columns):
        renamed = [str(column) for column, name in zip(columns, names, strict=True) if name in repeated]
        warnings.warn(f"{path}: the header gives more than one column the name {' and '.join(map(repr, repeated))};"
                      f" they are read as {', '.join(map(repr, renamed))} (the names --columns, --drop and "
                      "--label-column take); rename them in the file to tell them apart", stacklevel=4)


def _decimal_mark(delimiter: str, sample: str) -> str:
    """"," for numbers such as 20,5: in a ;-separated file that has them, or a tab- or |-separated one that has them
    and no 20.5 (the file's own convention); else "."."""
    commas = delimiter != "," and re.search(r"\d,\d", sample)
    return "," if commas and (delimiter == ";" or not re.search(r"\d\.\d", sample)) else "."


def _read_parquet(path: Path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except ImportError:
        raise DataError(f"reading {path} needs pyarrow: pip install 'autoencoders[parquet]'") from None
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path} as Parquet: {error}") from None


def _encoding(path: Path) -> str:
    """"utf-16" for text that starts with its byte-order mark (Excel's "Unicode Text" export), else "utf-8-sig":
    UTF-8 without the mark Excel's "CSV UTF-8" starts with (kept, it made "1,2" a header and hid "sep=;")."""
    try:
        with TEXT_OPENERS.get(path.suffix.lower(), open)(path, "rb") as handle:
            start = handle.read(2)
    except (OSError, EOFError, lzma.LZMAError):
        return "utf-8-sig"  # reading the sample names the fault
    return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"


def _text_sample(path: Path, encoding: str, size: int = 65_536) -> str:
    """The start of the file: ``size`` characters, or more until it holds :data:`SAMPLE_LINES` whole lines (a table
    of thousands of columns has lines longer than ``size``: its header was cut and taken for data)."""
    opener = TEXT_OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rt", encoding=encoding, newline="") as handle:
            sample = handle.read(size)
            while sample.count("\n") < SAMPLE_LINES and (more := handle.read(size)):
                sample += more
            return sample
    except UnicodeDecodeError as error:
        raise DataError(_not_utf8(path, error)) from None
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise DataError(f"cannot read {path} as text: {error}") from None


def _uncompressed_name(path: Path) -> str:
    """The file's name in lower case without a compression suffix (``rows.tsv.gz`` -> ``rows.tsv``)."""
    name = path.name.lower()
    return name.removesuffix(path.suffix.lower()) if path.suffix.lower() in TEXT_OPENERS else name


def _not_utf8(path: Path, error: UnicodeDecodeError) -> str:
    return (f"{path} is not UTF-8 text (byte {error.object[error.start]:#04x} is not valid UTF-8; a spreadsheet's "
            "'CSV' export may be Windows-1252 or Latin-1): save it as UTF-8 (in Excel: 'CSV UTF-8')")


def _given_delimiter(given: str | None) -> str | None:
    """A --delimiter as one character: the tab typed as '\\t' or 'tab' (a shell passes a backslash and a t) is a tab;
    a longer one is refused (pandas would read it as a regular expression, with a warning)."""
    delimiter = "\t" if given in ("\\t", "tab") else given or None  # "" is none given
    if delimiter is not None and len(delimiter) != 1:
        raise DataError(f"--delimiter {given!r} is not one character: give one such as ',' ';' '|' ' ' (any run of "
                        "spaces) or '\\t' (tab)")
    return delimiter


def _sniff_delimiter(path: Path, sample: str) -> str:
    name = _uncompressed_name(path)
    if name.endswith((".tsv", ".tab")):
        return "\t"
    lines = sample.splitlines(keepends=True)
    lines = lines[:-1] if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")) else lines  # the last may be cut
    whole_lines = "".join(line.rstrip("\r\n") + "\n" for line in lines)  # the sniffer splits at "\n" only: old Macs
    if _spaced_numbers(whole_lines):
        return " "
    try:
        return csv.Sniffer().sniff(whole_lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _spaced_numbers(text: str) -> bool:
    """True for rows of numbers split by runs of spaces, as ``numpy.savetxt`` writes them (a header row and '#'
    comment lines before them allowed), which none of :data:`DELIMITERS` splits: read whole, each row was one text."""
    lines = [line for line in text.splitlines()[:SAMPLE_LINES] if line.strip() and not line.startswith("#")]
    if not lines or any(mark in line for line in lines for mark in DELIMITERS):
        return False
    widths = {len(line.split()) for line in lines}
    return len(widths) == 1 and widths.pop() > 1 and all(_is_number(c) for line in lines[1:] or lines
                                                         for c in line.split())


def _comment(line: str, delimiter: str) -> bool:
    """Whether ``line``, before the table, is a comment: it starts with "#" and holds no delimiter (a header "#,name"
    names a column "#"), or any such line before a table split by spaces (numpy.savetxt's header=)."""
    return line.startswith("#") and (delimiter == " " or delimiter not in line)


def _cells(line: str, delimiter: str) -> list[str]:
    """A line's cells: split at ``delimiter``, or at runs of spaces for the delimiter " "."""
    return line.split() if delimiter == " " else line.split(delimiter)


def _has_header(rows: list[list[str]]) -> bool:
    """True if the first row names the columns: pandas' default header ``0,1,2,...`` (also after an empty index
    cell), a text cell over a column of numbers, or a row of distinct texts that do not recur below."""
    first = [c.strip().strip('"') for c in rows[0]]
    counting = first[1:] if first and first[0] == "" else first
    if counting == [str(i) for i in range(len(counting))] and len(rows) > 1:
        return True
    below = [[c.strip().strip('"') for c in row] for row in rows[1:]]
    for index, cell in enumerate(first):
        column = [row[index] for row in below if index < len(row) and row[index]]
        if cell and not _is_number(cell) and column and all(_is_number(c) for c in column):
            return True
    if first and all(cell and not _is_number(cell) for cell in first) and len(set(first)) == len(first):
        return not any(row[i] == cell for row in below for i, cell in enumerate(first) if i < len(row))
    return False


def _column_index(column: str | int, names: list[str], path: Path) -> int:
    if column in names:
        return names.index(column)
    if isinstance(column, int) or str(column).lstrip("-").isdigit():
        if not -len(names) <= int(column) < len(names):  # 10 of 3 columns was taken for column 10 % 3
            raise DataError(f"{path} has {len(names)} columns, so no column number {column} (counting from 0, or "
                            f"-1 for the last); its columns are {', '.join(names)}")
        return int(column) % len(names)
    raise DataError(f"{path} has no column {column!r}; its columns are {', '.join(names)}")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _labels(values, path: Path) -> tuple[np.ndarray, list[str]]:
    """Labels as numbers; text labels as codes 0..k-1 in sorted order, their names returned beside them."""
    if values.isna().any():
        raise DataError(f"labels {values.name!r} of {path} have {int(values.isna().sum())} missing value(s)")
    if values.dtype.kind in "biuf":
        return values.to_numpy(), []
    names = sorted({str(v) for v in values})
    return np.searchsorted(names, values.astype(str).to_numpy()), names


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
            raise DataError(f"{path}, {where}, column {position} ({name!r}): {present.iloc[bad]!r} is not a "
                            f"number while the column's other cells are; fix the cell or name the column with "
                            f"--categorical{_gap_marker_hint(present[~numeric])}")


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


_NUMPY_MAGIC = {".npy": b"\x93NUMPY", ".npz": b"PK\x03\x04"}  # numpy.save's header; a zip archive's


def load_numpy(path: Path, mmap_mode: str | None = None) -> np.ndarray | dict[str, np.ndarray]:
    """The array of an ``.npy`` file (memory-mapped with ``mmap_mode``), or every array of an ``.npz``, read without
    pickle; a file that is not NumPy's, or is cut short, is a :class:`DataError` naming it (numpy would advise
    unpickling a text file, or raise zipfile's own error)."""
    import zipfile

    magic = _NUMPY_MAGIC[path.suffix.lower()]
    with open(path, "rb") as handle:
        start = handle.read(len(magic))
        if start == b"PK\x05\x06":  # a zip archive's end record first: numpy.savez(path) with no arrays
            raise DataError(f"{path} holds no arrays; save them with numpy.savez(path, X=samples)")
        if start != magic:
            raise DataError(f"{path} is not a NumPy {path.suffix.lower()} file (it lacks the header numpy.save / "
                            "numpy.savez write)")
    try:
        if magic == _NUMPY_MAGIC[".npy"]:
            return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:  # closed on a bad zip too
            return {key: archive[key] for key in archive.files}
    except (EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DataError(f"cannot read {path}: the archive is truncated or corrupt ({error})") from None
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from None


def read_npz(path: Path) -> Dataset:
    """An .npz holding ``X`` (or ``x``/``data``/its only array) and optionally ``y`` (or ``labels``); other arrays
    are named in a warning, as not used."""
    arrays = load_numpy(path)
    x_key = next((k for k in ("X", "x", "data", "features") if k in arrays), None)
    if x_key is None:
        if len(arrays) != 1:
            raise DataError(f"{path} holds arrays {sorted(arrays)}; name the samples 'X' (and labels 'y'): "
                            "numpy.savez(path, X=samples, y=labels)")
        x_key = next(iter(arrays))
    y_key = next((k for k in ("y", "labels", "target") if k in arrays), None)
    unused = [key for key in arrays if key not in (x_key, y_key)]
    if unused:
        labels = "" if y_key is None else f", labels from {y_key!r}"
        warnings.warn(f"{path}: samples from {x_key!r}{labels}; array(s) {', '.join(map(repr, unused))} not used",
                      stacklevel=3)
    X, y = arrays[x_key], None if y_key is None else arrays[y_key]
    if y is not None and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column vector, as scikit-learn users often keep labels
    if y is not None and (y.ndim != 1 or X.ndim == 0 or len(y) != len(X)):
        raise DataError(f"{path}: labels {y_key!r} have shape {y.shape} but samples {x_key!r} have shape {X.shape}; "
                        "give one label per sample")
    label_names = []
    if y is not None:  # text labels as codes named in label_names, as a table's
        import pandas as pd

        y, label_names = _labels(pd.Series(y, name=y_key), path)
    return Dataset(X, y, path.stem, label_names)


def read_image_folder(path: Path, grayscale: bool | None = None) -> Dataset:
    """Every image under ``path`` (read by :func:`~autoencoders.data.images.read_image`); images in sub-folders are
    labelled by the sub-folder's name.

    All images must share one size. ``grayscale=None`` keeps colour only if some image has it.
    """
    files = image_files_in(path, recursive=True)
    folders = [file.parent.relative_to(path).as_posix() for file in files]  # "." for the top level
    if "." in folders and set(folders) != {"."}:  # before any image is read
        loose, classed = files[folders.index(".")], next(f for f, d in zip(files, folders, strict=True) if d != ".")
        raise DataError(f"{path} has images at its top level (e.g. {loose.name}) beside class folders (e.g. "
                        f"{classed.relative_to(path)}): move them into a class folder, or point at one folder")
    images = [read_image(file) for file in files]  # (C, H, W) each, C 1 or 3
    sizes = {}
    for file, image in zip(files, images, strict=True):
        sizes.setdefault(image.shape[1:], []).append(file)
    if len(sizes) > 1:
        found = "; ".join(f"{w}x{h} pixels: {len(f)} image(s), e.g. {f[0].relative_to(path)}"
                          for (h, w), f in sorted(sizes.items(), key=lambda item: -len(item[1])))
        raise DataError(f"images in {path} have different sizes ({found}); resize them to one size")
    if grayscale is None:
        grayscale = all(len(image) == 1 for image in images)
    X = np.stack([with_channels(image, 1 if grayscale else 3) for image in images])  # (n, C, H, W)
    classes = sorted(set(folders))
    labelled = classes != ["."]
    y = np.array([classes.index(folder) for folder in folders]) if labelled else None
    return Dataset(X, y, path.name, classes if labelled else [])


def _idx_samples(array: np.ndarray) -> np.ndarray:
    """IDX samples as the standard sets give them: 8-bit images (n, H, W) as (n, 1, H, W) in [0, 1], so a user's
    copy of MNIST trains the same model as ``--data mnist`` (a conv network, a report with images)."""
    if array.ndim == 3 and array.dtype == np.uint8:
        return array[:, None].astype(np.float32) / np.float32(255)
    return array


# Formats people bring that are not read, with the way to one that is.
_OTHER_FORMATS = {
    (".xlsx", ".xls", ".xlsm", ".ods"): "; a spreadsheet: save it as CSV (in Excel: 'CSV UTF-8')",
    (".pkl", ".pickle", ".joblib"): "; a pickle is never loaded (it can run code): save the array with numpy.save",
    (".h5", ".hdf5"): "; from HDF5, save the array with numpy.save, or stream its dataset in Python "
                      "(Trainer.fit(ChunkedRows(dataset)))",
}


def read_path(path: str | Path, label_column: str | int | None = None, table: TableOptions | None = None) -> Dataset:
    """Load a data file or image folder by its suffix (a folder named .parquet is a Parquet data set: Spark and
    pyarrow write one as a folder of parts). ``label_column`` is for a table only: it would be ignored elsewhere."""
    path = Path(path).expanduser()  # "~/rows.csv" as pandas reads it (a shell leaves a quoted ~ as it is)
    if not path.exists():
        raise FileNotFoundError(f"no such data file or folder: {path}")
    name = path.name.lower()
    is_table = _uncompressed_name(path).endswith(TABLE_SUFFIXES) or name.endswith((*PARQUET_SUFFIXES, ARFF_SUFFIX))
    if path.is_dir() and (name.endswith((".npy", ".npz")) or is_table and not name.endswith(PARQUET_SUFFIXES)):
        raise DataError(f"{path} is a folder, not a {path.suffix} file (a folder is read as images): give the "
                        "file itself")
    if is_table:
        return read_table(path, label_column, table)
    if label_column is not None:
        raise DataError(f"{path} is not a table, so it has no label column {label_column!r} (--label-column): an "
                        "array's labels go with it in an .npz, numpy.savez(path, X=samples, y=labels); images' "
                        "labels are their sub-folders")
    if path.is_dir():
        return read_image_folder(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise DataError(f"{path} is one image; the data is a folder of images (of one size; sub-folders for "
                        "labels): give the folder that holds them")
    if name.endswith(".npy"):
        return Dataset(load_numpy(path), None, path.stem)
    if name.endswith(".npz"):
        return read_npz(path)
    if name.endswith(".mat"):
        return Dataset(*read_mat(path), path.stem)
    if "idx" in name or "ubyte" in name:
        samples = read_idx(path)
        if samples.ndim == 1:
            raise DataError(f"{path} is an IDX file of {len(samples)} single values, such as a labels file "
                            "(train-labels-idx1-ubyte): give the images file (train-images-idx3-ubyte)")
        return Dataset(_idx_samples(samples), None, path.stem)
    hint = next((text for suffixes, text in _OTHER_FORMATS.items() if name.endswith(suffixes)), "")
    raise DataError(f"unsupported data file {path}: use .npy, .npz, .csv, .tsv (.gz, .bz2, .xz ok), .parquet, "
                    f".arff, .mat, an IDX file or an image folder{hint}")
