"""Build a result once per test run and share it with every test file and xdist worker.

The first caller builds the result under a file lock in a directory all workers of the run share
(pytest-xdist's recipe: the parent of a worker's base temporary directory; without xdist, the
session's own) and stores it there; every later caller, in any worker, reads it. A build that
fails stores its failure: every caller raises the same error, none builds again or waits
forever. A worker that dies mid-build releases the lock with its process (the kernel drops a
``flock`` with the last descriptor), and the next caller builds.

Only the standard library here, so a test can start processes that use it cheaply.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    import pytest

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LOADED: dict[Path, tuple[str, Any]] = {}
"""What this process has read already, by stored file: ("value", v) or ("error", text)."""

T = TypeVar("T")


class SharedRunError(RuntimeError):
    """A shared result whose build failed; the message holds the builder's traceback."""


def shared_directory(factory: pytest.TempPathFactory) -> Path:
    """The directory every worker of this test run shares (made if missing)."""
    base = factory.getbasetemp()
    run_root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = run_root / "shared-runs"
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


_SESSION_DIRECTORY: list[Path] = []
"""The running session's shared directory, once ``bind_session`` has been called."""


def bind_session(factory: pytest.TempPathFactory) -> None:
    """Remember the session's shared directory for readers handed no factory
    (``session_directory``); tests/conftest.py binds it before any test runs."""
    _SESSION_DIRECTORY[:] = [shared_directory(factory)]


def session_directory() -> Path:
    """The shared directory ``bind_session`` remembered."""
    if not _SESSION_DIRECTORY:
        raise RuntimeError("no test session is bound (tests/conftest.py binds it)")
    return _SESSION_DIRECTORY[0]


def once(directory: Path, key: str, build: Callable[[], T]) -> T:
    """``build()``'s result, built by the first caller in ``directory`` and read by the rest.

    Raises ``SharedRunError`` with the first build's traceback if that build raised.
    """
    if not _KEY.match(key):
        raise ValueError(f"shared result key {key!r} is not a plain file name")
    stored = directory / f"{key}.pickle"
    if stored not in _LOADED:
        with (directory / f"{key}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process dies
            if not stored.exists():
                _build_and_store(stored, build)
            _LOADED[stored] = pickle.loads(stored.read_bytes())
    kind, value = _LOADED[stored]
    if kind == "error":
        raise SharedRunError(f"building the shared result {key!r} failed:\n{value}")
    return cast(T, value)


def _build_and_store(stored: Path, build: Callable[[], object]) -> None:
    try:
        outcome = pickle.dumps(("value", build()))
    except KeyboardInterrupt:
        raise  # the run is being stopped: nothing to keep
    except BaseException:  # noqa: BLE001 - SystemExit, pytest's fail/timeout too: kept for all
        outcome = pickle.dumps(("error", traceback.format_exc()))
    partial = stored.with_suffix(".partial")
    partial.write_bytes(outcome)
    partial.replace(stored)  # whole or absent, never half written
