"""Audit 51: every entry point that takes a seed gives the same result for the same seed, twice in one process
and in two fresh processes, and leaves the caller's global generators (Python's ``random``, NumPy's legacy one,
torch's) where they were. One test per family of entry points: training, the estimators, drawing from a model,
the report, and the ``ae`` commands."""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

import autoencoders as ae
from autoencoders import applications as apps
from autoencoders.cli import cli
from autoencoders.report import write_report
from autoencoders.sklearn import AutoencoderImputer, AutoencoderOutlierDetector, AutoencoderTransformer
from conftest import fast_config, small_model

SRC = Path(__file__).resolve().parents[1] / "src"


def global_states() -> tuple:
    """Python's, NumPy's (legacy, the whole state: key, position, cached Gaussian) and torch's CPU generator."""
    return random.getstate(), pickle.dumps(np.random.get_state()), torch.get_rng_state()  # noqa: NPY002


def assert_untouched(before: tuple, what: str) -> None:
    after = global_states()
    moved = [name for name, old, new in zip(("random", "numpy", "torch"), before, after, strict=True)
             if not (torch.equal(old, new) if isinstance(old, torch.Tensor) else old == new)]
    assert not moved, f"{what} moved the caller's global generator(s): {', '.join(moved)}"


def twice_untouched(call, what: str) -> list:
    """``call()`` twice, the global generators checked around each; both results, for the caller to compare."""
    results = []
    for _ in range(2):
        random.seed(1)
        np.random.seed(1)  # noqa: NPY002 (the legacy global generator is what is tested)
        torch.manual_seed(1)
        before = global_states()
        results.append(call())
        assert_untouched(before, what)
    return results


def seeded_model(name: str) -> ae.Autoencoder:
    """A small model drawn from its own seed (``small_model`` seeds the global generators, which is what is tested)."""
    pair = dict(zip(("backbone", "objective"), name.split("+"), strict=True)) if "+" in name else {}
    options = {"code_dim": 2} if pair.get("objective") == "vq" else {}
    return ae.create_model(None if pair else name, input_shape=(1, 8, 8), code_size=4, hidden=(32,), loss="bce",
                           seed=0, **pair, **options)


def assert_same(results: list, what: str) -> None:
    first, second = (np.asarray(r.detach() if isinstance(r, torch.Tensor) else r) for r in results)
    assert np.array_equal(first, second), f"{what}: the same seed gave another result"


@pytest.mark.parametrize("name", ["deep", "denoising", "vae", "mlp+vq", "sparse"])
def test_training_repeats_and_leaves_the_global_generators_alone(name, small_images):
    def train():
        model = seeded_model(name)
        ae.Trainer(model, fast_config(epochs=2, seed=5, validation_fraction=0.25)).fit(small_images)
        return ae.encode(model, small_images)

    assert_same(twice_untouched(train, f"Trainer.fit ({name})"), f"Trainer.fit ({name})")


def test_the_estimators_repeat_and_leave_the_global_generators_alone():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))  # (120, 5)
    gaps = X.copy()
    gaps[rng.random(X.shape) < 0.1] = np.nan
    fitted = {
        "AutoencoderTransformer": lambda: AutoencoderTransformer(code_size=2, epochs=2, random_state=3,
                                                                 backbone_options={"dropout": 0.2}).fit_transform(X),
        "AutoencoderImputer": lambda: AutoencoderImputer(epochs=2, random_state=3).fit_transform(gaps),
        "AutoencoderOutlierDetector": lambda: AutoencoderOutlierDetector(random_state=3).fit(X).score_samples(X),
        "AutoencoderOutlierDetector.explain": lambda: AutoencoderOutlierDetector(
            random_state=3, combine="tail_isolation").fit(X).explain(X[:4]),
    }
    for what, call in fitted.items():
        assert_same(twice_untouched(call, what), what)


def test_saved_estimators_load_without_moving_the_global_generators(tmp_path):
    X = np.random.default_rng(0).normal(size=(80, 4))  # (80, 4)
    for estimator in (AutoencoderTransformer(code_size=2, epochs=1, random_state=0),
                      AutoencoderImputer(epochs=1, random_state=0), AutoencoderOutlierDetector(random_state=0)):
        kind = type(estimator)
        estimator.fit(X).save(tmp_path / kind.__name__)
        loaded = twice_untouched(lambda kind=kind: kind.load(tmp_path / kind.__name__), f"{kind.__name__}.load")
        use = "score_samples" if kind is AutoencoderOutlierDetector else "transform"
        assert_same([getattr(loaded[0], use)(X), getattr(estimator, use)(X)], f"{kind.__name__}.load")


def test_drawing_from_a_model_repeats_and_leaves_the_global_generators_alone(small_images):
    vae = small_model("vae", loss="bce")
    ae.Trainer(vae, fast_config(epochs=1)).fit(small_images)
    deep = small_model("deep", loss="bce")
    ae.Trainer(deep, fast_config(epochs=1)).fit(small_images)
    labels = np.arange(len(small_images)) % 3
    x = torch.from_numpy(small_images[:8])  # (8, 1, 8, 8)
    draws = {
        "sample": lambda: vae.sample(4, noise=True),
        "elbo": lambda: vae.elbo(x),
        "log_likelihood": lambda: vae.log_likelihood(x, k=4),
        "evaluate_loss": lambda: list(ae.training.evaluate_loss(vae, small_images).values()),
        "generate from the prior": lambda: apps.generate(vae, 4, seed=2),
        "generate from a code density": lambda: apps.generate(deep, 4, apps.fit_code_density(deep, small_images, 3),
                                                              seed=2),
        "cluster_codes": lambda: apps.cluster_codes(ae.encode(deep, small_images), 3, seed=2),
        "series_anomaly_scores": lambda: apps.series_anomaly_scores(np.sin(np.arange(300) / 5), 16, epochs=2, seed=2),
        "train_classifier": lambda: apps.predict_classes(apps.train_classifier(
            seeded_model("deep"), small_images, labels, config=fast_config(epochs=1)), small_images),
    }
    for what, call in draws.items():
        assert_same(twice_untouched(call, what), what)


