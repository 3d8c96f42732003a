from __future__ import annotations

import os
import stat

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import autoencoders as ae
from autoencoders.errors import RunFolderError
from conftest import small_model


@pytest.fixture
def saved(tmp_path):
    model = small_model("deep")
    return model, ae.save_model(model, tmp_path / "model.safetensors")


def test_truncated_checkpoint_is_a_clear_error(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ae.CheckpointError, match="corrupt or truncated"):
        ae.load_model(broken)


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(b"\x00\x01not a checkpoint" * 10)
    with pytest.raises(ae.CheckpointError, match="corrupt or truncated"):
        ae.load_model(path)


def test_foreign_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(ae.CheckpointError, match="not an autoencoders checkpoint"):
        ae.load_model(path)


def test_loading_as_another_model_is_refused(saved):
    _, path = saved
    with pytest.raises(ae.CheckpointError, match="holds a 'deep' model, not 'vanilla'"):
        ae.load_model(path, model="vanilla")


def test_mismatched_weights_are_named(tmp_path):
    model = small_model("deep")
    tensors = {k: v.clone() for k, v in model.state_dict().items()}
    tensors["encoder.1.0.weight"] = torch.zeros(3, 3)
    from autoencoders.checkpoint import save_tensors

    path = tmp_path / "bad.safetensors"
    save_tensors(path, tensors, {"model": "deep", "config": model.config.to_dict(), "extra": {}})
    with pytest.raises(ae.CheckpointError, match=r"shape mismatch.*encoder\.1\.0\.weight"):
        ae.load_model(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        ae.load_model(tmp_path / "nothing.safetensors")


def test_writes_are_atomic_and_leave_no_temporary_files(saved, tmp_path):
    model, path = saved
    ae.save_model(model, path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_failed_write_keeps_the_previous_checkpoint(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("autoencoders.checkpoint.save", explode)
    with pytest.raises(OSError, match="disk full"):
        ae.save_model(model, path, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["model.safetensors"]


def test_a_training_runs_model_is_not_replaced_by_save_model(tmp_path, digits):
    """Audit 43: save_model(model, RUN) of a model fine-tuned in Python replaced the run's model.safetensors without a
    word, its scaler dropped, while the run's state, config.json and history stayed the old run's (a --resume then
    trained the old weights on and overwrote the new ones)."""
    run = tmp_path / "run"
    ae.Trainer(small_model("deep"), ae.TrainConfig(epochs=1, progress=False), run_dir=run).fit(digits.X[:64])
    before = (run / "model.safetensors").read_bytes()
    for target in (run, run / "model.safetensors"):
        with pytest.raises(RunFolderError, match=rf"{run} holds a training run .*state.safetensors.*: its "
                                                    r"model is written by the run; save this one to another path"):
            ae.save_model(small_model("vae"), target)
    assert (run / "model.safetensors").read_bytes() == before
    assert ae.save_model(small_model("vae"), run / "tuned.safetensors").is_file()  # another file beside it is fine


def test_extra_metadata_round_trips(tmp_path):
    model = small_model("deep")
    ae.save_model(model, tmp_path, extra={"scaler": {"kind": "none"}, "note": [1, 2]})
    loaded = ae.load_checkpoint(tmp_path)
    assert loaded.extra == {"scaler": {"kind": "none"}, "note": [1, 2]}
    np.testing.assert_array_equal(ae.encode(loaded.model, np.ones((2, 64))), ae.encode(model, np.ones((2, 64))))


@pytest.mark.skipif(os.name != "posix", reason="folder fsync is POSIX")
def test_an_atomic_write_flushes_the_folder_after_its_rename(tmp_path, monkeypatch):
    # The file was flushed before the rename, the folder entry the rename writes was not: a power cut right after
    # could bring back the old file (or none) although the write had returned.
    from autoencoders import checkpoint

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(checkpoint.os, "fsync", lambda fd: (synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)),
                                                            real_fsync(fd)))
    checkpoint.atomic_write(tmp_path / "f.json", lambda tmp: tmp.write_text("{}"))
    assert synced == [False, True], "the file, then its folder"
    assert (tmp_path / "f.json").read_text() == "{}"


def test_the_same_model_saved_twice_gives_the_same_bytes(tmp_path):
    """Audit 51: safetensors wrote the metadata entries (format, config, checksums ...) in a hash map's order,
    which changes from write to write, so two runs of the same seed left model files that differed byte for
    byte though every tensor and setting agreed: a checksum of the files could not tell that they were the same."""
    model = small_model("deep")
    extra = {"scaler": {"kind": "none"}, "note": [1, 2]}
    files = [ae.save_model(model, tmp_path / f"copy{i}.safetensors", extra=extra) for i in range(4)]
    assert len({file.read_bytes() for file in files}) == 1
    loaded = ae.load_checkpoint(files[-1])  # still an ordinary safetensors file that loads and verifies
    assert loaded.extra == extra


@pytest.mark.parametrize("name", ["deep", "vae", "conv+vq"])
def test_loading_a_model_leaves_the_callers_random_state_alone(tmp_path, name):
    """Audit 51: a load built the model first, drawing initial weights that the file's then replaced, from torch's
    global generator: `torch.manual_seed(0); load_model(...); torch.randn(...)` drew other numbers than without
    the load, and every `ae` command on a run (generate, report, evaluate ...) moved the stream it seeded."""
    path = ae.save_model(small_model(name), tmp_path / "model.safetensors")
    torch.manual_seed(0)
    state = torch.get_rng_state()
    ae.load_model(path)
    ae.load_checkpoint(tmp_path)
    assert torch.equal(torch.get_rng_state(), state), "the caller's torch generator moved"
