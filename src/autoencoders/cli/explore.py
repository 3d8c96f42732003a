"""Commands that work in code space: ``ae cluster`` and ``ae search``."""

from __future__ import annotations

import functools

import click
import numpy as np

from ..errors import DataError
from ._data_options import read_data, run_data_options
from ._outputs import (
    beside_row_keys,
    echo_json,
    holds_row_keys,
    output_options,
    refuse_keys_named_as,
    save_array,
)
from ._run_data import keep_run_table_options, read_run_data
from ._run_model import RUN, load_run, model_inputs
from ._series import read_run_windows, row_keys, run_series_settings


def _codes(run, data, data_dir, split, label_column, query: bool = False):
    """Codes (n, k) of --data (the run's own data when not given), or of the ``query`` file, under the model in RUN,
    and the data set (for its labels)."""
    from ..inference import encode

    checkpoint, scaler = load_run(run)
    if query:  # a query file is read as the run's file was, as --data is
        keep_run_table_options(checkpoint, data)
    read = read_data if query else functools.partial(read_run_data, checkpoint)
    if query and run_series_settings(checkpoint):  # a query series is cut into windows as the run's was
        read = functools.partial(read_run_windows, checkpoint)
    dataset = read(data, data_dir, split, label_column)
    return encode(checkpoint.model, model_inputs(checkpoint, scaler, dataset)), dataset


@click.command()
@RUN
@run_data_options
@click.option("--clusters", type=click.IntRange(1), default=10, show_default=True, help="Number of clusters (k).")
@click.option("--seed", type=int, default=0, show_default=True)
@output_options("Write each sample's cluster index to this file (.npy or .csv; a table's --drop columns, its IDs, "
                "first in a .csv or .parquet, with the index as cluster; of a series' windows, the time stamps of "
                "each window's first and last step, TIME_start and TIME_end).", required=False, arrays=True)
def cluster(run, data, data_dir, split, label_column, clusters, seed, out):
    """Group the samples of --data by k-means on their codes under the model in RUN. Prints the cluster sizes,
    and NMI / ARI against the labels when the data has them."""
    from ..applications import cluster_codes, clustering_scores

    codes, dataset = _codes(run, data, data_dir, split, label_column)
    keys = row_keys(dataset)  # a table run's rows by their IDs, a windows run's by their time stamps
    if out and holds_row_keys(out):
        refuse_keys_named_as(keys, ["cluster"], "write --out as .npy (the clusters alone)")
    assignment = cluster_codes(codes, clusters, seed)
    summary = {"n_samples": len(codes), "cluster_sizes": np.bincount(assignment, minlength=clusters).tolist()}
    if dataset.y is not None:
        summary.update(clustering_scores(dataset.y, assignment))
    if out:
        save_array(out, beside_row_keys(out, keys, assignment, prefix="cluster"))
    echo_json(summary)


@click.command()
@RUN
@run_data_options
@click.option("--query", required=True,
              help="The query samples: a data set name or path (same formats as --data), or row numbers of --data "
                   "such as 0,17.")
@click.option("-k", "--k", "k", type=click.IntRange(1), default=10, show_default=True, help="Neighbours per query.")
@click.option("--method", type=click.Choice(["auto", "exact", "hnsw"]), default="auto", show_default=True,
              help="Index: exact search, hnswlib's approximate graph (pip install hnswlib), or auto by size.")
def search(run, data, data_dir, split, label_column, query, k, method):
    """The k samples of --data whose codes are nearest to each query's code under the model in RUN: one JSON
    object per query with its row number (in --data, or in the --query file), the neighbours' row numbers in
    --data, distances, labels when known, and for a folder of pictures their files (query_file, files)."""
    from ..applications import CodeIndex

    rows = None
    if query.replace(",", "").replace(" ", "").isdigit():  # row numbers, checked before any work
        pieces = [piece.strip() for piece in query.split(",")]
        if not all(pieces):
            raise click.BadParameter(f"{query!r} has an empty row number; give rows such as 0,17", param_hint="--query")
        rows = [int(piece) for piece in pieces]
    codes, dataset = _codes(run, data, data_dir, split, label_column)
    if rows is not None:
        if max(rows) >= len(codes):
            raise DataError(f"query row {max(rows)} is out of range: --data has {len(codes)} samples")
        queries = codes[rows]
    else:
        queries, query_data = _codes(run, query, data_dir, split, None, query=True)  # a table's labels left out
    index = CodeIndex(codes, method)
    indices, distances = index.query(queries, k, items=None if rows is None else np.array(rows))
    results = []
    for number, (found, far) in enumerate(zip(indices, distances, strict=True)):
        result = {"query": number if rows is None else rows[number], "neighbours": found.tolist(),
                  "distances": np.round(far, 6).tolist()}
        if dataset.y is not None:
            result["labels"] = _named_labels(dataset, dataset.y[found])
        result |= _pictures_named(dataset if rows is not None else query_data, dataset, result["query"], found)
        results.append(result)
    echo_json({"method": index.method, "results": results})


def _pictures_named(queried, searched, query: int, found: np.ndarray) -> dict:
    """The files of a query and its neighbours where they are pictures of a folder (``query_file``, ``files``), by
    which a user finds them; nothing for other data, whose rows are named by their numbers alone."""
    named = {}
    if queried.files is not None:
        named["query_file"] = queried.files[query]
    if searched.files is not None:
        named["files"] = [searched.files[row] for row in found]
    return named


def _named_labels(dataset, codes: np.ndarray) -> list:
    """Labels as the data names them: a text label or a class folder by its name, a number (a digit) as itself."""
    names = dataset.label_names
    if not names or names == [str(code) for code in range(len(names))]:  # the digits' classes are their own names
        return codes.tolist()
    return [names[code] for code in codes]


COMMANDS = [cluster, search]
