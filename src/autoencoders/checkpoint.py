"""Checkpoints: safetensors tensors with the config as JSON metadata, written atomically.

A model file (``model.safetensors``) is self-contained: its metadata names the registered model and holds
the config, so :func:`load_model` rebuilds the model without the code path that trained it. Nothing is
unpickled, so loading never runs code from a file. The metadata also holds a SHA-256 of every tensor and one of
the metadata itself, checked on load, so a damaged copy (a flipped bit) is an error rather than a silently
different model. Files are written atomically with the permissions of an ordinary new file (0666 less the umask):
they are meant to be shared. A run directory also holds ``config.json`` (a readable copy of its settings, checked
against the checkpoint on load: :func:`refuse_edited_settings`), ``state.safetensors`` (optimiser, RNG and
early-stopping state for resuming) and ``history.json``: see
:mod:`autoencoders.training.run_folder`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from .errors import CheckpointError, RunFolderError
from .models._base import Autoencoder, ModelConfig
from .registry import UnknownModelError, make_config, own_part_modules, unregistered_message

FORMAT = "autoencoders"
FORMAT_VERSION = 1
MODEL_FILE = "model.safetensors"
STATE_FILE = "state.safetensors"
CONFIG_FILE = "config.json"
_CHECKSUMS = "sha256"  # header key: {tensor name: hex digest of its bytes}
_HEADER_CHECKSUM = "header_sha256"  # header key: digest of every other header entry (config, scaler, ...)
_RESERVED = ("format", "format_version", _CHECKSUMS, _HEADER_CHECKSUM)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(tmp)`` then rename ``tmp`` over ``path``: readers see the old file or the new, never half."""
    path = refuse_folder(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # unique across threads too
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())  # some writers create private (0600) files
        os.replace(tmp, path)
        sync_folder(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """A new empty folder beside ``folder`` (the same file system, so its files move in by rename), removed after."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def move_in(staging: Path, folder: Path, marker: str, old_files: Iterable[Path]) -> None:
    """Replace the saved set of files ``old_files`` in ``folder`` with the files written in ``staging``, so that
    the folder then holds exactly the new set (and its other files): ``marker``, the file a load reads first, goes
    first and comes back last, so a crash midway leaves a folder that loads as the old set or as nothing, never
    as the old marker over new files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / marker).unlink(missing_ok=True)
    for old in old_files:
        old.unlink(missing_ok=True)
    for new in sorted(staging.iterdir(), key=lambda path: path.name == marker):  # the marker last
        os.replace(new, folder / new.name)
    sync_folder(folder)


def refuse_existing(paths: Iterable[str | Path], overwrite: bool) -> None:
    """A FileExistsError naming those of ``paths`` that exist, unless ``overwrite``: what a Python writer does
    before any work, as ``--overwrite`` does for ``ae``."""
    existing = [str(path) for path in paths if Path(path).exists()]
    if existing and not overwrite:
        one = len(existing) == 1
        raise FileExistsError(f"{', '.join(existing)} already exist{'s' if one else ''}; pass overwrite=True to "
                              f"replace {'it' if one else 'them'}")


def refuse_folder(path: str | Path) -> Path:
    """``path`` as a Path, or an IsADirectoryError naming it when it is a folder (the rename over it would fail,
    naming only the temporary file)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; name the file to write, a path inside it")
    return path


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk, so that a rename into it survives a power cut (POSIX; elsewhere the
    rename is left to the file system)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it; it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def tensor_digest(tensor: torch.Tensor) -> str:
    """SHA-256 of a CPU tensor's bytes (any dtype)."""
    return hashlib.sha256(tensor.contiguous().reshape(-1).view(torch.uint8).numpy()).hexdigest()


def write_json(path: Path, values: Any) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8"))


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, Any]) -> None:
    """Tensors plus JSON-encoded metadata in one safetensors file, atomically."""
    cpu = {name: t.detach().to("cpu").contiguous().clone() for name, t in tensors.items()}  # clone: no shared storage
    header = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
              _CHECKSUMS: json.dumps({name: tensor_digest(t) for name, t in cpu.items()})}
    header.update({key: json.dumps(value) for key, value in metadata.items()})
    header[_HEADER_CHECKSUM] = header_digest(header)
    atomic_write(path, lambda tmp: tmp.write_bytes(in_stable_order(save(cpu, metadata=header))))


