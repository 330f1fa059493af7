"""Run the proof: the local system with both functions recorded, the preview of the same stack.

The scenario reaches every route of the API (with the key where the route wants one), a series
that exists and one that does not, an invalid write, and one aggregator run — so the handler's
paths through DynamoDB, Secrets Manager and PostgreSQL and the aggregator's through CloudWatch
and DynamoDB all run against the emulator.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.iam_proof.calls import Recording, read_recording
from tools.local.gateway import HttpRequest
from tools.local.options import LocalOptions
from tools.local.system import LocalSystem

REPO_ROOT = Path(__file__).resolve().parents[2]
PREVIEW_TIMEOUT_SECONDS = 300.0
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
    """The offline preview of a stack in a child process (it takes longest: start it first)."""

    def __init__(self, stack: str) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="cwa-iam-proof-")
        self._target = Path(self._scratch.name) / "preview.json"
        self._stack = stack
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tools.preview", "--stack", stack, "--json", str(self._target)],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def resources(self) -> list[dict[str, Any]]:
        """Wait for the preview and return its resources (``RunError`` if it wrote none)."""
        try:
            output, _ = self._process.communicate(timeout=PREVIEW_TIMEOUT_SECONDS)
            if not self._target.exists():
                raise RunError(
                    f"the preview of stack {self._stack} wrote no report "
                    f"(exit {self._process.returncode}):\n{output[-3000:]}"
                )
            return _resources(self._target)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the preview if it still runs and remove its scratch directory."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._scratch.cleanup()


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
