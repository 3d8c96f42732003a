"""What a report shows. Each section function takes a :class:`ReportInputs` and returns a
:class:`~.html.Section`, or None when the model, data or run lacks what the section needs (a capability,
never a model name): samples for objectives that can sample, the likelihood for those with a prior and a
likelihood, activations for sparse codes, codebook use for discrete codes (the objective's capability flags)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..applications.generation import interpolate
from ..data import Scaler
from ..data.datasets import IDX_DATASETS
from ..data.tabular import TabularPreprocessor
from ..inference import encode, reconstruct, reconstruction_error
from ..likelihood_defaults import IMPORTANCE_SAMPLES, LIKELIHOOD_ROWS
from ..metrics import codebook_usage, has_density, likelihood_left_out, likelihood_metrics
from ..models._base import Autoencoder
from ..training.history import History
from ..training.run_folder import CONFIG_FILE, METRICS_FILE, RunFolder
from .figures import (
    save_code_map,
    save_histogram,
    save_image_grid,
    save_loss_curves,
    save_reconstructions,
    save_roc_pr_curves,
)
from .html import Section

MAX_WEIGHT_IMAGES = 64
N_SAMPLES = 20
INTERPOLATION_STEPS = 10
TABLE_UNITS = ("as the model sees the table (model units): numeric columns scaled, categories one-hot, a 0/1 "
               "indicator beside each column with gaps")
DEAD_UNIT_LEVEL = 1e-6  # a code unit whose |activation| never exceeds this on the examples is dead


@dataclass
class RunRecords:
    """The JSON files ``ae train`` writes beside the model; empty where a file is missing."""

    history: History | None = None
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, run_dir: str | Path) -> RunRecords:
        folder = RunFolder(run_dir)
        return cls(folder.read_history(), folder.read_json(CONFIG_FILE), folder.read_json(METRICS_FILE))


# Every picture a report may write (as NAME.png beside report.html): `ae report --out` refuses to replace them.
FIGURES = ("loss_curves", "reconstructions", "weights", "codes", "samples", "interpolation", "activations",
           "scores", "roc_pr")


@dataclass
class ReportInputs:
    """A trained model, example rows ``X`` in the model's (scaled) units with optional labels ``y``, the
    scaler that maps them back to the data's units, the run's records, and optionally anomaly scores of the rows
    (higher = more abnormal) with the threshold above which a row is flagged."""

    out_dir: Path
    model: Autoencoder
    X: np.ndarray
    y: np.ndarray | None
    scaler: Scaler
    records: RunRecords
    anomaly_scores: np.ndarray | None = None
    threshold: float | None = None
    label_names: tuple[str, ...] = ()  # names of the label codes 0..k-1 (a table's text labels, class folders)
    rows: str = ""  # which rows X are, e.g. "the test rows, held out from training"

    @cached_property
    def table(self) -> TabularPreprocessor | None:
        """A table run's preprocessing (its rows X are the encoded table), else None."""
        values = self.records.config.get("extra", {}).get("tabular")
        return None if values is None else TabularPreprocessor.from_dict(values)

    @property
    def feature_names(self) -> list[str] | None:
        """A table run's encoded columns (``age``, ``city=Oslo``, ``age_missing`` ...), else None."""
        return None if self.table is None else self.table.feature_names_out()

    @cached_property
    def originals(self) -> np.ndarray:
        return self.scaler.inverse_transform(self.X)

    @cached_property
    def codes(self) -> np.ndarray:
        return encode(self.model, self.X)

    @property
    def is_image(self) -> bool:
        return len(self.model.input_shape) == 3 and self.model.input_shape[0] in (1, 3)

    def png(self, name: str) -> Path:
        if name not in FIGURES:
            raise ValueError(f"{name!r} is not in FIGURES")  # the list `ae report` checks before replacing files
        return self.out_dir / f"{name}.png"  # claimed by write_report before any is drawn


