"""Files other tools write for anomaly detection and machine learning: Weka's ARFF tables (the outlier benchmarks
of ELKI and ADRepository) and MATLAB's .mat arrays (ODDS, the sets PyOD's examples load)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .array_files import LABEL_NAMES, named_arrays
from .dataset import Dataset
from .validation import DataError

# "@attribute name type": a quoted or plain name, then {levels}, a type word, or a date with its format
_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s{]+)\s*(.*)", re.IGNORECASE)
_NUMERIC = ("numeric", "real", "integer")


def read_arff(path: Path):
    """An ARFF file's data as a DataFrame: numeric attributes as floats, nominal ones as categoricals over their
    declared levels, string and date attributes as text; ``?`` cells are gaps. Sparse ARFF is refused by name."""
    import pandas as pd

    names, kinds, header = _arff_header(path)
    try:
        frame = pd.read_csv(path, skiprows=header, names=names, header=None, dtype=str, na_values=["?"],
                            keep_default_na=False, quotechar="'", skipinitialspace=True, comment="%",
                            encoding="utf-8-sig", skip_blank_lines=True)
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    except pd.errors.ParserError as error:
        raise DataError(f"cannot read the data rows of {path}: {error}") from None
    if len(frame) and str(frame.iloc[0, 0]).lstrip().startswith("{"):
        raise DataError(f"{path} is sparse ARFF ({{index value, ...}} rows), which is not read: write it dense (in "
                        "Weka: the SparseToNonSparse filter), or as a CSV")
    columns = {}
    for name, kind in zip(names, kinds, strict=True):
        cells = _unquoted(frame[name])
        if kind.startswith("{"):
            levels = [level.strip().strip("'\"") for level in kind[1:-1].split(",")]
            unknown = sorted(set(cells.dropna()) - set(levels))
            if unknown:
                raise DataError(f"{path}: attribute {name!r} declares the values {levels} but its rows hold "
                                f"{unknown[:5]}")
            columns[name] = pd.Categorical(cells, categories=levels)
        elif kind.lower().split()[0] in _NUMERIC:
            columns[name] = _numbers(cells, name, path)
        else:  # string, date: text (a table's ID and date checks then see it)
            columns[name] = cells
    return pd.DataFrame(columns)


def _unquoted(cells):
    """Cells without the spaces and double quotes around them (worked out once per distinct value)."""
    clean = {value: value.strip().strip('"') for value in cells.dropna().unique()}
    return cells if all(key == value for key, value in clean.items()) else cells.map(clean)


def _not_utf8(path: Path, error: UnicodeDecodeError) -> DataError:
    return DataError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}): save it as UTF-8")


def _arff_header(path: Path) -> tuple[list[str], list[str], int]:
    """The attributes' names and types, and the number of lines up to ``@data``."""
    names, kinds = [], []
    try:
        with open(path, encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                text = line.strip()
                if text.lower().startswith("@data"):
                    if not names:
                        break
                    return names, kinds, number
                if match := _ATTRIBUTE.match(text):
                    names.append(match.group(1)[1:-1] if match.group(1)[0] in "'\"" else match.group(1))
                    kinds.append(match.group(2).split("%")[0].strip() or "string")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    raise DataError(f"{path} is not an ARFF file: it needs @attribute lines and then @data")


def _numbers(cells, name: str, path: Path):
    import pandas as pd

    numbers = pd.to_numeric(cells, errors="coerce")
    wrong = cells[numbers.isna() & cells.notna()]
    if len(wrong):
        raise DataError(f"{path}: numeric attribute {name!r} holds {wrong.iloc[0]!r} (row {wrong.index[0] + 1} of "
                        "the data)")
    return numbers.astype(np.float64)


def read_mat(path: Path) -> Dataset:
    """A .mat file's samples and labels, named as ODDS stores its sets (``X``, ``y``) or as an .npz's are
    (:func:`~.array_files.named_arrays`); labels, which MATLAB saves as (n, 1) or (1, n) matrices, flattened."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        arrays = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    except NotImplementedError:  # scipy's message for a v7.3 file, which is HDF5
        raise DataError(f"{path} is a MATLAB v7.3 (HDF5) file: save it in MATLAB with save(name, 'X', 'y', '-v7'), "
                        "or read it with h5py and numpy.save the array") from None
    except (MatReadError, ValueError, OSError) as error:
        raise DataError(f"cannot read {path} as a MATLAB .mat file: {error}") from None
    if not arrays:
        raise DataError(f"{path} holds no arrays; name the samples 'X' (and the labels 'y')")
    return named_arrays({k: v.ravel() if k in LABEL_NAMES and v.ndim == 2 and 1 in v.shape else v
                         for k, v in arrays.items()}, path)
