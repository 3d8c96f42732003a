"""Training throughput on rows streamed from a memory-mapped .npy file (``autoencoders.data.streaming``)
against the same rows loaded into memory.

The file is generated in a temporary folder from the MNIST benchmark train split, repeated with small noise
until it holds ``--rows`` rows of 784 float32 values; it is several times larger than the streaming batch cache
(two chunks of ``--chunk-rows`` rows). Both modes train the `deep` model for one epoch through
``Trainer.fit`` (no validation) and alternate in one process (each going first in turn); medians are reported.
The data path alone (the batches of one epoch, no model) is timed too, as it is what streaming changes and is
far less sensitive to load on the machine. The file is freshly written, so reads come from the page cache.

    .venv/bin/python benchmarks/streaming.py [--rows 20000] [--chunk-rows 1024] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import autoencoders as ae
from _common import MNIST_DIR, print_table
from autoencoders.data.streaming import ChunkedRows, open_rows
from autoencoders.training.batching import shuffled_rows


def write_rows(path: Path, n_rows: int) -> None:
    train, _ = ae.data.mnist_benchmark_split(MNIST_DIR)
    digits = train.X.reshape(len(train.X), -1)  # (8000, 784)
    rng = np.random.default_rng(0)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_rows, digits.shape[1]))
    for start in range(0, n_rows, len(digits)):
        block = digits[: min(len(digits), n_rows - start)]
        out[start : start + len(block)] = np.clip(block + rng.normal(0, 0.02, block.shape), 0, 1)
    out.flush()
    del out


def samples_per_second(X, batch_size: int) -> float:
    ae.seed_everything(0)
    model = ae.create_model("deep", input_shape=(784,), code_size=30)
    config = ae.TrainConfig(epochs=1, batch_size=batch_size, validation_fraction=0.0, patience=None, progress=False)
    began = time.perf_counter()
    ae.Trainer(model, config).fit(X)
    return len(X) / (time.perf_counter() - began)


def data_path_seconds(X, batch_size: int) -> float:
    """Seconds to deliver one epoch of shuffled batches of ``X`` (a tensor or streamed rows), no model."""
    generator = torch.Generator().manual_seed(0)
    order = X.shuffled_order(generator) if isinstance(X, ChunkedRows) else None
    began = time.perf_counter()
    for rows in shuffled_rows(len(X), batch_size, generator, "cpu", order):
        X[rows]  # (B, 784)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--chunk-rows", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.npy"
        write_rows(path, args.rows)
        streamed = open_rows(path, args.chunk_rows)
        in_memory = np.load(path, allow_pickle=False)
        file_mb, cache_mb = path.stat().st_size / 2**20, 2 * args.chunk_rows * 784 * 4 / 2**20
        samples_per_second(in_memory[:4096], args.batch_size)  # warm-up
        modes = {"in memory": in_memory, "memory-mapped, streamed": streamed}
        rates: dict[str, list[float]] = {mode: [] for mode in modes}
        for repeat in range(args.repeats):
            for mode in sorted(modes, reverse=repeat % 2 == 1):
                rates[mode].append(samples_per_second(modes[mode], args.batch_size))
        data_path = {"in memory": data_path_seconds(torch.from_numpy(in_memory), args.batch_size),
                     "memory-mapped, streamed": data_path_seconds(streamed, args.batch_size)}
    median = {mode: statistics.median(values) for mode, values in rates.items()}
    print(f"file: {args.rows} rows, {file_mb:.0f} MiB; batch cache: 2 chunks of {args.chunk_rows} rows, "
          f"{cache_mb:.0f} MiB ({file_mb / cache_mb:.1f}x smaller than the file)\n")
    print_table([{"data": mode, "median samples/s": f"{median[mode]:.0f}",
                  "runs": " ".join(f"{r:.0f}" for r in values), "data path alone (s/epoch)": data_path[mode]}
                 for mode, values in rates.items()], floatfmt=".3f")
    ratio = median["memory-mapped, streamed"] / median["in memory"]
    print(f"\nstreamed / in-memory throughput: {ratio:.2f} (goal >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")


if __name__ == "__main__":
    main()
