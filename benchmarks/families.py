"""Figures of every family of issue 4: conv, denoising, sparse and contractive on the MNIST benchmark split, vae on
the binarised split, sequence on NAB series (the last two from ``families_vae_sequence.py``).

    .venv/bin/python benchmarks/families.py                      # every section: the table in docs/benchmarks.md
    .venv/bin/python benchmarks/families.py --only sparse,conv   # some of them

Prints one table row per figure: family, what is measured, the target, the measured value. Needs scikit-image for
the classical denoisers (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

import autoencoders as ae
from _common import MNIST_DIR
from autoencoders.metrics import encoder_jacobian_norm_sq
from families_vae_sequence import NAB_SERIES, sequence_vs_seasonal_naive, vae_mnist

PCA_32_SSE = 13.3  # test SSE/image of PCA with 32 components on this split (shared/README.md)
NOISE_SIGMA = 0.3


def train(name: str, X: np.ndarray, epochs: int, lr: float = 2e-3, batch_size: int = 128, **options) -> ae.Autoencoder:
    ae.seed_everything(0)
    model = ae.create_model(name, input_shape=X.shape[1:], **options)
    config = ae.TrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, scheduler="cosine", patience=None,
                            progress=False)
    ae.Trainer(model, config).fit(X)
    return model


def sse(model: ae.Autoencoder, X: np.ndarray) -> float:
    return float(ae.squared_error(model, X).mean())


def codes(model: ae.Autoencoder, X: np.ndarray) -> np.ndarray:
    return ae.encode(model, X)  # (n, code_size)


# ------------------------------------------------------------------------------------------------------ conv
def conv_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    model = train("conv", train_X, epochs, lr=2e-3, batch_size=64, code_size=32, loss="bce", channels=(16, 32))
    return [("conv", "test SSE/image, code 32", f"<= {PCA_32_SSE / 2:.2f} (PCA-32 / 2)", f"{sse(model, test_X):.2f}")]


# ------------------------------------------------------------------------------------------------- denoising
def psnr(clean: np.ndarray, estimate: np.ndarray) -> float:
    """Mean over images of the PSNR (dB) for pixels in [0, 1]."""
    mse = ((clean - estimate) ** 2).reshape(len(clean), -1).mean(axis=1)  # (n,)
    return float(np.mean(10 * np.log10(1 / np.maximum(mse, 1e-12))))


def classical_denoisers() -> dict[str, tuple[Callable, list]]:
    """scikit-image's denoisers of one 2-D image, each with the grid of its main parameter to tune."""
    from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, denoise_wavelet

    return {
        "TV-Chambolle": (lambda image, w: denoise_tv_chambolle(image, weight=w), [0.05, 0.1, 0.15, 0.2, 0.3, 0.4]),
        "wavelet (BayesShrink)": (
            lambda image, s: denoise_wavelet(image, sigma=s, mode="soft", method="BayesShrink", rescale_sigma=True),
            [0.1, 0.2, 0.3, 0.4, 0.5]),
        "non-local means": (
            lambda image, h: denoise_nl_means(image, h=h, sigma=NOISE_SIGMA, patch_size=3, patch_distance=5,
                                              fast_mode=True), [0.1, 0.15, 0.2, 0.25, 0.3]),
    }


def denoise_all(denoise, parameter, noisy: np.ndarray) -> np.ndarray:
    return np.stack([denoise(image[0], parameter)[None] for image in noisy]).astype(np.float32)


def add_noise(X: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, NOISE_SIGMA, X.shape)
    return np.clip(X + noise, 0, 1).astype(np.float32)


def denoising_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    noisy = add_noise(test_X, seed=1)
    rows = [("denoising", f"PSNR dB, noisy input (sigma {NOISE_SIGMA}, clipped)", "-", f"{psnr(test_X, noisy):.2f}")]
    tune_clean = train_X[:200]
    tune_noisy = add_noise(tune_clean, seed=2)
    for name, (denoise, grid) in classical_denoisers().items():
        best = max(grid, key=lambda p: psnr(tune_clean, denoise_all(denoise, p, tune_noisy)))  # tuned on train
        value = psnr(test_X, denoise_all(denoise, best, noisy))
        rows.append(("denoising", f"PSNR dB, scikit-image {name} (param {best}, tuned on train)", "-", f"{value:.2f}"))
    best_classical = max(float(row[3]) for row in rows)
    model = train("denoising", train_X, epochs, lr=1e-3, batch_size=32, code_size=64, loss="bce", hidden=(512, 256))
    value = psnr(test_X, ae.reconstruct(model, noisy))
    rows.append(("denoising", "PSNR dB, denoising autoencoder", f"> {best_classical:.2f} (best above)", f"{value:.2f}"))
    return rows


# ---------------------------------------------------------------------------------------------------- sparse
def never_active(code: np.ndarray) -> float:
    return float(((code != 0).sum(axis=0) == 0).mean())


def identity_score(model: ae.Autoencoder, shape: tuple[int, ...]) -> float:
    """R^2 of reconstructing uniform noise images: 1 for an identity map, near or below 0 for a digit model."""
    noise = np.random.default_rng(3).uniform(0, 1, (500, *shape)).astype(np.float32)
    residual = ((ae.reconstruct(model, noise) - noise) ** 2).sum()
    return float(1 - residual / ((noise - noise.mean()) ** 2).sum())


