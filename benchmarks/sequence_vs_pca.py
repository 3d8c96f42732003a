"""Why the `sequence` autoencoder loses to PCA of the same code size on held-out NAB windows: bounded experiments.

Each variant trains the sequence autoencoder on the training stretch of a series (the split, windows and scaling
of ``families_vae_sequence.py --part sequence``) and reports, beside PCA's figures on the same windows:
the training-stretch MSE (does it fit what it saw?), the held-out MSE, the held-out MSE over the steps whose values
lie inside the training range (is the loss extrapolation?), and the training loss curve (still falling?).

    cd benchmarks && OMP_NUM_THREADS=1 ../.venv/bin/python sequence_vs_pca.py [--series ec2 rds] \\
        [--variants default long linear ...]
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np

import autoencoders as ae
from _common import print_table
from families_vae_sequence import NAB_SERIES, NabStretches, nab_stretches, pca_reconstruct, rebuilt

# name: (model options, training options) on top of the benchmark's (10 epochs, batch 64, lr 1e-3, patience 10)
VARIANTS = {
    "default": ({}, {}),
    "auto epochs": ({}, {"epochs": None}),
    "40 epochs": ({}, {"epochs": 40}),
    "lr 3e-3": ({}, {"lr": 3e-3}),
    "lr 3e-4": ({}, {"lr": 3e-4}),
    "linear (identity activations)": ({"activation": "identity"}, {}),
    "linear, 40 epochs": ({"activation": "identity"}, {"epochs": 40}),
    "mlp backbone": ({"backbone": "mlp"}, {}),
}


def errors(reconstruct, data: NabStretches) -> dict:
    """Training-stretch, held-out and held-out-in-range MSE of a window reconstructor."""
    train_fit = rebuilt(reconstruct, data.training, data.length)  # (T_train,)
    test_fit = rebuilt(reconstruct, data.held_out, data.length)  # (T_test,)
    squared = (test_fit - data.held_out) ** 2  # (T_test,)
    inside = (data.held_out >= data.training.min()) & (data.held_out <= data.training.max())
    return {"train MSE": float(np.mean((train_fit - data.training) ** 2)),
            "held-out MSE": float(np.mean(squared)),
            "in-range MSE": float(np.mean(squared[inside]))}


def variant_row(data: NabStretches, variant: str) -> dict:
    model_options, train_options = VARIANTS[variant]
    ae.seed_everything(0)
    model = ae.create_model(model_options.get("backbone", "sequence"), input_shape=(1, data.length),
                            code_size=data.code_size, loss="mse",
                            **{k: v for k, v in model_options.items() if k != "backbone"})
    config = ae.TrainConfig(**{"epochs": 10, "batch_size": 64, "lr": 1e-3, "patience": 10, "progress": None,
                               **train_options})
    began = time.perf_counter()
    history = ae.Trainer(model, config).fit(data.training_windows())
    seconds = time.perf_counter() - began
    losses = history.train["loss"]
    quarter = max(1, len(losses) // 4)
    return {"series": data.name, "variant": variant,
            "epochs (best)": f"{history.epochs_run} ({history.best_epoch + 1})",
            **errors(partial(ae.reconstruct, model), data),
            "last train loss": losses[-1],
            "fall over last quarter": 1 - losses[-1] / losses[-1 - quarter] if len(losses) > 1 else 0.0,
            "s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=["ec2", "rds", "ambient"],
                        help="substrings of the NAB series names to run")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    rows = []
    for name in NAB_SERIES:
        if not any(part in name for part in args.series):
            continue
        data = nab_stretches(name)
        pca = errors(pca_reconstruct(data.training_windows(), data.code_size), data)
        rows.append({"series": data.name, "variant": "PCA (same code size)", "epochs (best)": "-", **pca,
                     "last train loss": float("nan"), "fall over last quarter": float("nan"), "s": 0.0})
        rows += [variant_row(data, variant) for variant in args.variants]
        print_table(rows[-len(args.variants) - 1:], ".3g")
        print(flush=True)
    print_table(rows, ".3g")


if __name__ == "__main__":
    main()