def in_stable_order(contents: bytes) -> bytes:
    """A safetensors file's bytes with its metadata entries sorted by key: safetensors writes them in a hash
    map's order, which changes from write to write, so the same model would give files that differ byte for byte.
    The header is rewritten (compact JSON, padded with spaces to 8 bytes as safetensors pads it); the tensors'
    offsets count from the end of the header, so their bytes follow unchanged."""
    length = int.from_bytes(contents[:8], "little")
    header = json.loads(contents[8:8 + length])
    header["__metadata__"] = dict(sorted(header.get("__metadata__", {}).items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + contents[8 + length:]


def header_digest(header: dict[str, str]) -> str:
    """SHA-256 of a file's header entries but its own checksum: the settings a load trusts (model config, input
    scaler) are checked as the tensors are, so a damaged digit is an error, not a silently different model."""
    entries = {key: value for key, value in header.items() if key != _HEADER_CHECKSUM}
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def load_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and decoded metadata of a file written by :func:`save_tensors`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?): {error}") from None
    metadata, checksums = _read_header(path)
    _verify(path, tensors, checksums)
    return tensors, metadata


def load_metadata(path: Path) -> dict[str, Any]:
    """The decoded metadata of a file written by :func:`save_tensors`, checked, without reading its tensors."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    return _read_header(path)[0]


def _read_header(path: Path) -> tuple[dict[str, Any], Any]:
    """(the decoded metadata, the tensors' checksums) of the file at ``path``, its format and header checked."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or truncated?): {error}") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a safetensors file but not an autoencoders checkpoint")
    version = header.get("format_version", "")
    if not version.isdigit():
        raise CheckpointError(f"{path} has an invalid checkpoint format version {version!r}")
    if int(version) > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {version}, newer than this library reads ({FORMAT_VERSION}); upgrade"
        )
    if _HEADER_CHECKSUM in header and header[_HEADER_CHECKSUM] != header_digest(header):  # (older files have none)
        raise CheckpointError(f"{path} is corrupt: its settings (model config, metadata) do not match their "
                              "checksum; the file was damaged after it was written")
    try:
        metadata = {k: json.loads(v) for k, v in header.items() if k not in _RESERVED}
        return metadata, json.loads(header.get(_CHECKSUMS, "null"))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path} has corrupt metadata: {error}") from None


def _verify(path: Path, tensors: dict[str, torch.Tensor], checksums: Any) -> None:
    """Every tensor matches the digest stored when it was written (files from before checksums are taken as is)."""
    if checksums is None:
        return
    if not isinstance(checksums, dict) or set(checksums) != set(tensors):
        raise CheckpointError(f"{path} is corrupt: its tensor checksums do not list the tensors it holds")
    damaged = sorted(name for name, tensor in tensors.items() if tensor_digest(tensor) != checksums[name])
    if damaged:
        raise CheckpointError(f"{path} is corrupt: {len(damaged)} tensor(s) do not match their checksum "
                              f"({', '.join(damaged[:3])}{' ...' if len(damaged) > 3 else ''}); the file was "
                              "damaged after it was written (a flipped bit, a broken copy)")


def model_path(path: str | Path) -> Path:
    """A run directory's model file, or ``path`` itself if it is a file."""
    path = Path(path)
    return path / MODEL_FILE if path.is_dir() or not path.suffix else path


def save_model(model: Autoencoder, path: str | Path, extra: dict[str, Any] | None = None, *,
               overwrite: bool = False) -> Path:
    """Write ``model`` (weights + config + ``extra`` JSON such as a scaler) to a file or a folder; a model file
    already there is a FileExistsError unless ``overwrite``, and a training run's model (its state beside it) is
    refused: the run writes it, and its state, config and scaler go with it."""
    target = model_path(path)
    if target.name == MODEL_FILE and (target.parent / STATE_FILE).exists():
        raise RunFolderError(f"{target.parent} holds a training run (its {STATE_FILE}): its model is written by the "
                             "run; save this one to another path")
    refuse_existing([target], overwrite)
    return write_model(model, target, extra)


