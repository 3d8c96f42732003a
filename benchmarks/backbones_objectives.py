"""Backbone x objective pairs that no family offered before, on real data (docs/benchmarks.md, issue 12):

- vae: a conv VAE against the MLP VAE on binarised MNIST (benchmark split, threshold 0.5), same epochs, code
  size, optimiser and batches; test NLL by importance weighting (k = 1000) on the first --nll-images test
  digits, both printed in this one run.
- sequence_vae: new windows of a NAB series from a sequence VAE (its prior, and a Gaussian mixture fitted to its
  codes as for any model) against held-out windows (the Fréchet distance of benchmarks/applications.py), beside
  the deterministic sequence model + the same mixture and PCA + mixture (as benchmarks/applications.py does).
- vq: a vq model on MNIST (benchmark split): codebook perplexity and share of dead entries on the test digits,
  and `ae compress`'s rate and PSNR with its codebook indices.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/backbones_objectives.py [--part vae sequence_vae vq] [--epochs 10]

docs/benchmarks.md reports --part vae --epochs 5 --nll-images 200, and --part sequence_vae and --part vq with
the defaults.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import autoencoders as ae
from _common import MNIST_DIR, MNIST_MODEL_OPTIONS, MNIST_TRAIN_OPTIONS, print_table
from applications import NAB_SERIES, SHARED_DATA, flat, frechet_distance, pca_mixture
from autoencoders import applications as apps
from autoencoders.data import mnist_benchmark_split, read_nab_series, sliding_windows
from autoencoders.metrics import codebook_usage


def trained(X: np.ndarray, epochs: int, **model: object) -> ae.Autoencoder:
    """A model trained as benchmarks/mnist_deep.py trains (Adam 1e-3, batch 64, cosine schedule, no validation)."""
    ae.seed_everything(0)
    net = ae.create_model(input_shape=X.shape[1:], **model)
    began = time.perf_counter()
    ae.Trainer(net, ae.TrainConfig(epochs=epochs, progress=False, seed=0, **MNIST_TRAIN_OPTIONS)).fit(X)
    print(f"trained {net.name} in {time.perf_counter() - began:.0f} s")
    return net


def vae(args: argparse.Namespace) -> list[dict]:
    train, test = mnist_benchmark_split(MNIST_DIR)
    X, X_test = (train.X > 0.5).astype(np.float32), (test.X[:args.nll_images] > 0.5).astype(np.float32)
    pairs = {"mlp+vae 784-512-256-32": {"backbone": "mlp", "hidden": (512, 256)},
             "conv+vae channels 16,32, code 32": {"backbone": "conv", "channels": (16, 32)}}
    rows = []
    for name, options in pairs.items():
        model = trained(X, args.epochs, objective="vae", code_size=32, loss="bce", **options)
        ae.seed_everything(1)
        began = time.perf_counter()
        nll = -torch.cat([model.log_likelihood(b, k=args.k) for b in torch.from_numpy(X_test).split(20)]).mean()
        rows.append({"model": name, "parameters": sum(p.numel() for p in model.parameters()),
                     "epochs": args.epochs, "test images": len(X_test), "k": args.k, "test NLL (nats)": float(nll),
                     "NLL s": time.perf_counter() - began})
    return rows


def sequence_vae(args: argparse.Namespace, length: int = 48) -> list[dict]:
    """applications.py's sequence_generation with the sequence VAE added (same windows, code size, training)."""
    series = read_nab_series(SHARED_DATA / "nab", NAB_SERIES).values
    split = int(0.7 * len(series))
    mean, std = series[:split].mean(), series[:split].std()
    train = sliding_windows((series[:split] - mean) / std, length).astype(np.float32)  # (N, 1, L)
    held_out = flat(sliding_windows((series[split:] - mean) / std, length, stride=length // 4))  # (M, L)
    n, models = len(held_out), {}
    # The VAE learns its decoder's scale from the data's own (1 after standardising): a fixed 0.1 would weigh
    # the reconstruction 100 times the KL term and leave the codes far from the prior it samples from.
    for objective, options in (("plain", {}), ("vae", {"learn_scale": True, "decoder_scale": 1.0})):
        ae.seed_everything(0)
        models[objective] = ae.create_model(backbone="sequence", objective=objective, input_shape=train.shape[1:],
                                            code_size=8, loss="mse", **options)
        config = ae.TrainConfig(epochs=min(args.epochs * 2, 20), batch_size=128, patience=5, progress=False, seed=0)
        ae.Trainer(models[objective], config).fit(train)
    pca, pca_density = pca_mixture(flat(train), 8)
    deterministic = models["plain"]
    samples = {
        "sequence VAE (8-D, learned decoder scale), prior samples": apps.generate(models["vae"], n),
        "sequence VAE (8-D, learned decoder scale) + Gaussian mixture on codes": apps.generate(
            models["vae"], n, apps.fit_code_density(models["vae"], train)),
        "sequence AE (8-D) + Gaussian mixture on codes": apps.generate(
            deterministic, n, apps.fit_code_density(deterministic, train)),
        "PCA (8-D) + Gaussian mixture": pca.inverse_transform(apps.sample_density(pca_density, n)),
        "reference: training windows": train[np.random.default_rng(0).choice(len(train), n, replace=False)],
    }
    return [{"method": method, "data": f"NAB nyc_taxi windows of {length}",
             "Fréchet distance to held-out windows": frechet_distance(flat(windows), held_out)}
            for method, windows in samples.items()]


def vq(args: argparse.Namespace) -> list[dict]:
    train, test = mnist_benchmark_split(MNIST_DIR)
    model = trained(train.X, args.epochs * 3, backbone="mlp", objective="vq", hidden=(512, 256), activation="elu",
                    code_size=32, code_dim=2, codebook_size=512, **MNIST_MODEL_OPTIONS)
    usage = codebook_usage(model, test.X)
    with tempfile.TemporaryDirectory() as folder:
        result = apps.compress(model, test.X, Path(folder) / "digits.aec")
        if not np.array_equal(apps.decompress(model, result.path), result.reconstructions):
            raise AssertionError("decompress did not return what compress reported")
    return [{"model": "mlp+vq 784-512-256, 16 vectors of 2 from 512 entries", "epochs": args.epochs * 3,
             "perplexity": usage["perplexity"], "dead entries": usage["dead_share"],
             "uncoded bits/image": usage["bits_per_sample"], "ae compress bits/pixel": result.bits_per_value,
             "PSNR dB": result.psnr_db}]


PARTS = {"vae": vae, "sequence_vae": sequence_vae, "vq": vq}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--epochs", type=int, default=10, help="epochs of each VAE (sequence: twice, at most 20; "
                                                               "vq: three times)")
    parser.add_argument("--k", type=int, default=1000, help="importance samples per test image")
    parser.add_argument("--nll-images", type=int, default=500, help="test digits the NLL is averaged over")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for part in args.part:
        began = time.perf_counter()
        print_table(PARTS[part](args))
        print(f"{part}: {time.perf_counter() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
