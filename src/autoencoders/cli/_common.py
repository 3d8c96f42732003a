"""Pieces every CLI command shares: data options, loading runs, turning library errors into clean exits."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import math
import numbers
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from ..data import DATASETS, Dataset, Scaler, TableOptions, TabularPreprocessor, check_array, load_data
from ..data.images import with_channels
from ..errors import AutoencodersError, DataError, NonFiniteError
from ._imports import misplaced_import

if TYPE_CHECKING:
    from ..checkpoint import Checkpoint

# Errors a user can cause and fix: the library's own (bad data, settings, checkpoints) and the operating
# system's (missing file, full disk). Shown as one "Error: ..." line with exit code 1; anything else is a bug and
# keeps its traceback.
USER_ERRORS = (AutoencodersError,)


class Group(click.Group):
    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        argv = list(args)  # kept as given, for commands that relaunch themselves (ae train --nproc)
        context = super().make_context(info_name, args, parent, **extra)
        context.meta["argv"] = argv
        return context

    def invoke(self, ctx: click.Context) -> Any:
        from ..training.ranks import warnings_shown_once

        shown, warnings.formatwarning = warnings.formatwarning, _plain_warning
        try:
            with warnings_shown_once():  # one of the processes of `ae train --nproc N`: rank 0 speaks for all
                return super().invoke(ctx)
        except click.NoSuchOption as error:
            if error.option_name != "--import":
                raise
            raise misplaced_import(ctx.invoked_subcommand) from None
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:  # e.g. disk full, unwritable output directory
            raise click.ClickException(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from error
        finally:
            warnings.formatwarning = shown


PACKAGE = Path(__file__).resolve().parents[1]
_format_warning = warnings.formatwarning


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    """The library's own warnings (an unseen category ...) as one "Warning: ..." line, like its errors; others as
    Python shows them (file, line and source)."""
    if Path(filename).resolve().is_relative_to(PACKAGE):
        return f"Warning: {message}\n"
    return _format_warning(message, category, filename, lineno, line)


def _keep_table_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Table-reading options are not passed to each command: :func:`read_data` finds them in the context."""
    if value not in (None, ()):
        ctx.meta.setdefault("table_options", {})[param.name] = value


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _table_option(flag: str, help: str) -> Callable:
    return click.option(flag, default=None, expose_value=False, callback=_keep_table_option, help=help)


SPLITS = ("train", "test", "all")
# A command's RUN argument: a run directory or a .safetensors model file.
RUN = click.argument("run", type=click.Path(exists=True))


def run_data_options(function):
    """:func:`data_options` for a command on a trained RUN: --data, --split and --label-column left out mean those the
    run was trained on (read with :func:`read_run_data`)."""
    return data_options(function, of_run=True)


def data_options(function, *, of_run: bool = False):
    """--data, --data-dir, --split and --label-column, for every command that reads samples, and the options that say
    how to read a table file (--delimiter, --columns, --drop, --categorical, --missing-values, --header)."""
    options = [
        click.option("--data", "data", default="digits",
                     show_default="the data RUN was trained on, else digits" if of_run else True,
                     help="A data set name (digits, mnist, fashion-mnist) or a path: .npy, .npz, .csv, .tsv, "
                          ".parquet, .arff, .mat, IDX file (MNIST format, .gz ok) or a folder of images "
                          "(sub-folders = labels)."),
        click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder with offline copies of standard data sets (else $AUTOENCODERS_DATA, "
                          "else the download cache)."),
        click.option("--split", type=click.Choice(SPLITS), default="train", show_default=True,
                     help="Split of a standard data set: train, test or all."),
        click.option("--label-column", default=None,
                     help="Table column (name or index) holding labels (numbers or text); left out of the features."),
        _table_option("--delimiter", "Table cell delimiter (default: tab for .tsv, else sniffed from , ; tab | and "
                                     "runs of spaces, as numpy.savetxt writes; ' ' means any run of spaces, "
                                     "'\\t' or tab a tab)."),
        _table_option("--columns", "Comma-separated table columns to use as features (default: all but --drop)."),
        _table_option("--drop", "Comma-separated table columns to leave out (ID, timestamp, free-text columns)."),
        _table_option("--categorical", "Comma-separated table columns to treat as categories (e.g. integer codes); "
                                       "text, category and boolean columns always are."),
        _table_option("--missing-values", "Comma-separated cell texts that mark a missing value in a text table "
                                          "(e.g. '?'), besides empty cells, NA, NaN and null; 'none' (or '') for "
                                          "no others, which also switches off a run's stored ones for another "
                                          "file given to the run."),
        click.option("--header/--no-header", default=None, expose_value=False, callback=_keep_table_option,
                     help="Whether a text table's first row names its columns (default: sniffed from its cells; "
                          "names that are numbers beside a text column, country,2019,2020, need --header)."),
    ]
    for decorate in reversed(options):
        function = decorate(function)
    return function