def write_model(model: Autoencoder, target: Path, extra: dict[str, Any] | None) -> Path:
    """Write ``model`` to the file ``target``, replacing it (a run's own checkpoints; others use :func:`save_model`)."""
    metadata = {"model": model.name, "config": model.config.to_dict(), "extra": extra or {}, **modules_entry(model)}
    save_tensors(target, model.state_dict(), metadata)
    return target


def modules_entry(model: Any) -> dict[str, Any]:
    """The metadata entry naming the modules that registered ``model``'s own parts (none for built-in ones, whose
    files stay as they were)."""
    modules = own_part_modules(getattr(model, "config", None))
    return {"modules": modules} if modules else {}


@dataclass
class Checkpoint:
    model: Autoencoder
    extra: dict[str, Any] = field(default_factory=dict)


def load_checkpoint(path: str | Path, model: str | None = None, device: str | torch.device = "cpu") -> Checkpoint:
    """Rebuild a saved model; ``model`` (its name: a preset, or backbone+objective) makes any other an error.
    ``device``: as ``TrainConfig.device`` takes it, checked to exist here before the file is read."""
    from .training.runtime import resolve_device, seeded  # the training package imports this module

    device = resolve_device(device)
    target = model_path(path)
    tensors, metadata = load_tensors(target)
    name = metadata.get("model")
    if model is not None and name != model:
        raise CheckpointError(f"{target} holds a {name!r} model, not {model!r}")
    try:
        values = metadata["config"]
        if "backbone" in values:
            config = ModelConfig.from_dict(values)
        else:  # written before backbones and objectives: ``name`` is a family, now the preset of that name
            config, tensors = make_config(name, **values), _legacy_weights(tensors)
    except UnknownModelError as error:
        modules = metadata.get("modules") or {}  # the modules that registered the model's own parts
        raise CheckpointError(f"{target}: {unregistered_message(error, modules)}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{target} has an invalid config for model {name!r}: {error}") from None
    with seeded(0):  # the initial weights, which the file's replace, drawn without moving the caller's generator
        instance = Autoencoder(config)
    load_weights(instance, tensors, str(target))
    if target.name == MODEL_FILE:  # a run's model: the settings file beside it must say what the model holds
        refuse_edited_settings(run_settings(target.parent), target, model_file_fields(metadata))
    return Checkpoint(instance.to(device).eval(), metadata.get("extra", {}))


def run_settings(folder: Path) -> dict[str, Any] | None:
    """The settings a training run wrote in ``folder``'s config.json, or None where there is no such file, or it
    is no run's (unreadable, or without a model and its config: a file of the user's beside a saved model)."""
    try:
        settings = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return settings if isinstance(settings, dict) and {"model", "model_config"} <= set(settings) else None


def model_file_fields(metadata: dict[str, Any]) -> dict[str, Any]:
    """{field of a run's config.json: its value in the run's model file}: the model, its config and its input
    preprocessing (the scaler, a table's encoding), which a deployment may read from either file."""
    extra = metadata.get("extra") or {}
    return {"model": metadata.get("model"), "model_config": metadata.get("config"),
            **{f"extra.{name}": extra[name] for name in ("scaler", "tabular") if name in extra}}


