"""Resource policies (trust, key, bucket, queue, topic, ... every type of the document table):
no open principal unless a Condition narrows who may call."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import federation, iam_patterns
from .common import (
    UNKNOWN,
    PolicyDocumentError,
    effect_is_allow,
    get,
    get_item,
    has_condition,
    has_key,
    label,
    operator_narrows,
    read_document,
    statement_label,
    statements,
)
from .policy_documents import (
    KEY,
    KEY_POLICY_TYPES,
    RESOURCE,
    Document,
    documents,
)

# Condition keys that narrow *who* can make the call. Transport, time or network keys
# (aws:SecureTransport, aws:CurrentTime, aws:SourceIp) do not: anyone can meet them.
# Keys whose value is an identifier (an account, an organization, an endpoint): a value with a
# wildcard (``o-*``, ``vpce-*``) no longer names one, so it does not narrow.
# Not here: ``aws:username`` (the same user name exists in every account) and
# ``aws:PrincipalServiceName`` (a service principal acts for every account that uses it).
ID_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceVpce",
        "aws:SourceVpc",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "kms:CallerAccount",
    )
)
# Keys whose value is an ARN: it narrows while it names one account (``role/*`` inside one
# account is fine; ``arn:aws:iam::*:role/x`` or ``arn:aws:codebuild:*:*:project/*`` is anyone).
ARN_CONDITION_KEYS = frozenset(key.lower() for key in ("aws:PrincipalArn", "aws:SourceArn"))
# Keys whose value is an organization path: it narrows while the organization id is named.
PATH_CONDITION_KEYS = frozenset(
    key.lower() for key in ("aws:PrincipalOrgPaths", "aws:SourceOrgPaths", "aws:VpceOrgPaths")
)
# aws:userid is "<unique id>" or "<role id>:<session>": the id before ":" says who.
PREFIX_CONDITION_KEYS = frozenset({"aws:userid"})
_POLICY_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERAL_VARIABLES = frozenset({"*", "?", "$"})
_RESOURCE_VARIABLES = frozenset(
    {"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"}
)
NARROWING_CONDITION_KEYS = (
    ID_CONDITION_KEYS | ARN_CONDITION_KEYS | PATH_CONDITION_KEYS | PREFIX_CONDITION_KEYS
)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _request_variable(text: str) -> bool:
    """The value holds a policy variable filled in from the request (``${aws:PrincipalAccount}``,
    ``${aws:username}``, a tag): compared with the caller's own value it is true for every
    caller (``aws:SourceAccount == ${aws:PrincipalAccount}``). Variables of the resource
    itself (``${aws:ResourceAccount}``) are fixed and still name one caller."""
    for match in _POLICY_VARIABLE.finditer(text):
        name = match.group(1).split(",", 1)[0].strip().lower()
        if name not in _LITERAL_VARIABLES and name not in _RESOURCE_VARIABLES:
            return True
    return False


def value_narrows(key: str, value: Any) -> bool:
    """Whether one Condition value for ``key`` names a caller (not a wildcard of callers).

    Numbers count as their text (``"aws:SourceAccount": 123456789012``), as IAM reads them.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    if text.strip("*?") == "" or _request_variable(text):
        return False
    lowered = key.lower()
    if lowered in ARN_CONDITION_KEYS:
        return iam_patterns.owner_wildcard(text) is None
    if lowered in PATH_CONDITION_KEYS:
        return not _has_wildcard(text.split("/", 1)[0])
    if lowered in PREFIX_CONDITION_KEYS:
        return not _has_wildcard(text.split(":", 1)[0])
    return not _has_wildcard(text)


def narrowing_condition_keys(statement: Mapping[str, Any]) -> list[str]:
    """The Condition keys of a statement that narrow who may call (empty when none does).

    A key narrows when its operator is a positive one and every value names a caller: one
    wildcard value among them lets anyone in.
    """
    condition = get(statement, "Condition")
    if condition is UNKNOWN:
        return ["<unknown>"]  # only known after apply: give it the benefit of the doubt
    if not isinstance(condition, Mapping):
        return []
    found: list[str] = []
    for operator in condition:
        block = get(condition, operator)
        if not isinstance(operator, str) or not isinstance(block, Mapping):
            continue
        if not operator_narrows(operator):
            continue
        for key in block:
            if not isinstance(key, str) or key.lower() not in NARROWING_CONDITION_KEYS:
                continue
            value = get(block, key)
            if value is UNKNOWN:
                found.append(key)
                continue
            values = (
                [get_item(value, i) for i in range(len(value))]
                if isinstance(value, Sequence) and not isinstance(value, str)
                else [value]
            )
            if values and all(v is UNKNOWN or value_narrows(key, v) for v in values):
                found.append(key)
    return found


def _values(value: Any) -> list[Any]:
    """A principal or condition value as a list; elements not known yet are left out."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        items = (get_item(value, index) for index in range(len(value)))
        return [item for item in items if item is not UNKNOWN]
    return [] if value is UNKNOWN else [value]


def _open_value(value: Any) -> bool:
    # A wildcard anywhere in a principal (``*``, ``arn:aws:iam::*:root``) names anyone.
    return isinstance(value, str) and ("*" in value or "?" in value)


def is_open_principal(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}``, or a principal whose account or name holds a wildcard.

    Judged on the known values: a ``"*"`` next to an ARN only known after apply is open now.
    """
    if isinstance(principal, str):
        return _open_value(principal.strip())
    if isinstance(principal, Mapping):
        return any(_open_value(v) for key in principal for v in _values(get(principal, key)))
    return False


