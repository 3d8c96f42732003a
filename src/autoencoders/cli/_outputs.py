"""What the commands write: --out and --overwrite, files claimed before any work, arrays and tables saved
atomically in the format their name says, and numbers checked finite before they are written."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..errors import DataError, NonFiniteError


def output_options(help: str, required: bool = True, arrays: bool = False) -> Callable:
    """``--out FILE`` and ``--overwrite`` for a command that writes a file. Before the command does any work, an
    ``--out`` (or ``--image``) that already exists is refused unless ``--overwrite`` is given, and one that is the
    file the command reads (``--data``, FILE or RUN) is refused always: it would be lost. Writers then replace
    the file atomically (:func:`save_array`). ``arrays``: --out is written by :func:`save_array`, so a name
    whose format it does not write (``codes.txt``) is refused before any work too."""
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def checked(*args: Any, overwrite: bool, **kwargs: Any) -> Any:
            if arrays and kwargs.get("out"):
                array_format(kwargs["out"], flag="--out")
            if kwargs.get("image"):
                check_picture_format(kwargs["image"], "--image")
            read = [kwargs.get(name) for name in ("data", "file", "run")]
            for flag in ("out", "image"):
                if kwargs.get(flag):
                    claim_files([kwargs[flag]], overwrite, f"--{flag}", [r for r in read if r])
            return function(*args, **kwargs)

        # --image, declared below this decorator, is among the options already given to ``function``
        draws = any(param.name == "image" for param in getattr(function, "__click_params__", ()))
        replaced = "--out (and --image) if the file exists" if draws else "--out if the file exists"
        checked = click.option("--overwrite", is_flag=True, help=f"Replace {replaced}.")(checked)
        # no default=None beside required=True: click 8.5 takes that default as given and skips the check
        return click.option("--out", type=click.Path(dir_okay=False), required=required, help=help)(checked)
    return decorate


def claim_files(paths: Sequence[str | Path], overwrite: bool, flag: str, read: Sequence[str | Path] = ()) -> None:
    """Refuse, before any work, to write ``paths`` (one file, or the files a command writes in a folder): any that
    is one of the files in ``read`` (always: it would be lost), those that exist unless ``overwrite``, and any whose
    folder (or the nearest existing one above it, which the writer would create it in) cannot be written."""
    inputs = {Path(r).resolve() for r in read if Path(r).exists()}
    for path in paths:
        if Path(path).exists() and Path(path).resolve() in inputs:
            raise click.BadParameter(f"{path} is the file this command reads; write to another file", param_hint=flag)
    existing = [str(path) for path in paths if Path(path).exists()]
    if existing and not overwrite:
        one = len(existing) == 1
        raise click.BadParameter(f"{', '.join(existing)} already exist{'s' if one else ''}; pass --overwrite to "
                                 f"replace {'it' if one else 'them'}", param_hint=flag)
    for folder in dict.fromkeys(_nearest_folder(Path(path)) for path in paths):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise click.BadParameter(f"cannot write in {folder}", param_hint=flag)


def _nearest_folder(path: Path) -> Path:
    """The folder ``path`` would be written in, or the nearest existing one above it (the writer creates the rest)."""
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    return folder


# pandas' compression by suffix, said explicitly: it would infer none from the temporary file's name. Only those
# `--data` reads back (data.text_tables.TEXT_OPENERS, not imported here to keep `ae --help` light; a test ties the
# two).
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}
TEXT_TABLES = {".csv": ",", ".tsv": "\t"}  # a text table's ending and its delimiter
FORMATS = (".npy", *(f"{table}{suffix}" for table in TEXT_TABLES for suffix in ("", *COMPRESSIONS)), ".parquet", ".pq")


def array_format(path: str, flag: str = "--out") -> str:
    """The ending of ``path`` among :data:`FORMATS` (what :func:`save_array` writes), else a usage error."""
    name = Path(path).name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return ending
    raise click.BadParameter(f"{path} must end in {', '.join(FORMATS)}", param_hint=flag)


PICTURE_FORMATS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".pdf")  # both Pillow and matplotlib write them


def check_picture_format(path: str, flag: str, formats: Sequence[str] = PICTURE_FORMATS) -> None:
    """Refuse, before any work, a picture name whose ending is none of ``formats`` (the writer would fail after the
    work, with --out already written; matplotlib would add ".png" to a name without one)."""
    if not Path(path).name.lower().endswith(tuple(formats)):
        raise click.BadParameter(f"{path} must end in {', '.join(formats)}", param_hint=flag)


def check_npy_of_text(out: str | None, text_columns: list[str]) -> None:
    """Refuse, before any work, an .npy --out for a table with text columns (an .npy holds numbers only)."""
    if out and text_columns and array_format(out) == ".npy":
        raise click.BadParameter(f"the table has text columns ({', '.join(map(str, text_columns))}), which an .npy "
                                 f"file cannot hold; write {Path(out).stem}.csv or .parquet", param_hint="--out")


def text_columns(frame: Any) -> list[str]:
    """The columns of a DataFrame that hold text (any dtype that is not numeric), as strings."""
    from pandas.api.types import is_numeric_dtype

    return [str(name) for name, dtype in frame.dtypes.items() if not is_numeric_dtype(dtype)]


def save_array(path: str, array: Any) -> None:
    """Write ``array`` as .npy, .csv or .tsv (by suffix; .csv.gz and .parquet through pandas); a DataFrame as .csv or
    .tsv (.gz ok) with its header, .parquet, or .npy when all-numeric. Atomically: a reader (or an interrupted run)
    sees the old file or the new one, never half of one."""
    from ..checkpoint import atomic_write

    target, ending = Path(path), array_format(path)
    if hasattr(array, "to_csv"):
        atomic_write(target, lambda tmp: save_frame(target, array, tmp))
        return
    refuse_non_finite(array, path)
    if ending in TEXT_TABLES:
        atomic_write(target, lambda tmp: np.savetxt(tmp, array.reshape(len(array), -1),
                                                    delimiter=TEXT_TABLES[ending], fmt="%.7g"))
    elif ending == ".npy":
        atomic_write(target, lambda tmp: save_numpy(tmp, np.save, array))
    else:  # a compressed CSV (no header, as a plain one) or Parquet of the rows (columns named 0, 1, ...)
        import pandas as pd

        flat = array.reshape(len(array), -1)
        frame = pd.DataFrame(flat, columns=[str(column) for column in range(flat.shape[1])])
        atomic_write(target, lambda tmp: save_frame(target, frame, tmp, header=False))


def refuse_non_finite(array: np.ndarray, path: str) -> None:
    """A NonFiniteError when the model's ``array``, to be written to ``path``, holds NaN or infinity."""
    bad = int(np.size(array) - np.isfinite(array).sum())
    if bad:
        raise NonFiniteError(f"the model produced {bad} non-finite value(s) (NaN or infinity) of {np.size(array)}; "
                             f"nothing was written to {path}. Is the model damaged or diverged?")


