"""Training throughput of `deep` and `conv` on MNIST-sized inputs: samples/s through the engine, the GFLOP/s
that achieves, and the machine's matrix-multiply rate on the same shapes.

FLOPs per sample are counted by ``torch.utils.flop_counter`` over one forward + backward pass (matmuls and
convolutions; elementwise work and the optimiser are not counted). The reference is torch's matmul on the
GEMMs of that same pass: for each Linear layer (B, in) x (in, out) and for each convolution its im2col GEMM
(B*H*W, C_in*k*k) x (C_in*k*k, C_out), each with its two backward GEMMs, run back to back. Model and reference
alternate in one process so load on the machine affects both alike; medians are reported.

    .venv/bin/python benchmarks/throughput.py [--models deep,conv] [--repeats 3] [--batch-size 256] [--device auto]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import autoencoders as ae
from _common import MNIST_DIR, print_table

MODELS = {"deep": {"input_shape": (784,), "code_size": 30}, "conv": {"input_shape": (1, 28, 28), "code_size": 30}}


def fresh_model(name: str) -> ae.Autoencoder:
    ae.seed_everything(0)
    return ae.create_model(name, **MODELS[name])


def flops_per_sample(model: ae.Autoencoder, batch: torch.Tensor) -> float:
    counter = FlopCounterMode(display=False)
    with counter:
        model.loss(batch)["loss"].backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(batch)


def gemm_shapes(model: ae.Autoencoder, batch: torch.Tensor) -> list[tuple[int, int, int]]:
    """(M, K, N) of the GEMM behind every Linear and Conv2d of a forward pass on ``batch``."""
    shapes: list[tuple[int, int, int]] = []

    def record(layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if isinstance(layer, nn.Linear):
            shapes.append((len(inputs[0]), layer.in_features, layer.out_features))
        else:  # Conv2d: output positions x (input channels * kernel area) x output channels
            kernel = layer.kernel_size[0] * layer.kernel_size[1]
            shapes.append((output.shape[0] * output.shape[2] * output.shape[3], layer.in_channels * kernel,
                           layer.out_channels))

    hooks = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d)]
    with torch.no_grad():
        model(batch)
    for hook in hooks:
        hook.remove()
    return shapes


def matmul_rate(shapes: list[tuple[int, int, int]], device: torch.device, steps: int) -> float:
    """FLOP/s of torch.mm on the forward and both backward GEMMs of every shape, ``steps`` times over."""
    operands = []
    for m, k, n in shapes:
        a, b, c = (torch.rand(size, device=device) for size in ((m, k), (k, n), (m, n)))
        operands += [(a, b), (c, b.T), (a.T, c)]  # forward, grad of input, grad of weight
    flops = steps * sum(2 * x.shape[0] * x.shape[1] * y.shape[1] for x, y in operands)
    _sync(device)
    began = time.perf_counter()
    for _ in range(steps):
        for x, y in operands:
            torch.mm(x, y)
    _sync(device)
    return flops / (time.perf_counter() - began)


def training_rate(name: str, X, batch_size: int, device: str) -> float:
    """Samples/s of ``Trainer.fit`` for one epoch without validation (data checks and set-up included)."""
    config = ae.TrainConfig(epochs=1, batch_size=batch_size, validation_fraction=0.0, patience=None,
                            progress=False, device=device)
    trainer = ae.Trainer(fresh_model(name), config)
    began = time.perf_counter()
    trainer.fit(X)
    return len(X) / (time.perf_counter() - began)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated: deep, conv")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = ae.training.resolve_device(args.device)

    train, _ = ae.data.mnist_benchmark_split(MNIST_DIR)
    rows = []
    for name in args.models.split(","):
        X = train.X.reshape(len(train.X), *MODELS[name]["input_shape"])
        model = fresh_model(name)
        batch = torch.from_numpy(X[: args.batch_size])
        flops = flops_per_sample(model, batch)
        shapes = gemm_shapes(model, batch)
        steps = len(X) // args.batch_size
        training_rate(name, X, args.batch_size, str(device))  # warm-up: allocations, thread pools, kernels
        rates, peaks = [], []
        for _ in range(args.repeats):
            rates.append(training_rate(name, X, args.batch_size, str(device)))
            peaks.append(matmul_rate(shapes, device, steps))
        samples, peak = statistics.median(rates), statistics.median(peaks)
        rows.append({"model": name, "device": device.type, "batch": args.batch_size,
                     "MFLOP/sample": flops / 1e6, "samples/s": samples, "achieved GFLOP/s": samples * flops / 1e9,
                     "matmul GFLOP/s (same shapes)": peak / 1e9, "share of matmul": samples * flops / peak})
    print_table(rows, floatfmt=".3g")
    for row in rows:
        met = "met" if row["share of matmul"] >= 0.6 else "NOT met"
        print(f"{row['model']}: {row['share of matmul']:.0%} of the matmul rate (goal >= 60%: {met})")


if __name__ == "__main__":
    main()