def table_options() -> TableOptions:
    """How to read a table: the --delimiter, --columns, --drop, --categorical, --missing-values and --header /
    --no-header given to the command."""
    context = click.get_current_context(silent=True)
    given = context.find_root().meta.get("table_options", {}) if context else {}
    return TableOptions(delimiter=given.get("delimiter"), columns=_names(given.get("columns") or ""),
                        drop=_names(given.get("drop") or ""), categorical=_names(given.get("categorical") or ""),
                        missing_values=_missing_values(given.get("missing_values")), header=given.get("header"))


NO_MISSING_VALUES = "none"  # --missing-values none: no gap texts besides pandas' own, not the run's stored ones


def _missing_values(text: str | None) -> tuple[str, ...]:
    """The gap texts of a --missing-values value: none for 'none' (a word, as a shell passes an empty value
    awkwardly) or ''."""
    return () if (text or "").strip().lower() == NO_MISSING_VALUES else _names(text or "")


@contextlib.contextmanager
def naming_the_file(data: str) -> Iterator[None]:
    """Data errors raised inside start with the file ``data`` (a table's preprocessing, fitted on a DataFrame, names
    the column but not the file it came from); an error that names the file already is left as it is."""
    try:
        yield
    except DataError as error:
        if not any(name in str(error) for name in (str(data), str(Path(data).expanduser()))):
            error.args = (f"{data}: {error}", *error.args[1:])
        raise


def warn_of_row_ids(dataset: Dataset, data: str) -> None:
    """Warn, for a command that fits a model, of a table's feature columns that look like row IDs (R's
    ``rownames``, a customer_id), which the model would learn as a feature, unless named with --columns."""
    from ..data.table_files import row_id_columns

    for name, why in (row_id_columns(dataset.X) if dataset.is_table else {}).items():
        if name not in table_options().columns:
            warnings.warn(f"{data}: column {name!r} {why}, like a row ID, which the model would learn as a feature; "
                          f"if it is one, leave it out with --drop {name}", stacklevel=2)


def read_data(data: str, data_dir: str | None, split: str, label_column: str | None, series: bool = False) -> Dataset:
    """The samples of --data: a table file as a DataFrame (read with :func:`table_options`), anything else checked
    as a numeric array; for a time series (``series``) a 1-D array is its steps of one channel, (n_steps, 1)."""
    dataset = read_samples(data, data_dir, split, label_column)
    if not dataset.is_table:
        one_channel = series and np.ndim(dataset.X) == 1
        dataset.X = check_array(np.reshape(dataset.X, (-1, 1)) if one_channel else dataset.X, f"data from {data}")
    return dataset


def read_samples(data: str, data_dir: str | None, split: str, label_column: str | None,
                 keep_whole: bool = False) -> Dataset:
    """--data as :func:`load_data` reads it with :func:`table_options` (not checked: ``ae impute`` fills its NaN
    gaps), the table options given for a file that is no table warned of as ignored; ``keep_whole``: a table file's
    every column (and cell texts) kept too, in ``Dataset.whole``."""
    options = dataclasses.replace(table_options(), keep_whole=keep_whole)
    dataset = load_data(data, split=split, data_dir=data_dir, label_column=label_column, table=options)
    dataset.source = str(data)
    ignored = [f"--{name.replace('_', '-')}" for name in ("delimiter", "columns", "drop", "missing_values")
               if getattr(options, name)] + {None: [], True: ["--header"], False: ["--no-header"]}[options.header]
    if not dataset.is_table and ignored:
        warnings.warn(f"{data} is not a table: {', '.join(ignored)} ignored", stacklevel=3)
    return dataset


