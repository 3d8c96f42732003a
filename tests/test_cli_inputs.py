"""Bad command-line input is one ``Error:`` line naming the problem, found before any long work; results that are
not finite numbers are refused; a diverged run says so; ``python -m autoencoders`` runs the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import autoencoders as ae
from autoencoders.cli import cli
from autoencoders.models.sparse import SparseConfig
from autoencoders.models.vae import VAEConfig
from conftest import small_model

SMALL = ["train", "--hidden", "8", "--code-size", "3", "--epochs", "1", "--quiet", "--no-report"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    rows = np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32)
    np.savetxt(root / "rows.csv", rows, delimiter=",", header="a,b,c,d,e", comments="")
    np.save(root / "narrow.npy", np.zeros((10, 7), np.float32))
    (root / "a-file").write_text("in the way")
    result = CliRunner().invoke(cli, [*SMALL, "--data", str(root / "rows.csv"), "--out", str(root / "csv-run")])
    assert result.exit_code == 0, result.output
    return root


CASES = [
    pytest.param([*SMALL, "--device", "foo"], "unknown device 'foo'; use auto, cpu, cuda, cuda:N or mps", id="device"),
    pytest.param([*SMALL, "--device", "cuda"], "CUDA is not available", id="cuda", marks=pytest.mark.skipif(
        torch.cuda.is_available(), reason="this machine has CUDA")),
    pytest.param([*SMALL, "--device", "cuda:7"], "", id="cuda-index", marks=pytest.mark.skipif(
        not torch.cuda.is_available() or torch.cuda.device_count() > 7, reason="needs CUDA with < 8 devices")),
    pytest.param([*SMALL, "--device", "mps"], r"MPS \(Apple GPUs\) is not available", id="mps",
                 marks=pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has MPS")),
    pytest.param([*SMALL, "--test-data", "{root}/narrow.npy"], r"--test-data .*narrow.npy has samples of shape \(7,\), "
                 r"but --data has \(1, 8, 8\)", id="test-data-width"),
    pytest.param([*SMALL, "--split", "foo"], "'foo' is not one of 'train', 'test', 'all'", id="split"),
    pytest.param([*SMALL, "--data", "mnist-fashion"], "no data set named 'mnist-fashion' and no such file or folder; "
                 "the data sets are digits, mnist, fashion-mnist", id="data-set-name"),
    pytest.param([*SMALL, "--data", "{root}/missing.csv"], "no such data file", id="missing-file"),
    pytest.param([*SMALL, "--grad-clip", "0"], "grad_clip must be > 0", id="grad-clip"),
    pytest.param([*SMALL, "--data", "{root}/missing.csv", "--out", "{root}/a-file/run"], "a-file",
                 id="unwritable-out-before-reading"),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_bad_input_is_one_error_line_naming_the_problem(files, tmp_path, args, message):
    args = [arg.format(root=files) for arg in args]
    result = CliRunner().invoke(cli, [*args, *([] if "--out" in args else ["--out", str(tmp_path / "run")])])
    assert result.exit_code in (1, 2) and result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and re.search(message, errors[0]), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_grad_clip_reaches_the_training_settings(tmp_path):
    result = CliRunner().invoke(cli, [*SMALL, "--grad-clip", "0.5", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "config.json").read_text())["train_config"]["grad_clip"] == 0.5


def test_generate_on_a_csv_run_uses_the_runs_own_data(files, tmp_path):
    result = CliRunner().invoke(cli, ["generate", str(files / "csv-run"), "-n", "4", "--out", str(tmp_path / "g.npy")])
    assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "g.npy").shape == (4, 5)  # the CSV's 5 columns, not the 64 pixels of the digits


def test_non_finite_outputs_are_refused_and_nothing_is_written(tmp_path):
    model = small_model("deep")
    with torch.no_grad():
        next(model.parameters()).fill_(float("inf"))
    ae.save_model(model, tmp_path / "model.safetensors")  # written with checksums: not damaged, just broken
    for args in (["evaluate", str(tmp_path)], ["encode", str(tmp_path), "--out", str(tmp_path / "codes.npy")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and result.output.startswith("Error: "), result.output
        assert "not finite" in result.output or "non-finite" in result.output, result.output
    assert not (tmp_path / "codes.npy").exists()


@pytest.mark.parametrize("options", [["--loss", "mse"], ["--scheduler", "none", "--loss", "mse"], []])
def test_a_diverged_run_says_so(tmp_path, options):
    result = CliRunner().invoke(cli, ["train", "--hidden", "8", "--code-size", "3", "--epochs", "4", "--lr", "10",
                                      "--patience", "0", "--quiet", "--no-report", "--out", str(tmp_path / "run"),
                                      *options])
    refused = result.exit_code == 1 and "Error: training stopped at epoch" in result.output
    warned = result.exit_code == 0 and re.search(r"Warning: .*training diverged(: try| \(a) lower --lr", result.output)
    assert refused or warned, result.output


@pytest.mark.parametrize("kl, cause", [(0.4, "posterior has collapsed"), (6.0, "not trained enough"),
                                       (None, "not trained enough")])
def test_a_run_worse_than_the_mean_names_a_collapsed_vae_as_the_cause(capsys, kl, cause):
    """The README's conv VAE at --beta 2 on digits kept KL 0.4 nats per row and reconstructed the test rows worse
    than their mean: more epochs or a lower learning rate (the old advice) do not help; a lower beta does."""
    warning = _worse_than_the_mean_warning(capsys, kl, VAEConfig(beta=1.0))
    assert cause in warning, warning
    assert ("--beta" in warning) == (cause == "posterior has collapsed"), warning


@pytest.mark.parametrize("objective, kl, said", [(VAEConfig(beta=0.01), 0.022, None), (VAEConfig(beta=0.0), 0.0, None),
                                                 (VAEConfig(beta=4.0), 2.0, "KL 0.5 nats per row"),
                                                 (SparseConfig(penalty="kl"), 0.3, None)])
def test_the_collapse_is_judged_on_the_kl_itself_and_for_a_vae_only(capsys, objective, kl, said):
    """Audit 43: history's "kl" is the loss's term, beta times the KL (a sparse model's kl penalty bears the name
    too). `ae train --window 32 --objective vae --beta 0 --epochs 1` on a NAB series said "KL 0 nats per row: the
    VAE's posterior has collapsed ... lower --beta", and --beta 0.01 "KL 0.022" for a KL of 2.2 nats."""
    warning = _worse_than_the_mean_warning(capsys, kl, objective)
    assert ("posterior has collapsed" in warning) == (said is not None), warning
    assert said is None or said in warning, warning


