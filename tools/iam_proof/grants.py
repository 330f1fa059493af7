"""The other direction: every grant a function has, whether a request used it, and the reviewed
reasons for those none did.

A grant is one (statement, action entry, resource entry) of an Allow statement: narrowing the
resource list or dropping an action changes the set, so a grant that is never exercised is
reported as precisely as the policy states it. ``justified_grants.yaml`` holds the reasons:

    - function: api-handler          # the function's name in the program (every stack)
      statement: ManageFunctionInterfaces
      action: ec2:AssignPrivateIpAddresses
      resource: "arn:aws:ec2:*:*:network-interface/*"   # IAM wildcards over the stack's value
      reason: Lambda manages the interface's addresses with the execution role ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.iam_proof.calls import IamRequest
from tools.iam_proof.evaluator import Decision
from tools.iam_proof.policy import Policy, Statement, wildcard_match

__all__ = ["Grant", "Justification", "grants_of", "load_justifications", "exercised_by"]

JUSTIFIED_GRANTS = Path(__file__).resolve().with_name("justified_grants.yaml")


@dataclass(frozen=True)
class Grant:
    """One action entry on one resource entry of an Allow statement."""

    statement: Statement
    action: str
    """An entry of Action (as written), or ``NotAction [...]``."""
    resource: str
    """An entry of Resource (as written), or ``NotResource [...]``."""
    principal: str = ""
    """For resource policies: whom the statement names."""

    @property
    def label(self) -> str:
        """``policy#Sid: action on resource`` (and the principal for resource policies)."""
        who = f" for {self.principal}" if self.principal else ""
        return f"{self.statement.label}: {self.action} on {self.resource}{who}"

    def used_by(self, request: IamRequest) -> bool:
        """Whether ``request`` falls under this entry (the statement allowed it as a whole)."""
        if self.action.startswith("NotAction"):
            action_ok = self.statement.action_applies(request.action)
        else:
            action_ok = self.action == "*" or wildcard_match(
                self.action, request.action, ignore_case=True
            )
        if self.resource.startswith("NotResource"):
            resource_ok = self.statement.resource_applies(request.resource)
        else:
            resource_ok = wildcard_match(self.resource, request.resource)
        return action_ok and resource_ok


def _principal_text(statement: Statement) -> str:
    if statement.principals is None:
        return ""
    return ", ".join(f"{k}:{v}" for k, vs in sorted(statement.principals.items()) for v in vs)


def grants_of(policies: Iterable[Policy]) -> list[Grant]:
    """Every grant of the Allow statements of ``policies``, in order."""
    grants: list[Grant] = []
    for policy in policies:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            actions = statement.actions or (f"NotAction {list(statement.not_actions)}",)
            resources = statement.resources or (f"NotResource {list(statement.not_resources)}",)
            principal = _principal_text(statement)
            grants += [Grant(statement, a, r, principal) for a in actions for r in resources]
    return grants


def exercised_by(
    grant: Grant, decisions: Sequence[tuple[IamRequest, Decision]]
) -> list[IamRequest]:
    """The allowed requests the grant's statement allowed and that fall under the grant."""
    return [
        request
        for request, decision in decisions
        if decision.allowed
        and any(s is grant.statement for s in decision.allowing)
        and grant.used_by(request)
    ]


@dataclass(frozen=True)
class Justification:
    """A reviewed reason why a grant no recorded or modelled request used is still needed."""

    function: str
    statement: str
    action: str
    resource: str
    reason: str

    def covers(self, function_resource_name: str, grant: Grant) -> bool:
        """Whether this reason is for ``grant`` of that function."""
        statement = grant.statement
        return (
            self.function == function_resource_name
            and self.statement in (statement.sid, str(statement.index))
            and self.action.lower() == grant.action.lower()
            and wildcard_match(self.resource, grant.resource)
        )

    @property
    def label(self) -> str:
        """``function statement: action on resource``."""
        return f"{self.function} {self.statement}: {self.action} on {self.resource}"


def load_justifications(path: Path = JUSTIFIED_GRANTS) -> list[Justification]:
    """The reviewed reasons; a malformed entry fails with its position and what is missing."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of justified grants")
    found = []
    fields = ("function", "statement", "action", "resource", "reason")
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{path}: entry {number} is not a mapping")
        missing = [f for f in fields if not str(entry.get(f) or "").strip()]
        if missing:
            raise ValueError(f"{path}: entry {number} lacks {', '.join(missing)}")
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            raise ValueError(f"{path}: entry {number} has unknown keys {unknown}")
        found.append(Justification(*(str(entry[f]).strip() for f in fields)))
    return found