def refuse_edited_settings(settings: dict[str, Any] | None, checkpoint_file: Path, held: dict[str, Any]) -> None:
    """A CheckpointError naming the config.json beside ``checkpoint_file`` and its fields that say other than the
    checkpoint (``held``: {dotted field of config.json: the checkpoint's value}, each compared where ``settings``,
    the file's contents, has it): config.json is the copy a run writes of its settings for reading, and the
    checkpoint is what is loaded and resumed, so an edit there would be ignored without a word, or trusted by half
    (a resumed model built from it, then refused by its weights)."""
    if settings is None:
        return
    differences = [found for field, value in held.items() for found in _differences(settings, field, value)]
    if differences:
        (field, edited, kept), more = differences[0], len(differences) - 1
        others = f" (and {more} other field{'s' if more > 1 else ''})" if more else ""
        raise CheckpointError(
            f"{checkpoint_file.parent / CONFIG_FILE} disagrees with the checkpoint {checkpoint_file}: {field} is "
            f"{_shown(edited)} there, {_shown(kept)} in the checkpoint{others}. config.json is the copy of its "
            "settings a run writes for reading; the checkpoint is what is loaded and resumed, so an edit there changes "
            "nothing: put the file back as the run wrote it (another model or setting is a new run: ae train "
            "--out NEW ...)")


_ABSENT = object()  # a field config.json does not have


def _differences(settings: dict[str, Any], field: str, held: Any) -> list[tuple[str, Any, Any]]:
    """(dotted field, its value in ``settings``, its value in ``held``) for ``field`` and each field inside it whose
    values differ as JSON (a tuple and its list alike); none where ``settings`` has no such field."""
    value = settings
    for name in field.split("."):
        value = value.get(name, _ABSENT) if isinstance(value, dict) else _ABSENT
    if value is _ABSENT:
        return []
    return _value_differences(field, json.loads(json.dumps(value)), json.loads(json.dumps(held)))


def _value_differences(field: str, edited: Any, kept: Any) -> list[tuple[str, Any, Any]]:
    if isinstance(edited, dict) and isinstance(kept, dict):
        return [found for name in sorted(set(edited) | set(kept))
                for found in _value_differences(f"{field}.{name}", edited.get(name, _ABSENT), kept.get(name, _ABSENT))]
    if isinstance(edited, list) and isinstance(kept, list) and len(edited) == len(kept):  # a scaler's offsets
        return [found for index, pair in enumerate(zip(edited, kept, strict=True))
                for found in _value_differences(f"{field}[{index}]", *pair)]
    same = edited == kept or json.dumps(edited) == json.dumps(kept)  # (NaN, as JSON writes it, is not itself)
    return [] if same else [(field, edited, kept)]


def _shown(value: Any) -> str:
    """A field's value as JSON, cut short (a scaler's offsets run to thousands of numbers)."""
    text = "absent" if value is _ABSENT else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _legacy_weights(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A family model's weights under today's names: the encoder's last layer is now the objective's code
    head, its other state (e.g. the sparse code's unit counters) the objective's; the rest kept its name."""

    def module_path(key: str) -> tuple[int, ...]:
        return tuple(int(part) for part in key.split(".")[1:-1])

    head = max((module_path(key) for key in tensors if key.startswith("encoder.")), default=None)
    renamed = {}
    for key, tensor in tensors.items():
        if key.startswith("encoder.") and module_path(key) == head:
            key = "objective.head." + key.rsplit(".", 1)[1]
        elif not key.startswith(("encoder.", "decoder.")):
            key = "objective." + key
        renamed[key] = tensor
    return renamed


def load_model(path: str | Path, model: str | None = None, device: str | torch.device = "cpu") -> Autoencoder:
    """The model saved at ``path`` (a ``.safetensors`` file or a run directory), in eval mode."""
    return load_checkpoint(path, model, device).model


def load_weights(model: Autoencoder, tensors: dict[str, torch.Tensor], source: str) -> None:
    """Copy ``tensors`` into ``model``, naming every missing, unexpected or mis-shaped weight."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    mismatched = [f"{k} {tuple(tensors[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
                  if k in tensors and tensors[k].shape != v.shape]
    if missing or unexpected or mismatched:
        problems = [f"missing {missing[:5]}" if missing else "", f"unexpected {unexpected[:5]}" if unexpected else "",
                    f"shape mismatch {mismatched[:5]}" if mismatched else ""]
        raise CheckpointError(
            f"{source} does not fit a {model.name!r} model with this config: " + "; ".join(p for p in problems if p)
        )
    model.load_state_dict(tensors)
