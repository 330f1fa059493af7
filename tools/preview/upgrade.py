"""``python -m tools.preview --baseline REF``: the plan from the program at a git ref to the
program in the work tree, for one stack, in the shape of ``pulumi preview --json``.

The program at the ref runs from a temporary checkout, so its components would package the
Lambda functions into a build directory inside that checkout: a pip install per function, per
stack, on every run, into a directory removed afterwards. Instead it runs with
``CW_ANALYTICS_BUILD_DIR`` set to the repository's own ``.build`` (unless the user set the
variable, which both runs then share): the vendored dependencies there are keyed by the lock's
content, the target and the packaging format version, so a ref whose locks match the work
tree's reuses them, and an older ref's are built once and kept for the next check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.preview.checkout import checkout, resolve_ref
from tools.preview.errors import PreviewError
from tools.preview.interpreters import program_interpreter
from tools.preview.model import PreviewResource
from tools.preview.plan import build_plan
from tools.preview.program import ProgramRun, start_program
from tools.preview.stack_config import StackConfig, load_stack_config
from tools.preview.values import REDACTED

_SHOWN_OPS = ("replace", "delete", "create", "update")
BUILD_DIR_ENV = "CW_ANALYTICS_BUILD_DIR"
"""Where the components build Lambda archives (``components.lib.paths.BUILD_DIR_ENV``)."""


def plan_upgrade(
    program: Path,
    stack: str,
    ref: str,
    output: Path | None,
    *,
    python: Path | None = None,
    current_resources: Sequence[PreviewResource] | None = None,
) -> int:
    """Run both versions of the program for ``stack``, print the plan, write it to ``output``.

    Both run with the interpreter the work tree's ``Pulumi.yaml`` names (``python`` instead,
    as ``--python`` gives it): the deployment that runs the program at the ref today is the
    environment the new version will run in. ``current_resources`` is what the work tree's
    program registers for ``stack`` (as ``tools.preview.program`` decodes it), for a caller
    that ran it already: then only the program at the ref runs.
    """
    program = program.resolve()
    repo = _repository_root(program)
    commit = resolve_ref(repo, ref)
    current = load_stack_config(program, stack)
    interpreter = program_interpreter(program, python)
    sys.stderr.write(f"program interpreter: {interpreter.describe()}\n")
    # The work tree's program starts first and runs while the ref is checked out.
    work_tree = (
        start_program(current, python=str(interpreter.path)) if current_resources is None else None
    )
    base: ProgramRun | None = None
    note = f"offline plan from {ref} ({commit[:12]}) to the work tree for stack {stack}"
    try:
        with checkout(repo, commit) as tree:
            base_program = tree / program.relative_to(repo)
            if any(base_program.glob(f"Pulumi.{stack}.y*ml")):
                base = start_program(
                    load_stack_config(base_program, stack),
                    python=str(interpreter.path),
                    environment=baseline_environment(repo),
                )
            else:
                note += f"; stack {stack} has no stack file at {ref}, so everything is created"
            old = base.result().resources if base is not None else []
            if work_tree is not None:
                current_resources = work_tree.result().resources
    finally:
        for run in (work_tree, base):
            if run is not None:
                run.close()
    assert current_resources is not None  # the caller's, or the work tree's run above
    new = current_resources
    diagnostics = [
        {
            "message": note + ": both programs ran under mocks; the deployed state and changes "
            "made outside Pulumi are not consulted\n",
            "severity": "info",
        }
    ]
    document = build_plan(old, new, config=_blinded_config(current), diagnostics=diagnostics)
    sys.stdout.write(render_plan(document, note))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=4) + "\n", encoding="utf-8")
    return 0


def render_plan(document: dict[str, Any], title: str) -> str:
    """One line per resource the plan changes, then the counts."""
    lines = [title]
    seen: set[tuple[str, str]] = set()
    for step in document["steps"]:
        op, urn = step["op"], step["urn"]
        logical = {"create-replacement": "replace", "delete-replaced": "replace"}.get(op, op)
        if logical not in _SHOWN_OPS or (logical, urn) in seen:
            continue
        seen.add((logical, urn))
        state = step.get("newState") or step.get("oldState") or {}
        line = f"  {logical:<8} {state.get('type', '?')} {urn.split('::', 3)[-1]}"
        if step.get("replaceReasons"):
            line += f" (forced by {', '.join(step['replaceReasons'])})"
        elif step.get("diffReasons"):
            line += f" ({', '.join(step['diffReasons'])})"
        if logical == "delete" and (step.get("oldState") or {}).get("retainOnDelete"):
            line += " [retainOnDelete: removed from the state only, kept in AWS]"
        lines.append(line)
    counts: Counter[str] = Counter(document["changeSummary"])
    lines.append("  " + ", ".join(f"{counts[op]} {op}" for op in sorted(counts)))
    return "\n".join(lines) + "\n"


def baseline_environment(repo: Path) -> dict[str, str]:
    """What the program at the ref runs with besides this process's environment: the
    repository's build directory, unless ``CW_ANALYTICS_BUILD_DIR`` already names one."""
    if os.environ.get(BUILD_DIR_ENV):
        return {}
    return {BUILD_DIR_ENV: str(repo / ".build")}


def _blinded_config(stack: StackConfig) -> dict[str, str]:
    return {
        key: REDACTED if key in stack.secret_keys else value
        for key, value in sorted(stack.config.items())
    }


def _repository_root(program: Path) -> Path:
    result = subprocess.run(
        ["git", "-C", str(program), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PreviewError(f"--baseline needs a git repository: {program} is not in one")
    return Path(result.stdout.strip()).resolve()