def test_a_report_is_drawn_the_same_twice_without_moving_the_global_generators(tmp_path, small_images):
    vae = small_model("vae", loss="bce")
    ae.Trainer(vae, fast_config(epochs=1), run_dir=tmp_path / "run").fit(small_images)
    folders = iter([tmp_path / "first", tmp_path / "second"])

    def report():
        folder = next(folders)
        write_report(folder, vae, small_images)
        return {png.name: png.read_bytes() for png in sorted(folder.glob("*.png"))}

    first, second = twice_untouched(report, "write_report")
    assert first == second and "samples.png" in first


# the files of a run or report that also hold seconds, which differ from run to run
TIMED_FILES = {"history.json", "metrics.json", "state.safetensors", "log.csv", "report.html"}


@pytest.mark.parametrize("command", [
    ["train", "--model", "vae", "--epochs", "1", "--seed", "3", "--no-report"],
    ["generate", "RUN", "--n", "4", "--noise", "--seed", "3"],
    ["generate", "RUN", "--n", "4", "--fit-density", "--data", "digits", "--components", "3"],
    ["detect", "--data", "digits", "--seed", "3"],
    ["report", "RUN"],
    ["evaluate", "RUN"],
    ["cluster", "RUN", "--clusters", "3"],
], ids=lambda command: "-".join(command[:2]).replace("-RUN", "").replace("--", ""))
def test_the_commands_leave_the_global_generators_alone(tmp_path, command):
    """Audit 51: every command on a run (generate, report, evaluate, cluster ...) moved torch's global generator:
    loading the model drew initial weights that the file's then replaced (now drawn in a fork)."""
    runner = CliRunner()
    run = tmp_path / "run"
    trained = runner.invoke(cli, ["train", "--model", "vae", "--data", "digits", "--code-size", "2", "--epochs", "1",
                                  "--quiet", "--no-report", "--out", str(run)], catch_exceptions=False)
    assert trained.exit_code == 0, trained.output
    outputs = []
    for attempt in range(2):
        out = tmp_path / f"out{attempt}"
        args = [str(run) if part == "RUN" else part for part in command]
        args += ["--out", str(out / "r") if command[0] in ("train", "report") else str(out / "result.csv")]
        if command[0] == "train":
            args += ["--data", "digits", "--code-size", "2", "--quiet"]
        if command[0] in ("generate", "cluster"):
            args[-1] = str(out / "result.npy")
        random.seed(1)
        np.random.seed(1)  # noqa: NPY002 (the legacy global generator is what is tested)
        torch.manual_seed(1)
        before = global_states()
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert_untouched(before, f"ae {command[0]}")
        outputs.append({path.relative_to(out): path.read_bytes() for path in out.rglob("*")
                        if path.is_file() and path.name not in TIMED_FILES})
    assert outputs[0], f"ae {command[0]} wrote nothing to compare"
    assert outputs[0] == outputs[1], f"ae {command[0]}: the same seed wrote other files in the same process"


SEEDED_COMMANDS = [  # {out}: the attempt's folder
    ["train", "--model", "vae", "--data", "digits", "--code-size", "2", "--epochs", "2", "--seed", "7", "--quiet",
     "--no-report", "--out", "{out}/run"],
    ["generate", "{out}/run", "--n", "5", "--noise", "--seed", "3", "--out", "{out}/g.npy"],
    ["report", "{out}/run", "--out", "{out}/report"],
    ["detect", "--data", "digits", "--seed", "2", "--out", "{out}/d.csv"],
    ["impute", "--data", "{table}", "--epochs", "2", "--seed", "2", "--out", "{out}/filled.csv"],
]
SEEDED_FILES = ["run/model.safetensors", "run/config.json", "g.npy", "report/samples.png", "report/codes.png",
                "d.csv", "filled.csv"]


@pytest.mark.slow
def test_the_same_seed_gives_the_same_files_in_two_fresh_processes(tmp_path):
    """The commands that take a seed, run in two fresh processes: byte-identical files (the model file too: audit
    51 found its metadata written in a hash map's order, which changed from process to process)."""
    table = tmp_path / "table.csv"
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 4)), columns=list("abcd"))
    frame.mask(np.random.default_rng(1).random(frame.shape) < 0.1).to_csv(table, index=False)
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    written = []
    for attempt in ("a", "b"):
        out = tmp_path / attempt
        commands = [[part.format(out=out, table=table) for part in command] for command in SEEDED_COMMANDS]
        script = ("import sys\nfrom autoencoders.cli import cli\n"
                  f"for args in {commands!r}:\n"
                  "    try:\n        cli(args, standalone_mode=False)\n"
                  "    except SystemExit as stop:\n        assert not stop.code, args\n")
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        written.append([(out / name).read_bytes() for name in SEEDED_FILES])
    differ = [name for name, first, second in zip(SEEDED_FILES, *written, strict=True) if first != second]
    assert not differ, f"the same seed wrote other bytes in another process: {differ}"