def _worse_than_the_mean_warning(capsys, kl: float | None, objective) -> str:
    from autoencoders.cli._training_run import _warn_if_diverged
    from autoencoders.training.history import History

    parts = {"loss": [30.0, 27.0, 26.5]} | ({"beta_kl": [0.7, 0.3, kl]} if kl is not None else {})
    X_test = np.random.default_rng(0).random((20, 4))  # its mean's squared error: about 1/12
    _warn_if_diverged(History(train=parts, val=parts, best_epoch=2), {"mse": 0.12}, X_test, objective=objective)
    warning = capsys.readouterr().err
    assert warning.startswith("Warning: the model reconstructs the test rows worse than their mean"), warning
    return warning


@pytest.mark.parametrize("train_losses, diverged", [([44.5, 39.8, 39.5], False), ([44.5, 46.0, 48.0], True)])
def test_a_validation_loss_that_rose_while_the_training_loss_fell_is_not_called_divergence(capsys, train_losses,
                                                                                           diverged):
    """`ae train --window 64 --stride 4 --epochs 3` on NAB's ec2_cpu_utilization_5f5533 (one process or two): the
    validation loss went 30.95, 30.64, 31.95 while the training loss fell every epoch; the warning said training had
    diverged and advised a lower --lr, which does not mend it (with more epochs the validation loss falls again)."""
    from autoencoders.cli._training_run import _warn_if_diverged
    from autoencoders.training.history import History

    history = History(train={"loss": train_losses}, val={"loss": [30.95, 30.64, 31.95]}, best_epoch=1)
    _warn_if_diverged(history, {}, np.zeros((0, 4, 64)), level_may_move=True)  # no test windows: no mse warning
    warning = capsys.readouterr().err
    assert warning.startswith("Warning: the final loss 31.95 is worse than the first epoch's 30.95; "), warning
    assert ("training diverged: try a lower --lr" in warning) == diverged, warning
    assert ("the training loss fell (44.5 to 39.5)" in warning and "--remove-level" in warning) != diverged, warning


