from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import autoencoders as ae
from autoencoders import registry
from autoencoders.cli import cli
from conftest import small_model


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def csv_file(tmp_path, digits):
    path = tmp_path / "rows.csv"
    X = digits.X.reshape(len(digits.X), -1)[:300] * 16
    np.savetxt(path, X, delimiter=",", header=",".join(f"p{i}" for i in range(64)), comments="")
    return path


def test_models_lists_every_backbone_objective_and_preset(runner):
    result = runner.invoke(cli, ["models"])
    assert result.exit_code == 0
    listed = [line.split()[:2] for line in result.output.splitlines()]
    assert listed == [*(["backbone", name] for name in ae.list_backbones()),
                      *(["objective", name] for name in ae.list_objectives()),
                      *(["preset", name] for name in ae.list_models())]


def test_train_help_shows_both_parts_options(runner):
    result = runner.invoke(cli, ["train", "--backbone", "conv", "--objective", "vae", "--help"])
    assert result.exit_code == 0
    assert "[backbone conv]" in result.output and "--channels" in result.output and "--beta" in result.output


@pytest.mark.parametrize("args, said", [
    (["--model", "deep", "--beta", "2"], "--beta is an option of objective vae, not of the model deep (mlp+plain): "
                                         "add --objective vae"),
    (["--objective", "vae", "--codebook-size", "8"], "--codebook-size is an option of objective vq, not of the model "
                                                     "mlp+vae: add --objective vq"),
    (["--model", "deep", "--no-remove-level"], "--no-remove-level is an option of backbone sequence, not of the model "
                                               "deep (mlp+plain): add --backbone sequence"),
])
def test_train_names_the_part_an_option_of_another_model_belongs_to(runner, args, said):
    """Audit 43: `ae train --model deep --beta 2`, as a beta-VAE user types it, said "No such option '--beta'. (Did
    you mean one of: '--data', '--quiet'?)"; --beta is the vae objective's."""
    result = runner.invoke(cli, ["train", *args, "--epochs", "1"])
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output


def test_train_help_shows_the_defaults_a_swapped_part_takes(runner):
    # deep's ELU belongs to its mlp backbone: with --backbone conv the model takes conv's own ReLU, as the help says
    # (it showed elu); deep's defaults for the part it keeps still show.
    import re

    def default(args, flag):
        help_text = " ".join(runner.invoke(cli, ["train", *args, "--help"]).output.split())
        return re.search(rf"{flag} \S+ .*?\[default: ([^\]]+)\]", help_text).group(1)

    assert default(["--model", "deep", "--backbone", "conv"], "--activation") == \
        ae.create_model("deep", backbone="conv", input_shape=(1, 8, 8)).config.backbone.activation == "relu"
    assert default(["--model", "deep"], "--activation") == "elu"
    assert default(["--model", "denoising", "--objective", "vae"], "--corruption-level") == "0.3"