def save_numpy(tmp: Path, save: Callable, *args: Any, **kwargs: Any) -> None:
    """``save(handle, *args, **kwargs)`` (``np.save``, ``np.savez``) into ``tmp`` through a file handle: given the
    name, numpy would add ".npy" / ".npz" to the temporary file's name."""
    with open(tmp, "wb") as handle:
        save(handle, *args, **kwargs)


def save_frame(target: Path, frame: Any, tmp: Path, header: bool = True) -> None:
    """Write ``frame`` to ``tmp`` in the format ``target``'s name says (a CSV with its column names unless not
    ``header`` or read from a text table without them)."""
    name = target.name.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            frame.to_parquet(tmp, index=False)
        except ImportError:
            raise DataError(f"writing {target} needs pyarrow: pip install 'autoencoders[parquet]'") from None
    elif name.endswith(".npy"):
        try:
            values = frame.to_numpy(dtype=np.float64)
        except (ValueError, TypeError):
            raise DataError(f"the table has categorical columns; write {target.stem}.csv instead of .npy") from None
        save_numpy(tmp, np.save, values)
    else:
        save_text_table(target, frame, tmp, header)


def save_text_table(target: Path, frame: Any, tmp: Path, header: bool = True) -> None:
    """Write ``frame`` to ``tmp`` as the text table ``target`` (.csv or .tsv, .gz ok): a table read from a text file
    in its delimiter (a .tsv's is a tab), decimal mark, encoding (its byte-order mark too) and line ends, after the
    lines that opened the table (Excel's ``sep=`` line, naming the delimiter written, and comment lines)."""
    from ..data.text_tables import TEXT_OPENERS

    dialect = dict(frame.attrs.get("dialect", {}))
    if array_format(str(target)).startswith(".tsv"):
        dialect["sep"] = "\t"
    encoding = dialect.pop("encoding", "utf-8")
    before = frame.attrs.get("before", {})
    lines = [f"sep={dialect['sep']}"] if before.get("excel_sep") else []
    lines += before.get("comments", ())
    mark = "\ufeff" if encoding in ("utf-16-le", "utf-16-be") else ""  # utf-8-sig writes its own
    opener = TEXT_OPENERS.get(target.suffix.lower(), open)
    with opener(tmp, "wt", encoding=encoding, newline="") as handle:
        handle.write(mark + "".join(line + dialect.get("lineterminator", "\n") for line in lines))
        frame.to_csv(handle, index=False, header=header and frame.attrs.get("header", True), **dialect)


