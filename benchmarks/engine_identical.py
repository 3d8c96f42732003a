"""Whether the training engine still trains every model bit for bit as a reference does: for speed work on the
engine that must change no number. Trains each preset and each objective (on an MLP) for four epochs twice, once
with validation rows and a plateau schedule and once without, with a cosine schedule and gradient clipping, and
keeps the weights and the per-epoch losses (not the seconds).

    PYTHONPATH=/work/main/src .venv/bin/python benchmarks/engine_identical.py --store runs/engine_ref.pt
    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/engine_identical.py --check runs/engine_ref.pt
"""

from __future__ import annotations

import numpy as np
import torch

from _common import reference_arguments
from autoencoders.registry import create_model, list_models, list_objectives
from autoencoders.training import TrainConfig, Trainer

# (validation_fraction, scheduler, grad_clip) of the two runs of every model
RUNS = {"plateau": (0.2, "plateau", None), "cosine": (0.0, "cosine", 1.0)}


def inputs() -> dict[tuple[int, ...], np.ndarray]:
    """Random rows by sample shape: flat rows, 8x8 images, two-channel windows of 16 steps."""
    rng = np.random.default_rng(0)
    return {shape: rng.random((n, *shape)).astype(np.float32)
            for shape, n in (((16,), 300), ((1, 8, 8), 120), ((2, 16), 120))}


def models() -> dict[str, dict]:
    """create_model's arguments by name: every preset, and every objective on the MLP backbone."""
    shapes = {"conv": (1, 8, 8), "sequence": (2, 16)}
    found = {name: {"preset": name, "input_shape": shapes.get(name, (16,))} for name in list_models()}
    found |= {f"mlp+{name}": {"backbone": "mlp", "objective": name, "input_shape": (16,)} for name in list_objectives()}
    return found


def trained() -> dict[str, dict]:
    """Per model and run: its weights and its history without the epoch seconds."""
    data, results = inputs(), {}
    for name, spec in models().items():
        model = create_model(spec.get("preset"), code_size=4, seed=0,
                             **{k: v for k, v in spec.items() if k != "preset"})
        for run, (fraction, scheduler, clip) in RUNS.items():
            config = TrainConfig(epochs=4, batch_size=32, seed=1, device="cpu", progress=False, scheduler=scheduler,
                                 validation_fraction=fraction, grad_clip=clip)
            history = Trainer(model, config).fit(data[spec["input_shape"]]).to_dict()
            history.pop("epoch_seconds")
            results[f"{name}.{run}"] = {"weights": {k: v.clone() for k, v in model.state_dict().items()},
                                        "history": history}
    return results


def same(a: dict, b: dict) -> bool:
    return (a["weights"].keys() == b["weights"].keys() and repr(a["history"]) == repr(b["history"])
            and all(torch.equal(a["weights"][k], b["weights"][k]) for k in a["weights"]))


def main() -> None:
    args = reference_arguments(__doc__, "file")
    torch.set_num_threads(1)
    results = trained()
    if args.store:
        torch.save(results, args.store)
        print(f"{len(results)} runs stored in {args.store}")
        return
    reference = torch.load(args.check)
    differing = sorted(set(reference) ^ set(results)) + [k for k in results if k in reference
                                                         and not same(results[k], reference[k])]
    print(f"{len(results)} runs; " + ("every one identical" if not differing else f"DIFFERENT: {', '.join(differing)}"))
    if differing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
