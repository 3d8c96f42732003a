"""The `vae` and `sequence` families on real data: VAE test NLL on binarised MNIST digits, and the sequence
autoencoder's held-out reconstruction error on NAB series against a seasonal-naive baseline (a forecast: it never
sees the values it is scored on, which the autoencoder encodes) and against PCA with the same code size on the same
windows (the like-for-like baseline: a linear code of a quarter of the window).

    .venv/bin/python benchmarks/families_vae_sequence.py [--part vae|sequence|all] [--epochs 150] [--k 1000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

import autoencoders as ae
from _common import MNIST_DIR, SHARED_DATA, print_table
from autoencoders.data import overlap_average, read_nab_series, sliding_windows

NAB_DIR = SHARED_DATA / "nab"

NAB_SERIES = [
    "realKnownCause/nyc_taxi.csv",
    "realKnownCause/ambient_temperature_system_failure.csv",
    "realKnownCause/machine_temperature_system_failure.csv",
    "realKnownCause/cpu_utilization_asg_misconfiguration.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv",
    "realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv",
]


def vae_mnist(train_X: np.ndarray, test_X: np.ndarray, epochs: int, k: int) -> dict:
    """Train a 784-512-256-32 Bernoulli VAE on the binarised training digits (threshold 0.5); test ELBO and NLL."""
    X_train = (train_X > 0.5).astype(np.float32)  # (8000, 1, 28, 28)
    X_test = (test_X > 0.5).astype(np.float32)  # (2000, 1, 28, 28)
    ae.seed_everything(0)
    model = ae.create_model("vae", input_shape=X_train.shape[1:], code_size=32, hidden=(512, 256), loss="bce")
    config = ae.TrainConfig(epochs=epochs, batch_size=100, lr=1e-3, patience=30, validation_fraction=0.1,
                            progress=None)
    began = time.perf_counter()
    history = ae.Trainer(model, config).fit(X_train)
    train_seconds = time.perf_counter() - began

    generator = torch.Generator().manual_seed(1)  # the stream the global generator seeded 1 gave the figures
    test_tensor = torch.from_numpy(X_test)
    elbo = torch.cat([model.elbo(batch, generator=generator) for batch in test_tensor.split(500)]).mean()
    began = time.perf_counter()
    nll = -torch.cat([model.log_likelihood(batch, k=k, generator=generator) for batch in test_tensor.split(50)]).mean()
    return {
        "model": "vae 784-512-256-32, Bernoulli",
        "epochs run (best)": f"{history.epochs_run} ({history.best_epoch + 1})",
        "train s": train_seconds,
        "elbo": float(elbo),
        "nll": float(nll),
        "k": k,
        "NLL s": time.perf_counter() - began,
    }


@dataclass
class NabStretches:
    """One NAB series standardised with its training part's mean and deviation, cut at ``n_train``."""

    name: str
    season: int  # samples per day
    length: int  # window length: a day, at most 96 steps
    scaled: np.ndarray  # (T,)
    n_train: int

    @property
    def code_size(self) -> int:
        return self.length // 4

    @property
    def training(self) -> np.ndarray:
        return self.scaled[:self.n_train]  # (T_train,)

    @property
    def held_out(self) -> np.ndarray:
        return self.scaled[self.n_train:]  # (T_test,)

    def training_windows(self) -> np.ndarray:
        return sliding_windows(self.training, self.length, stride=1)  # (N, 1, L)


def nab_stretches(name: str, train_share: float = 0.7, root: Path = NAB_DIR) -> NabStretches:
    """The series ``name`` of the NAB folder ``root`` with its first ``train_share`` for training and the rest
    held out."""
    series = read_nab_series(root, name)
    n_train = int(train_share * len(series.values))
    mean, std = series.values[:n_train].mean(), series.values[:n_train].std()
    scaled = ((series.values - mean) / std).astype(np.float32)  # (T,), training statistics only
    season = series.steps_per()
    return NabStretches(name.split("/")[-1].removesuffix(".csv"), season, min(season, 96), scaled, n_train)


