"""Run folders: one writer at a time, an existing run kept unless resumed or overwritten, resuming with the stored
settings, and Ctrl-C / SIGTERM ending training after the current batch with a checkpoint to resume from."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

import autoencoders as ae
from autoencoders.cli import cli
from autoencoders.cli._train_options import CLI_OWN_FIELDS
from autoencoders.training import ownership
from autoencoders.training.config import RESUMABLE_CHANGES
from conftest import another_setting

SMALL = ["train", "--hidden", "8", "--code-size", "3", "--epochs", "1", "--quiet", "--no-report"]


def _ae(*args: str, **popen) -> subprocess.Popen:
    """``ae ARGS`` in a child process (one torch thread, so runs repeat bit for bit)."""
    return subprocess.Popen([sys.executable, "-m", "autoencoders.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, **popen)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


# ------------------------------------------------------------------------------------ existing folders
def test_an_existing_run_is_refused_without_resume_or_overwrite(tmp_path):
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    result = _invoke(*SMALL, "--code-size", "5", "--out", str(run))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {run} already holds a run; pass --resume to continue it, --overwrite to replace it, or choose "
        "another --out"]
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def test_overwrite_clears_the_old_runs_files_first(tmp_path):
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    (run / "encoder.onnx").write_bytes(b"an export of the old model")
    result = _invoke(*SMALL, "--code-size", "5", "--out", str(run), "--overwrite")
    assert result.exit_code == 0, result.output
    assert not (run / "encoder.onnx").exists() and not (run / ownership.LOCK_FILE).exists()
    assert json.loads((run / "config.json").read_text())["model_config"]["code_size"] == 5
    assert json.loads((run / "metrics.json").read_text())["code_size"] == 5


def test_resume_refuses_a_run_folder_holding_graphs_exported_from_its_weights(tmp_path):
    """Tidy 50: `ae export RUN` writes its graphs into the run folder, and --resume then wrote new weights beside
    them without a word: a deployment took the old graphs (each holds its weights) for the run's. Refused before
    any work, naming them; moved out, the run resumes."""
    run, kept = tmp_path / "run", tmp_path / "exported"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    for name in ("encoder.onnx", "decoder.onnx", "decoder.onnx.data", "preprocessing.json"):
        (run / name).write_bytes(b"as ae export wrote it")
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    refused = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and (f"{run} holds decoder.onnx, decoder.onnx.data, encoder.onnx, graphs exported "
                                       "from the weights resuming would change") in said, refused.output
    assert f"ae export {run} --part all" in said and "preprocessing.json" not in said  # the scaler does not change
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    kept.mkdir()
    for name in ("encoder.onnx", "decoder.onnx", "decoder.onnx.data"):
        (run / name).rename(kept / name)
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output


def test_overwrite_clears_the_old_runs_tensorboard_events(tmp_path):
    """The old run's tensorboard/ events stayed beside the new run's: TensorBoard showed both runs' curves as one."""
    run = tmp_path / "run"
    events = run / "tensorboard" / "events.out.tfevents.1.old"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    events.parent.mkdir()
    events.write_bytes(b"the old run's losses")  # as its --logger tensorboard wrote them
    assert _invoke(*SMALL, "--out", str(run), "--overwrite").exit_code == 0
    assert not events.exists()