def sparse_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    rows = []
    kl = train("sparse", train_X, epochs, penalty="kl", code_size=200, target_rate=0.05, sparsity_weight=3.0)
    mean_rate = float(codes(kl, test_X).mean())
    rows.append(("sparse kl", "mean code activation on test (rho 0.05)", "0.0375 .. 0.0625", f"{mean_rate:.4f}"))
    rows.append(("sparse kl", "test SSE/image, 200 units", "-", f"{sse(kl, test_X):.2f}"))

    l1 = train("sparse", train_X, epochs, penalty="l1", code_size=200, sparsity_weight=0.05)
    l1_code = codes(l1, test_X)
    rows.append(("sparse l1", "mean non-zeros per sample, 200 units", "-", f"{(l1_code != 0).sum(1).mean():.1f}"))
    rows.append(("sparse l1", "units never active on test", "-", f"{never_active(l1_code):.1%}"))
    rows.append(("sparse l1", "test SSE/image", "-", f"{sse(l1, test_X):.2f}"))

    topk = train("sparse", train_X, epochs, penalty="topk", code_size=1000, k=32)
    top_code = codes(topk, test_X)
    non_zeros = (top_code != 0).sum(axis=1)
    rows.append(("sparse topk", "non-zeros per sample (min..max), k 32", "exactly 32",
                 f"{non_zeros.min()}..{non_zeros.max()}"))
    rows.append(("sparse topk", "units never active on test, 1000 units", "< 10%", f"{never_active(top_code):.1%}"))
    rows.append(("sparse topk", "test SSE/image, 1000 units (over-complete)", "-", f"{sse(topk, test_X):.2f}"))
    rows.append(("sparse topk", "R^2 on uniform-noise images (identity = 1)", "far below 1",
                 f"{identity_score(topk, test_X.shape[1:]):.3f}"))
    return rows


# ----------------------------------------------------------------------------------------------- contractive
def mean_jacobian_norm(model: ae.Autoencoder, X: np.ndarray) -> float:
    with torch.no_grad():
        return float(encoder_jacobian_norm_sq(model, torch.from_numpy(X)).sqrt().mean())


def contractive_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    shape = {"code_size": 64, "loss": "mse"}
    plain = train("contractive", train_X, epochs, contraction_weight=0.0, **shape)
    contractive = train("contractive", train_X, epochs, contraction_weight=1.5, **shape)
    plain_norm, norm = mean_jacobian_norm(plain, test_X), mean_jacobian_norm(contractive, test_X)
    plain_sse, value_sse = sse(plain, test_X), sse(contractive, test_X)
    return [
        ("contractive", "mean Frobenius norm of the encoder Jacobian on test, lambda 0 -> 1.5",
         f"<= {plain_norm / 2:.3f} (half of lambda 0)",
         f"{plain_norm:.3f} -> {norm:.3f} ({plain_norm / norm:.1f}x lower)"),
        ("contractive", "test SSE/image, lambda 0 -> 1.5", f"<= {1.25 * plain_sse:.2f} (+25%)",
         f"{plain_sse:.2f} -> {value_sse:.2f} ({value_sse / plain_sse - 1:+.0%})"),
    ]


# -------------------------------------------------------------------------------------------- vae, sequence
def vae_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    result = vae_mnist(train_X, test_X, epochs, k=1000)
    return [("vae", "test NLL, binarised digits (threshold 0.5), k 1000, nats", "<= 105", f"{result['nll']:.1f}"),
            ("vae", "test negative ELBO, same model, nats", "-", f"{-result['elbo']:.1f}")]


def sequence_rows(train_X: np.ndarray, test_X: np.ndarray, epochs: int) -> list[tuple]:
    """NAB series, not digits: held-out MSE of the sequence autoencoder against the value one season earlier."""
    rows = []
    for name in NAB_SERIES:
        result = sequence_vs_seasonal_naive(name, epochs)
        rows.append(("sequence", f"held-out MSE, NAB {result['series']}: autoencoder vs seasonal naive",
                     "autoencoder lower", f"{result['sequence AE MSE']:.3g} vs {result['seasonal-naive MSE']:.3g}"))
    return rows


SECTIONS = {"conv": (conv_rows, 10), "denoising": (denoising_rows, 20), "sparse": (sparse_rows, 30),
            "contractive": (contractive_rows, 20), "vae": (vae_rows, 150), "sequence": (sequence_rows, 30)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(MNIST_DIR), help="folder with the MNIST test-set IDX files")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    parser.add_argument("--epochs", type=int, help="train every model this many epochs (default: each section's own)")
    args = parser.parse_args()
    train_set, test_set = ae.data.mnist_benchmark_split(args.data_dir)
    print("| family | measure | target | measured |\n| --- | --- | --- | --- |", flush=True)
    for section in args.only.split(","):
        rows_of, epochs = SECTIONS[section]
        epochs = args.epochs or epochs
        began = time.perf_counter()
        for row in rows_of(train_set.X, test_set.X, epochs):
            print("| " + " | ".join(str(cell) for cell in row) + " |", flush=True)
        print(f"<!-- {section}: {epochs} epochs, {time.perf_counter() - began:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
