"""What the command line needs from the model registry (names, one-line docs, each family's options), kept on
disk so that ``ae --help``, ``ae train --help``, ``ae models`` and argument errors start without importing torch.

An entry is computed once by importing the models (seconds) and stored under a fingerprint of this package's
source files (their names, sizes and modification times) and version, so editing or upgrading the package makes
a fresh cache. The folder is the downloads' (:func:`autoencoders.data.datasets.cache_dir`); when it cannot be
written the entries are computed every time, which is only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..data.datasets import cache_dir

PACKAGE = Path(__file__).resolve().parents[1]
_SKIPPED: list[str] = []  # why entries are neither read nor stored in this process (see skip_for_own_modules)


def skip_for_own_modules() -> None:
    """Compute every entry in this process: modules of the user's own are imported (``ae --import``), whose
    parts the fingerprint of this package does not cover (and their import has loaded torch already)."""
    _SKIPPED.append("own modules")


def fingerprint() -> str:
    """A digest of every source file's path, size and modification time (a few milliseconds)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def remembered(key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a JSON value), from the cache when this version of the package computed it before."""
    if _SKIPPED:
        return compute()
    path = cache_dir() / f"cli-{fingerprint()}.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entries = {}
    if isinstance(entries, dict) and key in entries:
        return entries[key]
    value = compute()
    entries = entries if isinstance(entries, dict) else {}
    entries[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, path)  # concurrent writers: the last complete file wins, never a half-written one
    except OSError:
        pass  # no writable cache: computed again next time
    return value