def test_a_folder_of_other_files_is_never_a_run_to_overwrite(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = _invoke(*SMALL, "--out", str(tmp_path), "--overwrite")
    assert result.exit_code == 1 and "is a folder of other files, not a run" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# ------------------------------------------------------------------------------------------ one writer
def test_a_run_folder_in_use_is_refused_and_a_stale_lock_is_taken_over(tmp_path):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from autoencoders.training import ownership\n"
                               f"with ownership.owned({str(run)!r}):\n print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = _invoke(*SMALL, "--out", str(run))
        assert result.exit_code == 1
        assert f"Error: {run} is in use by process {holder.pid}" in result.output
    finally:
        holder.kill()  # dies holding the lock: its lock file stays behind
        holder.wait()
        holder.stdout.close()
    assert ownership._lock_owner(run / ownership.LOCK_FILE) == holder.pid
    with pytest.warns(RuntimeWarning, match=f"took over the lock left by process {holder.pid}"):
        result = _invoke(*SMALL, "--out", str(run))
    assert result.exit_code == 0, result.output
    assert not (run / ownership.LOCK_FILE).exists()  # released on exit


@pytest.mark.slow
def test_two_runs_into_one_folder_at_once_leave_one_consistent_run(tmp_path):
    run = tmp_path / "run"
    runs = [_ae(*SMALL, "--epochs", "3", "--code-size", str(size), "--out", str(run)) for size in (8, 12)]
    outputs = [process.communicate(timeout=300)[0] for process in runs]
    codes = [process.returncode for process in runs]
    assert sorted(codes) == [0, 1], outputs
    loser = outputs[codes.index(1)]
    assert "in use by process" in loser or "already holds a run" in loser, loser
    size = (8, 12)[codes.index(0)]
    assert json.loads((run / "config.json").read_text())["model_config"]["code_size"] == size
    assert json.loads((run / "metrics.json").read_text())["code_size"] == size
    assert ae.load_model(run).encode(torch.zeros(1, 1, 8, 8)).shape == (1, size)


def test_a_run_folder_copied_while_in_use_is_resumed_without_saying_its_trainer_died(tmp_path):
    """A copy of a folder in use carries the lock file of the process training in the original: taking it over,
    the copy's run said that process was "no longer running" while it still trained."""
    run = tmp_path / "copy"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    trainer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # the original's, still running
    try:
        (run / ownership.LOCK_FILE).write_text(f"{trainer.pid} host\n")
        with pytest.warns(RuntimeWarning, match=f"process {trainer.pid}, which is running but holds another folder"):
            resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet")
    finally:
        trainer.kill()
        trainer.wait()
    assert resumed.exit_code == 0, resumed.output


# ------------------------------------------------------------------------------------------- resuming
def test_a_run_extended_by_resume_still_learns_under_a_cosine_schedule(tmp_path):
    """The cosine schedule reached zero at the first run's last epoch; resumed with more --epochs it is stretched to
    the new end, so the added epochs learn (they trained at learning rate 0, changing nothing)."""
    run = tmp_path / "run"
    first = _invoke(*SMALL, "--scheduler", "cosine", "--validation-fraction", "0", "--out", str(run))
    assert first.exit_code == 0, first.output
    before = load_file(run / "state.safetensors")
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "3", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output
    lrs = json.loads((run / "history.json").read_text())["lr"]
    assert lrs == [pytest.approx(1e-3), pytest.approx(1e-3 * 0.75), pytest.approx(1e-3 * 0.25)]
    after = load_file(run / "state.safetensors")
    assert any(not torch.equal(before[name], after[name]) for name in before if name.startswith("model."))


def test_resume_reads_the_stored_settings_and_refuses_others_by_name(tmp_path):
    run, other = tmp_path / "run", tmp_path / "vanilla"
    for result in (_invoke(*SMALL, "--code-size", "4", "--lr", "0.002", "--out", str(run)),
                   _invoke("train", "--model", "vanilla", "--epochs", "1", "--quiet", "--no-report", "--out",
                           str(other))):
        assert result.exit_code == 0, result.output
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((run / "metrics.json").read_text())["epochs_run"] == 2
    for folder, args, message in [
        (run, ["--code-size", "5"], "--code-size 5 disagrees with the run's stored 4"),
        (run, ["--lr", "0.1"], "--lr 0.1 disagrees with the run's stored 0.002"),
        (run, ["--model", "vanilla"], "--model vanilla disagrees with the run's stored deep"),
        (run, ["--overwrite"], "--resume and --overwrite contradict each other"),
        (other, ["--hidden", "8"], "--hidden [8] disagrees with the run's stored []"),  # vanilla: mlp, no hidden layer
        (tmp_path / "nothing", [], f"{tmp_path / 'nothing'} holds no run to resume"),
    ]:
        result = _invoke("train", "--out", str(folder), "--resume", "--epochs", "3", *args)
        assert result.exit_code == 1 and result.output.strip().splitlines()[0].startswith(f"Error: {message}"), \
            (args, result.output)
    assert json.loads((run / "metrics.json").read_text())["epochs_run"] == 2


def test_ae_train_resume_refuses_the_training_changes_fit_refuses(tmp_path):
    """The command and Trainer.fit read one list of the training settings a resumed run may change."""
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    stored = json.loads((run / "config.json").read_text())["train_config"]
    for name in sorted(set(stored) - CLI_OWN_FIELDS):
        value, flag = another_setting(name, stored[name]), "--" + name.replace("_", "-")
        given = [f"--{'' if value else 'no-'}{flag[2:]}"] if isinstance(value, bool) else [flag, str(value)]
        result = _invoke("train", "--out", str(run), "--resume", "--quiet", "--no-report", *given)
        if name in RESUMABLE_CHANGES:
            assert result.exit_code == 0, (name, result.output)
        else:
            assert result.exit_code == 1 and f"Error: {flag} " in result.output and \
                "disagrees with the run's stored" in result.output, (name, result.output)
    assert json.loads((run / "metrics.json").read_text())["epochs_run"] == 2  # --epochs 2 extended it


def test_a_resumed_run_writes_what_the_run_it_continues_wrote(tmp_path):
    """A run begun with --no-report wrote report.html when resumed (and a --logger tensorboard run logged to csv
    only) unless told again; --report given on resume wins, as --epochs does."""
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert not (run / "report.html").exists()
    again = _invoke("train", "--out", str(run), "--resume", "--epochs", "3", "--quiet", "--report")
    assert again.exit_code == 0, again.output
    assert (run / "report.html").exists() and "Note: --report given: the run was begun with --no-report" in again.output
    refused = _invoke("train", "--out", str(run), "--resume", "--epochs", "4", "--logger", "tensorboard")
    assert refused.exit_code == 1 and "Error: --logger tensorboard disagrees with the run's stored csv" in \
        refused.output, refused.output


def test_a_resumed_run_reads_its_table_with_the_columns_it_was_trained_on(tmp_path):
    """--drop, --columns, --categorical, --delimiter and --unknown-categories were not stored: resumed without them
    the file was read with other columns (refused as another model's config) or the run's later commands met an
    unseen category with a warning where the run said error."""
    path = tmp_path / "people.csv"
    path.write_text("id;age;grade;city\n" + "".join(f"{1000 + i};{20 + i % 9};{1 + i % 3};{'xyz'[i % 3]}\n"
                                                    for i in range(30)))
    run = tmp_path / "run"
    began = _invoke(*SMALL, "--data", str(path), "--drop", "id", "--categorical", "grade", "--delimiter", ";",
                    "--unknown-categories", "error", "--out", str(run))
    assert began.exit_code == 0, began.output
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert ae.load_model(run).config.input_shape == (7,)  # age, grade's 3 and city's 3: no id
    tabular = json.loads((run / "config.json").read_text())["extra"]["tabular"]
    assert tabular["handle_unknown"] == "error"
    for given, message in [(["--drop", "city"], "--drop city disagrees with the run's stored id"),
                           (["--categorical", "age"], "--categorical age disagrees with the run's stored grade"),
                           (["--unknown-categories", "warn"], "--unknown-categories warn disagrees with the run's "
                                                              "stored error"),
                           (["--delimiter", ","], "--delimiter , disagrees with the run's stored ;")]:
        result = _invoke("train", "--out", str(run), "--resume", "--epochs", "3", *given)
        assert result.exit_code == 1 and f"Error: {message}" in result.output, (given, result.output)
    assert _invoke("train", "--out", str(run), "--resume", "--epochs", "3", "--quiet", "--drop", "id",
                   "--delimiter", ";").exit_code == 0  # the stored values, given again


def test_a_run_finds_its_data_from_any_folder_and_names_a_moved_file(tmp_path, monkeypatch):
    """--data given as a relative path was stored as given: resumed (or used by `ae encode RUN`) from another folder,
    or after the run folder moved, the run looked for the file there ("no such data file or folder: rows.csv");
    a data file moved since has to be named anew, which --resume refused as disagreeing with the stored path."""
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir(), elsewhere.mkdir()
    np.save(work / "rows.npy", np.random.default_rng(0).random((30, 6)).astype(np.float32))
    monkeypatch.chdir(work)
    assert _invoke(*SMALL, "--data", "rows.npy", "--out", "run").exit_code == 0
    monkeypatch.chdir(elsewhere)
    (work / "run").rename(elsewhere / "moved")
    resumed = _invoke("train", "--out", "moved", "--resume", "--epochs", "2", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert _invoke("encode", "moved", "--out", "codes.npy").exit_code == 0
    (work / "rows.npy").rename(elsewhere / "rows.npy")
    encoded = _invoke("encode", "moved", "--out", "codes.npy", "--overwrite")
    assert encoded.exit_code == 2 and f"the run was trained on {work / 'rows.npy'}, which is no longer there" in \
        encoded.output, encoded.output
    refused = _invoke("train", "--out", "moved", "--resume", "--epochs", "3", "--quiet")
    assert refused.exit_code == 1 and f"the run's --data {work / 'rows.npy'} is no longer there (moved or " \
        "deleted?): give --data with its new place" in refused.output, refused.output
    resumed = _invoke("train", "--out", "moved", "--resume", "--epochs", "3", "--quiet", "--data", "rows.npy")
    assert resumed.exit_code == 0, resumed.output
    assert ae.load_model(elsewhere / "moved") is not None and _invoke("encode", "moved", "--out", "codes.npy",
                                                                      "--overwrite").exit_code == 0
    (elsewhere / "digits").mkdir()  # a folder named as a data set: --data digits is still the data set
    assert _invoke(*SMALL, "--out", "digits_run").exit_code == 0
    assert json.loads((elsewhere / "digits_run" / "config.json").read_text())["extra"]["data"]["source"] == "digits"


def test_a_run_whose_history_file_is_damaged_resumes_from_its_checkpoint(tmp_path):
    """history.json cut short (a full disk) stopped --resume ("a damaged record of the run"), though the checkpoint
    holds the history the run goes on from; it is written anew, every epoch in it."""
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--epochs", "2", "--out", str(run)).exit_code == 0
    (run / "history.json").write_text((run / "history.json").read_text()[:40])
    with pytest.warns(UserWarning, match="history.json is unreadable .*; resuming from the checkpoint"):
        resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "3", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert len(json.loads((run / "history.json").read_text())["epoch_seconds"]) == 3


def _edit_config(run: Path, field: str, value) -> None:
    """Set the dotted ``field`` of ``run``'s config.json to ``value``, as a user editing it by hand does."""
    settings = json.loads((run / "config.json").read_text())
    *parents, last = field.split(".")
    entry = settings
    for name in parents:
        entry = entry[name]
    entry[last] = value
    (run / "config.json").write_text(json.dumps(settings, indent=2))


@pytest.mark.parametrize(("field", "value", "was"), [("model_config.code_size", 5, "3"),
                                                     ("model", "vanilla", '"deep"'),
                                                     ("extra.scaler.kind", "minmax", '"none"'),
                                                     ("train_config.batch_size", 32, "64")])
def test_a_run_whose_config_json_was_edited_is_refused_naming_the_file_and_the_field(tmp_path, field, value, was):
    """Tidy 50: config.json is the run's readable copy of its settings; the checkpoint is what is loaded. An edited
    code size or model name was ignored by ae.load_model and ae encode without a word (the edit seemed to do nothing)
    and trusted by --resume, which built the edited model and then failed naming neither file nor field; an edited
    batch size was trained with. Each is refused by name; the file put back loads and resumes as before."""
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    original = (run / "config.json").read_text()
    _edit_config(run, field, value)
    said = re.escape(f"{run / 'config.json'} disagrees with") + r".*" + re.escape(f"{field} is {json.dumps(value)} "
                                                                                 f"there, {was} in the checkpoint")
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    assert resumed.exit_code == 1 and re.search(said, " ".join(resumed.output.split())), resumed.output
    if not field.startswith("train_config"):  # the model file holds the model and its scaler, not how it trained
        with pytest.raises(ae.CheckpointError, match=said):
            ae.load_model(run)
        encoded = _invoke("encode", str(run), "--out", str(tmp_path / "codes.npy"))
        assert encoded.exit_code == 1 and re.search(said, " ".join(encoded.output.split())), encoded.output
    (run / "config.json").write_text(original)
    assert ae.load_model(run).config.code_size == 3
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output


def test_a_vaes_history_names_its_weighted_kl_term_and_an_older_runs_history_resumes_under_the_new_name(tmp_path):
    """Tidy 50: a VAE's history (history.json, log.csv, the loss curves) called its loss term "kl", which is beta
    times the KL: a reader of log.csv took a run at --beta 2 for one of twice the KL. It is "beta_kl" now (the parts
    still sum to the loss); a run written before, its history under "kl", resumes with that column renamed for every
    epoch (its earlier epochs' list and the new ones' would otherwise be two columns of different lengths)."""
    from autoencoders.checkpoint import load_tensors, save_tensors

    run = tmp_path / "run"
    assert _invoke(*SMALL, "--objective", "vae", "--beta", "2", "--out", str(run)).exit_code == 0
    history = json.loads((run / "history.json").read_text())
    assert set(history["train"]) == {"loss", "reconstruction", "beta_kl"}
    assert history["train"]["loss"][0] == pytest.approx(history["train"]["reconstruction"][0]
                                                        + history["train"]["beta_kl"][0])
    assert (run / "log.csv").read_text().startswith("epoch,train_loss,train_reconstruction,train_beta_kl,val_loss")

    def as_written_before(values: dict) -> dict:  # the history of a run written before Tidy 50
        return values | {part: {("kl" if name == "beta_kl" else name): terms for name, terms in values[part].items()}
                         for part in ("train", "val")}

    tensors, metadata = load_tensors(run / "state.safetensors")
    save_tensors(run / "state.safetensors", tensors, metadata | {"history": as_written_before(metadata["history"])})
    (run / "history.json").write_text(json.dumps(as_written_before(history)))
    resumed = _invoke("train", "--out", str(run), "--resume", "--epochs", "2", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output
    history = json.loads((run / "history.json").read_text())
    assert set(history["train"]) == set(history["val"]) == {"loss", "reconstruction", "beta_kl"}
    assert len(history["train"]["beta_kl"]) == len(history["val"]["beta_kl"]) == 2
    log = (run / "log.csv").read_text().splitlines()
    assert log[0].startswith("epoch,train_loss,train_reconstruction,train_beta_kl,") and len(log) == 3


# ----------------------------------------------------------------------------------------- interrupts
def _started(process: subprocess.Popen, state: Path) -> None:
    deadline = time.monotonic() + 240
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, process.communicate()[0]


@pytest.mark.slow
@pytest.mark.parametrize(("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_training_after_the_batch_and_the_run_resumes_to_the_same_weights(tmp_path, number, code):
    args = ["train", "--hidden", "32", "--code-size", "6", "--epochs", "6", "--batch-size", "16", "--patience", "0",
            "--seed", "5", "--quiet", "--no-report"]
    stopped = tmp_path / "stopped"
    process = _ae(*args, "--out", str(stopped))
    _started(process, stopped / "state.safetensors")
    process.send_signal(number)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == code, output
    assert f"Interrupted: training stopped by {signal.Signals(number).name}" in output
    assert f"continue with: ae train --out {stopped} --resume" in output
    history = json.loads((stopped / "history.json").read_text())
    assert 1 <= len(history["lr"]) < 6 and not (stopped / "metrics.json").exists()
    assert not (stopped / ownership.LOCK_FILE).exists()
    if number == signal.SIGTERM:
        return  # the same stop as SIGINT: resuming it is checked once
    resumed = _ae("train", "--out", str(stopped), "--resume", "--quiet", "--no-report")
    whole = _ae(*args, "--out", str(tmp_path / "whole"))
    for process in (resumed, whole):
        output = process.communicate(timeout=300)[0]
        assert process.returncode == 0, output
    expected, got = (load_file(str(tmp_path / name / "model.safetensors")) for name in ("whole", "stopped"))
    assert all(torch.equal(expected[key], got[key]) for key in expected)


def test_a_resumed_runs_training_seconds_count_the_epochs_of_its_earlier_sessions(tmp_path):
    """metrics.json's train_seconds (the report's "training seconds") was the last session's time only: a run
    interrupted after most of its epochs, or resumed once finished, said it trained in a fraction of its time."""
    run = tmp_path / "run"
    assert _invoke(*SMALL, "--out", str(run)).exit_code == 0
    history = json.loads((run / "history.json").read_text())
    history["epoch_seconds"] = [50.0] * len(history["epoch_seconds"])  # as if its epochs had been slow
    (run / "history.json").write_text(json.dumps(history))
    resumed = _invoke("train", "--out", str(run), "--resume", "--quiet", "--no-report")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((run / "metrics.json").read_text())["train_seconds"] >= 50.0 * len(history["epoch_seconds"])