def read_run_data(checkpoint: Checkpoint, data: str, data_dir: str | None, split: str,
                  label_column: str | None) -> Dataset:
    """--data when it is given, else the data the run was trained on (never the default digits for a run trained
    on other data), with its split and label column unless those are given; for a run trained on a series' windows
    (ae train --window), a series cut into windows as the run's was."""
    from ._series import read_run_windows, run_series_settings

    data, split, label_column = run_data_source(checkpoint, data, split, label_column)
    if run_series_settings(checkpoint):
        return read_run_windows(checkpoint, data, data_dir, split, label_column)
    return read_data(data, data_dir, split, label_column)


def run_data_source(checkpoint: Checkpoint, data: str, split: str, label_column: str | None) -> tuple:
    """(--data, --split, --label-column) with those left at their defaults replaced by the run's recorded ones."""
    stored = checkpoint.extra.get("data") or {}
    context = click.get_current_context()
    if _is_default(context, "data") and stored.get("streamed"):  # not read whole; never the digits in its place
        raise click.UsageError(f"the run was trained on rows streamed from {stored.get('source')}, which this "
                               "command would read whole: give --data (that file, or some of its rows)")
    if _is_default(context, "data") and stored.get("source"):
        data = stored["source"]
        if missing_data_file(data):
            raise click.UsageError(f"the run was trained on {data}, which is no longer there (moved or deleted?): "
                                   "give --data")
        split = stored.get("split", split) if _is_default(context, "split") else split
        label_column = stored.get("label_column") if _is_default(context, "label_column") else label_column
    keep_run_table_options(checkpoint, data)
    return data, split, label_column


def stored_data_path(data: str | None) -> str | None:
    """--data (or --test-data) as a run stores it: a file's absolute path, so that the run's later commands and
    --resume find it from any folder and after the run folder moves (symbolic links kept as named: one re-pointed
    to a newer file is read as such); a data set's name as it is."""
    if data is None or str(data) in DATASETS:  # a name wins over a folder of that name, as load_data reads it
        return data
    path = Path(str(data)).expanduser()
    return os.path.abspath(path) if path.exists() else str(data)


def missing_data_file(data: str) -> bool:
    """Whether ``data``, a run's stored --data, names a file that is no longer there (not a data set's name)."""
    return str(data) not in DATASETS and not Path(str(data)).expanduser().exists()


def keep_run_table_options(checkpoint: Checkpoint, data: str) -> None:
    """For a text table ``data`` (the run's own file or another), the run's --missing-values and --header in place
    of those not given to the command: a file given to a run is read as its training file was, as a header-less
    training file usually means header-less files later, and "?" gaps in one mean "?" gaps in the next; the run's
    own file also with its --delimiter (one the sniffer cannot find, such as ':', was given for it). Other files
    (arrays, Parquet, ARFF) have no such options."""
    from ..data.table_files import TABLE_SUFFIXES
    from ..data.text_tables import uncompressed_name

    stored = checkpoint.extra.get("data") or {}
    own_file = stored.get("source") is not None and stored_data_path(data) == stored["source"]
    if uncompressed_name(Path(data)).endswith(TABLE_SUFFIXES):
        keep_stored_table_options(stored, TABLE_OPTIONS_OF_OWN_FILE if own_file else TABLE_OPTIONS_FOR_RUN)


# The table options a run stores (extra["data"]) and gives, when not given, to every command that reads a text
# table for it (as its training file was read), and the others a resumed run takes too (its own file read again).
TABLE_OPTIONS_FOR_RUN = ("missing_values", "header")
TABLE_OPTIONS_OF_OWN_FILE = (*TABLE_OPTIONS_FOR_RUN, "delimiter")  # the run's own file read by its later commands
TABLE_OPTIONS_ON_RESUME = (*TABLE_OPTIONS_OF_OWN_FILE, "columns", "drop", "categorical")
_HEADER_FLAGS = {True: "--header", False: "--no-header", None: "header sniffed from the file"}


def keep_stored_table_options(stored: dict[str, Any], names: Sequence[str], resumed: bool = False) -> None:
    """The options ``names`` that say how the run's table was read (one of the tuples above) as the run stored them
    (``extra["data"]``), in place of those not given to the command; for a ``resumed`` run (its own file read again)
    one given with another value is refused. A run from before an option was stored keeps what is given."""
    given = click.get_current_context().find_root().meta.setdefault("table_options", {})
    for name in names:
        if name not in stored:
            continue
        kept = _table_value(name, stored[name])
        if name not in given:
            if kept not in (None, ()):
                given[name] = ",".join(kept) if isinstance(kept, tuple) else kept
        elif resumed and _table_value(name, given[name]) != kept:
            raise click.ClickException(f"{_table_flag(name, given[name])} disagrees with the run's stored "
                                       f"{_table_flag(name, stored[name], stored=True)}; leave it out to resume with "
                                       "the stored setting")


