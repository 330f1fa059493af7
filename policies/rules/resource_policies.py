"""Resource policies (trust, KMS key, SNS topic, SQS queue): no unconditioned open principal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import (
    UNKNOWN,
    PolicyDocumentError,
    UnknownValueError,
    effect_is_allow,
    get,
    has_condition,
    label,
    read_document,
    statement_label,
    statements,
)

# type -> the input holding a resource policy document (Principal-based).
RESOURCE_POLICY_INPUTS: Mapping[str, str] = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
}
KMS_KEY_POLICY_TYPES = frozenset({"aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"})


def _values(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def is_open_principal(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}`` or a principal list containing ``*``."""
    if isinstance(principal, str):
        return principal.strip() == "*"
    if isinstance(principal, Mapping):
        return any(
            isinstance(v, str) and v.strip() == "*"
            for key in principal
            for v in _values(principal[key])
        )
    return False


def service_principals(principal: Any) -> list[str]:
    """The ``Service`` principals (``logs.amazonaws.com``) a statement names."""
    if not isinstance(principal, Mapping):
        return []
    found: list[str] = []
    for key in principal:
        if key.lower() == "service":
            found.extend(v for v in _values(principal[key]) if isinstance(v, str))
    return found


def _allow_statements(args: ResourceValidationArgs) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each known Allow statement; raises PolicyDocumentError."""
    raw = get(args.props, RESOURCE_POLICY_INPUTS[args.resource_type])
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


def validate_no_open_principal(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report Allow statements open to any principal (``*``) with no Condition."""
    if args.resource_type not in RESOURCE_POLICY_INPUTS:
        return
    where = RESOURCE_POLICY_INPUTS[args.resource_type]
    try:
        for name, statement in _allow_statements(args):
            try:
                open_principal = is_open_principal(statement.get("Principal"))
            except UnknownValueError:
                continue
            if open_principal and not has_condition(statement):
                report(
                    f"{label(args)} {where} {name} allows Principal '*' with no Condition; "
                    "name the "
                    "principals (account, role or service) or add a Condition such as "
                    "aws:SourceArn / aws:SourceAccount / aws:PrincipalOrgID",
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
    if args.resource_type not in KMS_KEY_POLICY_TYPES:
        return
    try:
        for name, statement in _allow_statements(args):
            try:
                services = service_principals(statement.get("Principal"))
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
        "Role trust, KMS key, SNS topic and SQS queue policies must not allow Principal '*' "
        '(or {"AWS": "*"}) without a Condition.'
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
