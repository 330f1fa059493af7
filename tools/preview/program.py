"""Run a Pulumi program under the mock runtime in a child interpreter and collect its resources.

Why a child process rather than running the program in this one: a program imports its own
top-level packages (this repository's ``components``; another program may have its own
``components``), and Python caches them in ``sys.modules``; Pulumi keeps its runtime (root
resource, config, mocks, pending RPCs) in module globals; and a program may change its cwd,
``sys.path`` or the environment, start threads, or call ``sys.exit``/``os._exit``. A fresh
interpreter per run makes each run independent of the last, puts the program in its own
directory on ``sys.path`` and as cwd, lets a crash or a hang (timeout) be reported instead of
killing the tool, and lets the caller start the policy pack while the program runs. It costs
one interpreter start (~20 ms); the child pays the ``pulumi``/``pulumi_aws`` imports the tool
would otherwise pay itself. The child's side is ``tools.preview.program_child``.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2

from tools.preview.errors import ProgramError
from tools.preview.model import PreviewResource
from tools.preview.stack_config import StackConfig
from tools.resource_options import ResourceOptions

TOOLS_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding the ``tools`` package, put on the child's ``PYTHONPATH``."""
DEFAULT_TIMEOUT = 300.0
_STDERR_TAIL = 4000


@dataclass(frozen=True)
class ProgramResult:
    """Every resource the program registered, in registration order, and what it printed."""

    resources: list[PreviewResource]
    log: str


def program_request(stack: StackConfig) -> dict[str, Any]:
    """What the program child needs to run ``stack``'s program (``tools.preview.program_child``)."""
    return {
        "project": stack.project,
        "stack": stack.stack,
        "main": str(stack.main),
        "config": stack.config,
        "secretKeys": list(stack.secret_keys),
    }


class ProgramRun:
    """A program running under mocks in a child interpreter; ``result()`` waits for it."""

    def __init__(
        self,
        stack: StackConfig,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        python: str = sys.executable,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self._stack = stack
        self._timeout = timeout
        self._result_path = _temporary_file("preview-result-")
        self._request_path = _temporary_file("preview-request-")
        request = {**program_request(stack), "resultPath": str(self._result_path)}
        # The request goes in a file, not stdin, so the program runs as soon as it starts.
        self._request_path.write_text(json.dumps(request), encoding="utf-8")
        self._process = subprocess.Popen(
            [python, "-m", "tools.preview.program_child", str(self._request_path)],
            cwd=stack.program_dir,
            env=_child_environment(environment or {}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self) -> ProgramResult:
        """Wait for the program; its resources, or ``ProgramError`` with what went wrong."""
        try:
            log, _ = self._process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired as error:
            self._process.kill()
            self._process.communicate()
            self._remove_files()
            raise ProgramError(
                f"program {self._stack.main} did not finish within {self._timeout:.0f} s"
            ) from error
        try:
            return ProgramResult(self._read_result(log), log)
        finally:
            self._remove_files()

    def close(self) -> None:
        """Stop the program if it is still running (the caller gave up on it); remove its files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._remove_files()

    def _remove_files(self) -> None:
        self._request_path.unlink(missing_ok=True)
        self._result_path.unlink(missing_ok=True)

    def _read_result(self, log: str) -> list[PreviewResource]:
        text = self._result_path.read_text(encoding="utf-8") if self._result_path.exists() else ""
        if not text:
            raise ProgramError(
                f"program {self._stack.main} exited with status {self._process.returncode} "
                "before reporting its resources",
                detail=log[-_STDERR_TAIL:],
            )
        document = json.loads(text)
        if "error" in document:
            failure = document["error"]
            raise ProgramError(
                f"program {self._stack.main} failed: {failure['type']}: {failure['message']}",
                detail=failure.get("traceback", ""),
            )
        resources = [decode_resource(item) for item in document["resources"]]
        _reject_duplicate_urns(resources)
        return resources


def _reject_duplicate_urns(resources: list[PreviewResource]) -> None:
    """The engine refuses a second registration of a URN; the mocks do not, so check here."""
    seen: set[str] = set()
    for resource in resources:
        if resource.urn in seen:
            raise ProgramError(
                f"duplicate resource URN {resource.urn}: two resources of type "
                f"{resource.type} named {resource.name!r} under the same parent"
            )
        seen.add(resource.urn)


def start_program(
    stack: StackConfig,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    python: str = sys.executable,
    environment: Mapping[str, str] | None = None,
) -> ProgramRun:
    """Start the stack's program under mocks in a child ``python``; returns at once.

    ``environment`` adds variables to (or overrides them in) the child's, which is otherwise
    this process's.
    """
    return ProgramRun(stack, timeout=timeout, python=python, environment=environment)


def run_program(
    stack: StackConfig, *, timeout: float = DEFAULT_TIMEOUT, python: str = sys.executable
) -> ProgramResult:
    """Run the stack's program under mocks in a child ``python`` and wait for it."""
    return start_program(stack, timeout=timeout, python=python).result()


def _temporary_file(prefix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".json")
    os.close(handle)
    return Path(name)


def _child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra}
    paths = [str(TOOLS_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def encode_struct(struct: struct_pb2.Struct) -> str:
    """A Struct as base64 text, byte-for-byte what went over the wire."""
    return base64.b64encode(struct.SerializeToString(deterministic=True)).decode("ascii")


def decode_struct(text: str) -> struct_pb2.Struct:
    """The Struct ``encode_struct`` encoded."""
    struct = struct_pb2.Struct()
    struct.ParseFromString(base64.b64decode(text))
    return struct


def decode_resource(item: dict[str, Any]) -> PreviewResource:
    """One resource from the child's report."""
    return PreviewResource(
        urn=item["urn"],
        type=item["type"],
        name=item["name"],
        parent=item["parent"],
        custom=item["custom"],
        inputs=decode_struct(item["inputs"]),
        outputs=decode_struct(item["outputs"]),
        options=ResourceOptions.from_json(item["options"]),
    )
