"""Matplotlib figures written to PNG files (the non-interactive Agg backend, safe without a display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..training.engine import History  # noqa: E402


def _as_image(sample: np.ndarray) -> np.ndarray | None:
    """(C, H, W) -> something imshow takes, or None for non-image samples."""
    if sample.ndim != 3 or sample.shape[0] not in (1, 3):
        return None
    return sample[0] if sample.shape[0] == 1 else np.clip(sample.transpose(1, 2, 0), 0, 1)


def save_reconstructions(originals: np.ndarray, reconstructions: np.ndarray, path: str | Path, n: int = 10) -> Path:
    """Inputs (top row) above their reconstructions (bottom row) for images; overlaid lines otherwise."""
    n = min(n, len(originals))
    if _as_image(originals[0]) is not None:
        fig, axes = plt.subplots(2, n, figsize=(1.2 * n, 2.6), squeeze=False)
        for i in range(n):
            for row, batch in enumerate((originals, reconstructions)):
                axes[row, i].imshow(_as_image(batch[i]), cmap="gray", vmin=0, vmax=1)
                axes[row, i].axis("off")
        axes[0, 0].set_title("input", fontsize=8, loc="left")
        axes[1, 0].set_title("reconstruction", fontsize=8, loc="left")
    else:
        rows = min(n, 4)
        fig, axes = plt.subplots(rows, 1, figsize=(8, 1.8 * rows), squeeze=False)
        for i in range(rows):
            axes[i, 0].plot(originals[i].ravel(), label="input", lw=1.2)
            axes[i, 0].plot(reconstructions[i].ravel(), label="reconstruction", lw=1.2, ls="--")
        axes[0, 0].legend(fontsize=8)
        axes[-1, 0].set_xlabel("feature")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def save_loss_curves(history: History, path: str | Path) -> Path:
    """One panel per loss part, train and validation curves by epoch."""
    parts = list(history.train)
    fig, axes = plt.subplots(1, len(parts), figsize=(4 * len(parts), 3), squeeze=False)
    for ax, part in zip(axes[0], parts, strict=True):
        epochs = np.arange(1, len(history.train[part]) + 1)
        ax.plot(epochs, history.train[part], label="train")
        if part in history.val:
            ax.plot(epochs, history.val[part], label="validation")
        ax.set_title(part)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