def test_python_dash_m_autoencoders_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "autoencoders", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "Train, evaluate and use autoencoders" in result.stdout, result.stderr


def test_a_picture_of_generated_digits_is_large_enough_to_see(tmp_path):
    from PIL import Image

    run = tmp_path / "run"
    assert CliRunner().invoke(cli, [*SMALL, "--out", str(run)]).exit_code == 0
    result = CliRunner().invoke(cli, ["generate", str(run), "-n", "16", "--out", str(tmp_path / "new.npy"),
                                      "--image", str(tmp_path / "new.png")])
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "new.png") as picture:
        width, height = picture.size
    side = (height - 2) // 2  # 8 columns x 2 rows of square digits, 2 pixels between neighbours
    assert width >= 256 and (width, height) == (8 * side + 7 * 2, 2 * side + 2)


@pytest.mark.parametrize("command", [["generate", "-n", "4"], ["interpolate", "--start", "0", "--end", "1"],
                                     ["reconstruct"]])
def test_a_picture_name_without_an_image_format_is_refused_before_any_work(files, tmp_path, command):
    """It failed after the work with a Pillow or matplotlib traceback, --out already written (or wrote new.png)."""
    run = files / "csv-run"
    for image in ("new", "new.txt"):
        out = tmp_path / "new.npy"
        result = CliRunner().invoke(cli, [command[0], str(run), *command[1:], "--out", str(out),
                                          "--image", str(tmp_path / image)])
        assert result.exit_code == 2 and f"{image} must end in .png" in result.output, result.output
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scale", ["standard", "none"])
def test_bce_on_rows_the_scaling_leaves_outside_the_unit_interval_names_the_scaling(tmp_path, scale):
    """MNIST pixels 0-255 in an .npy with ``--loss bce --scale standard`` were "X holds values from -1.277 to 39.99;
    scale the data to [0, 1]": values the user never had, and advice the command had just been given a way to
    follow. The scaling that made them is named, with the --scale that maps each feature to [0, 1]."""
    pixels = np.random.default_rng(0).integers(0, 256, size=(40, 16)).astype("float32")
    np.save(tmp_path / "pixels.npy", pixels)
    result = CliRunner().invoke(cli, [*SMALL, "--data", str(tmp_path / "pixels.npy"), "--loss", "bce", "--scale",
                                      scale, "--out", str(tmp_path / "run")])
    assert result.exit_code != 0
    assert re.search(rf"after --scale {scale}.*--scale minmax \(or auto\)", result.output), result.output
    assert not (tmp_path / "run").exists()


def test_pixels_as_rows_given_to_a_run_trained_on_images_are_named_not_scored(tmp_path):
    """A run trained on 8-bit images (read as [0, 1], BCE) given the same pixels as rows (n, 64) of 0-255, which
    are not images and so not divided, encoded them silently (codes saturated) and ``ae evaluate`` reported an
    error of millions per sample."""
    pixels = np.random.default_rng(0).integers(0, 256, size=(40, 8, 8), dtype=np.uint8)
    np.save(tmp_path / "images.npy", pixels)
    np.save(tmp_path / "rows.npy", pixels.reshape(40, -1))
    run = tmp_path / "run"
    assert CliRunner().invoke(cli, [*SMALL, "--data", str(tmp_path / "images.npy"), "--out", str(run)]).exit_code == 0
    for command in (["encode", str(run), "--out", str(tmp_path / "codes.npy")], ["evaluate", str(run)]):
        result = CliRunner().invoke(cli, [*command, "--data", str(tmp_path / "rows.npy")])
        assert result.exit_code != 0, result.output
        assert re.search(r"trained with loss 'bce' on values in \[0, 1\].*from 0 to 255.*divide", result.output)
    assert not (tmp_path / "codes.npy").exists()
    result = CliRunner().invoke(cli, ["encode", str(run), "--data", str(tmp_path / "images.npy"), "--out",
                                      str(tmp_path / "codes.npy")])
    assert result.exit_code == 0, result.output
