"""The decision IAM makes for one request within one account, as the IAM User Guide's "Policy
evaluation logic" describes it.

1. An explicit ``Deny`` in any applicable policy wins.
2. Otherwise an ``Allow`` in the principal's identity-based policies, or in the resource's policy
   naming the principal itself, allows — except for a KMS key, whose key policy must allow: a key
   policy statement for the account (``arn:aws:iam::<account>:root``) only lets the account's
   identity-based policies decide, it grants nothing by itself (the same holds for any resource
   policy naming the account rather than the principal).
3. Otherwise the request is implicitly denied.

Service principals (``events.amazonaws.com``) have no identity-based policies here: only resource
policies can allow them. Permissions boundaries, SCPs and session policies are not used by the
stack and not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.iam_proof.conditions import conditions_hold, failing_operators
from tools.iam_proof.policy import Policy, Statement, wildcard_match

__all__ = ["Decision", "Principal", "Request", "evaluate"]


@dataclass(frozen=True)
class Principal:
    """Who makes the request: an IAM role (``arn``) or an AWS service (``service``)."""

    account: str
    arn: str = ""
    service: str = ""

    def __post_init__(self) -> None:
        if bool(self.arn) == bool(self.service):
            raise ValueError("a principal is either a role ARN or a service, not both or neither")

    @property
    def label(self) -> str:
        """The role ARN or the service principal's name."""
        return self.arn or self.service


@dataclass(frozen=True)
class Request:
    """One authorisation request: a principal, an action, one resource ARN, the context."""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and the statements that decided it."""

    allowed: bool
    reason: str
    """``explicit deny``, ``allowed``, ``implicit deny`` or ``key policy does not allow``."""
    allowing: tuple[Statement, ...] = ()
    """Every Allow statement that matched (identity and resource policies)."""
    denying: tuple[Statement, ...] = ()


def _principal_matches(principals: Mapping[str, Sequence[str]], principal: Principal) -> str | None:
    """``"direct"`` when the element names the principal, ``"account"`` when it names its
    account (delegating to identity policies), None when it names neither."""
    for kind, values in principals.items():
        for value in values:
            if kind == "*" or (kind == "AWS" and value == "*"):
                return "direct"
            if kind == "Service" and principal.service and value == principal.service:
                return "direct"
            if kind != "AWS" or not principal.arn:
                continue
            if value in (principal.account, f"arn:aws:iam::{principal.account}:root"):
                return "account"
            # IAM allows no wildcard inside a principal ARN: only "*" itself (handled above).
            if value == principal.arn:
                return "direct"
    return None


def _applies(statement: Statement, request: Request) -> bool:
    return (
        statement.action_applies(request.action)
        and statement.resource_applies(request.resource)
        and conditions_hold(statement.conditions, request.context)
    )


def _resource_statement_reach(statement: Statement, principal: Principal) -> str | None:
    if statement.principals is not None:
        return _principal_matches(statement.principals, principal)
    if statement.not_principals is not None:
        return None if _principal_matches(statement.not_principals, principal) else "direct"
    return None


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    resource_policy: Policy | None = None,
    *,
    resource_policy_required: bool = False,
) -> Decision:
    """Decide ``request``.

    ``resource_policy_required`` is set for KMS keys: without the key policy's consent nothing
    else allows.
    """
    identity = (
        [] if request.principal.service else [s for p in identity_policies for s in p.statements]
    )
    resource_direct: list[Statement] = []
    resource_account: list[Statement] = []
    for statement in resource_policy.statements if resource_policy else ():
        reach = _resource_statement_reach(statement, request.principal)
        if reach == "direct":
            resource_direct.append(statement)
        elif reach == "account":
            resource_account.append(statement)
    everything = identity + resource_direct + resource_account
    denying = tuple(s for s in everything if s.effect == "Deny" and _applies(s, request))
    if denying:
        return Decision(False, "explicit deny", denying=denying)
    identity_allow = [s for s in identity if s.effect == "Allow" and _applies(s, request)]
    direct_allow = [s for s in resource_direct if s.effect == "Allow" and _applies(s, request)]
    account_allow = [s for s in resource_account if s.effect == "Allow" and _applies(s, request)]
    if resource_policy_required:
        allowing = direct_allow + (identity_allow if account_allow else [])
        if allowing:
            return Decision(True, "allowed", allowing=tuple(allowing + account_allow))
        reason = "implicit deny" if account_allow else "key policy does not allow"
        return Decision(False, reason)
    allowing = identity_allow + direct_allow
    if allowing:
        return Decision(True, "allowed", allowing=tuple(allowing))
    return Decision(False, "implicit deny")


def _closeness(statement: Statement, request: Request) -> tuple[int, list[str]]:
    """A score (higher: closer) and what the statement lacks for the request."""
    score, missing = 0, []
    service = request.action.split(":", 1)[0].lower()
    if statement.action_applies(request.action):
        score += 4
    else:
        listed = list(statement.actions or statement.not_actions)
        if any(a.split(":", 1)[0].lower() == service for a in statement.actions):
            score += 2
        missing.append(f"action {request.action} not in {listed}")
    if statement.resource_applies(request.resource):
        # A statement that names the resource is closer than one that allows any.
        named = any(r != "*" and wildcard_match(r, request.resource) for r in statement.resources)
        score += 2 if named else 1
    else:
        listed = list(statement.resources or statement.not_resources)
        missing.append(f"resource {request.resource} not in {listed}")
    failing = failing_operators(statement.conditions, request.context)
    if not failing:
        score += 1
    missing += [f"condition {c} false" for c in failing]
    return score, missing


def closest_statement(
    request: Request, policies: Sequence[Policy]
) -> tuple[Statement | None, list[str]]:
    """The Allow statement that came closest to allowing ``request`` and what it lacks.

    Closest: the action (or at least its service), then the resource named rather than ``*``,
    then the conditions; ties go to the earlier statement.
    """
    best: tuple[int, Statement | None, list[str]] = (-1, None, [])
    for policy in policies:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            score, missing = _closeness(statement, request)
            if score > best[0]:
                best = (score, statement, missing)
    return best[1], best[2]
