"""The data a trained run was given: where a run stores --data, and the run's data, split, label column and table
options in place of those a later command leaves out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from ..data import DATASETS, Dataset
from ._data_options import (
    TABLE_OPTIONS_FOR_RUN,
    TABLE_OPTIONS_OF_OWN_FILE,
    keep_stored_table_options,
    read_data,
)

if TYPE_CHECKING:
    from ..checkpoint import Checkpoint


def read_run_data(checkpoint: Checkpoint, data: str, data_dir: str | None, split: str,
                  label_column: str | None) -> Dataset:
    """--data when it is given, else the data the run was trained on (never the default digits for a run trained
    on other data), with its split and label column unless those are given; for a run trained on a series' windows
    (ae train --window), a series cut into windows as the run's was. A table read without --drop keeps the run's
    --drop columns that it holds aside as its rows' IDs (``Dataset.dropped``), its features still picked by the
    run's column names, which leave those columns out as before."""
    from ._series import read_run_windows, run_series_settings

    data, split, label_column = run_data_source(checkpoint, data, split, label_column)
    if run_series_settings(checkpoint):
        return read_run_windows(checkpoint, data, data_dir, split, label_column)
    ids = tuple((checkpoint.extra.get("data") or {}).get("drop") or ())  # the run's --drop columns
    return read_data(data, data_dir, split, label_column, keys=ids)


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


def refuse_edited_training_file(run_dir: str | Path, X_train, source: str, to_do: str) -> None:
    """A UsageError naming ``source`` when ``X_train`` (N, *shape), the rows ``ae train`` makes of the run's
    training file (:func:`~._training_rows.training_rows`) made again, are not those the run trained on (the digest
    its state keeps of them tells): the file was edited since, and what a command measures against it or resumes
    on would not be what the model saw. ``to_do``: what the user can do instead, for the command at hand. Rows
    streamed, and runs without such a digest, are taken as they are."""
    from ..training.run_folder import STATE_FILE, RunFolder

    if isinstance(X_train, np.ndarray) and RunFolder(run_dir).trained_on(X_train) is False:
        raise click.UsageError(f"{source} has changed since the run trained on it: its rows read now are not those "
                               f"the run recorded training on (a digest in {Path(run_dir) / STATE_FILE}); {to_do}")


def _is_default(context: click.Context, name: str) -> bool:
    return context.get_parameter_source(name) in (None, click.core.ParameterSource.DEFAULT)
