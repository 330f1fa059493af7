"""The requests the proof decides, and the recorder's log they start from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.iam_proof.evaluator import Principal
from tools.iam_proof.stack import StackPolicies

__all__ = ["IamRequest", "MappingError", "Recording", "base_context", "read_recording"]


class MappingError(ValueError):
    """A call the model cannot turn into IAM terms; the message names the call."""


@dataclass(frozen=True)
class IamRequest:
    """One request IAM decides, and where it came from."""

    function: str
    call: str
    """What was called: ``dynamodb.Query`` for the function's own call, or the modelled call."""
    made_by: str
    """``the function``, or the service that makes it (``Lambda for the function``)."""
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """One line naming the call, the action and the resource."""
        return f"{self.call} by {self.made_by}: {self.action} on {self.resource}"


@dataclass
class Recording:
    """What one function did while recorded."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    invocations: list[dict[str, Any]] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)


def read_recording(path: Path) -> dict[str, Recording]:
    """The recorder's log, by function name."""
    recordings: dict[str, Recording] = {}
    if not path.exists():
        return recordings
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MappingError(f"{path}:{number}: not a recorded call ({exc})") from exc
        recording = recordings.setdefault(str(entry["function"]), Recording())
        if "environment" in entry:
            recording.environment.update(entry["environment"])
        elif "invocation" in entry:
            recording.invocations.append(entry["invocation"])
        else:
            recording.calls.append(entry)
    return recordings


def base_context(stack: StackPolicies, principal: Principal, region: str) -> dict[str, Any]:
    """The global keys every request carries: region, transport, the principal's account and ARN."""
    context: dict[str, Any] = {
        "aws:RequestedRegion": region,
        "aws:SecureTransport": True,
        "aws:PrincipalAccount": stack.account,
    }
    if principal.arn:
        context["aws:PrincipalArn"] = principal.arn
    return context
