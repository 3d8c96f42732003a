"""Files a user shares: ONNX exports that stand alone, weights verified on load, ordinary file permissions."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
import torch
from safetensors import safe_open

import autoencoders as ae
from autoencoders.checkpoint import load_tensors, save_tensors
from conftest import fast_config, small_model

# ----------------------------------------------------------------------------------------------- ONNX
onnx_needed = pytest.mark.skipif(
    any(__import__("importlib").util.find_spec(name) is None for name in ("onnx", "onnxscript", "onnxruntime")),
    reason="needs autoencoders[export]")


def _run_moved(model, files, part, tmp_path):
    """Move the exported ``files`` to a fresh folder and return onnxruntime's difference to PyTorch there."""
    from autoencoders.export import max_abs_difference

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for file in files:
        shutil.move(file, elsewhere / file.name)
    return max_abs_difference(model, elsewhere / files[0].name, part)


@onnx_needed
@pytest.mark.parametrize("part", ["encoder", "model"])
def test_an_exported_file_runs_after_being_moved_alone(part, tmp_path):
    from autoencoders.export import export_onnx

    model, out = small_model("deep"), tmp_path / "out"
    path = export_onnx(model, out / f"{part}.onnx", part)
    export_onnx(model, path, part, overwrite=True)  # exporting again replaces the file and leaves nothing beside it
    assert sorted(p.name for p in out.iterdir()) == [f"{part}.onnx"]
    assert _run_moved(model, [path], part, tmp_path) <= 1e-5


@onnx_needed
def test_a_graph_over_the_size_limit_names_one_data_file_relatively(tmp_path, monkeypatch):
    import onnx
    from torch.onnx._internal.exporter import _onnx_program

    from autoencoders.export import export_onnx

    monkeypatch.setattr(_onnx_program, "_LARGE_MODEL_THRESHOLD", 0)  # every graph counts as over 2 GB
    model, out = small_model("deep"), tmp_path / "out"
    path = export_onnx(model, out / "decoder.onnx", "decoder")
    assert sorted(p.name for p in out.iterdir()) == ["decoder.onnx", "decoder.onnx.data"]
    graph = onnx.load(str(path), load_external_data=False)
    locations = {entry.value for tensor in graph.graph.initializer for entry in tensor.external_data
                 if entry.key == "location"}
    assert locations == {"decoder.onnx.data"}
    assert _run_moved(model, [path, out / "decoder.onnx.data"], "decoder", tmp_path) <= 1e-5
    monkeypatch.undo()  # a smaller export now: the graph holds its weights and the old data file goes
    export_onnx(model, out / "decoder.onnx", "decoder", overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["decoder.onnx"]


# ------------------------------------------------------------------------------------------ checksums
@pytest.fixture
def model_file(tmp_path):
    return ae.save_model(small_model("deep"), tmp_path / "model.safetensors")


def _data_start(path) -> int:
    return 8 + int.from_bytes(path.read_bytes()[:8], "little")


@pytest.mark.parametrize("bit", [0, 3, 30])  # a low mantissa bit (a small silent change), a mid one, an exponent bit
def test_a_flipped_bit_in_the_weights_is_an_error_naming_the_file_and_tensor(model_file, bit):
    raw = bytearray(model_file.read_bytes())
    at = _data_start(model_file) + 4 * 7 + bit // 8  # inside the 8th float of the first tensor
    raw[at] ^= 1 << (bit % 8)
    model_file.write_bytes(bytes(raw))
    with pytest.raises(ae.CheckpointError, match=rf"{model_file}.*corrupt.*1 tensor\(s\) do not match"):
        ae.load_model(model_file)


def test_every_tensor_has_a_checksum_and_intact_files_load(model_file):
    with safe_open(str(model_file), framework="pt") as handle:
        digests = json.loads(handle.metadata()["sha256"])
        assert sorted(digests) == sorted(handle.keys())
    tensors, metadata = load_tensors(model_file)
    assert "sha256" not in metadata and metadata["model"] == "deep"


def test_a_damaged_digit_in_the_settings_is_an_error(tmp_path):
    # Only the tensors were checked: a flipped digit in the stored input scaler (or config) loaded silently.
    path = ae.save_model(small_model("deep"), tmp_path / "model.safetensors", extra={"scaler": {"scale": 0.25}})
    raw = path.read_bytes()
    at = raw.index(b"0.25", 0, _data_start(path))
    path.write_bytes(raw[:at] + b"0.75" + raw[at + 4:])  # same length: the file is well formed
    with pytest.raises(ae.CheckpointError, match=rf"{path} is corrupt: its settings .* do not match"):
        ae.load_checkpoint(path)


def test_files_without_checksums_still_load(tmp_path):
    from safetensors.torch import save_file

    model = small_model("deep")
    path = tmp_path / "old.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata={
        "format": "autoencoders", "format_version": "1", "model": '"deep"',
        "config": json.dumps(model.config.to_dict()), "extra": "{}"})
    assert isinstance(ae.load_model(path), ae.Autoencoder)


