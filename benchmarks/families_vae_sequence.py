"""The `vae` and `sequence` families on real data: VAE test NLL on binarised MNIST digits, and the sequence
autoencoder's held-out reconstruction error on NAB series against a seasonal-naive baseline (a forecast: it never
sees the values it is scored on, which the autoencoder encodes) and against PCA with the same code size on the same
windows (the like-for-like baseline: a linear code of a quarter of the window).

    .venv/bin/python benchmarks/families_vae_sequence.py [--part vae|sequence|all] [--epochs 150] [--k 1000]
"""

from __future__ import annotations

import argparse
import time

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

    ae.seed_everything(1)
    test_tensor = torch.from_numpy(X_test)
    elbo = torch.cat([model.elbo(batch) for batch in test_tensor.split(500)]).mean()
    began = time.perf_counter()
    nll = -torch.cat([model.log_likelihood(batch, k=k) for batch in test_tensor.split(50)]).mean()
    return {
        "model": "vae 784-512-256-32, Bernoulli",
        "epochs run (best)": f"{history.epochs_run} ({history.best_epoch + 1})",
        "train s": train_seconds,
        "elbo": float(elbo),
        "nll": float(nll),
        "k": k,
        "NLL s": time.perf_counter() - began,
    }


def sequence_vs_seasonal_naive(name: str, epochs: int, train_share: float = 0.7) -> dict:
    """Reconstruct the held-out last 30% of a NAB series with the sequence autoencoder (windows cut
    ``length // 4`` apart, overlap-averaged back into a series), with PCA of the same code size fitted on the same
    training windows (rebuilt the same way) and with the value one day earlier."""
    from sklearn.decomposition import PCA

    series = read_nab_series(NAB_DIR, name)
    season = series.steps_per()  # samples per day
    length = min(season, 96)
    n_train = int(train_share * len(series.values))
    mean, std = series.values[:n_train].mean(), series.values[:n_train].std()
    scaled = ((series.values - mean) / std).astype(np.float32)  # (T,), training statistics only
    held_out = scaled[n_train:]

    ae.seed_everything(0)
    model = ae.create_model("sequence", input_shape=(1, length), code_size=length // 4, loss="mse")
    config = ae.TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, patience=10, progress=None)
    began = time.perf_counter()
    training_windows = sliding_windows(scaled[:n_train], length, stride=1)  # (N, 1, L)
    ae.Trainer(model, config).fit(training_windows)
    seconds = time.perf_counter() - began
    pca = PCA(length // 4, random_state=0).fit(training_windows[:, 0])  # (N, L) rows

    stride = max(1, length // 4)
    windows = sliding_windows(held_out, length, stride)  # (M, 1, L)
    rebuilt = overlap_average(ae.reconstruct(model, windows), len(held_out), stride)[:, 0]  # (T_test,)
    pca_windows = pca.inverse_transform(pca.transform(windows[:, 0]))[:, None]  # (M, 1, L)
    pca_rebuilt = overlap_average(pca_windows, len(held_out), stride)[:, 0]  # (T_test,)
    one_season_earlier = scaled[n_train - season:len(scaled) - season]  # (T_test,)
    ae_mse = float(np.mean((rebuilt - held_out) ** 2))
    naive_mse = float(np.mean((one_season_earlier - held_out) ** 2))
    return {
        "series": name.split("/")[-1].removesuffix(".csv"),
        "season (steps)": season,
        "window / code": f"{length} / {length // 4}",
        "held-out steps": len(held_out),
        "sequence AE MSE": ae_mse,
        "PCA MSE": float(np.mean((pca_rebuilt - held_out) ** 2)),
        "seasonal-naive MSE": naive_mse,
        "AE / naive": ae_mse / naive_mse,
        "train s": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["vae", "sequence", "all"], default="all")
    parser.add_argument("--epochs", type=int, default=150, help="VAE training epochs (early stopping may end sooner)")
    parser.add_argument("--k", type=int, default=1000, help="importance samples per test digit")
    parser.add_argument("--sequence-epochs", type=int, default=30, help="sequence AE epochs per NAB series")
    args = parser.parse_args()
    if args.part in ("vae", "all"):
        train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
        print_table([vae_mnist(train.X, test.X, args.epochs, args.k)], ".1f")
    if args.part in ("sequence", "all"):
        print_table([sequence_vs_seasonal_naive(name, args.sequence_epochs) for name in NAB_SERIES], ".3g")


if __name__ == "__main__":
    main()
