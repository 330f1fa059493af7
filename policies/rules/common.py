"""Helpers shared by the rules: reading engine proxies, config, and IAM policy documents.

Props arrive as read-only proxies (``Mapping``/``Sequence``, never ``dict``/``list``); reading a
value that is unknown during preview raises ``UnknownValueError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

__all__ = [
    "UNKNOWN",
    "PolicyDocumentError",
    "as_strings",
    "config_value",
    "get",
    "get_item",
    "has_key",
    "is_set",
    "is_truthy",
    "known_strings",
    "label",
    "operator_narrows",
    "read_document",
    "statements",
]


class _Unknown:
    """Marker for a property whose value is not known yet (preview)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()


class PolicyDocumentError(ValueError):
    """A policy document is present but is not a readable IAM policy."""


def get(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``props[key]``, ``default`` when absent or null, :data:`UNKNOWN` when not known yet."""
    try:
        value = props.get(key, default)
    except UnknownValueError:
        return UNKNOWN
    return default if value is None else value


def get_item(items: Sequence[Any], index: int) -> Any:
    """``items[index]``, or :data:`UNKNOWN` when that element is not known yet."""
    try:
        return items[index]
    except UnknownValueError:
        return UNKNOWN


def has_key(mapping: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` is present, even when its value is not known yet."""
    return any(k == key for k in mapping)


# The provider reads a string given for a bool input with Go's ``strconv.ParseBool``.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def is_truthy(value: Any) -> bool:
    """A known, true boolean (unknown values are not true); strings read as the provider reads
    them (``"FALSE"``, ``"0"`` and ``"f"`` are false), other strings by their truth value."""
    if value is UNKNOWN:
        return False
    if isinstance(value, str):
        if value in _GO_TRUE or value in _GO_FALSE:
            return value in _GO_TRUE
    return bool(value)


def is_set(value: object) -> bool:
    """A string input that is (or will be, once known) non-empty."""
    return value is UNKNOWN or (isinstance(value, str) and value.strip() != "")


def config_value(args: ResourceValidationArgs, key: str, default: Any) -> Any:
    """A policy config property; ``get_config()`` does not fill schema defaults, so we do."""
    config = args.get_config() or {}
    value = config.get(key)
    return default if value is None else value


def label(args: ResourceValidationArgs) -> str:
    """``"aws:iam/policy:Policy 'name'"`` for messages."""
    return f"{args.resource_type} '{args.name}'"


def known_strings(value: Any, what: str) -> tuple[list[str], bool]:
    """Like :func:`as_strings`, for a value that may be (partly) unknown during preview.

    Returns the known strings and whether some of the value is not known yet, so a known
    ``"*"`` next to an unknown element is still judged.
    """
    if value is UNKNOWN:
        return [], True
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = [get_item(value, index) for index in range(len(value))]
        known = [item for item in items if item is not UNKNOWN]
        if all(isinstance(item, str) for item in known):
            return known, len(known) != len(items)
    return as_strings(value, what), False


def as_strings(value: Any, what: str) -> list[str]:
    """A string or a sequence of strings, as a list; anything else is a document error."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        items = list(value)
        if all(isinstance(item, str) for item in items):
            return items
    raise PolicyDocumentError(f"{what} must be a string or a list of strings, got {value!r}")


def read_document(value: Any) -> Mapping[str, Any]:
    """Parse a policy document given as a JSON string or as an object.

    Raises :class:`PolicyDocumentError` when it is present but not a JSON object with a
    ``Statement``; ``UnknownValueError`` propagates for a value not known during preview.
    """
    if isinstance(value, str):
        if value.strip() == "":
            raise PolicyDocumentError("the policy document is an empty string")
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise PolicyDocumentError(f"the policy document is not valid JSON ({exc.msg})") from exc
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(
            f"the policy document must be a JSON object, got {type(value).__name__}"
        )
    if not has_key(value, "Statement"):
        raise PolicyDocumentError("the policy document has no Statement")
    return value


def statements(document: Mapping[str, Any]) -> list[Any]:
    """The document's statements: ``Statement`` may be one object or a list of them."""
    raw = document["Statement"]
    if isinstance(raw, Mapping):
        return [raw]
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        return [get_item(raw, index) for index in range(len(raw))]
    raise PolicyDocumentError(f"Statement must be an object or a list, got {raw!r}")


def statement_label(statement: Mapping[str, Any], index: int) -> str:
    """``statement 2 (Sid 'Logs')`` for messages."""
    sid = get(statement, "Sid")
    return f"statement {index}" + (f" (Sid '{sid}')" if isinstance(sid, str) and sid else "")


def effect_is_allow(statement: Mapping[str, Any]) -> bool:
    """True for ``Allow``; ``Deny`` is never a violation; anything else is a document error.

    AWS reads ``Effect`` case-sensitively: ``"allow"``/``"deny"`` are invalid, not synonyms.
    """
    effect = statement.get("Effect")
    if effect in ("Allow", "Deny"):
        return bool(effect == "Allow")
    raise PolicyDocumentError(
        f"Effect must be exactly 'Allow' or 'Deny' (case-sensitive), got {effect!r}"
    )


def has_condition(statement: Mapping[str, Any]) -> bool:
    """The statement carries a non-empty Condition block (an unknown one counts as present)."""
    condition = get(statement, "Condition")
    if condition is UNKNOWN:
        return True
    return isinstance(condition, Mapping) and len(condition) > 0


def operator_narrows(operator: str) -> bool:
    """Positive operators only: a negated one (StringNotEquals) lets everyone else in, an
    ``...IfExists`` one passes callers the key is absent for, ``Null`` tests presence only,
    and ``ForAllValues:`` is true when the request has no value for the key at all."""
    qualifier, _, base = operator.rpartition(":")
    op = base.lower()
    if qualifier.lower() == "forallvalues":
        return False
    return "not" not in op and not op.endswith("ifexists") and op != "null"