def _table_value(name: str, value: Any) -> Any:
    """A table option as given (text) or as stored (a list), in one form to compare: names as a tuple."""
    if name == "header":
        return value
    if name == "delimiter":  # a tab as the reader takes it: typed '\\t' or 'tab'
        return {"\\t": "\t", "tab": "\t"}.get(value, value) or None
    if isinstance(value, str):
        return _missing_values(value) if name == "missing_values" else _names(value)
    return tuple(value or ())


def _table_flag(name: str, value: Any, stored: bool = False) -> str:
    """A table option's value in the words of the command line (the run's stored one without its flag)."""
    if name == "header":
        return _HEADER_FLAGS[value]
    text = ",".join(value) if isinstance(value, list | tuple) else value
    if not stored:
        return f"--{name.replace('_', '-')} {text}"
    return text or ("delimiter sniffed from the file" if name == "delimiter" else "(none)")


def _is_default(context: click.Context, name: str) -> bool:
    return context.get_parameter_source(name) in (None, click.core.ParameterSource.DEFAULT)


def load_run(run: str) -> tuple[Checkpoint, Scaler]:
    """The model of a run directory (or model file) and the input scaler it was trained with (a table's own
    preprocessing is :func:`run_table`; its scaler is the identity on the table's matrix)."""
    from ..checkpoint import load_checkpoint  # torch: only when a command runs

    checkpoint = load_checkpoint(run)
    scaler_values = checkpoint.extra.get("scaler")
    if scaler_values is None:
        shape = checkpoint.model.input_shape
        scaler = Scaler("none", np.zeros(shape, np.float32), np.ones(shape, np.float32))
    else:
        scaler = Scaler.from_dict(scaler_values)
    return checkpoint, scaler


def run_table(checkpoint: Checkpoint) -> TabularPreprocessor | None:
    """The tabular preprocessing a run was trained with, or None for arrays and images."""
    values = checkpoint.extra.get("tabular")
    return None if values is None else TabularPreprocessor.from_dict(values)


def model_outputs(checkpoint: Checkpoint, scaler: Scaler, outputs: np.ndarray) -> Any:
    """Model-unit ``outputs`` (reconstructions, samples) in the data's original units: unscaled, and for a table a
    DataFrame with its columns and categories (the inverse of :func:`model_inputs`), written without a header line
    when the run read its file with --no-header (another file given to the run is read so: the line would be a row)."""
    values = scaler.inverse_transform(outputs)
    table = run_table(checkpoint)
    if table is None:
        return values
    frame = table.inverse_transform(values)
    frame.attrs["header"] = (checkpoint.extra.get("data") or {}).get("header") is not False  # save_frame reads it
    return frame


def model_inputs(checkpoint: Checkpoint, scaler: Scaler, data: Dataset | Any) -> np.ndarray:
    """The samples of ``data`` (a :class:`Dataset`, or its ``X``) reshaped to the model's input shape and scaled as in
    training (a table through its preprocessing, whose errors name the dataset's file; images with the model's
    channels, 1 or 3, as a folder of mixed images is read for training)."""
    X, source = (data.X, data.source) if isinstance(data, Dataset) else (data, None)
    table = run_table(checkpoint)
    if table is not None:
        with naming_the_file(source) if source else contextlib.nullcontext():
            X = _table_inputs(table, X)
    shape = tuple(checkpoint.model.input_shape)
    if np.ndim(X) == 4 and len(shape) == 3 and {X.shape[1], shape[0]} == {1, 3} and X.shape[2:] == shape[1:]:
        X = with_channels(X, shape[0])  # gray images for a model of colour ones, or colour for gray: as in training
    X = check_array(X, sample_shape=shape)
    return scaler.transform(X)


# What to pass when a table lacks the trained columns because of how its first row was read (given or the run's)
_FIRST_ROW_HINTS = {False: "; its first row was read as data: give --header if it names the columns",
                    True: "; its first row was read as the column names (--header): give --no-header if it holds data"}


