"""Training throughput of the engine against a bare PyTorch loop over the same model and batches.

Both train the default `deep` model (784-512-256-30, MSE) on the MNIST benchmark split with Adam, batches cut
from one in-memory tensor by a seeded permutation; runs alternate (bare, engine, bare, ...) in one process so
machine load affects both alike. The engine runs with its bookkeeping on (loss parts, history, callbacks) and
without validation, which a bare loop does not do either.

    .venv/bin/python benchmarks/engine_overhead.py [--epochs 3] [--repeats 3] [--batch-size 128]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import autoencoders as ae
from _common import MNIST_DIR, print_table


def fresh_model() -> ae.Autoencoder:
    ae.seed_everything(0)
    return ae.create_model("deep", input_shape=(784,), code_size=30)


def bare_loop(X: torch.Tensor, epochs: int, batch_size: int) -> float:
    """Seconds for ``epochs`` passes of the simplest correct loop over the same model."""
    model = fresh_model().train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)  # the engine's optimiser on CPU
    generator = torch.Generator().manual_seed(0)
    began = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch_size):
            batch = X[order[start : start + batch_size]]  # (B, 784)
            loss = (model(batch) - batch).square().sum(dim=1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - began


def engine(X: torch.Tensor, epochs: int, batch_size: int) -> float:
    config = ae.TrainConfig(epochs=epochs, batch_size=batch_size, lr=1e-3, scheduler="none", validation_fraction=0.0,
                            patience=None, progress=False, device="cpu")  # the bare loop's work: no schedule
    trainer = ae.Trainer(fresh_model(), config)
    began = time.perf_counter()
    trainer.fit(X.numpy())
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()

    train, _ = ae.data.mnist_benchmark_split(MNIST_DIR)
    X = torch.from_numpy(train.X.reshape(len(train.X), -1))
    engine(X, 1, args.batch_size)  # warm-up: first-touch allocations and thread pools
    times: dict[str, list[float]] = {"bare loop": [], "engine": []}
    for _ in range(args.repeats):
        times["bare loop"].append(bare_loop(X, args.epochs, args.batch_size))
        times["engine"].append(engine(X, args.epochs, args.batch_size))
    samples = len(X) * args.epochs
    rate = {name: samples / statistics.median(seconds) for name, seconds in times.items()}
    print_table([{"loop": name, "median samples/s": rate[name], "runs (s)": " ".join(f"{s:.2f}" for s in t)}
                 for name, t in times.items()], floatfmt=".0f")
    ratio = rate["engine"] / rate["bare loop"]
    print(f"\nengine / bare loop throughput: {ratio:.3f} (goal >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")


if __name__ == "__main__":
    main()
