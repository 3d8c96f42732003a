"""Matplotlib figures written to PNG files, drawn with matplotlib's object API (``Figure`` objects rendered by
the Agg canvas): safe without a display, and the caller's pyplot backend and figure list are never touched."""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

from ..checkpoint import atomic_write, refuse_existing, refuse_folder
from ..data.images import tile_images
from ..training.history import History

MAX_LEGEND_CLASSES = 20  # more distinct labels than this are coloured on a continuous scale


def _subplots(*grid: int, **options):
    """(figure, axes) like ``pyplot.subplots``, on a Figure that no pyplot state knows about."""
    figure = Figure(figsize=options.pop("figsize", None))
    return figure, figure.subplots(*grid, **options)


def _save(fig: Figure, path: str | Path, overwrite: bool) -> Path:
    """Write ``fig`` atomically, in the format its name says (PNG when it says none); a file already at ``path``
    is a FileExistsError unless ``overwrite``."""
    path = refuse_folder(path)
    refuse_existing([path], overwrite)
    fig.tight_layout()
    picture_format = path.suffix[1:].lower() or "png"  # the temporary file's name says none
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format=picture_format))
    return path


def _as_image(sample: np.ndarray) -> np.ndarray | None:
    """(C, H, W) -> something imshow takes, or None for non-image samples."""
    if sample.ndim != 3 or sample.shape[0] not in (1, 3):
        return None
    return sample[0] if sample.shape[0] == 1 else np.clip(sample.transpose(1, 2, 0), 0, 1)


def save_reconstructions(originals: np.ndarray, reconstructions: np.ndarray, path: str | Path, n: int = 10,
                         feature_names: list[str] | None = None, overwrite: bool = False) -> Path:
    """Inputs (top row) above their reconstructions (bottom row) for images; overlaid lines otherwise, along
    ``feature_names`` when given (flat rows)."""
    n = min(n, len(originals))
    if _as_image(originals[0]) is not None:
        fig, axes = _subplots(2, n, figsize=(1.2 * n, 2.6), squeeze=False)
        for i in range(n):
            for row, batch in enumerate((originals, reconstructions)):
                axes[row, i].imshow(_as_image(batch[i]), cmap="gray", vmin=0, vmax=1)
                axes[row, i].axis("off")
        axes[0, 0].set_title("input", fontsize=8, loc="left")
        axes[1, 0].set_title("reconstruction", fontsize=8, loc="left")
    else:
        rows = min(n, 4)
        fig, axes = _subplots(rows, 1, figsize=(8, 1.8 * rows), squeeze=False)
        for i in range(rows):
            # A (channels, length) window draws one line per channel, in its own colour; a flat row is one line.
            channels = zip(originals[i].reshape(-1, originals.shape[-1]),
                           reconstructions[i].reshape(-1, originals.shape[-1]), strict=True)
            for channel, (original, rebuilt) in enumerate(channels):
                style = {"color": f"C{channel % 10}", "lw": 1.2}
                axes[i, 0].plot(original, label="input" if channel == 0 else None, **style)
                axes[i, 0].plot(rebuilt, ls="--", label="reconstruction" if channel == 0 else None, **style)
        axes[0, 0].legend(fontsize=8)
        axes[-1, 0].set_xlabel("feature" if originals.ndim == 2 else "time step")
        _name_features(list(axes[:, 0]), feature_names)
    return _save(fig, path, overwrite)


def _name_features(axes: list, names: list[str] | None) -> None:
    """Tick every feature of panels stacked in ``axes`` by its name, written under the lowest panel."""
    if names is None:
        return
    for ax in axes:
        ax.set_xticks(range(len(names)), names if ax is axes[-1] else [])
    axes[-1].tick_params(axis="x", labelrotation=90, labelsize=7)


def save_loss_curves(history: History, path: str | Path, overwrite: bool = False) -> Path:
    """One panel per loss part, train and validation curves by epoch. The total ("loss") is left out when it
    is the only part's sum, so it would repeat that part's panel."""
    parts = list(history.train)
    if len(parts) == 2 and "loss" in parts:
        parts.remove("loss")
    fig, axes = _subplots(1, len(parts), figsize=(4 * len(parts), 3), squeeze=False)
    for ax, part in zip(axes[0], parts, strict=True):
        epochs = np.arange(1, len(history.train[part]) + 1)
        ax.plot(epochs, history.train[part], label="train")
        if part in history.val:
            ax.plot(epochs, history.val[part], label="validation")
        ax.set_title(part)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    return _save(fig, path, overwrite)


