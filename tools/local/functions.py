"""The parent side of a local Lambda function: a worker process per function, invoked in turn.

A process per function, as Lambda gives each function its own container: each gets its own
environment, its own ``handler`` module and its own Powertools state. One invocation at a time
per function (one warm container). A worker that overruns the function's timeout is killed, as
Lambda ends the sandbox, and the next invocation starts a fresh one (a cold start).
"""

from __future__ import annotations

import json
import queue
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve().with_name("worker.py")
STOP_GRACE_SECONDS = 2.0
INIT_TIMEOUT_SECONDS = 60.0

LineSink = Callable[[str, str], None]
"""Receives (function name, line) for every line a function prints."""


class FunctionInitError(RuntimeError):
    """The function's handler module could not be imported; the message has the traceback."""


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned (``result``) or raised (``error``), and how long it took."""

    result: Any
    error: dict[str, str] | None
    duration_ms: float


class LocalFunction:
    """One function's worker process; ``invoke`` is safe to call from many threads."""

    def __init__(
        self,
        name: str,
        function_dir: Path,
        environment: Mapping[str, str],
        *,
        timeout_seconds: float,
        memory_mb: int,
        arn: str,
        sink: LineSink,
        shared_dirs: Sequence[Path] = (),
    ) -> None:
        self.name = name
        self._dir = function_dir
        self._shared_dirs = tuple(shared_dirs)
        self._env = dict(environment)
        self._timeout = timeout_seconds
        self._memory = memory_mb
        self._arn = arn
        self._sink = sink
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker; it imports the handler while the caller does other things."""
        marker = f"\x1ecwa-local-{secrets.token_hex(8)}:"
        self._marker = marker
        self._replies = queue.Queue()
        # A session of its own: Ctrl-C reaches the local system, which then stops the worker.
        self._process = subprocess.Popen(
            [sys.executable, str(WORKER), str(self._dir), *map(str, self._shared_dirs)],
            env={**self._env, "CWA_LOCAL_MARKER": marker},
            cwd=self._dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._read, args=(self._process,), name=f"{self.name}-stdout", daemon=True
        )
        self._reader.start()

    @property
    def running(self) -> bool:
        """Whether the function's worker process is up (started and not ended)."""
        return self._process is not None and self._process.poll() is None

    def wait_ready(self) -> None:
        """Wait until the handler module is imported; ``FunctionInitError`` if it failed."""
        reply = self._next_reply(INIT_TIMEOUT_SECONDS)
        if reply is None or not reply.get("ready"):
            detail = (reply or {}).get("error", "the worker exited")
            self.stop()
            raise FunctionInitError(f"function {self.name} failed to initialise:\n{detail}")

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            text = line.rstrip("\n")
            if text.startswith(self._marker):
                self._replies.put(json.loads(text[len(self._marker) :]))
            else:
                self._sink(self.name, text)
        self._replies.put(None)

    def _next_reply(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            return None

    def invoke(self, event: Any) -> Invocation:
        """Run the handler on ``event``; errors come back as Lambda reports them."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self.start()
                self.wait_ready()
            assert self._process is not None and self._process.stdin is not None
            request_id = str(uuid.uuid4())
            context = {
                "function_name": self.name,
                "memory_limit_in_mb": self._memory,
                "invoked_function_arn": self._arn,
                "aws_request_id": request_id,
                "timeout_seconds": self._timeout,
            }
            started = time.perf_counter()
            self._process.stdin.write(json.dumps({"event": event, "context": context}) + "\n")
            self._process.stdin.flush()
            reply = self._next_reply(self._timeout)
            duration = (time.perf_counter() - started) * 1000
            if reply is None:
                self._sink(self.name, f"{request_id} Task timed out after {self._timeout} seconds")
                self._kill()
                error = {"errorType": "TimeoutError", "errorMessage": "Task timed out"}
                return Invocation(result=None, error=error, duration_ms=duration)
            return Invocation(
                result=reply.get("result"), error=reply.get("error"), duration_ms=duration
            )

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._reader is not None:
            self._reader.join(timeout=STOP_GRACE_SECONDS)

    def stop(self) -> None:
        """End the worker: close its stdin, then terminate, then kill."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._reader is not None:
            self._reader.join(timeout=STOP_GRACE_SECONDS)
        if process.stdout is not None:
            process.stdout.close()
        self._process = None
