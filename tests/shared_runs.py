"""The offline previews of this repository's stacks, run once per test run and shared by every
test file and xdist worker that reads them (``tests.run_once``).

Readers: the stack checks (tests/tools/test_repo_stacks.py), the name rule
(tests/policies/test_names.py), the IAM proof, the account project, the destroy order of the
function roles, and the alarm and architecture pages. Each result is what the command gives a
user: its exit status, output, JSON report and diagram (one program run gives all of them);
a failed build fails every reader the same way.
Every reader in a process gets the same objects: read them, or change a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.preview_in_process import program_resources
from tests.run_once import once, shared_directory
from tests.tools.helpers import ToolRun, run_tool
from tools.preview.graph import BEGIN_MARKER, END_MARKER, generated_block
from tools.preview.model import PreviewResource
from tools.preview.stack_config import load_stack_config

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


def stack_resources(factory: pytest.TempPathFactory, stack: str) -> list[PreviewResource]:
    """What the repository's program registers for ``stack`` under the preview's mocks, as the
    preview decodes it (options as declared; ``resolve_options`` gives the effective ones),
    run once per test run."""
    return once(
        shared_directory(factory),
        f"program-{stack}",
        lambda: program_resources(load_stack_config(REPO_ROOT, stack)),
    )
