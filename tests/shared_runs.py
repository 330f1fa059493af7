"""Results built once per test run and shared by every test file and every xdist worker.

Many test files read the offline preview of this repository's stacks: the stack checks, the
name rule, the IAM proof, the account project, the alarm and architecture pages. Each result
here is built by the first test that asks for it, under a file lock in a directory all workers of
the run share (pytest-xdist's recipe: the parent of a worker's base temporary directory; without
xdist, the session's own), and kept there for the rest of the run; every later request, from any
worker, reads it. A build that fails keeps its failure: every request raises the same error, none
builds again or waits forever. A worker that dies mid-build releases the lock with its process,
and the next request builds.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from tests.preview_in_process import program_resources
from tests.tools.helpers import ToolRun, run_tool
from tools.preview.model import PreviewResource
from tools.preview.stack_config import load_stack_config

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_PROJECT = REPO_ROOT / "account"
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
    directory.mkdir(exist_ok=True)
    return directory


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
    except Exception:  # noqa: BLE001 - every kind of failure is kept for every waiter
        outcome = pickle.dumps(("error", traceback.format_exc()))
    partial = stored.with_suffix(".partial")
    partial.write_bytes(outcome)
    partial.replace(stored)  # whole or absent, never half written


def _program_key(program: Path) -> str:
    if program.resolve() == REPO_ROOT:
        return ""
    return program.resolve().relative_to(REPO_ROOT).as_posix().replace("/", "-") + "-"


def stack_preview(
    factory: pytest.TempPathFactory, stack: str, program: Path = REPO_ROOT
) -> ToolRun:
    """``python -m tools.preview [--program P] --stack S --json F``, run once per test run:
    its exit status, output and report. ``program`` is this repository's root (the app
    stacks) or one of its projects (``account/``)."""
    directory = shared_directory(factory)
    key = f"preview-{_program_key(program)}{stack}"
    where = [] if program.resolve() == REPO_ROOT else ["--program", str(program)]
    return once(
        directory,
        key,
        lambda: run_tool(*where, "--stack", stack, json_path=directory / f"{key}.json"),
    )


def stack_preview_json(
    factory: pytest.TempPathFactory, stack: str, program: Path = REPO_ROOT
) -> Path:
    """The JSON report ``stack_preview`` wrote (it fails the test if the preview wrote none)."""
    run = stack_preview(factory, stack, program)
    path = shared_directory(factory) / f"preview-{_program_key(program)}{stack}.json"
    assert run.report is not None and path.is_file(), run.describe()
    return path


def stack_diagram(factory: pytest.TempPathFactory, stack: str) -> ToolRun:
    """``python -m tools.preview --stack S --graph mermaid``, run once per test run."""
    return once(
        shared_directory(factory),
        f"graph-{stack}",
        lambda: run_tool("--stack", stack, "--graph", "mermaid"),
    )


def stack_resources(factory: pytest.TempPathFactory, stack: str) -> list[PreviewResource]:
    """What the repository's program registers for ``stack`` under the preview's mocks, as the
    preview decodes it (options as declared; ``resolve_options`` gives the effective ones),
    run once per test run."""
    return once(
        shared_directory(factory),
        f"program-{stack}",
        lambda: program_resources(load_stack_config(REPO_ROOT, stack)),
    )
