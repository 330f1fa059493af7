"""The offline previews of this repository's stacks and its program's runs under mocks, each
made once per test run and shared by every test file and xdist worker that reads them
(``tests.run_once``).

Readers of the previews: the stack checks (tests/tools/test_repo_stacks.py), the name rule
(tests/policies/test_names.py), the IAM proof, the account project, the architecture page. Each
result is what the command gives a user: its exit status, output, JSON report and diagram (one
program run gives all of them); a failed build fails every reader the same way.
Readers of the program's runs: the component tests of the whole stack (``whole_stack``), the
destroy order of the function roles, the alarm page, the upgrade plan.
Every reader in a process gets the same objects: read them, or change a copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.preview_in_process import as_previewed, program_run
from tests.run_once import once, session_directory, shared_directory
from tests.tools.helpers import ToolRun, run_tool
from tools.preview.graph import BEGIN_MARKER, END_MARKER, generated_block
from tools.preview.model import PreviewResource
from tools.preview.stack_config import load_stack_config
from tools.pulumi_mocks import MockRun

REPO_ROOT = Path(__file__).resolve().parent.parent


def _preview_key(stack: str, program: Path) -> str:
    """``preview-dev`` for the root project's stack, ``preview-account-eu-west-1`` for another's."""
    where = program.resolve().relative_to(REPO_ROOT).as_posix().replace("/", "-")
    return f"preview-{where}-{stack}" if where != "." else f"preview-{stack}"


def stack_preview(
    factory: pytest.TempPathFactory, stack: str, program: Path = REPO_ROOT
) -> ToolRun:
    """``python -m tools.preview [--program P] --stack S --graph mermaid --write D --json F``,
    run once per test run: its exit status, output and report; the diagram of the same program
    run is in D (``stack_diagram``). ``program`` is this repository's root (the app stacks) or
    one of its projects (``account/``)."""
    directory = shared_directory(factory)
    key = _preview_key(stack, program)
    where = [] if program.resolve() == REPO_ROOT else ["--program", str(program)]

    def run() -> ToolRun:
        diagram = directory / f"{key}.md"
        diagram.write_text(f"{BEGIN_MARKER}\n{END_MARKER}\n", encoding="utf-8")
        graph = ["--graph", "mermaid", "--write", str(diagram)]
        return run_tool(*where, "--stack", stack, *graph, json_path=directory / f"{key}.json")

    return once(directory, key, run)


def stack_preview_json(
    factory: pytest.TempPathFactory, stack: str, program: Path = REPO_ROOT
) -> Path:
    """The JSON report ``stack_preview`` wrote (it fails the test if the preview wrote none)."""
    run = stack_preview(factory, stack, program)
    path = shared_directory(factory) / f"{_preview_key(stack, program)}.json"
    assert run.report is not None and path.is_file(), run.describe()
    return path


def stack_diagram(factory: pytest.TempPathFactory, stack: str) -> str:
    """The Mermaid diagram ``stack_preview`` wrote for the root project's ``stack`` (it fails
    the test if the preview wrote none)."""
    run = stack_preview(factory, stack)
    path = shared_directory(factory) / f"{_preview_key(stack, REPO_ROOT)}.md"
    drawn = generated_block(path.read_text(encoding="utf-8"))
    assert drawn, run.describe()
    return drawn


@dataclass(frozen=True)
class StackRun:
    """One run of the repository's program for a stack under mocks, and the seconds it took."""

    run: MockRun
    seconds: float


def stack_run(stack: str, factory: pytest.TempPathFactory | None = None) -> StackRun:
    """The repository's program for ``stack`` under the preview's mocks, through the program
    child's own entry, run once per test run: the first caller in any worker runs it, every
    other reads what it registered and exported. Without ``factory``, the session's shared
    directory (``tests.run_once.bind_session``)."""
    directory = session_directory() if factory is None else shared_directory(factory)

    def run() -> StackRun:
        started = time.perf_counter()
        recorded = program_run(load_stack_config(REPO_ROOT, stack))
        return StackRun(recorded, time.perf_counter() - started)

    return once(directory, f"program-{stack}", run)


_PREVIEWED: dict[str, list[PreviewResource]] = {}


def stack_resources(factory: pytest.TempPathFactory, stack: str) -> list[PreviewResource]:
    """What the repository's program registers for ``stack`` under the preview's mocks, as the
    preview decodes it (options as declared; ``resolve_options`` gives the effective ones):
    ``stack_run``'s resources, decoded once per process."""
    if stack not in _PREVIEWED:
        _PREVIEWED[stack] = as_previewed(stack_run(stack, factory).run)
    return _PREVIEWED[stack]
