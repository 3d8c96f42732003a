"""Audit 52: every (backbone, objective) pair of the registries, trained by `ae train --backbone B --objective O`
for 1 epoch on real data of the backbone's kind, then through every command that uses a run: ae evaluate (and its
likelihood, --importance-samples), report, encode, reconstruct, export (each ONNX encoder graph run with
onnxruntime against `ae encode`'s codes), generate (and --noise), interpolate, compress and decompress.

Data: conv on the bundled digits (1797 images 8x8); mlp on the same digits (flattened) and on penguins.csv (a
mixed table, 344 rows); sequence on NAB's ambient_temperature_system_failure.csv with --window 32. Small
networks (--channels 4,8 / --hidden 16), --code-size 4 (vq: --code-dim 2).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/audit_commands.py [--only conv+vae mlp+vq ...]

Each cell: ok, refused (a usage error before any work, exit code 2), error (the library's own error, exit code 1) or
FAIL (any other exception), with the number of its message (or of the warning an ok gave), listed under the table.
A refusal is right where the objective's capability tags (ae models, shown) or the run's loss say it cannot.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

import click
import numpy as np
from click.testing import CliRunner

import autoencoders as ae
from _common import SHARED_DATA, print_table
from autoencoders.cli import cli
from autoencoders.cli._run_data import read_run_data
from autoencoders.cli._run_model import load_run, model_inputs

NAB = SHARED_DATA / "nab" / "realKnownCause" / "ambient_temperature_system_failure.csv"
# (label, backbone, `ae train` data options) of each kind of data a backbone takes
DATA = [("digits", "conv", ["--data", "digits"]),
        ("digits rows", "mlp", ["--data", "digits"]),
        ("penguins", "mlp", ["--data", str(SHARED_DATA / "tables" / "penguins.csv")]),
        ("NAB --window 32", "sequence", ["--data", str(NAB), "--window", "32"])]
SMALL = {"conv": ["--channels", "4,8"], "mlp": ["--hidden", "16"], "sequence": ["--channels", "4,8"]}
TAGS = ("can_sample", "has_likelihood", "discrete_codes", "sparse_codes")


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 99, f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output.strip()


MESSAGES: list[str] = []  # the warnings and refusals met, each numbered once, printed under the table


def cell(code: int, output: str, pair: str) -> str:
    """ok, refused (a usage error, before any work), error (the library's own error) or FAIL (an exception that is
    no error of the library's), each with the number of its message (an ok's warning's too) in MESSAGES, where the
    pair's names are written B and O, so that one message stands for every pair's."""
    warned = [line for line in output.splitlines() if line.startswith("Warning: ")]
    said = warned[0] if code == 0 and warned else output.splitlines()[-1] if code and output else None
    kind = {0: "ok", 1: "error", 2: "refused"}.get(code, "FAIL")
    if said is None:
        return kind
    backbone, objective = pair.split("+")
    said = said.split("Error: ", 1)[-1].replace(f"'{pair}'", "'B+O'").replace(f"'{objective}'", "'O'")
    if said not in MESSAGES:
        MESSAGES.append(said)
    return f"{kind} [{MESSAGES.index(said) + 1}]"


def onnx_against_encode(run: Path, codes_file: Path) -> str:
    """The exported encoder graph, run with onnxruntime on the run's data in model units, against `ae encode`."""
    import onnxruntime

    checkpoint, scaler = load_run(str(run))
    with click.Context(cli):  # the run's own data, read as the commands read it
        X = model_inputs(checkpoint, scaler, read_run_data(checkpoint, None, None, "train", None))
    session = onnxruntime.InferenceSession(str(run / "encoder.onnx"))
    graph = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    return f"ok ({np.abs(graph - np.load(codes_file)).max():.1g})"


def audit(label: str, backbone: str, data: list[str], objective: str, folder: Path) -> dict[str, str]:
    run, out, pair = folder / "run", folder, f"{backbone}+{objective}"
    row = {"data": label, "pair": pair}

    def used(*args) -> str:  # the cell of one command on the run
        return cell(*invoke(*args), pair)

    vq = ["--code-dim", "2"] if objective == "vq" else []
    code, output = invoke("train", "--backbone", backbone, "--objective", objective, *data, *SMALL[backbone], *vq,
                          "--code-size", 4, "--epochs", 1, "--quiet", "--no-report", "--out", run)
    row["train"] = "ok" if code == 0 else cell(code, output, pair)  # its warnings: of one epoch's training
    if code:
        return row
    objective_part = ae.load_model(run).objective
    row["tags"] = ", ".join(tag for tag in TAGS if getattr(objective_part, tag)) or "-"
    suffix = ".csv" if label == "penguins" else ".npy"  # a table with text columns goes back as a table
    code, output = invoke("evaluate", run)
    row["evaluate"] = cell(code, output, pair) + (" +nll" if '"nll_nats"' in output else "")
    row["--importance-samples"] = used("evaluate", run, "--importance-samples", 5)
    row["report"] = used("report", run, "--quiet")
    row["encode"] = used("encode", run, "--out", out / "codes.npy")
    row["reconstruct"] = used("reconstruct", run, "--out", out / f"rec{suffix}")
    code, output = invoke("export", run, "--part", "all")
    row["export: ONNX vs encode"] = onnx_against_encode(run, out / "codes.npy") if code == 0 else \
        cell(code, output, pair)
    density = [] if objective_part.can_sample else ["--fit-density", "--components", 2]
    row["generate"] = used("generate", run, "-n", 4, *density, "--out", out / f"new{suffix}")
    row["generate --noise"] = used("generate", run, "-n", 4, *density, "--noise", "--out", out / f"noisy{suffix}")
    row["interpolate"] = used("interpolate", run, "--start", 0, "--end", 1, "--steps", 4, "--out",
                              out / f"path{suffix}")
    row["compress"] = used("compress", run, "--out", out / "c.bin")
    row["decompress"] = used("decompress", run, out / "c.bin", "--out", out / f"back{suffix}")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="pairs to audit, as backbone+objective (default: all)")
    args = parser.parse_args()
    rows = []
    for (label, backbone, data), objective in itertools.product(DATA, ae.list_objectives()):
        if args.only and f"{backbone}+{objective}" not in args.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            rows.append(audit(label, backbone, data, objective, Path(folder)))
    print_table(rows)
    print()
    for number, message in enumerate(MESSAGES, 1):
        print(f"[{number}] {message}")


if __name__ == "__main__":
    main()
