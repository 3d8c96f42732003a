"""Shared by the benchmark scripts: where the shared data is, and small table printing."""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"


def print_table(rows: list[dict], floatfmt: str = ".4g") -> None:
    """A Markdown table of ``rows`` (dicts with the same keys), ready to paste into docs/benchmarks.md."""
    if not rows:
        return
    keys = list(rows[0])
    cells = [[f"{row[k]:{floatfmt}}" if isinstance(row[k], float) else str(row[k]) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    print("| " + " | ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")
