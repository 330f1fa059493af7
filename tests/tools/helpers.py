"""Run the offline preview the way a developer or CI does: a fresh ``python -m tools.preview``."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_PACK = FIXTURES / "packs" / "sample"
TIMEOUT = 240


@dataclass(frozen=True)
class ToolRun:
    """Exit status, console output and (when asked for) the JSON report of one run."""

    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    def describe(self) -> str:
        """Everything the run printed, for assertion messages."""
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_tool(*args: str, json_path: Path | None = None) -> ToolRun:
    """``python -m tools.preview ARGS`` from the repository root."""
    command = [sys.executable, "-m", "tools.preview", *args]
    if json_path is not None:
        command += ["--json", str(json_path)]
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    report = None
    if json_path is not None and json_path.is_file():
        report = json.loads(json_path.read_text(encoding="utf-8"))
    return ToolRun(done.returncode, done.stdout, done.stderr, report)


def fixture_args(name: str) -> tuple[str, ...]:
    """The preview's arguments for fixture program ``name`` (stack ``test``)."""
    return ("--program", str(FIXTURES / name), "--stack", "test")


def run_fixture(name: str, json_path: Path, *extra: str) -> ToolRun:
    """The preview of fixture program ``name`` (stack ``test``)."""
    return run_tool(*fixture_args(name), *extra, json_path=json_path)


def by_urn(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each resource of a JSON report by URN, whole (type, parent, inputs, declared and
    effective options), with the dependency lists sorted: they follow the order in which the
    SDK resolves a program's outputs, which differs between two runs of one program."""
    return {r["urn"]: _order_free(r) for r in resources}


def _order_free(resource: dict[str, Any]) -> dict[str, Any]:
    options = dict(resource.get("options") or {})
    if "dependencies" in options:
        options["dependencies"] = sorted(options["dependencies"])
    if "propertyDependencies" in options:
        options["propertyDependencies"] = {
            key: sorted(urns) for key, urns in options["propertyDependencies"].items()
        }
    return {**resource, "options": options}