def summary(run: ReportInputs) -> Section:
    metrics, config = run.records.metrics, run.records.config
    extra = config.get("extra", {})
    source = extra.get("data", {}).get("source", metrics.get("data"))
    data = {
        "source": source,
        # a file's or the digits' recorded 'train' is only the option's default: they have no splits
        "split": extra.get("data", {}).get("split") if source in (None, *IDX_DATASETS) else "none (no splits)",
        "sample shape": list(run.model.input_shape),
        "training rows": config.get("data", {}).get("train_shape", [None])[0],
        "validation rows": (config.get("data", {}).get("val_shape") or [0])[0],
        "test rows": metrics.get("n_test"),
        "input scaling": run.scaler.kind,
        "rows pictured": f"{len(run.X)}" + (f" ({run.rows})" if run.rows else ""),
        "labels": "none" if run.y is None else f"{len(np.unique(run.y))} distinct",
    }
    cut = extra.get("data", {})
    if cut.get("window"):  # a run trained with --window: its rows are windows of one series
        data = {key.replace("rows", "windows"): value for key, value in data.items()}
        channels = (f"channel(s) {', '.join(cut['channels'])}" if cut.get("channels") else
                    f"{run.model.input_shape[0]} channel(s)")  # an array's have no names
        data["windows cut"] = (f"{cut['window']} steps, {cut['stride']} apart, from the series' {channels}"
                               + (f" (time column {cut['time_column']})" if cut.get("time_column") else ""))
    columns = extra.get("tabular", {}).get("columns", [])
    if columns:  # a table: its column types (the test metrics give numeric RMSE and categorical accuracy)
        kinds = [c["kind"] for c in columns]
        data["table columns"] = (f"{kinds.count('numeric')} numeric ({sum(c['indicator'] for c in columns)} with "
                                 f"gaps), {kinds.count('categorical')} categorical")
    history = run.records.history
    timings = {"training seconds": metrics.get("train_seconds")}
    if history is not None:
        timings |= {"epochs run": history.epochs_run, "best epoch": metrics.get("best_epoch"),
                    "stopped early": history.stopped_early,
                    "seconds per epoch": float(np.mean(history.epoch_seconds)) if history.epoch_seconds else None}
    tables = {"test metrics (model units)": metrics.get("test") or {}, "data": data, "timings": timings}
    return Section("Summary", tables={caption: rows for caption, rows in tables.items() if rows})


def training_curves(run: ReportInputs) -> Section | None:
    history = run.records.history
    if history is None or not history.train:
        return None
    parts = ", ".join(part for part in history.train if part != "loss")
    return Section("Training", notes=[f"Mean loss per epoch on the training and validation rows; the total "
                                      f"(loss) and its parts: {parts}."],
                   figures=[save_loss_curves(history, run.png("loss_curves"), overwrite=True)])


def reconstructions(run: ReportInputs) -> Section:
    shown = run.originals[:10]
    rebuilt = run.scaler.inverse_transform(reconstruct(run.model, run.X[:10]))
    note = "The first examples, in the data's own units." if run.table is None else (
        f"The first examples {TABLE_UNITS}.")
    return Section("Inputs and reconstructions", notes=[note], figures=[
        save_reconstructions(shown, rebuilt, run.png("reconstructions"), feature_names=run.feature_names,
                             overwrite=True)])


def first_layer_weights(run: ReportInputs) -> Section | None:
    """The first weight matrix or convolution kernel bank, drawn as images when it reads the pixels."""
    if not run.is_image:
        return None
    weight = next((p.detach().cpu().numpy() for name, p in run.model.named_parameters()
                   if name.endswith("weight") and p.ndim >= 2), None)
    if weight is None:
        return None
    if weight.ndim == 2 and weight.shape[1] == math.prod(run.model.input_shape):  # a linear layer on the pixels
        images = weight.reshape(len(weight), *run.model.input_shape)
    elif weight.ndim == 4 and weight.shape[1] == run.model.input_shape[0]:  # a convolution over the image
        images = weight
    else:
        return None
    return Section("First-layer weights",
                   notes=[f"{min(len(images), MAX_WEIGHT_IMAGES)} of {len(images)} units, each on its own "
                          "symmetric colour scale (red positive, blue negative)."],
                   figures=[save_image_grid(images[:MAX_WEIGHT_IMAGES], run.png("weights"), columns=16, signed=True,
                                            overwrite=True)])


def code_map(run: ReportInputs) -> Section:
    note = "Coloured by label." if run.y is not None else "No labels known, so one colour."
    labels = run.y if run.y is None or not run.label_names else np.asarray(run.label_names)[run.y.astype(int)]
    return Section("Codes in 2-D", notes=[note],
                   figures=[save_code_map(run.codes, labels, run.png("codes"), overwrite=True)])


def generated_samples(run: ReportInputs) -> Section | None:
    """Draws from the prior and an interpolation, for models whose objective can sample."""
    model = run.model
    if not model.objective.can_sample:
        return None
    with torch.no_grad():
        drawn = model.sample(N_SAMPLES, generator=torch.Generator().manual_seed(0)).cpu().numpy()
    section = Section("Generated samples", notes=["Random draws from the prior, decoded" + (
        "." if run.table is None else f", {TABLE_UNITS}.")], figures=[save_image_grid(
            run.scaler.inverse_transform(drawn), run.png("samples"), feature_names=run.feature_names, overwrite=True)])
    if len(run.X) >= 2:
        strip = interpolate(model, run.X[0], run.X[_most_different_row(run)], INTERPOLATION_STEPS)
        section.notes.append("The decoded straight line between the codes of two examples.")
        section.figures.append(save_image_grid(run.scaler.inverse_transform(strip), run.png("interpolation"),
                                               columns=INTERPOLATION_STEPS, feature_names=run.feature_names,
                                               overwrite=True))
    return section


