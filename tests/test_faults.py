"""Bad input at every public entry point (Python, scikit-learn, CLI): each is refused with an error naming the
problem, the CLI exits != 0 without a traceback, and nothing saved before is changed. Loading never unpickles."""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from safetensors.torch import load_file

import autoencoders as ae
from autoencoders.checkpoint import load_tensors
from autoencoders.cli import cli
from autoencoders.data import DataError, read_path
from autoencoders.sklearn import AutoencoderTransformer
from conftest import fast_config, small_model

SOURCE = Path(ae.__file__).parent

# name -> (array, the words the error must contain); rows are 64 wide, as the digits are.
BAD_ARRAYS = {
    "nan": (np.full((4, 64), np.nan), "NaN"),
    "inf": (np.full((4, 64), np.inf), "infinit"),
    "rank 1": (np.zeros(64), "1 dimension|Expected 2D array"),
    "rank 5": (np.zeros((2, 1, 1, 8, 8)), r"5 dimension|X has shape \(2, 1, 1, 8, 8\)"),  # ours: the estimators' too
    "wrong width": (np.zeros((4, 10)), r"expects \(|features"),
    "strings": (np.full((2, 64), "a"), "dtype <U|could not convert string|holds text"),
    "empty": (np.zeros((0, 64)), "0 sample"),
}


