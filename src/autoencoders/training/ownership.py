"""A run folder and who may write it: one process at a time (a lock file with the owner's pid, released on exit,
taken over when its owner is gone), an existing run kept unless the caller resumes or overwrites it, the stored
settings a resumed run reads back, and the signals (Ctrl-C, ``kill``) that end training after the current batch.
The folder's layout and how each file is written and read is :mod:`.run_folder`'s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checkpoint import CONFIG_FILE, MODEL_FILE, STATE_FILE
from ..errors import RunFolderError

LOCK_FILE = ".lock"  # beside the files of the run (see run_folder.py)
OWNER_ENV = "AUTOENCODERS_RUN_OWNER"  # pid of a launcher holding the lock for the processes it starts
_HELD: dict[Path, int] = {}  # folders this process holds -> nesting depth


def is_run(folder: Path) -> bool:
    """Whether ``folder`` holds (part of) a training run, or a model saved into it (``save_model(model, folder)``)."""
    return any((Path(folder) / name).exists() for name in (CONFIG_FILE, STATE_FILE, MODEL_FILE))


@dataclass(frozen=True)
class Wording:
    """How a caller names its choices in the messages of :func:`check_choices` and :func:`replaces_run`:
    ``ae train``'s flags (:data:`CLI_WORDING`) or ``Trainer.fit``'s arguments."""

    resume: str  # "--resume"
    overwrite: str  # "--overwrite"
    existing_run: str  # what the caller may do about a folder that holds a run
    no_run: str  # what the caller may do when asked to resume a folder that holds none


CLI_WORDING = Wording("--resume", "--overwrite",
                      "pass --resume to continue it, --overwrite to replace it, or choose another --out",
                      "leave out --resume to start one")


def check_choices(resume: bool, overwrite: bool, wording: Wording) -> None:
    """A RunFolderError when both ``resume`` and ``overwrite`` are asked for."""
    if resume and overwrite:
        raise RunFolderError(f"{wording.resume} and {wording.overwrite} contradict each other: choose one")


def check_resumable(folder: Path, wording: Wording) -> None:
    """A RunFolderError unless ``folder`` holds a run's saved state to resume from."""
    if not (folder / STATE_FILE).is_file():
        raise RunFolderError(f"{folder} holds no run to resume (no {STATE_FILE}); {wording.no_run}")


def replaces_run(folder: Path, resume: bool, overwrite: bool, wording: Wording) -> bool:
    """Whether a new run in ``folder`` replaces one already there, which it may only with ``overwrite`` (else a
    RunFolderError); a resumed run replaces nothing."""
    if resume or not (folder.is_dir() and is_run(folder)):
        return False
    if not overwrite:
        raise RunFolderError(f"{folder} already holds a run; {wording.existing_run}")
    return True


