"""Why the `sequence` autoencoder loses to PCA of the same code size on held-out NAB windows: bounded experiments.

Each variant trains the sequence autoencoder on the training stretch of a series (the split, windows and scaling
of ``families_vae_sequence.py --part sequence``) and reports, beside PCA's figures on the same windows:
the training-stretch MSE (does it fit what it saw?), the held-out MSE, the held-out MSE over the steps whose values
lie inside the training range (is the loss extrapolation?), and the training loss curve (still falling?).

    cd benchmarks && OMP_NUM_THREADS=1 ../.venv/bin/python sequence_vs_pca.py [--series ec2 rds] \\
        [--variants default "40 epochs" ...] [--ranges]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import numpy as np

import autoencoders as ae
from _common import print_table
from autoencoders.data import sliding_windows
from families_vae_sequence import NAB_SERIES, NabStretches, nab_stretches, pca_reconstruct, rebuilt

# name: (model options, training options) on top of the benchmark's (10 epochs, batch 64, lr 1e-3, patience 10);
# "centred" is no option of the library: each window's own mean is taken off before the model and added back after
VARIANTS = {
    "default": ({}, {}),
    "auto epochs": ({}, {"epochs": None}),
    "40 epochs": ({}, {"epochs": 40}),
    "lr 3e-3": ({}, {"lr": 3e-3}),
    "lr 3e-4": ({}, {"lr": 3e-4}),
    "linear (identity activations)": ({"activation": "identity"}, {}),
    "linear, 40 epochs": ({"activation": "identity"}, {"epochs": 40}),
    "mlp backbone": ({"backbone": "mlp"}, {}),
    "centred windows": ({}, {"centred": True}),
    "centred windows, auto epochs": ({}, {"centred": True, "epochs": None}),
}


def centred(reconstruct: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """``reconstruct`` applied to windows (M, 1, L) less their own means, which are added back after."""
    def run(windows: np.ndarray) -> np.ndarray:
        means = windows.mean(axis=-1, keepdims=True)  # (M, 1, 1)
        return reconstruct(windows - means) + means
    return run


def identity(reconstruct: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    return reconstruct


def errors(reconstruct, data: NabStretches) -> dict:
    """Training-stretch, held-out and held-out-in-range MSE of a window reconstructor."""
    train_fit = rebuilt(reconstruct, data.training, data.length)  # (T_train,)
    test_fit = rebuilt(reconstruct, data.held_out, data.length)  # (T_test,)
    squared = (test_fit - data.held_out) ** 2  # (T_test,)
    inside = (data.held_out >= data.training.min()) & (data.held_out <= data.training.max())
    return {"train MSE": float(np.mean((train_fit - data.training) ** 2)),
            "held-out MSE": float(np.mean(squared)),
            "in-range MSE": float(np.mean(squared[inside]))}


def spread(values: np.ndarray) -> str:
    return " / ".join(f"{q:.2f}" for q in np.quantile(values, [0.05, 0.5, 0.95]))


def stretch_row(data: NabStretches) -> dict:
    """Where the held-out stretch lies against the training one: steps outside the training range, and window
    levels (means) and spreads (deviations) of the windows the benchmark reconstructs."""
    training_windows = data.training_windows()[:, 0]  # (N, L)
    held_out_windows = sliding_windows(data.held_out, data.length, max(1, data.length // 4))[:, 0]  # (M, L)
    levels, held_out_levels = training_windows.mean(axis=1), held_out_windows.mean(axis=1)  # (N,), (M,)
    low, high = np.quantile(levels, [0.01, 0.99])
    outside = (data.held_out < data.training.min()) | (data.held_out > data.training.max())
    return {"series": data.name,
            "held-out steps outside training range": float(np.mean(outside)),
            "training window levels (5%, 50%, 95%)": spread(levels),
            "held-out window levels (5%, 50%, 95%)": spread(held_out_levels),
            "held-out windows below / above the training levels' 1% / 99%":
                f"{np.mean(held_out_levels < low):.2f} / {np.mean(held_out_levels > high):.2f}",
            "median window deviation, training / held-out":
                f"{np.median(training_windows.std(axis=1)):.2f} / {np.median(held_out_windows.std(axis=1)):.2f}"}


def variant_row(data: NabStretches, variant: str) -> dict:
    model_options, train_options = VARIANTS[variant]
    train_options = dict(train_options)
    centre = train_options.pop("centred", False)
    windows = data.training_windows()  # (N, 1, L)
    if centre:
        windows = windows - windows.mean(axis=-1, keepdims=True)
    ae.seed_everything(0)
    model = ae.create_model("sequence", input_shape=(1, data.length), code_size=data.code_size, loss="mse",
                            **model_options)
    config = ae.TrainConfig(**{"epochs": 10, "batch_size": 64, "lr": 1e-3, "patience": 10, "progress": None,
                               **train_options})
    began = time.perf_counter()
    history = ae.Trainer(model, config).fit(windows)
    seconds = time.perf_counter() - began
    losses = history.train["loss"]
    quarter = max(1, len(losses) // 4)
    return {"series": data.name, "variant": variant,
            "epochs (best)": f"{history.epochs_run} ({history.best_epoch + 1})",
            **errors((centred if centre else identity)(partial(ae.reconstruct, model)), data),
            "last train loss": losses[-1],
            "fall over last quarter": 1 - losses[-1] / losses[-1 - quarter] if len(losses) > 1 else 0.0,
            "s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=["ec2", "rds", "ambient"],
                        help="substrings of the NAB series names to run")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--ranges", action="store_true", help="only where each held-out stretch lies")
    args = parser.parse_args()
    chosen = [name for name in NAB_SERIES if any(part in name for part in args.series)]
    if args.ranges:
        print_table([stretch_row(nab_stretches(name)) for name in chosen], ".3f")
        return
    rows = []
    for name in chosen:
        data = nab_stretches(name)
        windows = data.training_windows()  # (N, 1, L)
        for label, wrap in (("", identity), (", centred windows", centred)):
            shifted = windows - windows.mean(axis=-1, keepdims=True) if wrap is centred else windows
            pca = errors(wrap(pca_reconstruct(shifted, data.code_size)), data)
            rows.append({"series": data.name, "variant": f"PCA (same code size){label}", "epochs (best)": "-",
                         **pca, "last train loss": float("nan"), "fall over last quarter": float("nan"), "s": 0.0})
        rows += [variant_row(data, variant) for variant in args.variants]
        print_table(rows[-len(args.variants) - 2:], ".3g")
        print(flush=True)
    print_table(rows, ".3g")


if __name__ == "__main__":
    main()
