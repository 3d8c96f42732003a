"""Scale: data-parallel training in 2 CPU processes matches one process; rows streamed from a memory-mapped
file train like rows in memory, reading at most two chunks at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import autoencoders as ae
from autoencoders.applications import EncoderClassifier
from autoencoders.cli import cli
from autoencoders.cli._run_model import load_run
from autoencoders.data import DataError, Scaler
from autoencoders.data.streaming import ChunkedRows, open_rows
from conftest import fast_config


@pytest.mark.slow
def test_two_processes_reach_the_validation_loss_of_one_and_write_once(digits, tmp_path):
    args = ["--hidden", "32", "--loss", "mse", "--code-size", "6", "--epochs", "3", "--batch-size", "64",
            "--patience", "0", "--test-fraction", "0", "--quiet", "--no-report", "--out", str(tmp_path / "run"),
            "--nproc", "2", "--corruption-level", "0.3"]  # ignored without --corruption: a warning
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "autoencoders.cli", "train", *args], capture_output=True,
                            text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("wrote ") == 1, result.stdout  # only rank 0 writes
    assert result.stderr.count("ignored: corruption_level=0.3") == 1, result.stderr  # and speaks
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "config.json", "history.json", "log.csv", "loss_curves.png", "metrics.json", "model.safetensors",
        "reconstructions.png", "state.safetensors"]
    two = json.loads((tmp_path / "run" / "history.json").read_text())["val"]["loss"]

    ae.seed_everything(0)
    model = ae.create_model("deep", input_shape=(1, 8, 8), code_size=6, hidden=(32,))
    one = ae.Trainer(model, fast_config(epochs=3, batch_size=64, patience=None)).fit(digits.X).val["loss"]
    assert one[-1] < one[0] * 0.7  # it learnt something, so matching is not trivial
    assert np.allclose(two, one, rtol=1e-3), (two, one)


@pytest.mark.parametrize("rank", ["0", "1"])
def test_only_rank_0_shows_warnings_and_every_rank_raises_them_as_errors(rank, monkeypatch):
    # every process of `ae train --nproc N` (or torchrun) printed each warning again
    from autoencoders.training.ranks import warnings_shown_once

    monkeypatch.setenv("RANK", rank)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with warnings_shown_once():
            warnings.warn("once", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == (["once"] if rank == "0" else [])
    with warnings.catch_warnings(), warnings_shown_once():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="once"):  # a warning made an error fails every rank alike
            warnings.warn("once", UserWarning, stacklevel=1)


@pytest.mark.parametrize("rank", ["0", "1"])
def test_ae_train_warns_in_rank_0_only(rank, tmp_path, monkeypatch):
    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).random((24, 6)).astype(np.float32))
    monkeypatch.setenv("RANK", rank)  # one process of a data-parallel run, as the launcher sets it
    with warnings.catch_warnings(record=True) as caught:  # what would be shown
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, ["train", "--data", str(data), "--hidden", "4", "--code-size", "2",
                                          "--epochs", "1", "--corruption-level", "0.3", "--quiet", "--no-report",
                                          "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    shown = [str(w.message) for w in caught if "ignored: corruption_level=0.3" in str(w.message)]
    assert len(shown) == (rank == "0"), shown
    assert (tmp_path / "run" / "metrics.json").exists() == (rank == "0")  # rank 0 writes too


@pytest.mark.parametrize("data, message", [
    ("nowhere.npy", "no such data file or folder: nowhere.npy"),
    ("people.csv", "column 'joined' has 100 distinct values in 100 cells"),  # the file's rows, fitted
])
def test_a_data_parallel_run_names_a_data_error_once_before_starting_any_process(tmp_path, monkeypatch, data,
                                                                                 message):
    rows = [f"2020-{1 + i // 28:02d}-{1 + i % 28:02d},{20 + i % 50}" for i in range(100)]
    (tmp_path / "people.csv").write_text("joined,age\n" + "\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("autoencoders.training.distributed.launch",
                        lambda *args: pytest.fail("processes were started on data that cannot train"))
    result = CliRunner().invoke(cli, ["train", "--nproc", "2", "--data", data, "--out", "run"])
    assert result.exit_code == 1
    assert result.output.count("Error: ") == 1 and message in result.output, result.output
    assert not (tmp_path / "run").exists()


def test_a_data_parallel_run_whose_processes_fail_says_which(digits, tmp_path, monkeypatch):
    monkeypatch.setattr("autoencoders.training.distributed.launch", lambda nproc, module, args: [1])
    result = CliRunner().invoke(cli, ["train", "--nproc", "2", "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == ("Error: training processes [1] of 2 failed; their errors are "
                                                      "above")


@pytest.fixture
def rows_file(digits, tmp_path):
    path = tmp_path / "rows.npy"
    np.save(path, digits.X.reshape(len(digits.X), -1)[:1000])
    return path


def test_streamed_rows_train_like_rows_in_memory(rows_file):
    losses = {}
    for name, X in {"memory": np.load(rows_file), "stream": open_rows(rows_file, chunk_rows=128)}.items():
        ae.seed_everything(0)
        model = ae.create_model("deep", input_shape=(1, 8, 8), code_size=6, hidden=(32,))
        history = ae.Trainer(model, fast_config(epochs=4, validation_fraction=0.2)).fit(X)
        losses[name] = history.val["loss"]
    assert losses["stream"][-1] < 0.7 * losses["stream"][0]
    assert abs(losses["stream"][-1] - losses["memory"][-1]) < 0.15 * losses["memory"][-1], losses


def test_the_chunked_order_is_a_permutation_that_reads_each_chunk_once(rows_file):
    rows = open_rows(rows_file, chunk_rows=128)
    order = rows.shuffled_order(torch.Generator().manual_seed(0))
    assert torch.equal(order.sort().values, torch.arange(1000))
    chunks = (order // 128).tolist()
    changes = sum(a != b for a, b in zip(chunks, chunks[1:], strict=False))
    assert changes == 1000 // 128  # 8 chunks: each visited in one stretch
    reads = []
    original = rows._read
    rows._read = lambda first, last: reads.append(first) or original(first, last)
    batches = [rows[order[i : i + 100]] for i in range(0, 1000, 100)]
    assert len(reads) == 8 and len(rows._cache) <= 2
    assert torch.equal(torch.cat(batches), torch.from_numpy(np.load(rows_file))[order])


def test_streamed_rows_name_bad_rows_and_files(tmp_path):
    X = np.zeros((300, 4), np.float32)
    X[250, 1] = np.nan
    np.save(tmp_path / "nan.npy", X)
    rows = open_rows(tmp_path / "nan.npy", chunk_rows=100)
    assert rows[0:100].shape == (100, 4)
    with pytest.raises(DataError, match=r"rows 200-299 contains NaN in 1 row"):
        rows[200:300]
    with pytest.raises(DataError, match="only .npy files can be memory-mapped"):
        open_rows(tmp_path / "rows.csv")
    with pytest.raises(DataError, match="expected \\(9,\\)"):
        ChunkedRows(X, sample_shape=(9,))
    classifier = EncoderClassifier(ae.create_model("vanilla", input_shape=(4,), code_size=2), 2)  # takes targets
    with pytest.raises(ValueError, match="targets cannot be combined with streamed rows"):
        ae.Trainer(classifier, fast_config()).fit(ChunkedRows(X[:200]), targets=np.zeros(200))


@pytest.mark.parametrize("kind", ["auto", "minmax", "standard"])
def test_a_scaler_fitted_chunk_by_chunk_equals_one_fitted_on_all_rows(kind):
    X = np.random.default_rng(0).normal(3.0, 5.0, size=(1000, 2, 3)).astype(np.float32)
    whole = Scaler.fit(X, kind)
    for cuts in ([1000], [1, 999], [128] * 7 + [104], [333, 0, 667]):
        chunks = np.split(X, np.cumsum(cuts)[:-1])
        parts = Scaler.fit_chunks(chunks, kind)
        assert parts.kind == whole.kind and parts.offset.shape == (2, 3)
        np.testing.assert_allclose(parts.offset, whole.offset, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(parts.scale, whole.scale, rtol=1e-6)
    if kind == "standard":
        np.testing.assert_allclose(whole.scale, X.std(axis=0), rtol=1e-4)
    with pytest.raises(ValueError, match="no rows"):
        Scaler.fit_chunks([], kind)


def test_ae_train_stream_trains_on_a_memory_mapped_file_scaled_chunk_by_chunk(rows_file, tmp_path, monkeypatch):
    raw = np.load(rows_file) * 16  # (1000, 64) pixel counts 0..16: min-max scaled
    np.save(rows_file, raw)
    loads = []
    original_load = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: loads.append(k.get("mmap_mode")) or original_load(*a, **k))
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", "--data", str(rows_file), "--stream", "--epochs", "3", "--code-size",
                                      "6", "--hidden", "32", "--quiet", "--no-report", "--out", str(out)])
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert loads == ["r"]  # the file was only memory-mapped, never read whole
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["n_train"], metrics["n_test"]) == (800, 200)  # the last fifth of the rows is the test split
    assert np.isfinite(metrics["test"]["mse"])
    checkpoint, scaler = load_run(str(out))
    expected = Scaler.fit(raw[:800], "auto")
    assert scaler.kind == "minmax"
    np.testing.assert_allclose(scaler.scale.ravel(), expected.scale.ravel(), rtol=1e-6)
    history = json.loads((out / "history.json").read_text())
    assert history["train"]["loss"][-1] < history["train"]["loss"][0]


def test_ae_train_stream_names_a_file_it_cannot_stream(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    result = CliRunner().invoke(cli, ["train", "--data", str(path), "--stream", "--out", str(tmp_path / "run")])
    assert result.exit_code != 0
    assert "only .npy files can be memory-mapped" in result.output