def save_image_grid(images: np.ndarray, path: str | Path, columns: int = 10, signed: bool = False,
                    feature_names: list[str] | None = None, overwrite: bool = False) -> Path:
    """Images (n, C, H, W) in rows of ``columns``, drawn as one mosaic; ``signed`` scales each to its own
    largest magnitude in red (positive) and blue (negative), for weights, else grey on [0, 1].
    Non-image samples are drawn as lines, one colour per sample: a flat row along its features, a (channels,
    length) window one line per channel along time; flat rows along ``feature_names`` when given."""
    if _as_image(images[0]) is None:
        fig, ax = _subplots(figsize=(8, 3))
        for index, sample in enumerate(images):
            for channel in sample.reshape(-1, images.shape[-1]):  # (length,) each, not channels end to end
                ax.plot(channel, lw=1, color=f"C{index % 10}")
        ax.set_xlabel("feature" if images.ndim == 2 else "time step")
        _name_features([ax], feature_names)
        return _save(fig, path, overwrite)
    columns = min(columns, len(images))
    if signed:
        tiles = images.mean(axis=1, keepdims=True)  # (n, 1, H, W)
        tiles = tiles / np.maximum(np.abs(tiles).max(axis=(1, 2, 3), keepdims=True), 1e-12)
        colours = {"cmap": colormaps.get_cmap("RdBu_r").with_extremes(bad="white"), "vmin": -1, "vmax": 1}
    else:  # gray as it is (imshow's vmin and vmax bound it), colour clipped to [0, 1] as imshow wants RGB
        tiles = images if images.shape[1] == 1 else np.clip(images, 0, 1)  # (n, C, H, W)
        colours = {"cmap": colormaps.get_cmap("gray").with_extremes(bad="white"), "vmin": 0, "vmax": 1}
    mosaic = tile_images(tiles.astype(np.float64), columns, margin=1, fill=np.nan)  # (C, H', W')
    mosaic = mosaic[0] if len(mosaic) == 1 else mosaic.transpose(1, 2, 0)  # NaN between tiles: drawn white
    scale = min(1.1, 11 / columns) / images.shape[-1]  # inches per pixel: up to 1.1 inch a tile, 11 inches a row
    fig, ax = _subplots(figsize=(max(2.0, scale * mosaic.shape[1]), max(1.0, scale * mosaic.shape[0])))
    ax.imshow(mosaic if mosaic.ndim == 2 else np.nan_to_num(mosaic, nan=1.0), interpolation="nearest", **colours)
    ax.axis("off")
    return _save(fig, path, overwrite)


def code_projection(codes: np.ndarray) -> tuple[np.ndarray, str]:
    """2-D coordinates (n, 2) of codes (n, code_size) and how they were made: the code itself up to 2-D,
    else its first two principal components."""
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), "code (1-D)"
    if codes.shape[1] == 2:
        return codes, "code"
    if len(codes) < 2:  # one row (a tiny table's test split): no principal components to find
        return codes[:, :2], "first two code dimensions"
    if not np.ptp(codes, axis=0).any():  # every row one code (a sparse code with every unit dead): no variance
        return codes[:, :2], "first two code dimensions (the codes do not vary)"
    pca = PCA(n_components=2, random_state=0).fit(codes)  # wide codes: randomised SVD, from its own generator
    share = 100 * pca.explained_variance_ratio_.sum()
    return pca.transform(codes), f"PCA of the {codes.shape[1]}-D code ({share:.0f}% of its variance)"


def save_code_map(codes: np.ndarray, labels: np.ndarray | None, path: str | Path, overwrite: bool = False) -> Path:
    """Scatter of the codes in 2-D, coloured by label when labels are given (numbers, or text such as an .npz's
    string labels, coloured in their sorted order)."""
    points, method = code_projection(codes)
    fig, ax = _subplots(figsize=(6, 5))
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=6, alpha=0.7)
    else:
        classes, index = np.unique(labels, return_inverse=True)  # (k,), (N,) each row's class
        if len(classes) <= MAX_LEGEND_CLASSES:
            colours = colormaps.get_cmap("tab10" if len(classes) <= 10 else "tab20")
            for k, label in enumerate(classes):
                name = f"{label:g}" if isinstance(label, numbers.Real) else str(label)
                ax.scatter(points[index == k, 0], points[index == k, 1], s=6, alpha=0.7, color=colours(k), label=name)
            ax.legend(fontsize=7, markerscale=2, title="label", title_fontsize=8, loc="best")
        else:
            numeric = np.asarray(labels).dtype.kind in "biuf"
            fig.colorbar(ax.scatter(points[:, 0], points[:, 1], s=6, alpha=0.7, c=labels if numeric else index), ax=ax,
                         label="label" if numeric else "label (in sorted order)")
    ax.set_title(method, fontsize=9)
    return _save(fig, path, overwrite)


def save_histogram(values: np.ndarray, path: str | Path, xlabel: str, threshold: float | None = None,
                   log: bool = False, overwrite: bool = False) -> Path:
    """Histogram of ``values``, with a vertical line at ``threshold`` when given."""
    fig, ax = _subplots(figsize=(6, 3))
    ax.hist(values.ravel(), bins=50, log=log)
    if threshold is not None:
        ax.axvline(threshold, color="crimson", ls="--", label=f"threshold {threshold:.4g}")
        ax.legend(fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    return _save(fig, path, overwrite)


def save_roc_pr_curves(is_positive: np.ndarray, scores: np.ndarray, path: str | Path, overwrite: bool = False) -> Path:
    """ROC and precision-recall curves of ``scores`` (higher = more likely positive) against 0/1 labels."""
    fpr, tpr, _ = roc_curve(is_positive, scores)
    precision, recall, _ = precision_recall_curve(is_positive, scores)
    fig, (roc, pr) = _subplots(1, 2, figsize=(9, 3.6))
    roc.plot(fpr, tpr, label=f"AUC {auc(fpr, tpr):.3f}")
    roc.plot([0, 1], [0, 1], color="grey", ls=":")
    roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    # Average precision, the figure the anomaly benchmarks report; a trapezoid under the PR points would
    # interpolate precision linearly, which no threshold achieves.
    pr.step(recall, precision, where="post", label=f"AP {average_precision_score(is_positive, scores):.3f}")
    pr.axhline(is_positive.mean(), color="grey", ls=":")
    pr.set(xlabel="recall", ylabel="precision", title="precision-recall")
    for ax in (roc, pr):
        ax.legend(fontsize=8)
    return _save(fig, path, overwrite)