def prepare(folder: str | Path, resume: bool = False, overwrite: bool = False) -> Path:
    """Check ``folder`` for a new run (``resume``: for continuing the one in it) before any long work, in
    ``ae train``'s words; the run ``overwrite`` replaces is cleared later, by its owner (:func:`clear`). Besides the
    rules ``Trainer.fit`` checks too (:func:`check_choices`, :func:`replaces_run`), a resume needs a run's state,
    and a folder of other files is no run's folder. Creates the folder, so an unwritable one fails here."""
    folder = Path(folder)
    check_choices(resume, overwrite, CLI_WORDING)
    if resume:
        check_resumable(folder, CLI_WORDING)
        return folder
    if folder.is_dir() and not is_run(folder) and any(p.name != LOCK_FILE for p in folder.iterdir()):
        raise RunFolderError(f"{folder} is a folder of other files, not a run; choose another --out")
    replaces_run(folder, resume, overwrite, CLI_WORDING)  # refused without --overwrite
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clear(folder: Path, names: Collection[str] | None = None) -> list[str]:
    """Remove the files of the run in ``folder`` (sub-folders stay); the names removed. ``names``: only the files
    so named, for a folder that may hold the caller's own files too (``Trainer.fit``'s run_dir); None: every file,
    and the tensorboard logger's folder (TensorBoard would show the old run's curves beside the new one's), for a
    folder that is the run's own (``ae train --out``, where a folder of other files is refused)."""
    from .run_folder import TENSORBOARD_DIR

    removed = []
    if names is None and (Path(folder) / TENSORBOARD_DIR).is_dir():
        shutil.rmtree(Path(folder) / TENSORBOARD_DIR)
        removed.append(TENSORBOARD_DIR)
    for path in sorted(Path(folder).iterdir()):
        if names is not None and path.name not in names:
            continue
        if path.name != LOCK_FILE and (path.is_file() or path.is_symlink()):
            path.unlink()
            removed.append(path.name)
    return removed


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if nothing is in it (a run that failed before writing)."""
    with contextlib.suppress(OSError):  # not empty, or already gone
        Path(folder).rmdir()


def stored_settings(folder: str | Path) -> dict[str, Any]:
    """The settings a run was started with (its ``config.json``): model, model_config, train_config, extra; a
    CheckpointError naming a field edited since the run wrote it (:meth:`.RunFolder.refuse_edited_settings`)."""
    path = Path(folder) / CONFIG_FILE
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFolderError(f"{folder} has no {CONFIG_FILE}: its settings are unknown; it cannot be resumed") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunFolderError(f"{path} is unreadable ({error}); the run cannot be resumed") from None
    if not isinstance(settings, dict) or not {"model", "model_config", "train_config"} <= set(settings):
        raise RunFolderError(f"{path} lacks the model or training settings; the run cannot be resumed")
    if (Path(folder) / STATE_FILE).is_file():  # (a folder without one is refused by check_resumable, in its words)
        from .run_folder import RunFolder

        RunFolder(folder).refuse_edited_settings(settings)
    return settings


# ----------------------------------------------------------------------------------------------- lock
@contextmanager
def owned(folder: str | Path | None) -> Iterator[None]:
    """Hold ``folder`` for this process for the block (re-entrant; ``None``: nothing to hold)."""
    if folder is None:
        yield
        return
    key = Path(folder).resolve()
    if key not in _HELD and os.environ.get(OWNER_ENV) != str(_lock_owner(key / LOCK_FILE)):
        handle = _acquire(key)
    else:
        handle = None  # held already, by this process or by the launcher that started it
    _HELD[key] = _HELD.get(key, 0) + 1
    try:
        yield
    finally:
        _HELD[key] -= 1
        if not _HELD[key]:
            del _HELD[key]
        if handle is not None:
            _release(key / LOCK_FILE, handle)


def _acquire(folder: Path) -> int:
    """Open, lock and stamp ``folder/.lock``; the descriptor whose lock the kernel drops if this process dies."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_FILE
    while True:
        previous = _lock_owner(lock)
        handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise RunFolderError(f"{folder} is in use by process {previous or '?'} (lock file {lock}); wait for it "
                                 "to finish, stop it, or choose another --out") from None
        if _same_file(handle, lock):  # not a lock file its owner removed while we waited for it
            break
        os.close(handle)
    if previous and previous != os.getpid():
        import warnings

        warnings.warn(f"{folder}: took over the lock left by process {previous}, {_why_not_held(previous)}",
                      RuntimeWarning, stacklevel=4)
    os.ftruncate(handle, 0)
    os.write(handle, f"{os.getpid()} {socket.gethostname()}\n".encode())
    return handle


def _why_not_held(pid: int) -> str:
    """Why the process a lock file names does not hold its folder: it ended, or the lock file was copied with the
    folder from one it holds (a run folder copied while it trains)."""
    try:
        os.kill(pid, 0)  # signal 0: only whether the process exists
    except ProcessLookupError:
        return "which is no longer running"
    except PermissionError:
        pass  # it exists, run by another user
    return "which is running but holds another folder (was this one copied from a run in use?)"


def _release(lock: Path, handle: int) -> None:
    lock.unlink(missing_ok=True)  # before closing: no other process can hold it yet
    os.close(handle)


def _same_file(handle: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle), os.stat(path))
    except FileNotFoundError:
        return False


def _lock_owner(lock: Path) -> int | None:
    """The pid written in a lock file, if any."""
    try:
        text = lock.read_text(encoding="utf-8").split()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return int(text[0]) if text and text[0].isdigit() else None


# -------------------------------------------------------------------------------------------- signals
class StopSignals:
    """While active (main thread only), SIGINT and SIGTERM set ``received`` instead of stopping the process at
    once, so training can end after the current batch and save; a second signal stops it at once as before."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, number: int, frame: Any) -> None:
        self.received = number
        for other, handler in self._previous.items():  # the next one interrupts at once
            signal.signal(other, handler)


class TrainingInterrupted(KeyboardInterrupt):
    """Training ended early by SIGINT or SIGTERM, after the current batch; the run folder holds the last finished
    epoch's checkpoint. ``exit_code`` is the shell's convention, 128 + the signal number."""

    def __init__(self, number: int, epochs_done: int, run_dir: Path | None):
        self.signal, self.epochs_done, self.run_dir = number, epochs_done, run_dir
        self.exit_code = 128 + number
        kept = (f"; the checkpoint of epoch {epochs_done} is in {run_dir}" if run_dir and epochs_done
                else "; no epoch had finished, so there is nothing to resume" if run_dir else "")
        super().__init__(f"training stopped by {signal.Signals(number).name} after {epochs_done} epoch(s){kept}")
