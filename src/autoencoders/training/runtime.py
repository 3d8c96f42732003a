"""Where a run executes: the device, and random state kept local so that fitting never moves the caller's.

Randomness the library draws itself goes through generators it owns: a ``torch.Generator`` for batch order and
validation splits, ``numpy.random.Generator`` objects for row sampling. What torch draws from its global
generator inside a model (weight initialisation, dropout, corruption noise, the VAE's reparameterisation) runs
inside :func:`seeded`, which forks torch's global state, seeds the fork, and puts the caller's state back on exit:
same seed, same result, and the caller's own random streams continue as if nothing ran.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from ..errors import ConfigError


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` (CUDA when present, else the CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``, checked to exist here."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} asked for, but CUDA is not available on this machine; use cpu or auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ConfigError(f"device {name!r} asked for, but this machine has {torch.cuda.device_count()} CUDA "
                          "device(s)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"device {name!r} asked for, but MPS (Apple GPUs) is not available on this machine")
    if device.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"device {name!r} is not supported; use auto, cpu, cuda, cuda:N or mps")
    return device


@contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Run the body with torch's global generator (CPU, and ``device`` when it is a GPU) seeded with ``seed``;
    the caller's generator state is restored afterwards (on a CPU run, a GPU's generator is left alone)."""
    gpus = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=gpus):
        if device is None or device.type == "cpu":  # the CPU's generator alone: torch.manual_seed would also
            torch.default_generator.manual_seed(seed)  # reseed every GPU's, which fork_rng did not fork
        else:
            torch.manual_seed(seed)  # also seeds every GPU's generator; fork_rng restores those it forked
        yield


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) globally: for scripts that want their own code repeatable.
    The library itself never calls it (see :func:`seeded`)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (user code may draw from the legacy global generator)
    torch.manual_seed(seed)


class ModeSwitch:
    """``model.train(mode)`` for the engine, which switches twice an epoch (training, then validation): torch's
    version walks the children recursively and sets each flag through ``Module.__setattr__`` (about 25 us for a
    small MLP, a few percent of an epoch on a small table). When no module overrides ``train``, the modules are
    listed once (when the fit starts) and their flags set directly: the same flags, at a fraction of the cost."""

    def __init__(self, model: torch.nn.Module):
        self.model, self.modules = model, list(model.modules())
        self.plain = all(type(module).train is torch.nn.Module.train for module in self.modules)

    def __call__(self, training: bool) -> None:
        if not self.plain:  # a module with its own train(): let it run
            self.model.train(training)
            return
        for module in self.modules:
            object.__setattr__(module, "training", training)  # what Module.train sets ("training" is no parameter)
