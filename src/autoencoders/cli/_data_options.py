"""--data and the table options: how every command that reads samples is given them and reads them, and how a
run's stored table options stand in for those not given."""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..data import Dataset, TableOptions, check_array, load_data
from ..errors import DataError


def _keep_table_option(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Table-reading options are not passed to each command: :func:`read_data` finds them in the context."""
    if value not in (None, ()):
        ctx.meta.setdefault("table_options", {})[param.name] = value


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _table_option(flag: str, help: str) -> Callable:
    return click.option(flag, default=None, expose_value=False, callback=_keep_table_option, help=help)


SPLITS = ("train", "test", "all")


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
        _table_option("--drop", "Comma-separated table columns to leave out (ID, timestamp, free-text columns); "
                                "ae detect, encode and reconstruct write them beside each row's output (of a "
                                "series, the time column among them)."),
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


@contextlib.contextmanager
def fitting_on(data: str) -> Iterator[None]:
    """An estimator fitted on the file ``data``: errors name the file (:func:`naming_the_file`), and the estimator's
    own warning of row-ID columns is left out, the command's (:func:`warn_of_row_ids`, in its options' words) said."""
    from ..data.table_files import RowIdWarning

    with naming_the_file(data), warnings.catch_warnings():
        warnings.simplefilter("ignore", RowIdWarning)
        yield


def warn_of_row_ids(dataset: Dataset, data: str) -> None:
    """Warn, for a command that fits a model, of a table's feature columns that look like row IDs (R's
    ``rownames``, a customer_id), which the model would learn as a feature, unless named with --columns."""
    from ..data.table_files import RowIdWarning, row_id_columns

    for name, why in (row_id_columns(dataset.X) if dataset.is_table else {}).items():
        if name not in table_options().columns:
            warnings.warn(f"{data}: column {name!r} {why}, like a row ID, which the model would learn as a feature; "
                          f"if it is one, leave it out with --drop {name}", RowIdWarning, stacklevel=2)


def read_data(data: str, data_dir: str | None, split: str, label_column: str | None, series: bool = False,
              keys: tuple[str, ...] = ()) -> Dataset:
    """The samples of --data: a table file as a DataFrame (read with :func:`table_options`, its columns ``keys``
    kept aside as the rows' IDs when there is no --drop: :attr:`TableOptions.keys`), anything else checked as a
    numeric array; for a time series (``series``) a 1-D array is its steps of one channel, (n_steps, 1)."""
    dataset = read_samples(data, data_dir, split, label_column, keys=keys)
    if not dataset.is_table:
        one_channel = series and np.ndim(dataset.X) == 1
        dataset.X = check_array(np.reshape(dataset.X, (-1, 1)) if one_channel else dataset.X, f"data from {data}")
    return dataset


def read_samples(data: str, data_dir: str | None, split: str, label_column: str | None,
                 keep_whole: bool = False, keys: tuple[str, ...] = ()) -> Dataset:
    """--data as :func:`load_data` reads it with :func:`table_options` (not checked: ``ae impute`` fills its NaN
    gaps), the table options given for a file that is no table warned of as ignored; ``keep_whole``: a table file's
    every column (and cell texts) kept too, in ``Dataset.whole``; ``keys``: :attr:`TableOptions.keys`."""
    options = dataclasses.replace(table_options(), keep_whole=keep_whole, keys=keys)
    dataset = load_data(data, split=split, data_dir=data_dir, label_column=label_column, table=options)
    dataset.source = str(data)
    ignored = [f"--{name.replace('_', '-')}" for name in ("delimiter", "columns", "drop", "missing_values")
               if getattr(options, name)] + {None: [], True: ["--header"], False: ["--no-header"]}[options.header]
    if not dataset.is_table and ignored:
        warnings.warn(f"{data} is not a table: {', '.join(ignored)} ignored", stacklevel=3)
    return dataset


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


@contextlib.contextmanager
def stored_table_options(stored: dict[str, Any]) -> Iterator[None]:
    """Within: a run's own file read with the table options its training read it with (``extra["data"]``) alone,
    not those the command was given for another file; the given ones hold again after."""
    meta = click.get_current_context().find_root().meta
    given = meta.pop("table_options", {})
    try:
        keep_stored_table_options(stored, TABLE_OPTIONS_ON_RESUME)
        yield
    finally:
        meta["table_options"] = given


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
