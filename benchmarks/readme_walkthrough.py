"""Run every command line and Python block of the README in order, as written, as a new user would (audit 33).

    git clone -q . /tmp/fresh && ln -s "$PWD/../shared" /tmp/shared   # a fresh clone, the shared data beside it
    cd /tmp/fresh && make .venv/.installed
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/readme_walkthrough.py [--skip "make test"] [--readme FILE]

Run in the clone's root: it writes there the user's own files the README names (rows.csv, people.csv, new.csv,
rows.npz, series.npy, X.npy, big.npy, noisy/), made from the bundled digits and ../shared/data, then each shell line
(with .venv/bin first on PATH, as after `source .venv/bin/activate`) and each Python block in a fresh interpreter.
It prints one line per command (exit status, seconds) and the Error/Warning lines it wrote. About 2 minutes on one
core without `make test`. `--readme` runs another version of the README (`git show REV:README.md > old.md`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

import autoencoders as ae

SHARED = Path("../shared/data")


def user_files() -> None:
    """The files the README's commands name as the user's own."""
    digits = ae.load_data("digits")  # X: (1797, 1, 8, 8)
    flat = digits.X.reshape(len(digits.X), -1)  # (1797, 64)
    pd.DataFrame(flat[:200], columns=[f"p{i}" for i in range(64)]).to_csv("rows.csv", index=False)
    np.save("X.npy", digits.X[:500])
    cardio = np.load(SHARED / "adbench" / "6_cardio.npz")
    np.savez("rows.npz", X=cardio["X"], y=cardio["y"])
    series = pd.read_csv(SHARED / "nab" / "realAWSCloudwatch" / "ec2_cpu_utilization_24ae8d.csv")
    np.save("series.npy", series["value"].to_numpy())
    rng = np.random.default_rng(0)
    np.save("big.npy", rng.normal(size=(3000, 20)).astype(np.float32))
    n = 300  # a table as people have one: an ID, a date, numbers with gaps, text with gaps, a label
    people = pd.DataFrame({
        "id": np.arange(1001, 1001 + n), "joined": pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
        "age": rng.integers(18, 80, n).astype(float), "income": rng.normal(50_000, 12_000, n).round(2),
        "city": rng.choice(["Paris", "Lyon", "Nice"], n), "grade": rng.integers(1, 4, n),
        "churned": rng.choice(["yes", "no"], n)})
    people.loc[rng.choice(n, 20, replace=False), "age"] = np.nan
    people.loc[rng.choice(n, 10, replace=False), "city"] = None
    people.to_csv("people.csv", index=False)
    people.iloc[:30].to_csv("new.csv", index=False)
    Path("noisy").mkdir(exist_ok=True)
    for i, image in enumerate(digits.X[:5, 0]):  # (8, 8) in [0, 1], with Gaussian noise
        noisy = np.clip(image + rng.normal(0, 0.3, image.shape), 0, 1)
        Image.fromarray((noisy * 255).astype(np.uint8)).save(f"noisy/{i}.png")


def run(command: list[str], label: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    print(f"rc={done.returncode} {time.perf_counter() - began:5.1f}s  {label}", flush=True)
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith(("Error", "Warning"))]
    for line in said[:4] + ([done.stderr.strip().splitlines()[-1]] if done.returncode and not said else []):
        print(f"      {line[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--skip", action="append", default=[], help="leave out shell lines containing this")
    args = parser.parse_args()
    user_files()
    blocks = re.findall(r"```(\w+)\n(.*?)```", Path(args.readme).read_text(), re.S)  # [(language, text)]
    for number, (language, text) in enumerate(blocks, 1):
        if language == "python":
            script = Path(f"readme_block{number}.py")
            script.write_text(text)
            run([sys.executable, str(script)], f"python block {number} ({len(text.splitlines())} lines)")
            continue
        for line in text.splitlines():
            command = line.split("  #")[0].strip()  # without its comment
            if not command or command.startswith("#"):
                continue
            if any(skip in command for skip in args.skip):
                print(f"skipped     {command}")
                continue
            run(["bash", "-c", f"timeout 300 {command}"], command)


if __name__ == "__main__":
    main()
