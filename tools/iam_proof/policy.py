"""IAM policy documents as plain data: statements, their elements, and IAM's string matching.

Written for the proof, independent of the policy pack: a pack rule that misreads a document
must not make the proof misread it the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Policy", "PolicyError", "Statement", "wildcard_match", "as_list"]


class PolicyError(ValueError):
    """A policy document the proof cannot read; the message names the policy and the element."""


def as_list(value: Any) -> list[Any]:
    """An element that may be one value or a list of them, as a list."""
    if value is None:
        return []
    if isinstance(value, str | bool | int | float):
        return [value]
    return list(value)


def _pattern(text: str, *, ignore_case: bool) -> re.Pattern[str]:
    # Only * and ? are special in IAM; both may match across ':' and '/'.
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's match: ``*`` any run of characters (also none), ``?`` exactly one, nothing else."""
    return _pattern(pattern, ignore_case=ignore_case).fullmatch(value) is not None


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, its elements normalised to lists."""

    policy: str
    """Name of the policy it belongs to (for reports)."""
    index: int
    sid: str
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: Mapping[str, tuple[str, ...]] | None = None
    """None for identity policies; ``{"AWS": (...), "Service": (...)}`` or ``{"*": ("*",)}``."""
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``policy#Sid`` (or ``policy#<n>`` when the statement has no Sid)."""
        return f"{self.policy}#{self.sid or self.index}"

    def action_applies(self, action: str) -> bool:
        """Whether the statement's Action (or NotAction) covers ``service:Operation``."""
        if self.not_actions:
            return not any(_action_match(p, action) for p in self.not_actions)
        return any(_action_match(p, action) for p in self.actions)

    def resource_applies(self, arn: str) -> bool:
        """Whether the statement's Resource (or NotResource) covers ``arn``."""
        if self.not_resources:
            return not any(wildcard_match(p, arn) for p in self.not_resources)
        return any(wildcard_match(p, arn) for p in self.resources)


def _action_match(pattern: str, action: str) -> bool:
    if pattern == "*":
        return True
    # The service prefix and the action name are both case-insensitive.
    return wildcard_match(pattern, action, ignore_case=True)


def _principals(value: Any, where: str) -> Mapping[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, Mapping):
        raise PolicyError(f'{where}: Principal must be "*" or an object, not {value!r}')
    return {str(k): tuple(str(v) for v in as_list(vs)) for k, vs in value.items()}


def _conditions(value: Any, where: str) -> dict[str, dict[str, tuple[Any, ...]]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: Condition must be an object, not {value!r}")
    result: dict[str, dict[str, tuple[Any, ...]]] = {}
    for operator, block in value.items():
        if not isinstance(block, Mapping):
            raise PolicyError(f"{where}: Condition {operator} must map keys to values")
        result[str(operator)] = {str(k): tuple(as_list(v)) for k, v in block.items()}
    return result


@dataclass(frozen=True)
class Policy:
    """A named policy document: its statements in order."""

    name: str
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any]) -> Policy:
        """Read a document (JSON text or an object); ``PolicyError`` names what is wrong."""
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError as exc:
                raise PolicyError(f"policy {name}: not JSON ({exc})") from exc
        if not isinstance(document, Mapping):
            raise PolicyError(f"policy {name}: a document is an object, not {document!r}")
        raw = document.get("Statement")
        if isinstance(raw, Mapping):
            raw = [raw]
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            raise PolicyError(f"policy {name}: Statement must be an object or a list")
        return cls(name, tuple(_statement(name, i, s) for i, s in enumerate(raw)))


def _statement(policy: str, index: int, raw: Any) -> Statement:
    where = f"policy {policy} statement {index}"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement is an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, not {effect!r}")
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        if (one in raw) == (other in raw):
            raise PolicyError(f"{where}: exactly one of {one} and {other} is required")
    return Statement(
        policy=policy,
        index=index,
        sid=str(raw.get("Sid", "")),
        effect=str(effect),
        actions=tuple(str(a) for a in as_list(raw.get("Action"))),
        not_actions=tuple(str(a) for a in as_list(raw.get("NotAction"))),
        resources=tuple(str(r) for r in as_list(raw.get("Resource"))),
        not_resources=tuple(str(r) for r in as_list(raw.get("NotResource"))),
        principals=_principals(raw.get("Principal"), where),
        not_principals=_principals(raw.get("NotPrincipal"), where),
        conditions=_conditions(raw.get("Condition"), where),
    )
