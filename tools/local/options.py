"""How to run the local system: options only, importable without the system's dependencies."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8080


def _to_stderr(line: str) -> None:
    """Print to stderr; once the terminal is closed (SIGHUP) writes fail, and the clean-up
    must still run."""
    with contextlib.suppress(OSError):
        print(line, file=sys.stderr, flush=True)


@dataclass
class LocalOptions:
    """How to run the local system."""

    port: int = DEFAULT_PORT
    """TCP port of the API on 127.0.0.1 (0: any free port)."""
    stack: str = "dev"
    """Which ``Pulumi.<stack>.yaml`` the system is seeded from."""
    aggregate_every: float | None = None
    """Seconds between aggregator runs; None: the stack's schedule; 0: never on its own."""
    aggregator_environment: dict[str, str] = field(default_factory=dict)
    """Overrides of the aggregator's environment (tests shorten its period)."""
    log: Callable[[str], None] = _to_stderr
    """Where the functions' log lines and the system's own messages go."""
    aws_call_log: Path | None = None
    """Append every AWS call both functions make to this file (``tools.iam_proof`` reads it)."""