def likelihood(run: ReportInputs) -> Section | None:
    """The test NLL and ELBO of a model with a likelihood and a prior, on at most LIKELIHOOD_ROWS of the rows shown
    (the report's work bounded)."""
    model = run.model
    left_out = likelihood_left_out(model, run.X)
    if left_out:  # a VAE's reader looks for it here: say why it is missing
        return Section("Likelihood", notes=[f"Not measured: {left_out}."])
    if not has_density(model):
        return None
    values = likelihood_metrics(model, run.X, IMPORTANCE_SAMPLES, LIKELIHOOD_ROWS)
    n_rows = values["likelihood_rows"]
    measured = f"all {n_rows} rows shown" if n_rows == len(run.X) else \
        f"{n_rows} of the {len(run.X)} rows shown (a random choice seeded 0)"
    return Section("Likelihood", notes=[
        f"The importance-weighted negative log-likelihood (Burda et al., 2016) with {IMPORTANCE_SAMPLES} importance "
        f"samples per row, and the one-sample ELBO, in nats per sample, on {measured}"
        + (f" ({run.rows})" if run.rows else "") + ". Both are seeded: the same figures every time; `ae evaluate "
        "RUN --data ... --importance-samples K` gives them on other rows or with more samples.",
        f"The summary's test loss is {values['loss_is']}."],
        tables={"likelihood (nats per sample)": {"negative log-likelihood": values["nll_nats"],
                                                  "ELBO": values["elbo_nats"], "importance samples": IMPORTANCE_SAMPLES,
                                                  "rows": n_rows}})


def _most_different_row(run: ReportInputs) -> int:
    """Row to interpolate to from row 0: the first with another label, else the last."""
    if run.y is not None:
        other = np.flatnonzero(run.y != run.y[0])
        if len(other):
            return int(other[0])
    return len(run.X) - 1


def code_activations(run: ReportInputs) -> Section | None:
    if not run.model.objective.sparse_codes:
        return None
    activity = np.abs(run.codes)  # (n, code_size)
    dead = int(np.sum(activity.max(axis=0) <= DEAD_UNIT_LEVEL))
    active_share = float(np.mean(activity > DEAD_UNIT_LEVEL))
    table = {"code units": activity.shape[1], "dead units (never active on these examples)": dead,
             "share of activations above zero": active_share}
    return Section("Code activations", tables={"sparsity": table},
                   figures=[save_histogram(run.codes, run.png("activations"), "code activation", log=True,
                                           overwrite=True)])


def codebook(run: ReportInputs) -> Section | None:
    """How the entries of a discrete-code model's codebook are used on these examples."""
    if not run.model.objective.discrete_codes:
        return None
    usage = codebook_usage(run.model, run.X)
    table = {"codebook entries": run.model.config.objective.codebook_size,
             "perplexity (entries in effective use)": usage["perplexity"],
             "share of entries unused on these examples": usage["dead_share"],
             "bits per example (uncoded indices)": usage["bits_per_sample"]}
    return Section("Codebook", tables={"usage": table})


def scores(run: ReportInputs) -> Section:
    """The given anomaly scores with their threshold, else the reconstruction error per example; ROC and
    precision-recall curves when the labels are 0/1."""
    if run.anomaly_scores is not None:
        values, title, label = run.anomaly_scores, "Anomaly scores", "anomaly score (higher = more abnormal)"
    else:
        values, title = reconstruction_error(run.model, run.X), "Reconstruction error per example"
        label = "reconstruction loss"
    figures, notes = [save_histogram(values, run.png("scores"), label, run.threshold, overwrite=True)], []
    if run.y is not None and set(np.unique(run.y)) == {0, 1}:
        figures.append(save_roc_pr_curves(run.y == 1, values, run.png("roc_pr"), overwrite=True))
        positive = f"label 1 ({run.label_names[1]})" if run.label_names else "label 1"
        notes.append(f"The labels are 0 and 1, so the curves score how well this ranks the rows of {positive} above "
                     "the others, as anomalies; they mean nothing if the labels are two ordinary classes.")
    return Section(title, notes=notes, figures=figures)


def configuration(run: ReportInputs) -> Section | None:
    config = run.records.config
    if not config:
        return None
    model = {f"{key}.{k}" if isinstance(value, dict) else key: v
             for key, value in config.get("model_config", {}).items()
             for k, v in (value.items() if isinstance(value, dict) else [(key, value)])}  # backbone.*, objective.*
    return Section("Configuration", notes=[f"Model: {config.get('model', run.model.name)}."],
                   tables={"model": model, "training": config.get("train_config", {})})


SECTIONS = [summary, training_curves, reconstructions, code_map, first_layer_weights, generated_samples,
            likelihood, code_activations, codebook, scores, configuration]
