"""Lossy compression with an autoencoder: quantised codes, entropy-coded with constriction's ANS coder.

File layout: ``MAGIC`` (its number is the format version), a little-endian uint32 header length, the JSON header
(the model's identity, the number of samples and of symbols per sample, the quantisation step, and a checksum of
the header's other fields, the side information and the bitstream: an ANS stream has no redundancy, so a damaged or
cut file would otherwise decode into other samples without a sound), the side information, then the ANS
bitstream (uint32 words). For a model with discrete codes (the vq objective) the symbols are its codebook indices
and the side information their counts (uint32, one per codebook entry), the entropy model their frequencies.
Otherwise the side information is the per-dimension code mean and spread (float32, 2 x code_size): each code
dimension is quantised in units of ``step`` times its spread and coded under a quantised Gaussian, so the only model
the decoder needs is those 2 x code_size numbers. Decompressing gives exactly the decoded codes written, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import constriction
import numpy as np
import torch

from ..checkpoint import CheckpointError, atomic_write, refuse_existing, refuse_folder
from ..data.validation import check_array
from ..errors import ConfigError, DataError
from ..inference import check_model, code_indices, decode, encode, refuse_stored_pixels
from ..models._base import Autoencoder

FORMAT_VERSION = 1
MAGIC = b"AECODE%d\n" % FORMAT_VERSION
# Symbols are clipped to +-BOUND steps; with step <= 1 spread that clips only codes beyond 4 spreads.
BOUND_SPREADS = 4.0


@dataclass
class CompressionResult:
    """What ``compress`` wrote: its size, the rate in bits per input value, and the quality of the output: its PSNR
    for samples in [0, 1] (peak 1; None for others, whose peak is unknown: the reconstructions tell the rest)."""

    path: Path
    n_bytes: int
    bits_per_value: float
    psnr_db: float | None
    # (n, *input_shape): exactly what decompress returns; left out of the repr, which would print every value
    reconstructions: np.ndarray = field(repr=False)


def model_fingerprint(model: Autoencoder) -> str:
    """A short hash of the model's family, config and weights: a file decodes only under the same model."""
    digest = hashlib.sha256(json.dumps([model.name, model.config.to_dict()], sort_keys=True).encode())
    for key, tensor in sorted(model.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _bound(step: float) -> int:
    return max(1, int(np.ceil(BOUND_SPREADS / step)))


def quantise(codes: np.ndarray, mean: np.ndarray, spread: np.ndarray, step: float) -> np.ndarray:
    """Integer symbols (n, k): codes in units of ``step`` x spread around the mean, clipped to the coder's range."""
    bound = _bound(step)
    return np.clip(np.rint((codes - mean) / (step * spread)), -bound, bound).astype(np.int32)


def dequantise(symbols: np.ndarray, mean: np.ndarray, spread: np.ndarray, step: float) -> np.ndarray:
    return (mean + symbols.astype(np.float32) * np.float32(step) * spread).astype(np.float32)  # (n, k)


def _entropy_model(step: float, n: int, k: int):
    """The quantised standard Gaussian in symbol units (std 1/step), one per symbol, for the ANS coder."""
    bound = _bound(step)
    model = constriction.stream.model.QuantizedGaussian(-bound, bound)
    return model, np.zeros(n * k), np.full(n * k, 1.0 / step)


def psnr(X: np.ndarray, Y: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB of ``Y`` against ``X``, arrays of one shape (infinite when they are equal)."""
    if np.shape(X) != np.shape(Y):  # broadcasting would score some samples against others
        raise DataError(f"psnr compares arrays of one shape, got {np.shape(X)} and {np.shape(Y)}")
    mse = float(np.mean((np.asarray(X, np.float64) - np.asarray(Y, np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))


def compress(model: Autoencoder, X: np.ndarray, path: str | Path, step: float = 0.5, *,
             overwrite: bool = False) -> CompressionResult:
    """Write samples ``X`` (n, *input_shape) to ``path`` as entropy-coded quantised codes, or, for a model with
    discrete codes (the vq objective), as its codebook indices entropy-coded under their frequencies.

    ``step`` is the quantisation step in units of each code dimension's spread: smaller is larger and better
    (unused with discrete codes). A file already at ``path`` is a FileExistsError unless ``overwrite``.
    """
    check_model(model)
    target = refuse_folder(path)
    refuse_existing([target], overwrite)
    if not 0 < step <= 1:
        raise ConfigError(f"step must be in (0, 1] (units of each code dimension's spread), got {step}")
    refuse_stored_pixels(model, X)  # before check_array makes floats of them, which encode takes as scaled
    X = check_array(X, sample_shape=model.input_shape)  # (n, *input_shape), whichever layout it came in
    coder = constriction.stream.stack.AnsCoder()
    if model.objective.discrete_codes:
        symbols = code_indices(model, X).astype(np.int32)  # (n, G)
        side = np.bincount(symbols.ravel(), minlength=model.config.objective.codebook_size).astype("<u4")  # (K,)
        coder.encode_reverse(symbols.ravel(), _categorical(side))
    else:
        codes = encode(model, X)  # (n, k)
        mean = codes.mean(axis=0).astype(np.float32)
        spread = np.maximum(codes.std(axis=0), 1e-6).astype(np.float32)
        symbols, side = quantise(codes, mean, spread, step), np.concatenate([mean, spread])  # (n, k), (2k,)
        coder.encode_reverse(symbols.ravel(), *_entropy_model(step, *symbols.shape))
    body = side.tobytes() + coder.get_compressed().astype("<u4").tobytes()
    fields = {"model": model.name, "fingerprint": model_fingerprint(model), "n": len(symbols),
              "symbols_per_sample": symbols.shape[1], "step": step}
    header = json.dumps({**fields, "checksum": _checksum(fields, body)}).encode()
    payload = b"".join([MAGIC, struct.pack("<I", len(header)), header, body])
    atomic_write(target, lambda tmp: tmp.write_bytes(payload))
    reconstructions = decode(model, _codes(model, symbols, side, step))
    quality = psnr(X, reconstructions) if X.min() >= 0 and X.max() <= 1 else None  # as the test metrics' PSNR
    return CompressionResult(target, len(payload), 8 * len(payload) / X[0].size / len(X), quality, reconstructions)


def decompress(model: Autoencoder, path: str | Path) -> np.ndarray:
    """The samples (n, *input_shape) stored in ``path``, decoded by ``model`` (the one that compressed them)."""
    check_model(model)
    raw = Path(path).read_bytes()
    _check_format(raw, path)
    discrete = model.objective.discrete_codes
    try:
        (length,) = struct.unpack_from("<I", raw, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(raw[start:start + length])
        fingerprint = header.get("fingerprint")
    except (struct.error, ValueError, AttributeError) as error:
        raise DataError(f"{path} is corrupt or truncated: {error}") from None
    fields = {key: value for key, value in header.items() if key != "checksum"}
    # checked before the fingerprint: a damaged fingerprint is damage, not another model
    if "checksum" in header and header["checksum"] != _checksum(fields, raw[start + length:]):  # files of before
        raise DataError(f"{path} is corrupt or truncated: its content does not match the checksum written with it")
    if fingerprint != model_fingerprint(model):
        raise CheckpointError(f"{path} was compressed with another model ({header.get('model')!r}, fingerprint "
                              f"{fingerprint}); decompress it with the run that wrote it")
    try:
        k = int(header.get("symbols_per_sample", header.get("code_size")))  # code_size: files of before vq
        n, step = int(header["n"]), float(header["step"])
        side_count = model.config.objective.codebook_size if discrete else 2 * k
        side = np.frombuffer(raw, "<u4" if discrete else np.float32, side_count, start + length)
        words = np.frombuffer(raw, "<u4", offset=start + length + 4 * side_count).astype(np.uint32)
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path} is corrupt or truncated: {error}") from None
    decoder = constriction.stream.stack.AnsCoder(words)
    if discrete:
        symbols = decoder.decode(_categorical(side), n * k).reshape(n, k)
    else:
        symbols = decoder.decode(*_entropy_model(step, n, k)).reshape(n, k)
    return decode(model, _codes(model, symbols, side, step))


def _check_format(raw: bytes, path: str | Path) -> None:
    """Refuse a file that is not a compressed file, or one in a format version later than this release reads."""
    if raw.startswith(MAGIC):
        return
    # the version is the magic's number, which a later release that changes the layout raises
    version = re.match(rb"AECODE(\d+)\n", raw)
    if version and int(version[1]) > FORMAT_VERSION:
        raise DataError(f"{path} was written in format version {int(version[1])} by a later autoencoders; this "
                        f"release reads version {FORMAT_VERSION}: upgrade autoencoders to decompress it")
    raise DataError(f"{path} is not a file written by autoencoders' compress")


def _checksum(fields: dict, body: bytes) -> str:
    """SHA-256 (16 hex digits) of the header's other fields and the bytes after the header."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode() + body).hexdigest()[:16]


def _categorical(counts: np.ndarray):
    """The entropy model of codebook indices: their frequencies in the file (every index written has some)."""
    return constriction.stream.model.Categorical(counts / counts.sum(), perfect=False)


def _codes(model: Autoencoder, symbols: np.ndarray, side: np.ndarray, step: float) -> np.ndarray:
    """Codes (n, code_size) from the symbols: codebook entries, or dequantised values (side = mean, spread)."""
    if model.objective.discrete_codes:
        return model.objective.lookup(torch.from_numpy(symbols.astype(np.int64))).numpy()
    k = len(side) // 2
    return dequantise(symbols, side[:k], side[k:], step)
