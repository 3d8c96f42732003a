"""Which process of a data-parallel run this is, read from the launcher's environment alone (no torch import,
so the command line can ask before it loads anything): rank 0 writes the run's files and speaks for all."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator


def launched_world_size() -> int:
    """How many processes the launcher started (1 when not launched by one)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    """True in the process that writes files and prints: rank 0, or the only process."""
    return int(os.environ.get("RANK", "0")) == 0


@contextlib.contextmanager
def warnings_shown_once() -> Iterator[None]:
    """Warnings raised inside shown by rank 0 alone, not repeated by every process of a data-parallel run; only
    their display is left out elsewhere, so a filter that makes one an error fails every rank alike."""
    if is_main_process():
        yield
        return
    with warnings.catch_warnings():  # restores the caller's showwarning on the way out
        warnings.showwarning = _hidden
        yield


def _hidden(*args, **kwargs) -> None:
    """A warning not shown (``warnings.showwarning``'s signature)."""
