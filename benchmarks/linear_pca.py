"""The `linear` autoencoder against PCA on the MNIST benchmark split: test MSE and principal angles.

    .venv/bin/python benchmarks/linear_pca.py [--code-size 30] [--epochs 600]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.linalg import subspace_angles

import autoencoders as ae
from _common import MNIST_DIR, pca_baseline, print_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code-size", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=600)
    args = parser.parse_args()

    train, test = ae.data.mnist_benchmark_split(MNIST_DIR)
    X_train, X_test = train.X.reshape(len(train.X), -1), test.X.reshape(len(test.X), -1)

    pca, pca_sse, pca_seconds = pca_baseline(X_train, X_test, args.code_size)

    ae.seed_everything(0)
    model = ae.create_model("linear", input_shape=(784,), code_size=args.code_size)
    config = ae.TrainConfig(epochs=args.epochs, batch_size=512, lr=5e-3, scheduler="cosine", patience=None,
                            validation_fraction=0.0, progress=None)
    began = time.perf_counter()
    ae.Trainer(model, config).fit(X_train)
    ae_seconds = time.perf_counter() - began
    ae_sse = float(ae.squared_error(model, X_test).mean())

    decoder_weight = model.decoder[0][0].weight.detach().numpy()  # (784, code): spans the reconstruction subspace
    angles = np.degrees(subspace_angles(decoder_weight, pca.components_.T))
    print_table([
        {"method": f"PCA-{args.code_size}", "test SSE/image": pca_sse, "ratio to PCA": 1.0, "seconds": pca_seconds},
        {"method": f"linear AE-{args.code_size}", "test SSE/image": ae_sse, "ratio to PCA": ae_sse / pca_sse,
         "seconds": ae_seconds},
    ])
    print(f"\nprincipal angles between the linear AE's decoder span and PCA's subspace: "
          f"largest {angles.max():.2f} deg, median {np.median(angles):.2f} deg")
    print(f"goal: SSE within 2% of PCA ({'met' if ae_sse <= 1.02 * pca_sse else 'NOT met'}), "
          f"largest angle < 10 deg ({'met' if angles.max() < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
