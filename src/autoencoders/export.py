"""Export a trained model to ONNX (the encoder, the decoder or the whole autoencoder) and check the file
against PyTorch with onnxruntime. Needs the optional dependencies: ``pip install autoencoders[export]``.

The exported graphs work in the model's units: inputs scaled as in training (see the run's scaler), any
batch size. The encoder maps ``x`` (B, *input_shape) to ``code`` (B, code_size), the decoder ``code`` to
``reconstruction`` (data space, after the output activation), the model ``x`` to ``reconstruction``.

Each file stands alone: the weights are inside it, except for graphs over protobuf's 2 GB limit, whose weights
go to one data file beside it (``NAME.onnx.data``) that the graph names relatively, so the pair can be moved
together anywhere.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:  # torch is imported by the functions that use it, so `ae export --help` starts fast
    import torch

    from .models._base import Autoencoder

PARTS = ("model", "encoder", "decoder")
_NAMES = {"model": ("x", "reconstruction"), "encoder": ("x", "code"), "decoder": ("code", "reconstruction")}


def _part(model: Autoencoder, part: str) -> torch.nn.Module:
    """One part of a CPU copy of ``model`` in eval mode (the caller's model keeps its device and mode), as a
    module whose ``forward`` is what gets exported."""
    from torch import nn

    class Part(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = copy.deepcopy(model).cpu().eval()

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            if part == "encoder":
                return self.model.encode(inputs)  # (B, *input_shape) -> (B, code_size)
            if part == "decoder":
                return self.model.decode(inputs)  # (B, code_size) -> (B, *input_shape)
            return self.model(inputs)  # (B, *input_shape) -> (B, *input_shape)

    return Part()


def require_export_dependencies() -> None:
    missing = [name for name in ("onnx", "onnxscript", "onnxruntime") if importlib.util.find_spec(name) is None]
    if missing:
        raise ModuleNotFoundError(f"ONNX export needs {', '.join(missing)}: pip install 'autoencoders[export]'")


def example_input(model: Autoencoder, part: str, batch: int = 2, seed: int = 0) -> torch.Tensor:
    """Random inputs (batch, ...) of the shape ``part`` takes: samples in [0, 1), or codes for the decoder."""
    import torch

    if part not in PARTS:
        raise ConfigError(f"unknown part {part!r}; choose {', '.join(PARTS)}")
    shape = (model.config.code_size,) if part == "decoder" else model.input_shape
    return torch.rand((batch, *shape), generator=torch.Generator().manual_seed(seed))


def export_onnx(model: Autoencoder, path: str | Path, part: str = "model", overwrite: bool = False) -> Path:
    """Write ``part`` of ``model`` (``model``, ``encoder`` or ``decoder``) to the ONNX file ``path``, atomically;
    ``path`` (or its ``.data`` file) already there is a FileExistsError unless ``overwrite``."""
    import torch

    from .checkpoint import atomic_write, refuse_existing

    require_export_dependencies()
    path = Path(path)
    refuse_existing([path, path.with_name(f"{path.name}.data")], overwrite)
    module = _part(model, part).eval()
    inputs = example_input(model, part)
    input_name, output_name = _NAMES[part]

    path.parent.mkdir(parents=True, exist_ok=True)
    # Exported under its final name in a private folder beside ``path``: a data file, if any, is named after
    # the graph (not after a temporary file); then each file is moved into place, the graph last.
    with tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=path.parent) as folder:
        staged = Path(folder) / path.name
        with warnings.catch_warnings(), _quiet_logger("torch.onnx"):
            warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))  # torch's own, not the user's
            torch.onnx.export(module, (inputs,), str(staged), input_names=[input_name], output_names=[output_name],
                              dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, verbose=False,
                              external_data=False)  # inline unless over 2 GB
        data_file = path.with_name(f"{path.name}.data")
        staged_data = staged.with_name(data_file.name)
        external = staged_data.exists()
        if external:
            atomic_write(data_file, lambda tmp: os.replace(staged_data, tmp))
        atomic_write(path, lambda tmp: os.replace(staged, tmp))
    if not external:
        data_file.unlink(missing_ok=True)  # left by an earlier export of a larger model
    return path


def max_abs_difference(model: Autoencoder, path: str | Path, part: str = "model", batch: int = 5) -> float:
    """Largest absolute difference between onnxruntime running ``path`` and PyTorch running ``part`` of
    ``model``, on a random batch of another size than the one exported with."""
    require_export_dependencies()
    import onnxruntime
    import torch

    inputs = example_input(model, part, batch, seed=1)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: inputs.numpy()})[0]
    with torch.no_grad():
        expected = _part(model, part)(inputs).numpy()
    return float(np.abs(got - expected).max())


@contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """The logger ``name`` at level ERROR for a block (the exporter logs the optional add-ons it skips)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
