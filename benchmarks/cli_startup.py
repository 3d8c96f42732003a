"""Start-up time of the `ae` command: wall seconds of a fresh process (`python -m autoencoders ARGS`), median of
several runs, and the CPU seconds it used (user + system: what load on the machine inflates least), for help,
`ae models` and an argument error, with the CLI's cache of model options warm (every run after the first of a
version) and cold (an empty cache folder each run, so the models and torch are imported). `import torch` alone is
timed as the reference. Runs alternate between the commands so machine load affects all.

    .venv/bin/python benchmarks/cli_startup.py [--repeats 7] [--source OTHER/src ...]

`--source` also times other source trees (e.g. an older checkout's src/) in the same runs, side by side.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import print_table

COMMANDS = {
    "ae --help": ["--help"],
    "ae train --help": ["train", "--help"],
    "ae models": ["models"],
    "ae train --epochs 0 (error)": ["train", "--epochs", "0"],
}
OWN_SOURCE = str(Path(__file__).resolve().parents[1] / "src")


def seconds(args: list[str], source: str, cache: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``args``."""
    env = {**os.environ, "PYTHONPATH": source, "AUTOENCODERS_CACHE": cache, "OMP_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--source", nargs="*", default=[], help="Other src/ folders to time beside this one.")
    args = parser.parse_args()
    sources = {"this tree": OWN_SOURCE, **{source: source for source in args.source}}
    with tempfile.TemporaryDirectory() as warm:
        times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        for source in sources.values():  # fill the warm cache once per tree
            for command in COMMANDS.values():
                seconds([sys.executable, "-m", "autoencoders", *command], source, warm)
        for _ in range(args.repeats):
            for name, source in sources.items():
                for label, command in COMMANDS.items():
                    for cache_state in ("warm", "cold"):
                        with tempfile.TemporaryDirectory() as cold:
                            measured = seconds([sys.executable, "-m", "autoencoders", *command], source,
                                               warm if cache_state == "warm" else cold)
                        times.setdefault((name, label, cache_state), []).append(measured)
            times.setdefault(("-", "python -c 'import torch'", "-"), []).append(
                seconds([sys.executable, "-c", "import torch"], OWN_SOURCE, warm))
    print(f"load average before the table: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print_table([{"source": name, "command": label, "cache": cache_state,
                  "wall median s": statistics.median(wall for wall, _ in values),
                  "wall min s": min(wall for wall, _ in values),
                  "cpu median s": statistics.median(cpu for _, cpu in values), "runs": len(values)}
                 for (name, label, cache_state), values in times.items()], floatfmt=".3f")


if __name__ == "__main__":
    main()