def test_train_any_backbone_with_any_objective_then_generate(runner, tmp_path):
    run = tmp_path / "run"
    result = runner.invoke(cli, ["train", "--backbone", "conv", "--objective", "vae", "--channels", "4,8",
                                 "--beta", "0.5", "--code-size", "3", "--epochs", "1", "--out", str(run), "--quiet",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    model = ae.load_model(run)
    assert model.name == "conv+vae" and model.config.backbone.channels == (4, 8)
    assert model.config.objective.beta == 0.5
    result = runner.invoke(cli, ["generate", str(run), "-n", "3", "--out", str(tmp_path / "s.npy")])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "s.npy").shape == (3, 1, 8, 8)
    result = runner.invoke(cli, ["generate", str(run), "-n", "3", "--noise", "--out", str(tmp_path / "x.npy")])
    assert result.exit_code == 0, result.output  # draws from p(x|z) for the same prior codes: not their means
    drawn = np.load(tmp_path / "x.npy")
    assert drawn.shape == (3, 1, 8, 8) and not np.array_equal(drawn, np.load(tmp_path / "s.npy"))
    for noise, name in (([], "m.npy"), (["--noise"], "mx.npy")):  # codes from a mixture on the training data's
        result = runner.invoke(cli, ["generate", str(run), "-n", "3", "--fit-density", "--components", "2", *noise,
                                     "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "mx.npy").shape == (3, 1, 8, 8)
    assert not np.array_equal(np.load(tmp_path / "mx.npy"), np.load(tmp_path / "m.npy"))


def test_train_a_preset_with_another_objective_names_the_model_and_folder_by_its_pair(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown = runner.invoke(cli, ["train", "--model", "vae", "--objective", "vq", "--help"])
    assert "[objective vq]" in shown.output and "[objective vae]" not in shown.output
    result = runner.invoke(cli, ["train", "--model", "vae", "--objective", "vq", "--hidden", "8", "--code-dim", "2",
                                 "--epochs", "1", "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["mlp+vq-digits"]
    assert ae.load_model(tmp_path / "runs" / "mlp+vq-digits").name == "mlp+vq"


def test_train_rejects_an_unknown_objective(runner):
    result = runner.invoke(cli, ["train", "--objective", "nope"])
    assert result.exit_code != 0 and "registered objectives are" in result.output


@pytest.mark.parametrize("name", ae.list_models())
def test_train_help_shows_the_family_options(runner, name):
    result = runner.invoke(cli, ["train", "--model", name, "--help"])
    assert result.exit_code == 0
    assert f"[{name}]" in result.output


def test_train_evaluate_encode_reconstruct_on_a_csv(runner, csv_file, tmp_path):
    run = tmp_path / "run"
    result = runner.invoke(cli, ["train", "--data", str(csv_file), "--model", "deep", "--hidden", "32",
                                 "--code-size", "4", "--epochs", "3", "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("model.safetensors", "state.safetensors", "config.json", "history.json", "metrics.json",
                 "reconstructions.png", "loss_curves.png"):
        assert (run / name).is_file(), name
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_train"] == 240 and metrics["n_test"] == 60 and metrics["options"]["hidden"] == [32]

    result = runner.invoke(cli, ["evaluate", str(run), "--data", str(csv_file)])
    assert result.exit_code == 0 and json.loads(result.output)["n_samples"] == 300

    result = runner.invoke(cli, ["encode", str(run), "--data", str(csv_file), "--out", str(tmp_path / "c.npy")])
    assert result.exit_code == 0 and np.load(tmp_path / "c.npy").shape == (300, 4)

    result = runner.invoke(cli, ["reconstruct", str(run), "--data", str(csv_file), "--out", str(tmp_path / "r.csv"),
                                 "--image", str(tmp_path / "r.png")])
    assert result.exit_code == 0  # says where the picture went too, as generate and interpolate do
    assert result.output == f"wrote 300 reconstructions to {tmp_path / 'r.csv'} and the first 10 drawn to " \
                            f"{tmp_path / 'r.png'}\n" and (tmp_path / "r.png").stat().st_size > 0
    recon = np.loadtxt(tmp_path / "r.csv", delimiter=",", skiprows=1)  # a table comes back with its header
    assert recon.shape == (300, 64) and recon.max() > 2  # back in the data's own units (0..16)


def test_training_resumes(runner, csv_file, tmp_path):
    args = ["train", "--data", str(csv_file), "--hidden", "16", "--code-size", "2", "--out", str(tmp_path / "run"),
            "--quiet", "--patience", "0"]
    assert runner.invoke(cli, [*args, "--epochs", "2"]).exit_code == 0
    result = runner.invoke(cli, [*args, "--epochs", "4", "--resume"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["epochs_run"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "nope"], "unknown model 'nope'"),
        (["train", "--data", "missing.csv"], "no such data file"),
        (["evaluate", "{tmp}", "--data", "digits"], "no checkpoint file"),
        (["train", "--model", "deep", "--hidden", "a,b"], "not a comma-separated list"),
    ],
)
def test_errors_exit_nonzero_with_a_clear_message(runner, tmp_path, args, message):
    result = runner.invoke(cli, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_wrong_width_data_for_a_trained_run(runner, csv_file, tmp_path):
    run = tmp_path / "run"
    runner.invoke(cli, ["train", "--data", str(csv_file), "--hidden", "8", "--epochs", "1", "--out", str(run),
                        "--quiet"])
    other = tmp_path / "narrow.npy"
    np.save(other, np.zeros((3, 10)))
    result = runner.invoke(cli, ["encode", str(run), "--data", str(other), "--out", str(tmp_path / "c.npy")])
    assert result.exit_code == 1 and "10 columns; fitted on 64" in result.output


def test_every_command_with_a_required_out_refuses_to_start_without_it(tmp_path, monkeypatch):
    """Every command that writes a required --out says "Missing option '--out'" before any work (under click 8.5
    a required option with default=None was taken as given: the work ran, then a TypeError traceback)."""
    import click

    monkeypatch.setattr("autoencoders.checkpoint.load_checkpoint", lambda *a: pytest.fail("worked before refusing"))
    monkeypatch.setattr("autoencoders.data.load_data", lambda *a, **k: pytest.fail("worked before refusing"))
    path = tmp_path / "file"
    path.write_text("x")
    checked = []
    for name, command in cli.commands.items():
        if not any(param.name == "out" and param.required for param in command.params):
            continue
        args = [name]
        for param in command.params:
            if isinstance(param, click.Argument):
                args.append(str(path))
            elif param.required and param.name != "out":
                args += [param.opts[0], "0"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "Missing option '--out'" in result.output, (name, result.output)
        checked.append(name)
    assert {"encode", "reconstruct", "generate", "interpolate", "compress", "decompress", "impute", "detect"} <= set(
        checked)


@pytest.mark.parametrize("command", ["encode", "export", "report", "denoise"])
def test_outputs_are_claimed_before_any_work(tmp_path, monkeypatch, command):
    """One file (--out FILE) or a folder's files (--out DIR, denoise's OUT): refused before the run is read when one
    exists (all named), when the folder cannot be written, and (one file) when it is the file the command reads."""
    import os

    from autoencoders.cli import _outputs

    monkeypatch.setattr("autoencoders.checkpoint.load_checkpoint", lambda *a: pytest.fail("worked before refusing"))
    run, images, out = tmp_path / "run", tmp_path / "in", tmp_path / "out"
    run.mkdir()
    (images / "a.png").parent.mkdir()
    for name in ("a.png", "b.png"):
        (images / name).write_bytes(b"an image")
    target, args = {"encode": (out / "codes.npy", ["--data", str(images / "a.png"), "--out"]),
                     "export": (out, ["--part", "all", "--out"]), "report": (out, ["--out"]),
                     "denoise": (out, [str(images)])}[command]
    existing = {"encode": ["codes.npy"], "export": ["encoder.onnx", "decoder.onnx"],
                "report": ["report.html", "loss_curves.png"], "denoise": ["a.png", "b.png"]}[command]

    def invoke(*extra):
        return CliRunner().invoke(cli, [command, str(run), *args, str(target), *extra])

    out.mkdir()
    for name in existing:
        (out / name).write_text("keep me")
    refused = invoke()
    one = len(existing) == 1
    assert refused.exit_code == 2, refused.output
    assert all(str(out / name) in refused.output for name in existing)
    assert f"already exist{'s' if one else ''}; pass --overwrite to replace {'it' if one else 'them'}" in \
        refused.output.replace("\n", " ")
    access = os.access
    monkeypatch.setattr(_outputs.os, "access", lambda path, mode: not (Path(path) == out and mode & os.W_OK)
                        and access(path, mode))  # as for a user without write permission (tests run as root)
    refused = invoke("--overwrite")
    assert refused.exit_code == 2 and f"cannot write in {out}" in refused.output, refused.output
    assert all((out / name).read_text() == "keep me" for name in existing)
    if command == "encode":
        itself = CliRunner().invoke(cli, [command, str(run), "--data", str(target), "--out", str(target),
                                          "--overwrite"])
        assert itself.exit_code == 2 and "is the file this command reads" in itself.output, itself.output


@pytest.mark.parametrize("objective", registry.list_objectives())
def test_evaluate_gives_the_test_nll_of_a_run_with_a_likelihood_and_a_prior(runner, tmp_path, objective):
    """Generative 46: `ae evaluate` on a VAE gave the reconstruction term as `loss` and no likelihood (Python only);
    an objective with both flags now gets the importance-weighted NLL and the ELBO, the figures the Python calls
    give on the same rows, and is told what `loss` is."""
    model = small_model(f"mlp+{objective}", input_shape=(16,), loss="bce").eval()
    ae.save_model(model, tmp_path / "model.safetensors")
    X = np.random.default_rng(0).random((30, 16)).round().astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    variational = model.objective.has_likelihood and model.objective.can_sample
    # --importance-samples to another model is refused (test_pairs); without it, no likelihood figures either
    result = runner.invoke(cli, ["evaluate", str(tmp_path / "model.safetensors"), "--data", str(tmp_path / "x.npy"),
                                 *(["--importance-samples", "20"] if variational else [])])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    if not variational:
        assert not {"nll_nats", "elbo_nats", "importance_samples"} & set(metrics)
        return
    x = torch.from_numpy(X)
    assert metrics["nll_nats"] == pytest.approx(-model.log_likelihood(x, k=20).mean().item(), rel=1e-5)
    assert metrics["elbo_nats"] == pytest.approx(model.elbo(x).mean().item(), rel=1e-5)
    assert metrics["importance_samples"] == 20 and metrics["likelihood_rows"] == 30
    assert "without the KL term" in metrics["loss_is"] and "not the negative log-likelihood" in metrics["loss_is"]
    again = runner.invoke(cli, ["evaluate", str(tmp_path / "model.safetensors"), "--data", str(tmp_path / "x.npy"),
                                "--importance-samples", "20"])
    assert json.loads(again.output) == metrics  # seeded: the same figures every run


def test_evaluate_refuses_an_importance_sample_count_below_one(runner, tmp_path):
    ae.save_model(small_model("mlp+vae", input_shape=(16,), loss="bce"), tmp_path / "model.safetensors")
    np.save(tmp_path / "x.npy", np.zeros((3, 16), np.float32))
    result = runner.invoke(cli, ["evaluate", str(tmp_path / "model.safetensors"), "--data", str(tmp_path / "x.npy"),
                                 "--importance-samples", "0"])
    assert result.exit_code == 2 and "Invalid value for '--importance-samples': 0 is not in the range" in result.output