def _table_inputs(table: TabularPreprocessor, X: Any) -> np.ndarray:
    """A table's rows through the run's preprocessing, its columns picked by name as in training."""
    options = table_options()
    fitted = table.feature_names_in
    if hasattr(X, "columns") and not options.columns and not options.drop:  # picked by name, as in training
        names = [str(name) for name in X.columns]  # a file that also holds IDs or labels: those are left out
        missing = [name for name in fitted if name not in names]
        if missing:  # not the file's other columns, which picking by name leaves out anyway
            header = X.attrs.get("header")  # how a text table's first row was read: a sniffed header is named
            hint = "" if header is None or header and not options.header else _FIRST_ROW_HINTS[header]
            raise DataError(f"the table has no column(s) {missing}; the model was trained on the columns "
                            f"{', '.join(fitted)}{hint}")
        X = X.set_axis(names, axis=1)[fitted]
    elif np.asarray(X).dtype.kind in "biuf":  # an array of numbers (.npy): no cell of it is a text category
        for column in table.columns:
            texts = [str(c) for c in column.categories if isinstance(c, str)]
            if column.kind == "categorical" and texts:
                raise DataError(f"the run was trained on a table whose column {column.name!r} has categories that "
                                f"are text ({', '.join(texts[:5])}{' ...' if len(texts) > 5 else ''}), which an "
                                "array of numbers cannot hold: give a table file (.csv, .parquet) with the columns "
                                f"{', '.join(fitted)}")
    return table.transform(X)


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

        checked = click.option("--overwrite", is_flag=True,
                               help="Replace --out (and --image) if the file exists.")(checked)
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
FORMATS = (".npy", ".csv", *(f".csv{suffix}" for suffix in COMPRESSIONS), ".parquet", ".pq")


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


def run_text_columns(checkpoint: Checkpoint) -> list[str]:
    """The columns of a table run that come back as text (categories that are not numbers)."""
    table = run_table(checkpoint)
    return [] if table is None else [column.name for column in table.columns if column.kind == "categorical" and not
                                     all(isinstance(value, numbers.Real) for value in column.categories)]


def save_array(path: str, array: Any) -> None:
    """Write ``array`` as .npy or .csv (by suffix; .csv.gz and .parquet through pandas); a DataFrame as .csv (.gz ok)
    with its header, .parquet, or .npy when all-numeric. Atomically: a reader (or an interrupted run) sees the old
    file or the new one, never half of one."""
    from ..checkpoint import atomic_write

    target, ending = Path(path), array_format(path)
    if hasattr(array, "to_csv"):
        atomic_write(target, lambda tmp: save_frame(target, array, tmp))
        return
    bad = int(np.size(array) - np.isfinite(array).sum())
    if bad:
        raise NonFiniteError(f"the model produced {bad} non-finite value(s) (NaN or infinity) of {np.size(array)}; "
                             f"nothing was written to {path}. Is the model damaged or diverged?")
    if ending == ".csv":
        atomic_write(target, lambda tmp: np.savetxt(tmp, array.reshape(len(array), -1), delimiter=",", fmt="%.7g"))
    elif ending == ".npy":
        atomic_write(target, lambda tmp: save_numpy(tmp, np.save, array))
    else:  # a compressed CSV (no header, as a plain one) or Parquet of the rows (columns named 0, 1, ...)
        import pandas as pd

        flat = array.reshape(len(array), -1)
        frame = pd.DataFrame(flat, columns=[str(column) for column in range(flat.shape[1])])
        atomic_write(target, lambda tmp: save_frame(target, frame, tmp, header=False))


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
        dialect = frame.attrs.get("dialect", {})  # a table read from a CSV is written back in its delimiter
        frame.to_csv(tmp, index=False, header=header and frame.attrs.get("header", True),
                     compression=COMPRESSIONS.get(target.suffix.lower()), **dialect)


def finite_values(values: dict[str, Any], what: str) -> dict[str, Any]:
    """``values`` if every number in it is finite, else an error naming the others (JSON has no NaN)."""
    bad = [key for key, value in values.items() if isinstance(value, float) and not math.isfinite(value)]
    if bad:
        raise NonFiniteError(f"{what} are not finite ({', '.join(f'{k}={values[k]}' for k in bad)}): the model "
                             "outputs NaN or infinity; is it damaged or diverged?")
    return values


def echo_json(values: dict[str, Any]) -> None:
    click.echo(json.dumps(finite_values(values, "the results"), indent=2, allow_nan=False))
