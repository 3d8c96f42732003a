"""Applications of learned codes on the MNIST benchmark split (8,000 train / 2,000 test digits), each against
the classical tool a user would otherwise reach for; one table for docs/benchmarks.md ("## Applications").

    .venv/bin/python benchmarks/applications.py [--epochs 60] [--part all | reduction clustering ...]

Every MNIST autoencoder is trained as benchmarks/mnist_deep.py trains its own (the settings are imported from
_common.py): the family's default layout (`deep`, `denoising`: 784-512-256-code, ELU; `vae`: 512-256, ReLU),
BCE loss, Adam 1e-3, batch 64, cosine schedule over --epochs, no validation split, on the 8,000 training
digits; all figures are on the 2,000 test digits. Sizes of codes: 2 / 10 / 30 as named in each row. One model of
each (family, code size) is trained per process and shared by the parts that use it. The retrieval part also
times hnswlib's index (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import copy
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import linalg, ndimage
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

import autoencoders as ae
from _common import MNIST_DIR, MNIST_EPOCHS, MNIST_MODEL_OPTIONS, MNIST_TRAIN_OPTIONS, SHARED_DATA, print_table
from autoencoders import applications as apps
from autoencoders.data import mnist_benchmark_split, read_nab_series, sliding_windows

NAB_SERIES = "realKnownCause/nyc_taxi.csv"


class Bench:
    """The data, the trained models (each trained once, on first use) and the rows of the table."""

    def __init__(self, epochs: int):
        train, test = mnist_benchmark_split(MNIST_DIR)
        self.X, self.y, self.X_test, self.y_test = train.X, train.y, test.X, test.y
        self.epochs, self.models, self.rows = epochs, {}, []

    def config(self, **overrides) -> ae.TrainConfig:
        """Classifiers and the sequence model: early stopping (patience 5) on a held-out tenth, a constant rate
        (pinned: the data-sized defaults would hold nothing out from 5,000 rows up and add a schedule)."""
        values = {"epochs": self.epochs, "batch_size": 128, "patience": 5, "validation_fraction": 0.1,
                  "scheduler": "none", "progress": False, "seed": 0}
        return ae.TrainConfig(**{**values, **overrides})

    def autoencoder_config(self) -> ae.TrainConfig:
        """The MNIST autoencoders: mnist_deep.py's settings, a fixed cosine schedule over ``epochs``."""
        return ae.TrainConfig(epochs=self.epochs, progress=False, seed=0, **MNIST_TRAIN_OPTIONS)

    def model(self, family: str, code_size: int, **options) -> ae.Autoencoder:
        key = (family, code_size, tuple(sorted(options.items())))
        if key not in self.models:
            ae.seed_everything(0)
            model = ae.create_model(family, input_shape=self.X.shape[1:], code_size=code_size,
                                    **{**MNIST_MODEL_OPTIONS, **options})
            began = time.perf_counter()
            ae.Trainer(model, self.autoencoder_config()).fit(self.X)
            print(f"trained {family} code {code_size} {options or ''} in {time.perf_counter() - began:.0f} s")
            self.models[key] = model
        return self.models[key]

    def add(self, application: str, method: str, setting: str, **metrics: float) -> None:
        for metric, value in metrics.items():
            self.rows.append({"application": application, "method": method, "setting": setting, "metric": metric,
                              "value": float(value)})


def flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), -1)


def reduction(bench: Bench) -> None:
    for size in (2, 10, 30):
        model = bench.model("deep", size)
        codes = ae.encode(model, bench.X_test)
        ae_scores = apps.reduction_scores(bench.X_test, codes, ae.reconstruct(model, bench.X_test))
        pca_scores = apps.reduction_scores(bench.X_test, *apps.pca_codes(bench.X, bench.X_test, size))
        for method, scores in (("autoencoder", ae_scores), ("PCA", pca_scores)):
            bench.add("reduction", method, f"{size}-D", test_sse_per_image=scores["sse_per_sample"],
                      trustworthiness_5nn=scores["trustworthiness"])


def clustering(bench: Bench) -> None:
    features = {"autoencoder code (10-D)": ae.encode(bench.model("deep", 10), bench.X_test),
                "PCA (10-D)": apps.pca_codes(bench.X, bench.X_test, 10)[0], "raw pixels": flat(bench.X_test)}
    for method, values in features.items():
        scores = apps.clustering_scores(bench.y_test, apps.cluster_codes(values, 10))
        bench.add("clustering", f"k-means on {method}", "k=10", nmi=scores["nmi"], ari=scores["ari"])