@dataclasses.dataclass
class RowKeys:
    """Columns that name each row of what a command writes, beside its position: a series' time column, or a
    table's columns left out with --drop (its IDs, by which the outputs join back to the file's rows), as read."""

    frame: Any  # DataFrame (N, k)
    times: bool = False  # a series' time column (k = 1), which an .npz holds as `times` and `time_column`

    @classmethod
    def of_table(cls, dataset: Any) -> RowKeys | None:
        """The columns a table :class:`~autoencoders.data.Dataset` left out with --drop, else None."""
        dropped = getattr(dataset, "dropped", None)
        return None if dropped is None or not dropped.shape[1] else cls(dropped.reset_index(drop=True))

    @classmethod
    def of_time(cls, name: str, stamps: np.ndarray) -> RowKeys:
        """A series' time column ``name`` and its stamps (N,), as the file writes them."""
        import pandas as pd

        return cls(pd.DataFrame({name: stamps}), times=True)

    @property
    def names(self) -> list[str]:
        return [str(name) for name in self.frame.columns]

    def texts(self) -> np.ndarray:
        """The cells as text (N, k), "" for a gap."""
        return self.frame.astype(str).where(self.frame.notna(), "").to_numpy(dtype=str)

    def npz_arrays(self) -> dict[str, np.ndarray]:
        """The keys as .npz arrays: a series' ``times`` (N,) and ``time_column``, or a table's ``ids`` (N, k) and
        ``id_columns`` (k,), the columns they come from."""
        names, cells = np.asarray(self.names, dtype=str), self.texts()  # (k,), (N, k)
        return {"times": cells[:, 0], "time_column": names[0]} if self.times else {"ids": cells, "id_columns": names}

    def beside(self, values: Any, prefix: str = "") -> Any:
        """``values`` (a DataFrame (N, m), an array (N, m) whose columns are named ``prefix`` 0, 1, ..., or an array
        (N,) named ``prefix``) after
        the keys' columns, as one DataFrame written as ``values`` would be (its header, delimiter)."""
        import pandas as pd

        if np.ndim(values) == 1:  # one value a row (N,): one column named ``prefix``
            values = pd.DataFrame({prefix: values})
        elif not hasattr(values, "columns"):
            values = pd.DataFrame(values, columns=[f"{prefix}{i}" for i in range(np.shape(values)[1])])
        joined = pd.concat([self.frame.reset_index(drop=True), values.reset_index(drop=True)], axis=1)
        joined.attrs = values.attrs
        return joined


def beside_row_keys(out: str, keys: RowKeys | None, values: Any, prefix: str = "") -> Any:
    """What to write to ``out``: ``values`` after the columns of ``keys`` (:meth:`RowKeys.beside`), if any, in a
    file that names its columns (CSV, Parquet); in an .npy (numbers without names) ``values`` alone."""
    if keys is None or not holds_row_keys(out):
        return values
    if not hasattr(values, "columns"):  # an array: checked as save_array checks one, its numbers no longer alone
        refuse_non_finite(values, out)
    return keys.beside(values, prefix)


def refuse_keys_named_as(keys: RowKeys | None, columns: Sequence[str], instead: str) -> None:
    """Refuse, before the work, :class:`RowKeys` (a table's --drop columns, a series' time column) that --out would
    hold beside the rows under the name of one of its own ``columns``: read back, the ID would pass for that column
    (pandas renames the second ``score.1``); ``instead`` says what other --out holds them apart."""
    clash = [] if keys is None else [name for name in keys.names if name in columns]
    if clash:
        named = "the series' time column" if keys.times else "the --drop column(s)"
        raise click.UsageError(f"{named} {', '.join(clash)} would be written beside the rows under the "
                               f"name(s) of --out's own columns ({', '.join(columns)}): rename it in the file, or "
                               f"{instead}")


def holds_row_keys(out: str) -> bool:
    """Whether the file ``out`` names its columns (CSV, Parquet) and so can hold :class:`RowKeys` beside the rows;
    an .npy holds numbers alone."""
    return array_format(out) != ".npy"


def finite_values(values: dict[str, Any], what: str) -> dict[str, Any]:
    """``values`` if every number in it is finite, else an error naming the others (JSON has no NaN)."""
    bad = [key for key, value in values.items() if isinstance(value, float) and not math.isfinite(value)]
    if bad:
        raise NonFiniteError(f"{what} are not finite ({', '.join(f'{k}={values[k]}' for k in bad)}): the model "
                             "outputs NaN or infinity; is it damaged or diverged?")
    return values


def echo_json(values: dict[str, Any]) -> None:
    click.echo(json.dumps(finite_values(values, "the results"), indent=2, allow_nan=False))