def test_checksums_cover_every_dtype(tmp_path):
    tensors = {"half": torch.ones(3, dtype=torch.bfloat16), "scalar": torch.tensor(2.0), "bytes": torch.arange(4)}
    save_tensors(tmp_path / "t.safetensors", tensors, {})
    loaded, _ = load_tensors(tmp_path / "t.safetensors")
    assert all(torch.equal(loaded[k], v) for k, v in tensors.items())


# ---------------------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_get_ordinary_permissions_under_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        path = ae.save_model(small_model("deep"), tmp_path / "model.safetensors")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------------------------------- nothing replaced
def _writers(tmp_path, digits) -> dict:
    """Each Python writer of a user's file: (a file it writes, a call writing it with the given ``overwrite``)."""
    from autoencoders import applications as apps
    from autoencoders.export import export_onnx
    from autoencoders.report import save_loss_curves, save_reconstructions, write_report
    from autoencoders.sklearn import AutoencoderOutlierDetector, AutoencoderTransformer
    from autoencoders.training.history import History

    model, X, flat = small_model("deep"), digits.X[:20], digits.X[:40].reshape(40, -1)
    history = History(train={"loss": [1.0, 0.5]})
    return {
        "compress": (tmp_path / "x.aec", lambda overwrite: apps.compress(model, X, tmp_path / "x.aec",
                                                                          overwrite=overwrite)),
        "write_images": (tmp_path / "1.png", lambda overwrite: apps.write_images(
            X[:2], [tmp_path / "0.png", tmp_path / "1.png"], overwrite=overwrite)),
        "save_model": (tmp_path / "m.safetensors", lambda overwrite: ae.save_model(
            model, tmp_path / "m.safetensors", overwrite=overwrite)),
        "estimator.save": (tmp_path / "t.safetensors", lambda overwrite: AutoencoderTransformer(
            code_size=2, hidden=(8,), epochs=1).fit(flat).save(tmp_path / "t.safetensors", overwrite=overwrite)),
        "detector.save": (tmp_path / "d" / "detector.json", lambda overwrite: AutoencoderOutlierDetector(
            n_estimators=1, hidden=(8,), epochs=1).fit(flat).save(tmp_path / "d", overwrite=overwrite)),
        "write_report": (tmp_path / "r" / "report.html", lambda overwrite: write_report(
            tmp_path / "r", model, X, progress=False, overwrite=overwrite)),
        "save_loss_curves": (tmp_path / "l.png", lambda overwrite: save_loss_curves(
            history, tmp_path / "l.png", overwrite=overwrite)),
        "save_reconstructions": (tmp_path / "rec.png", lambda overwrite: save_reconstructions(
            X, X, tmp_path / "rec.png", overwrite=overwrite)),
        "CSVLogger": (tmp_path / "log.csv", lambda overwrite: ae.Trainer(model, fast_config(epochs=1), callbacks=[
            ae.training.CSVLogger(tmp_path / "log.csv", overwrite=overwrite)]).fit(X)),
        "export_onnx": (tmp_path / "m.onnx", lambda overwrite: export_onnx(model, tmp_path / "m.onnx",
                                                                           overwrite=overwrite)),
    }


@pytest.mark.parametrize("writer", ["compress", "write_images", "save_model", "estimator.save", "detector.save",
                                    "write_report", "save_loss_curves", "save_reconstructions", "CSVLogger",
                                    pytest.param("export_onnx", marks=onnx_needed)])
def test_python_writers_refuse_an_existing_file_unless_overwrite(writer, tmp_path, digits):
    # `ae compress` refused an existing --out, but apps.compress (and every other Python writer) replaced it silently
    existing, write = _writers(tmp_path, digits)[writer]
    existing.parent.mkdir(exist_ok=True)
    existing.write_text("keep me")
    with pytest.raises(FileExistsError, match=f"{existing} already exists; pass overwrite=True"):
        write(False)
    assert existing.read_text() == "keep me"
    write(True)
    assert existing.read_bytes() != b"keep me"
    assert not [path.name for path in existing.parent.iterdir() if path.name.endswith(".tmp")]  # atomic: none left