def feature_spaces(bench: Bench) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(train, test) rows in the 30-D autoencoder code, in PCA-30 and as raw pixels."""
    model = bench.model("deep", 30)
    pca = PCA(30, random_state=0).fit(flat(bench.X))
    return {"autoencoder code (30-D)": (ae.encode(model, bench.X), ae.encode(model, bench.X_test)),
            "PCA (30-D)": (pca.transform(flat(bench.X)), pca.transform(flat(bench.X_test))),
            "raw pixels": (flat(bench.X), flat(bench.X_test))}


def retrieval(bench: Bench) -> None:
    spaces = feature_spaces(bench)
    for (name, (database, queries)), method in [(item, "exact") for item in spaces.items()] + [
            (("autoencoder code (30-D)", spaces["autoencoder code (30-D)"]), "hnsw")]:
        index = apps.CodeIndex(database, method)
        began = time.perf_counter()
        neighbours, _ = index.query(queries, 10)
        milliseconds = 1000 * (time.perf_counter() - began) / len(queries)
        bench.add("retrieval", f"{name}, {method} search", f"test queries in {len(bench.X):,} train",
                  precision_at_10=apps.precision_at_k(bench.y[neighbours], bench.y_test), ms_per_query=milliseconds)


def features(bench: Bench) -> None:
    model = bench.model("deep", 30)  # the pretrained encoder of the fine-tuning rows
    for name, (train, test) in feature_spaces(bench).items():
        bench.add("features", f"logistic probe on {name}", "100% labels",
                  test_accuracy=apps.linear_probe_accuracy(train, bench.y, test, bench.y_test))
    order = np.random.default_rng(0).permutation(len(bench.X))
    for share in (0.01, 0.1, 1.0):
        rows = order[: round(share * len(bench.X))]
        for method in ("pretrained encoder, fine-tuned", "same network from scratch"):
            ae.seed_everything(0)
            start = copy.deepcopy(model) if method.startswith("pretrained") else ae.create_model(
                "deep", input_shape=model.input_shape, code_size=30, **MNIST_MODEL_OPTIONS)
            epochs = min(200, round(bench.epochs / share))  # about the same number of steps for every share
            classifier = apps.train_classifier(start, bench.X[rows], bench.y[rows], n_classes=10,
                                               config=bench.config(epochs=epochs, batch_size=64))
            accuracy = np.mean(apps.predict_classes(classifier, bench.X_test) == bench.y_test)
            bench.add("features", method, f"{share:.0%} labels ({len(rows)})", test_accuracy=accuracy)


def compression(bench: Bench) -> None:
    model, X = bench.model("deep", 30), bench.X_test
    with tempfile.TemporaryDirectory() as folder:
        for step in (1.0, 0.5, 0.25, 0.125):
            result = apps.compress(model, X, Path(folder) / f"digits_{step}.aec", step)
            same = np.array_equal(apps.decompress(model, result.path), result.reconstructions)
            if not same:
                raise AssertionError("decompress did not return what compress reported")
            bench.add("compression", "autoencoder (30-D code) + ANS", f"step {step}",
                      bits_per_pixel=result.bits_per_value, psnr_db=result.psnr_db)
    pixels = np.rint(X[:, 0] * 255).astype(np.uint8)  # (n, 28, 28): the digits' own 8-bit values
    grid = apps.tile_images(pixels[:, None], columns=40)[0]  # (1400, 1120)
    for quality in (5, 10, 25, 50, 75):
        bpp, psnr = _codec_figures(grid, "JPEG", pixels.size, quality=quality)
        bench.add("compression", "JPEG, all digits in one image", f"quality {quality}", bits_per_pixel=bpp,
                  psnr_db=psnr)
    per_image = [_codec_figures(image, "JPEG", image.size, quality=50) for image in pixels]
    bench.add("compression", "JPEG, one file per digit", "quality 50",
              bits_per_pixel=np.mean([bpp for bpp, _ in per_image]), psnr_db=np.mean([p for _, p in per_image]))
    bench.add("compression", "PNG (lossless), all digits in one image", "-",
              bits_per_pixel=_codec_figures(grid, "PNG", pixels.size, optimize=True)[0])


def _codec_figures(image: np.ndarray, codec: str, n_pixels: int, **options) -> tuple[float, float]:
    """Bits per pixel and PSNR (dB) of ``image`` (H, W) uint8 written with Pillow's ``codec``."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, codec, **options)
    decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())), dtype=np.float32) / 255
    return 8 * buffer.tell() / n_pixels, apps.psnr(image / 255, decoded)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature rows ``a`` and ``b`` (the FID formula)."""
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def pca_mixture(rows: np.ndarray, size: int) -> tuple[PCA, GaussianMixture]:
    """The classical generator: PCA to ``size`` dimensions and a 10-component Gaussian mixture over them, fitted
    as ``fit_code_density`` fits one over autoencoder codes (``apps.fit_density``)."""
    pca = PCA(size, random_state=0).fit(rows)
    return pca, apps.fit_density(pca.transform(rows), 10)


def generation(bench: Bench) -> None:
    features = PCA(50, random_state=0).fit(flat(bench.X))  # the space samples are compared in
    reference = features.transform(flat(bench.X_test))
    n = len(bench.X_test)
    vae = bench.model("vae", 10)
    deep = bench.model("deep", 10)
    pca, pca_density = pca_mixture(flat(bench.X), 10)
    samples = {
        "VAE (10-D), prior samples": apps.generate(vae, n),
        "autoencoder (10-D) + Gaussian mixture on codes": apps.generate(
            deep, n, apps.fit_code_density(deep, bench.X, 10)),
        "PCA (10-D) + Gaussian mixture": np.clip(pca.inverse_transform(apps.sample_density(pca_density, n)), 0, 1),
        "reference: 2,000 real training digits": bench.X[:n],
    }
    for method, images in samples.items():
        bench.add("generation", method, "MNIST digits", frechet_distance_pca50=frechet_distance(
            features.transform(flat(images)), reference))
    sequence_generation(bench)


def sequence_generation(bench: Bench, length: int = 48) -> None:
    """New windows of a NAB series from the `sequence` model, vs PCA + mixture, against held-out windows."""
    series = read_nab_series(SHARED_DATA / "nab", NAB_SERIES).values
    split = int(0.7 * len(series))
    mean, std = series[:split].mean(), series[:split].std()
    train = sliding_windows((series[:split] - mean) / std, length).astype(np.float32)  # (N, 1, L)
    held_out = flat(sliding_windows((series[split:] - mean) / std, length, stride=length // 4))  # (M, L)
    ae.seed_everything(0)
    model = ae.create_model("sequence", input_shape=train.shape[1:], code_size=8, loss="mse")
    ae.Trainer(model, bench.config(epochs=min(bench.epochs, 20))).fit(train)
    pca, pca_density = pca_mixture(flat(train), 8)
    n = len(held_out)
    samples = {
        "sequence AE (8-D) + Gaussian mixture on codes": apps.generate(model, n, apps.fit_code_density(model, train)),
        "PCA (8-D) + Gaussian mixture": pca.inverse_transform(apps.sample_density(pca_density, n)),
        "reference: training windows": train[np.random.default_rng(0).choice(len(train), n, replace=False)],
    }
    for method, windows in samples.items():
        bench.add("generation", method, f"NAB nyc_taxi windows of {length}",
                  frechet_distance_windows=frechet_distance(flat(windows), held_out))


def denoising(bench: Bench, noise: float = 0.3) -> None:
    model = bench.model("denoising", 30, corruption="gaussian", corruption_level=noise)
    generator = np.random.default_rng(0)
    noisy = (bench.X_test + noise * generator.standard_normal(bench.X_test.shape)).astype(np.float32)
    clean = bench.X_test
    estimates = {
        "noisy input": noisy,
        "denoising autoencoder (30-D)": apps.denoise(model, noisy),
        "median filter 3x3 (scipy)": ndimage.median_filter(np.clip(noisy, 0, 1), size=(1, 1, 3, 3)),
        "Gaussian filter sigma 1 (scipy)": ndimage.gaussian_filter(np.clip(noisy, 0, 1), sigma=(0, 0, 1, 1)),
    }
    for method, images in estimates.items():
        bench.add("denoising", method, f"Gaussian noise sigma {noise}", psnr_db=apps.psnr(clean, images))


PARTS = {"reduction": reduction, "clustering": clustering, "retrieval": retrieval, "features": features,
         "compression": compression, "generation": generation, "denoising": denoising}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=MNIST_EPOCHS,
                        help="epochs per MNIST autoencoder (cosine schedule); classifiers stop early")
    parser.add_argument("--part", nargs="+", choices=("all", *PARTS), default=["all"],
                        help="parts to run (each trains the models it needs)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench = Bench(args.epochs)
    for part in PARTS if "all" in args.part else args.part:
        began = time.perf_counter()
        done = len(bench.rows)
        PARTS[part](bench)
        print(f"{part}: {time.perf_counter() - began:.0f} s")
        print_table(bench.rows[done:])  # each part's rows as soon as they are measured
    print("\nAll rows:")
    print_table(bench.rows)


if __name__ == "__main__":
    main()
