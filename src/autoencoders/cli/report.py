"""``ae report``: write the HTML report of a run directory."""

from __future__ import annotations

from pathlib import Path

import click

from ._data_options import run_data_options
from ._outputs import claim_files
from ._run_data import read_run_data
from ._run_model import load_run, model_inputs
from ._series import run_series_settings, windows_said


@click.command()
@click.argument("run", type=click.Path(exists=True, file_okay=False))
@run_data_options
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder for report.html and its PNGs (default: RUN itself, whose report is rewritten); a report "
                   "already in another folder is kept unless --overwrite is given.")
@click.option("--overwrite", is_flag=True, help="Replace the report (and its PNGs) in --out.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def report(run, data, data_dir, split, label_column, out, overwrite, quiet):
    """Write RUN/report.html (one self-contained file) and its PNGs: loss curves, reconstructions, a 2-D map
    of the codes, first-layer weights, and what the model offers besides (samples, code sparsity), pictured on
    --data; by default on the data the run was trained on (its recorded source, split and label column).
    """
    from ..report import REPORT_FILE, RunRecords, write_report
    from ..report.sections import FIGURES

    if out and Path(out).resolve() != Path(run).resolve():  # RUN's own report is the one `ae report` refreshes
        claim_files([Path(out) / name for name in (REPORT_FILE, *(f"{figure}.png" for figure in FIGURES))],
                    overwrite, "--out")
    records = RunRecords.read(run)
    checkpoint, scaler = load_run(run)
    dataset = read_run_data(checkpoint, data, data_dir, split, label_column)  # by default the data it trained on
    X = model_inputs(checkpoint, scaler, dataset)
    given = click.get_current_context().get_parameter_source("data") != click.core.ParameterSource.DEFAULT
    rows = f"the rows of --data {data}" if given else "all rows of the data the run was trained on, training rows too"
    if run_series_settings(checkpoint):  # its rows are windows cut from a series
        rows = rows.replace("rows", "windows") + windows_said(checkpoint)
    path = write_report(Path(out or run), checkpoint.model, X, dataset.y, scaler=scaler, records=records,
                        label_names=dataset.label_names, rows=rows, progress=False if quiet else None,
                        overwrite=True)  # RUN's own report, or --out's files claimed above
    click.echo(f"wrote {path}")


COMMANDS = [report]
