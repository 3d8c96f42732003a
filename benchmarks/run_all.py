"""Run every benchmark script in turn (each prints its own table); `make benchmarks` calls this.

    .venv/bin/python benchmarks/run_all.py [--only NAME ...]

Hours on 2 CPU cores: ADBench (with PyOD) dominates. Scripts whose optional tools are missing fail with their
own message and the rest still run; the exit status is non-zero when any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# families_vae_sequence.py is run by families.py; _common.py and this file are not benchmarks.
SCRIPTS = ["mnist_deep", "linear_pca", "engine_overhead", "throughput", "streaming", "families", "applications",
           "anomaly_adbench", "anomaly_nab", "cli_startup"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, default=SCRIPTS)
    args = parser.parse_args()
    failed = []
    for name in args.only:
        print(f"\n## {name}\n", flush=True)
        began = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")], cwd=HERE)
        print(f"\n({name}: exit {code}, {time.perf_counter() - began:.0f} s)", flush=True)
        if code:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
