"""Run the proof: the local system with both functions recorded, the preview of the same stack.

The scenario reaches every route of the API (with the key where the route wants one), a series
that exists and one that does not, an invalid write, and one aggregator run — so the handler's
paths through DynamoDB, Secrets Manager and PostgreSQL and the aggregator's through CloudWatch
and DynamoDB all run against the emulator.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.iam_proof.calls import Recording, read_recording
from tools.local.gateway import HttpRequest
from tools.local.options import LocalOptions
from tools.local.system import LocalSystem
from tools.preview.errors import PreviewError
from tools.preview.interpreters import program_interpreter
from tools.preview.judgement import report_resources
from tools.preview.program import start_program
from tools.preview.stack_config import load_stack_config

REPO_ROOT = Path(__file__).resolve().parents[2]
_FAST_AGGREGATOR = {"PERIOD_SECONDS": "1", "LOOKBACK_MINUTES": "5"}


class RunError(RuntimeError):
    """The preview or the local system could not give the proof its inputs."""


@dataclass(frozen=True)
class Inputs:
    """What the proof evaluates: the recorded calls and the preview's resources."""

    recordings: dict[str, Recording]
    resources: list[dict[str, Any]]
    region: str


def _request(system: LocalSystem, method: str, target: str, body: Any = None) -> Any:
    headers = [("x-api-key", system.api_key), ("Content-Type", "application/json")]
    payload = b"" if body is None else json.dumps(body).encode()
    response = system.handle(HttpRequest(method, target, headers, payload, "127.0.0.1"))
    try:
        return json.loads(response.body or b"null")
    except ValueError:
        return None


def run_scenario(system: LocalSystem) -> None:
    """Every route, one invalid write, one aggregator run, the series read back.

    A route added to the API without a step here shows up as its Lambda permission unused.
    """
    for value in (1.0, 2.0):
        _request(system, "POST", "/events", {"name": "iam.proof", "value": value})
    _request(system, "POST", "/events", {"name": "iam.proof", "value": "many"})
    _request(system, "GET", "/events/summary?name=iam.proof&bucket=day")
    _request(system, "GET", "/health")
    time.sleep(1.1)  # the aggregator reads complete 1 s periods only
    system.run_aggregator()
    listed = _request(system, "GET", "/metrics?limit=5") or {}
    series = [entry["series"] for entry in listed.get("series", [])]
    for name in [*series[:1], "custom.nobody.Nothing.Sum"]:
        _request(system, "GET", f"/metrics/{name}")


def record(stack: str, log_path: Path) -> str:
    """Start the local system with recording on, run the scenario, stop; returns the region."""
    logs: list[str] = []
    options = LocalOptions(
        port=0,
        stack=stack,
        aggregate_every=0,
        aggregator_environment=_FAST_AGGREGATOR,
        log=logs.append,
        aws_call_log=log_path,
    )
    with LocalSystem(options) as system:
        run_scenario(system)
        assert system.stack is not None
        return system.stack.region


class PreviewRun:
    """The stack's program under the offline preview's mocks, in a child process (it takes
    longest: start it first). The proof reads the resources only, so no policy pack runs."""

    def __init__(self, stack: str, program: Path = REPO_ROOT) -> None:
        self._stack = stack
        try:
            self._config = load_stack_config(program, stack)
            python = program_interpreter(self._config.program_dir).path
        except PreviewError as exc:
            raise RunError(f"cannot preview stack {stack}: {exc}") from exc
        self._run = start_program(self._config, python=str(python))

    def resources(self) -> list[dict[str, Any]]:
        """Wait for the program; its resources as the preview's JSON report gives them
        (``RunError`` if it failed)."""
        try:
            program = self._run.result()
        except PreviewError as exc:
            raise RunError(f"the preview of stack {self._stack} failed: {exc}") from exc
        finally:
            self.close()
        return report_resources(self._config, program.resources)

    def close(self) -> None:
        """Stop the program if it still runs."""
        self._run.close()


def _resources(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot read the preview report {path}: {exc}") from exc
    resources = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(resources, list):
        raise RunError(f"{path} is not a preview report (no resources list)")
    return resources


def gather(stack: str, preview_json: Path | None = None) -> Inputs:
    """Record the scenario and read the preview of the same stack (run side by side); a given
    preview report is read first, so a bad one fails before anything starts."""
    given = _resources(preview_json) if preview_json is not None else None
    preview = PreviewRun(stack) if given is None else None
    try:
        with tempfile.TemporaryDirectory(prefix="cwa-iam-calls-") as scratch:
            log_path = Path(scratch) / "calls.jsonl"
            region = record(stack, log_path)
            recordings = read_recording(log_path)
        resources = preview.resources() if preview is not None else given
    finally:
        if preview is not None:
            preview.close()
    assert resources is not None
    return Inputs(recordings, resources, region)