class Sentinel:
    """Unpickling this creates ``path``: proof that a loader executed code from a file."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------------------------------- Python API
@pytest.fixture(scope="module")
def fitted(digits):
    rows = digits.X.reshape(len(digits.X), -1)[:200]
    return small_model("deep"), AutoencoderTransformer(hidden=(8,), code_size=2, epochs=1).fit(rows)


ENTRY_POINTS = {
    "encode": lambda fitted, X: ae.encode(fitted[0], X),
    "reconstruct": lambda fitted, X: ae.reconstruct(fitted[0], X),
    "Trainer.fit": lambda fitted, X: ae.Trainer(small_model("deep"), fast_config(epochs=1)).fit(X),
    "sklearn fit": lambda fitted, X: AutoencoderTransformer(epochs=1).fit(X),
    "sklearn transform": lambda fitted, X: fitted[1].transform(X),
}


@pytest.mark.parametrize(
    ("entry", "bad"),
    [(entry, bad) for entry in ENTRY_POINTS for bad in BAD_ARRAYS
     # an unfitted estimator takes any width, NaN as gaps and text as categories (the tabular path;
     # tests/test_tables.py, tests/test_sklearn.py)
     if (entry, bad) not in (("sklearn fit", "wrong width"), ("sklearn fit", "nan"), ("sklearn fit", "strings"))],
)
def test_python_entry_points_name_the_problem(fitted, entry, bad):
    X, message = BAD_ARRAYS[bad]
    with pytest.raises(ValueError, match=message):
        ENTRY_POINTS[entry](fitted, X)


def test_a_single_row_is_used_where_it_can_be_and_refused_for_training(fitted):
    row = np.zeros((1, 64))
    assert ae.encode(fitted[0], row).shape == (1, 6) and fitted[1].transform(row).shape == (1, 2)
    with pytest.raises(DataError, match="1 sample"):
        AutoencoderTransformer(epochs=1).fit(row)


def test_unknown_model_name_everywhere():
    with pytest.raises(ae.UnknownModelError, match="unknown model 'nope'; registered models are"):
        ae.create_model("nope", input_shape=(4,))
    with pytest.raises(ae.UnknownModelError, match="unknown model 'nope'"):
        AutoencoderTransformer(model="nope", epochs=1).fit(np.zeros((5, 4)))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex64, np.str_]),
              st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple)))
def test_encode_accepts_valid_arrays_and_refuses_everything_else_with_a_data_error(X):
    model = small_model("vanilla", input_shape=(4,), code_size=2)
    valid = (X.dtype.kind in "fib" and 2 <= X.ndim <= 4 and X.size > 0 and np.prod(X.shape[1:]) == 4
             and np.isfinite(X.astype(np.float64)).all() and np.abs(X.astype(np.float64)).max() < 3e38)
    if valid:
        assert ae.encode(model, X).shape == (len(X), 2)
    else:
        with pytest.raises(DataError):
            ae.encode(model, X)


# ----------------------------------------------------------------------------------------- checkpoints
@pytest.fixture
def model_file(tmp_path):
    return ae.save_model(small_model("deep"), tmp_path / "model.safetensors")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_checkpoint_loads_or_is_a_checkpoint_error(model_file, data):
    raw = bytearray(model_file.read_bytes())
    header_end = 8 + int.from_bytes(raw[:8], "little")
    damage = data.draw(st.sampled_from(["truncate", "flip header byte", "flip any byte"]))
    if damage == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        at = data.draw(st.integers(8 if damage == "flip header byte" else 0, header_end - 1 if "header" in damage
                                   else len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
    broken = model_file.with_name("broken.safetensors")
    broken.write_bytes(bytes(raw))
    try:
        model = ae.load_model(broken)
    except ae.CheckpointError as error:
        assert str(broken) in str(error)
    else:
        assert isinstance(model, ae.Autoencoder)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"format_version": "99"}, "format 99, newer than this library"),
        ({"format_version": "1x"}, "invalid checkpoint format version"),
        ({"model": '"nope"', "config": '{"input_shape": [64]}'}, "unknown model 'nope'"),  # a family's
        ({"config": '{"input_shape": [64], "backbone": {"name": "mlp"}, "objective": {"name": "nope"}}'},
         "unknown objective 'nope'"),
        ({"config": '{"input_shape": [64], "no_such_option": 1}'}, "invalid config"),
    ],
)
def test_checkpoints_of_another_version_or_model_are_refused(model_file, header, message):
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(model_file), framework="pt") as handle:
        metadata = {**handle.metadata(), **header}  # as another version or writer made it: no header checksum
        metadata.pop("header_sha256")
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 (not a dict)
    save_file(tensors, str(model_file), metadata=metadata)
    with pytest.raises(ae.CheckpointError, match=message):
        ae.load_model(model_file)


def test_a_pickle_payload_is_never_executed(tmp_path):
    sentinel = tmp_path / "code-ran"
    checkpoint = tmp_path / "model.safetensors"
    torch.save({"weight": torch.zeros(2), "trap": Sentinel(sentinel)}, checkpoint)  # torch's pickle format
    with pytest.raises(ae.CheckpointError, match="not a readable checkpoint"):
        ae.load_model(checkpoint)
    array_file = tmp_path / "rows.npy"
    np.save(array_file, np.array([Sentinel(sentinel)], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="allow_pickle"):
        read_path(array_file)
    (tmp_path / "plain.pkl").write_bytes(pickle.dumps(Sentinel(sentinel)))
    with pytest.raises(DataError, match="unsupported data file"):
        read_path(tmp_path / "plain.pkl")
    assert not sentinel.exists()


def test_the_library_has_no_code_path_that_unpickles():
    for file in SOURCE.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        # an estimator's __setstate__ runs only inside the caller's own pickle.load, which runs whatever code the
        # stream names anyway: its torch.load of bytes from that stream (to map a GPU's tensors) opens no new path
        unpickling = {id(node) for method in ast.walk(tree)
                      if isinstance(method, ast.FunctionDef) and method.name == "__setstate__"
                      for node in ast.walk(method)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                assert not {"pickle", "dill", "cloudpickle", "joblib"} & set(names), f"{file}: imports a pickler"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                call = f"{ast.unparse(node.func.value)}.{node.func.attr}"
                assert call != "torch.load" or id(node) in unpickling, f"{file}:{node.lineno} calls torch.load"
                if call in ("np.load", "numpy.load"):
                    keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
                    assert keywords.get("allow_pickle") == "False", f"{file}:{node.lineno}: np.load without " \
                                                                    "allow_pickle=False"


def test_unwritable_output_is_named(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="a-file"):
        ae.save_model(small_model("deep"), blocker / "run")
    assert blocker.read_text() == "not a folder"


# ------------------------------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    """A trained run, damaged copies of it, and bad data files; ``{name}`` in CLI arguments refers to them."""
    root = tmp_path_factory.mktemp("cli")
    run = root / "run"
    result = CliRunner().invoke(cli, ["train", "--hidden", "8", "--code-size", "3", "--epochs", "1", "--out", str(run),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    files = {"run": run, "tmp": root}
    for damage in ("truncated", "pickled"):
        files[damage] = root / damage
        shutil.copytree(run, files[damage])
    for name in ("model.safetensors", "state.safetensors"):
        raw = (run / name).read_bytes()
        (files["truncated"] / name).write_bytes(raw[: len(raw) // 3])
    torch.save(small_model("deep").state_dict(), files["pickled"] / "model.safetensors")
    for name, (X, _) in BAD_ARRAYS.items():
        files[name] = root / f"{name.replace(' ', '-')}.npy"
        np.save(files[name], X)
    files["single row"] = root / "one.npy"
    np.save(files["single row"], np.zeros((1, 64)))
    files["text csv"] = root / "text.csv"
    files["text csv"].write_text("a,b\n1,2\n3,oops\n")
    files["images"] = root / "images"
    files["images"].mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(files["images"] / "ok.png")
    (files["images"] / "broken.png").write_bytes(b"\x89PNG\r\n not really")
    files["file"] = root / "a-file"
    files["file"].write_text("in the way")
    return files


TRAIN = ["train", "--epochs", "1", "--quiet", "--out"]
CLI_CASES = [
    *[([*TRAIN, "{tmp}/new", "--data", f"{{{name}}}"], message) for name, (_, message) in BAD_ARRAYS.items()
      if name != "wrong width"],
    *[(["encode", "{run}", "--data", f"{{{name}}}", "--out", "{tmp}/c.npy"], message)
      for name, (_, message) in BAD_ARRAYS.items()],
    ([*TRAIN, "{tmp}/new", "--data", "{single row}"], "1 sample.*too few to hold out a test split"),
    ([*TRAIN, "{tmp}/new", "--data", "{text csv}"], "not a number"),
    ([*TRAIN, "{tmp}/new", "--data", "{images}"], "cannot read image .*broken.png"),
    ([*TRAIN, "{tmp}/new", "--model", "nope"], "unknown model 'nope'"),
    ([*TRAIN, "{run}", "--model", "vanilla", "--code-size", "3", "--resume"],
     "--model vanilla disagrees with the run's stored deep"),
    ([*TRAIN, "{truncated}", "--hidden", "8", "--code-size", "3", "--resume"], "corrupt or truncated"),
    ([*TRAIN, "{file}/run"], "a-file"),
    (["encode", "{truncated}", "--out", "{tmp}/c.npy"], "corrupt or truncated"),
    (["reconstruct", "{pickled}", "--out", "{tmp}/r.npy"], "not a readable checkpoint"),
    (["evaluate", "{tmp}/nowhere"], "does not exist"),
    (["encode", "{run}", "--out", "{file}/codes.npy"], "a-file"),
]


@pytest.mark.parametrize(("args", "message"), CLI_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_cli_errors_exit_nonzero_name_the_problem_and_damage_nothing(cli_files, args, message):
    saved = {name: snapshot(cli_files[name]) for name in ("run", "truncated", "pickled")}
    result = CliRunner().invoke(cli, [arg.format(**{k: str(v) for k, v in cli_files.items()}) for arg in args])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert re.search(message, result.output), result.output
    assert {name: snapshot(cli_files[name]) for name in saved} == saved


# ------------------------------------------------------------------------------------------------ SIGKILL
def _train_process(run: Path, log: Path, *extra: str) -> subprocess.Popen:
    """``ae train`` in a child process (one torch thread, so runs repeat bit for bit) logging to ``log``."""
    args = ["train", "--hidden", "32", "--code-size", "6", "--epochs", "5", "--batch-size", "16", "--patience", "0",
            "--seed", "5", "--quiet", "--no-report", "--out", str(run), *extra]
    with open(log, "ab") as output:  # the child holds its own copy of the handle
        return subprocess.Popen([sys.executable, "-c", "from autoencoders.cli import main; main()", *args],
                                stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "OMP_NUM_THREADS": "1"})


def _finish(process: subprocess.Popen, log: Path) -> None:
    try:
        assert process.wait(timeout=300) == 0, log.read_text()
    finally:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_a_run_killed_mid_epoch_resumes_to_the_same_weights_bitwise(tmp_path):
    log = tmp_path / "log.txt"
    victim = _train_process(tmp_path / "killed", log)
    state = tmp_path / "killed" / "state.safetensors"
    try:
        deadline = time.monotonic() + 240
        while not state.exists() and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # into the next epoch
        assert victim.poll() is None, "the run ended before it could be killed: " + log.read_text()
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert victim.returncode == -signal.SIGKILL
    epochs_done = load_tensors(state)[1]["epoch"] + 1
    assert 1 <= epochs_done < 5

    _finish(_train_process(tmp_path / "killed", log, "--resume"), log)
    _finish(_train_process(tmp_path / "whole", log), log)
    expected = load_file(str(tmp_path / "whole" / "model.safetensors"))
    got = load_file(str(tmp_path / "killed" / "model.safetensors"))
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[key], got[key]) for key in expected)
