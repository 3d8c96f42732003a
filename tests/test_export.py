"""ONNX export: the forward pass of every preset and (backbone, objective) pair, and each part through the CLI,
match PyTorch under onnxruntime."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import autoencoders as ae
from autoencoders.cli import cli
from conftest import MODEL_NAMES, slow_when_convolutional, small_model

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
from autoencoders.export import PARTS, example_input, export_onnx, max_abs_difference  # noqa: E402

TOLERANCE = 1e-5


@pytest.mark.parametrize("name", slow_when_convolutional(MODEL_NAMES))
def test_every_model_exports_and_matches_pytorch_at_another_batch_size(name, tmp_path):
    model = small_model(name)
    path = export_onnx(model, tmp_path / "model.onnx")
    assert model.training  # exporting works on a copy: the caller's model keeps its mode
    assert max_abs_difference(model, path, batch=7) <= TOLERANCE


def test_cli_exports_encoder_decoder_and_model_of_a_run(tmp_path):
    run, out = tmp_path / "run", tmp_path / "onnx"
    trained = CliRunner().invoke(cli, ["train", "--hidden", "16", "--code-size", "3", "--epochs", "1", "--quiet",
                                       "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    result = CliRunner().invoke(cli, ["export", str(run), "--format", "onnx", "--part", "all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = ae.load_model(run)
    for part in PARTS:
        assert f"wrote {out / part}.onnx (onnxruntime vs PyTorch: max abs difference" in result.output
        assert max_abs_difference(model, out / f"{part}.onnx", part) <= TOLERANCE
    assert example_input(model, "decoder").shape == (2, 3)
    model.load_state_dict({key: value + 0.1 for key, value in model.state_dict().items()})
    assert max_abs_difference(model, out / "model.onnx") > 1e-3  # the check sees a file of other weights


def test_cli_export_keeps_existing_files_unless_overwrite(tmp_path):
    run = tmp_path / "run"
    trained = CliRunner().invoke(cli, ["train", "--hidden", "8", "--code-size", "2", "--epochs", "1", "--quiet",
                                       "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    (run / "encoder.onnx").write_text("keep me")
    refused = CliRunner().invoke(cli, ["export", str(run), "--part", "all"])
    assert refused.exit_code == 2 and "encoder.onnx already exists; pass --overwrite" in refused.output
    assert (run / "encoder.onnx").read_text() == "keep me" and not (run / "model.onnx").exists()
    result = CliRunner().invoke(cli, ["export", str(run), "--part", "all", "--overwrite"])
    assert result.exit_code == 0, result.output
    assert max_abs_difference(ae.load_model(run), run / "encoder.onnx", "encoder") <= TOLERANCE


@pytest.mark.parametrize(("args", "message"), [
    (["export", "{tmp}/nowhere"], "does not exist"),
    (["export", "{file}"], "not a readable checkpoint"),
    (["export", "{file}", "--format", "tflite"], "'tflite' is not 'onnx'"),
    (["export", "{file}", "--part", "head"], "'head' is not one of"),
    (["export", "{file}", "--out", "{tmp}/digits.onnx"], "digits.onnx names a file, but --out is the folder"),
])
def test_cli_export_errors_name_the_problem(tmp_path, args, message):
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint")
    values = {"tmp": str(tmp_path), "file": str(tmp_path / "junk.safetensors")}
    result = CliRunner().invoke(cli, [arg.format(**values) for arg in args])
    assert result.exit_code != 0 and message in result.output, result.output
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob("*/*.onnx"))


def test_an_unwritable_output_folder_is_named_and_nothing_is_left(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    with pytest.raises(OSError, match="a-file"):
        export_onnx(small_model("deep"), blocker / "model.onnx")
    assert blocker.read_text() == "in the way" and np.all([p.suffix != ".tmp" for p in tmp_path.iterdir()])


def test_a_model_file_copied_alone_exports_its_scaler_beside_the_graphs(tmp_path):
    # Audit 49: the graphs take scaled inputs, but a model file copied without its config.json had no scaler left
    # to scale them with; the export writes the checkpoint's own (checksummed) one as preprocessing.json.
    rows = np.random.default_rng(0).normal(50, 8, (120, 6)).astype(np.float32)  # (n, features), far from [0, 1]
    np.save(tmp_path / "rows.npy", rows)
    run, alone = tmp_path / "run", tmp_path / "alone"
    trained = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "rows.npy"), "--hidden", "8", "--code-size",
                                       "2", "--epochs", "1", "--quiet", "--no-report", "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    alone.mkdir()
    (alone / "m.safetensors").write_bytes((run / "model.safetensors").read_bytes())
    exported = CliRunner().invoke(cli, ["export", str(alone / "m.safetensors"), "--part", "encoder"])
    assert exported.exit_code == 0, exported.output
    assert f"wrote {alone / 'preprocessing.json'}" in exported.output
    encoded = CliRunner().invoke(cli, ["encode", str(alone / "m.safetensors"), "--data", str(tmp_path / "rows.npy"),
                                       "--out", str(tmp_path / "codes.npy")])
    assert encoded.exit_code == 0, encoded.output
    scaler = json.loads((alone / "preprocessing.json").read_text())["scaler"]
    assert scaler["kind"] != "none"  # the check below would pass on unscaled rows otherwise
    offset, scale = (np.asarray(scaler[key], np.float32).reshape(scaler["shape"]) for key in ("offset", "scale"))
    session = onnxruntime.InferenceSession(str(alone / "encoder.onnx"))
    codes = session.run(None, {session.get_inputs()[0].name: (rows - offset) / scale})[0]  # (n, code)
    np.testing.assert_allclose(codes, np.load(tmp_path / "codes.npy"), atol=1e-5)
    refused = CliRunner().invoke(cli, ["export", str(alone / "m.safetensors"), "--part", "decoder"])
    assert refused.exit_code != 0 and "preprocessing.json already exists" in refused.output


def test_the_readme_python_path_scores_a_streamed_runs_file_in_chunks_as_ae_encode_does(tmp_path):
    # Audit 49: guards the README's snippet (a run's scaler applied in Python, rows read memory-mapped in chunks);
    # ae.encode alone takes model units, so skipping the scaler would give other codes.
    rows = np.random.default_rng(1).normal(20, 5, (300, 5)).astype(np.float32)  # (n, features)
    np.save(tmp_path / "big.npy", rows)
    run = tmp_path / "big"
    trained = CliRunner().invoke(cli, ["train", "--data", str(tmp_path / "big.npy"), "--stream", "--hidden", "8",
                                       "--code-size", "2", "--epochs", "1", "--quiet", "--no-report",
                                       "--out", str(run)])
    assert trained.exit_code == 0, trained.output
    encoded = CliRunner().invoke(cli, ["encode", str(run), "--data", str(tmp_path / "big.npy"),
                                       "--out", str(tmp_path / "codes.npy")])
    assert encoded.exit_code == 0, encoded.output
    checkpoint = ae.load_checkpoint(run)
    scaler = ae.data.Scaler.from_dict(checkpoint.extra["scaler"])
    mapped = np.load(tmp_path / "big.npy", mmap_mode="r")
    codes = np.concatenate([ae.encode(checkpoint.model, scaler.transform(mapped[i:i + 70]))
                            for i in range(0, len(mapped), 70)])  # (n, code)
    np.testing.assert_allclose(codes, np.load(tmp_path / "codes.npy"), atol=1e-6)
    assert np.abs(ae.encode(checkpoint.model, rows) - codes).max() > 1e-2  # the scaler matters here
