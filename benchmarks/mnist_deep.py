"""The `deep` autoencoder against PCA on the MNIST benchmark split, both with a 30-dimensional code.

Trains on the 8,000 training digits for a fixed cosine schedule (the test digits are never looked at during
training) and reports the test sum of squared errors per image (pixels in [0, 1]) next to PCA's on the same
split, with wall-clock times.

    .venv/bin/python benchmarks/mnist_deep.py [--code-size 30] [--epochs 60] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch

import autoencoders as ae
from _common import MNIST_DIR, MNIST_EPOCHS, pca_baseline, print_table
from _common import MNIST_MODEL_OPTIONS as MODEL_OPTIONS  # the settings this benchmark shows (shared with
from _common import MNIST_TRAIN_OPTIONS as TRAIN_OPTIONS  # applications.py); the rest is the `deep` defaults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code-size", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=MNIST_EPOCHS)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the goal is stated for 2 cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
    X_train, X_test = train.X.reshape(len(train.X), -1), test.X.reshape(len(test.X), -1)

    _, pca_sse, pca_seconds = pca_baseline(X_train, X_test, args.code_size)

    ae.seed_everything(0)
    model = ae.create_model("deep", input_shape=(784,), code_size=args.code_size, **MODEL_OPTIONS)
    config = ae.TrainConfig(epochs=args.epochs, progress=None, device="cpu", **TRAIN_OPTIONS)
    began = time.perf_counter()
    history = ae.Trainer(model, config).fit(X_train)
    ae_seconds = time.perf_counter() - began
    ae_sse = float(ae.squared_error(model, X_test).mean())

    print_table([
        {"method": f"PCA-{args.code_size}", "test SSE/image": pca_sse, "train seconds": pca_seconds, "epochs": "-"},
        {"method": f"deep AE-{args.code_size}", "test SSE/image": ae_sse, "train seconds": ae_seconds,
         "epochs": f"{history.epochs_run} (best {history.best_epoch + 1})"},
    ])
    print(f"\nmodel: {MODEL_OPTIONS}, training: {TRAIN_OPTIONS}, epochs={args.epochs}, threads={args.threads}")
    print(f"deep / PCA SSE ratio: {ae_sse / pca_sse:.3f}; goal SSE <= 7.0 in < 300 s: "
          f"{'met' if ae_sse <= 7.0 and ae_seconds < 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
