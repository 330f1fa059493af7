"""IAM condition operators, as the IAM User Guide's "Condition operators" page defines them.

A block is true when every operator in it is; an operator when every key in it is; a key when
any of its policy values matches one of the request's values. Keys are case-insensitive, values
are compared as each operator says. A key missing from the request makes a positive operator
false and a negated one (``StringNotEquals``, ``ArnNotLike``, ...) true; ``...IfExists`` makes
any operator true; ``Null`` tests presence itself. ``ForAnyValue:``/``ForAllValues:`` apply the
operator to a multivalued key (``ForAllValues`` is true for a missing key, ``ForAnyValue`` false).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tools.iam_proof.policy import PolicyError, as_list, wildcard_match

__all__ = ["ConditionContext", "conditions_hold", "UnsupportedCondition"]

ConditionContext = Mapping[str, Any]
"""Request context: key (any case) → a value or a list of values."""


class UnsupportedCondition(PolicyError):
    """An operator the evaluator does not implement: the proof stops rather than guess."""


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _arn_like(pattern: str, value: str) -> bool:
    # Each of the six colon-delimited parts is matched on its own, case-sensitively.
    p, v = _arn_parts(pattern), _arn_parts(value)
    if p is None or v is None:
        return False
    return all(wildcard_match(pp, vp) for pp, vp in zip(p, v, strict=True))


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(policy: str, request: str) -> bool:
        a, b = _number(request), _number(policy)
        return a is not None and b is not None and compare(a, b)

    return match


def _ip_in(cidr: str, address: str) -> bool:
    import ipaddress  # noqa: PLC0415 - rarely needed

    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda p, v: p == v,
    "stringequalsignorecase": lambda p, v: p.lower() == v.lower(),
    "stringlike": wildcard_match,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "bool": lambda p, v: p.lower() == v.lower(),
    "numericequals": _numeric(lambda a, b: a == b),
    "numericlessthan": _numeric(lambda a, b: a < b),
    "numericlessthanequals": _numeric(lambda a, b: a <= b),
    "numericgreaterthan": _numeric(lambda a, b: a > b),
    "numericgreaterthanequals": _numeric(lambda a, b: a >= b),
    "ipaddress": _ip_in,
}
_NEGATED: dict[str, str] = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
    "notipaddress": "ipaddress",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lookup(context: ConditionContext, key: str) -> list[str] | None:
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return [_text(v) for v in as_list(value)]
    return None


def _split(operator: str) -> tuple[str, str, bool]:
    """(set qualifier or "", operator name without IfExists, lower case; whether IfExists)."""
    qualifier, _, name = operator.rpartition(":")
    qualifier = qualifier.lower()
    if qualifier not in ("", "foranyvalue", "forallvalues"):
        raise UnsupportedCondition(f"condition operator {operator!r}: unknown set qualifier")
    lowered = name.lower()
    if_exists = lowered.endswith("ifexists")
    return qualifier, lowered.removesuffix("ifexists"), if_exists


def _key_holds(
    operator: str,
    *,
    qualifier: str,
    name: str,
    if_exists: bool,
    values: list[str],
    present: list[str] | None,
) -> bool:
    if name == "null":
        return (present is None) == ({v.lower() for v in values} == {"true"})
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    if base not in _POSITIVE:
        raise UnsupportedCondition(f"condition operator {operator!r} is not supported")
    if present is None:
        return if_exists or qualifier == "forallvalues" or (negated and not qualifier)
    match = _POSITIVE[base]

    def one(request: str) -> bool:
        hit = any(match(p, request) for p in values)
        return not hit if negated else hit

    if qualifier == "foranyvalue":
        return any(one(r) for r in present)
    if qualifier == "forallvalues" or negated:
        # A negated operator: none of the policy values may match any request value.
        return all(one(r) for r in present)
    return any(one(r) for r in present)


def _operator_holds(
    operator: str, block: Mapping[str, tuple[Any, ...]], context: ConditionContext
) -> bool:
    qualifier, name, if_exists = _split(operator)
    return all(
        _key_holds(
            operator,
            qualifier=qualifier,
            name=name,
            if_exists=if_exists,
            values=[_text(v) for v in vs],
            present=_lookup(context, key),
        )
        for key, vs in block.items()
    )


def conditions_hold(
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]], context: ConditionContext
) -> bool:
    """Whether a statement's Condition block is true for the request context."""
    return all(_operator_holds(op, block, context) for op, block in conditions.items())


def failing_operators(
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]], context: ConditionContext
) -> list[str]:
    """The operators (with their keys) that are false for the context, for reports."""
    return [
        f"{op} {sorted(block)}"
        for op, block in conditions.items()
        if not _operator_holds(op, block, context)
    ]