def service_principals(principal: Any) -> list[str]:
    """The ``Service`` principals (``logs.amazonaws.com``) a statement names."""
    if not isinstance(principal, Mapping):
        return []
    found: list[str] = []
    for key in principal:
        if key.lower() == "service":
            found.extend(v for v in _values(get(principal, key)) if isinstance(v, str))
    return found


def _principal_documents(args: ResourceValidationArgs) -> Iterator[Document]:
    """The resource, trust and key policies the resource carries, embedded ones included."""
    for found in documents(args):
        if found.kind in (RESOURCE, KEY) and found.error is None:
            yield found


def _allow_statements(raw: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each known Allow statement; raises PolicyDocumentError."""
    if raw is None or raw is UNKNOWN:
        return
    try:
        document = read_document(raw)
        items = statements(document)
    except UnknownValueError:
        return
    for index, statement in enumerate(items):
        if statement is UNKNOWN:
            continue
        if not isinstance(statement, Mapping):
            raise PolicyDocumentError(f"statement {index} is not an object")
        try:
            if effect_is_allow(statement):
                yield statement_label(statement, index), statement
        except UnknownValueError:
            continue


EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission"


def _event_permission_problem(args: ResourceValidationArgs) -> str | None:
    """An EventBridge bus permission is one statement as inputs: principal ``*`` lets every
    account put events unless its one condition (EventBridge accepts only
    ``aws:PrincipalOrgID``) names an organization."""
    principal = get(args.props, "principal")
    if not isinstance(principal, str) or not _open_value(principal.strip()):
        return None
    condition = get(args.props, "condition")
    if condition is UNKNOWN:
        return None
    if isinstance(condition, Mapping):
        key, operator, value = (get(condition, k) for k in ("key", "type", "value"))
        if UNKNOWN in (key, operator, value):
            return None
        if (
            isinstance(key, str)
            and isinstance(operator, str)
            and key.lower() in NARROWING_CONDITION_KEYS
            and operator_narrows(operator)
            and value_narrows(key, value)
        ):
            return None
    return (
        f"{label(args)} lets any account ('{principal}') use the event bus with no condition "
        "that names an organization; name the account, or set condition "
        "{key: aws:PrincipalOrgID, type: StringEquals, value: <your org id>}"
    )


def validate_no_open_principal(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report Allow statements open to any principal (``*``) with no Condition."""
    if args.resource_type == EVENT_PERMISSION:
        problem = _event_permission_problem(args)
        if problem is not None:
            report(problem, None)
        return
    for found in _principal_documents(args):
        _judge_principals(args, found.where, found.raw, report)


def _judge_principals(
    args: ResourceValidationArgs, where: str, raw: Any, report: ReportViolation
) -> None:
    try:
        for name, statement in _allow_statements(raw):
            try:
                not_principal = has_key(statement, "NotPrincipal")
                open_principal = not_principal or is_open_principal(get(statement, "Principal"))
                narrowing = narrowing_condition_keys(statement)
                shared = federation.shared_provider_problem(statement)
            except UnknownValueError:
                continue
            if shared is not None and not narrowing:
                report(f"{label(args)} {where} {name} {shared}", None)
                continue
            if open_principal and not narrowing:
                shown = "NotPrincipal (everyone not listed)" if not_principal else "any principal"
                report(
                    f"{label(args)} {where} {name} allows {shown} with no Condition that "
                    "narrows who may call; name the principals (account, role or service) or "
                    "add a Condition such as aws:SourceArn / aws:SourceAccount / "
                    "aws:PrincipalOrgID (transport or time conditions such as "
                    "aws:SecureTransport do not narrow the caller)",
                    None,
                )
    except PolicyDocumentError as exc:
        report(
            f"{label(args)} {where} cannot be checked: {exc}; supply a valid policy JSON document",
            None,
        )


def validate_key_policy_service_condition(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    """Report KMS key policy statements that grant a service principal without any Condition."""
    if args.resource_type not in KEY_POLICY_TYPES:
        return
    try:
        raw = next((d.raw for d in _principal_documents(args) if d.kind == KEY), None)
        for name, statement in _allow_statements(raw):
            try:
                services = service_principals(get(statement, "Principal"))
            except UnknownValueError:
                continue
            if services and not has_condition(statement):
                report(
                    f"{label(args)} key policy {name} grants {', '.join(services)} "
                    "with no Condition; add aws:SourceArn/aws:SourceAccount or "
                    "kms:EncryptionContext/kms:ViaService so "
                    "only this stack's resources can use the key",
                    None,
                )
    except PolicyDocumentError:
        return  # reported by policy-no-open-principal


no_open_principal = ResourceValidationPolicy(
    name="policy-no-open-principal",
    description=(
        "Resource policies (role trust, KMS key, bucket, queue, topic, secret, repository, "
        "domain, vault, bus and bus permission, log and every other policy-bearing type) must "
        "not allow an open "
        "principal ('*', a wildcard account, NotPrincipal) unless a Condition narrows who "
        "may call (aws:PrincipalOrgID, aws:SourceAccount, aws:SourceArn, aws:SourceVpce, ...)."
    ),
    validate=validate_no_open_principal,
    enforcement_level=EnforcementLevel.MANDATORY,
)

key_policy_service_condition = ResourceValidationPolicy(
    name="kms-key-policy-service-condition",
    description=(
        "KMS key policy statements granting an AWS service principal should carry a Condition."
    ),
    validate=validate_key_policy_service_condition,
    enforcement_level=EnforcementLevel.ADVISORY,
)