def rebuilt(reconstruct: Callable[[np.ndarray], np.ndarray], stretch: np.ndarray, length: int) -> np.ndarray:
    """``stretch`` (T,) cut into windows ``length // 4`` apart, each reconstructed ((M, 1, L) to (M, 1, L)) and
    overlap-averaged back into a series (T,)."""
    stride = max(1, length // 4)
    windows = sliding_windows(stretch, length, stride)  # (M, 1, L)
    return overlap_average(reconstruct(windows), len(stretch), stride)[:, 0]  # (T,)


def pca_reconstruct(training_windows: np.ndarray, code_size: int) -> Callable[[np.ndarray], np.ndarray]:
    """PCA of ``code_size`` components fitted on the training windows (N, 1, L), as a window reconstructor."""
    from sklearn.decomposition import PCA

    pca = PCA(code_size, random_state=0).fit(training_windows[:, 0])  # (N, L) rows
    return lambda windows: pca.inverse_transform(pca.transform(windows[:, 0]))[:, None]  # (M, 1, L)


def sequence_vs_seasonal_naive(name: str, epochs: int | None) -> dict:
    """Reconstruct the held-out last 30% of a NAB series with the sequence autoencoder (windows cut
    ``length // 4`` apart, overlap-averaged back into a series), with PCA of the same code size fitted on the same
    training windows (rebuilt the same way) and with the value one day earlier. ``epochs`` None: the library's
    data-sized default (what ``ae train --model sequence`` does; early stopping, if any, by its own rule)."""
    data = nab_stretches(name)
    ae.seed_everything(0)
    model = ae.create_model("sequence", input_shape=(1, data.length), code_size=data.code_size, loss="mse")
    config = ae.TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, patience=10, progress=None)
    began = time.perf_counter()
    training_windows = data.training_windows()  # (N, 1, L)
    history = ae.Trainer(model, config).fit(training_windows)
    seconds = time.perf_counter() - began

    held_out = data.held_out
    ae_mse = float(np.mean((rebuilt(partial(ae.reconstruct, model), held_out, data.length) - held_out) ** 2))
    pca = pca_reconstruct(training_windows, data.code_size)
    pca_mse = float(np.mean((rebuilt(pca, held_out, data.length) - held_out) ** 2))
    one_season_earlier = data.scaled[data.n_train - data.season:len(data.scaled) - data.season]  # (T_test,)
    naive_mse = float(np.mean((one_season_earlier - held_out) ** 2))
    return {
        "series": data.name,
        "season (steps)": data.season,
        "window / code": f"{data.length} / {data.code_size}",
        "held-out steps": len(held_out),
        "epochs run (best)": f"{history.epochs_run} ({history.best_epoch + 1})",
        "sequence AE MSE": ae_mse,
        "PCA MSE": pca_mse,
        "seasonal-naive MSE": naive_mse,
        "AE / naive": ae_mse / naive_mse,
        "train s": seconds,
    }


def epochs_or_auto(text: str) -> int | None:
    """A positive epoch count, or None for ``auto`` (the step budget of ``training/defaults.py``)."""
    if text == "auto":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of epochs or 'auto', got {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["vae", "sequence", "all"], default="all")
    parser.add_argument("--epochs", type=int, default=150, help="VAE training epochs (early stopping may end sooner)")
    parser.add_argument("--k", type=int, default=1000, help="importance samples per test digit")
    parser.add_argument("--sequence-epochs", type=epochs_or_auto, default=30,
                        help="sequence AE epochs per NAB series, or auto: the library's data-sized default")
    args = parser.parse_args()
    if args.part in ("vae", "all"):
        train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
        print_table([vae_mnist(train.X, test.X, args.epochs, args.k)], ".1f")
    if args.part in ("sequence", "all"):
        print_table([sequence_vs_seasonal_naive(name, args.sequence_epochs) for name in NAB_SERIES], ".3g")


if __name__ == "__main__":
    main()
