"""IAM rules: no wildcard permissions in identity policies, no broad AWS managed policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from . import iam_data
from .common import (
    UNKNOWN,
    PolicyDocumentError,
    UnknownValueError,
    config_value,
    effect_is_allow,
    get,
    get_item,
    has_condition,
    has_key,
    known_strings,
    label,
    read_document,
    statement_label,
    statements,
)

# Resources whose ``policy`` input is an identity policy document.
POLICY_DOCUMENT_TYPES = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    }
)
ROLE_TYPE = "aws:iam/role:Role"
# Attachment resources: type -> the input holding the policy ARN(s).
ATTACHMENT_TYPES: Mapping[str, str] = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    ROLE_TYPE: "managedPolicyArns",
}
BROAD_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
_MAX_LISTED = 5


def _documents(args: ResourceValidationArgs) -> Iterator[tuple[str, Any]]:
    """(where, raw document) for every identity policy document the resource carries."""
    props = args.props
    if args.resource_type in POLICY_DOCUMENT_TYPES:
        yield "policy", get(props, "policy")
    elif args.resource_type == ROLE_TYPE:
        inline = get(props, "inlinePolicies")
        if isinstance(inline, Sequence) and not isinstance(inline, str):
            for index in range(len(inline)):
                entry = get_item(inline, index)
                if isinstance(entry, Mapping) and get(entry, "policy") is not None:
                    name = get(entry, "name")
                    where = f"inlinePolicies[{index}]" + (
                        f" ('{name}')" if isinstance(name, str) else ""
                    )
                    yield where, get(entry, "policy")


def is_effectively_any_resource(resource: str) -> bool:
    """``*``, or an ARN pattern whose wildcards cover every resource of a service or more.

    IAM's ``*`` also matches ``:``, so a pattern with fewer than six ARN segments whose last
    segment holds a ``*`` swallows the rest (``arn*``, ``*:*``, ``arn:aws:s*``,
    ``arn:aws:iam::*``); with six segments, a resource part of only wildcards and separators
    (``arn:aws:s3:::*``, ``arn:aws:s3:::*/*``, ``arn:aws:logs:*:*:*:*``) is any resource too.
    Wildcards in the region or account segments alone (``arn:aws:iam::*:role/*``) are not:
    the ARN still names a resource type, and another account's resources are reachable only
    through that account's resource policies.
    """
    text = resource.strip()
    if text.strip("*?") == "":
        return True
    parts = text.split(":", 5)
    if len(parts) < 6:
        return "*" in parts[-1]
    return parts[-1].strip("*?/:") == ""


def _action_problem(action: str) -> str | None:
    """Why an action alone is a violation (``*``, ``svc:*``, a malformed name), else None."""
    text = action.strip()
    if text.strip("*?") == "":
        return f"Action '{action}' grants every action of every service"
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return f"Action '{action}' is not of the form service:Action"
    if any(ch in service for ch in "*?"):
        return f"Action '{action}' uses a wildcard in the service prefix"
    if name.strip("*?") == "":
        return f"Action '{action}' grants every {service.lower()} action (service wildcard)"
    return None


def _scopable_actions(actions: Sequence[str]) -> tuple[list[str], list[str]]:
    """(actions that can be scoped to a resource, unknown action names) after expanding patterns."""
    scopable: list[str] = []
    unknown: list[str] = []
    for action in actions:
        matches = iam_data.expand_action(action)
        if not matches:
            unknown.append(action)
        scopable.extend(name for name, can_scope in matches if can_scope)
    return scopable, unknown


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


def statement_problems(statement: Any, where: str, require_condition: bool) -> list[str]:
    """Wildcard findings for one identity-policy statement (empty when it is acceptable)."""
    if not isinstance(statement, Mapping):
        raise PolicyDocumentError(f"{where} is not an object")
    if not effect_is_allow(statement):
        return []
    problems: list[str] = []
    for key in ("NotAction", "NotResource"):
        if has_key(statement, key):
            problems.append(
                f"{where} is an Allow with {key}, which grants everything not listed; "
                f"list the allowed {key.removeprefix('Not')}s explicitly instead"
            )
    if not has_key(statement, "Action"):
        return problems or [f"{where} is an Allow with no Action"]
    # Elements not known yet (preview) are skipped; the known ones are still judged.
    actions, partial = known_strings(get(statement, "Action"), f"{where} Action")
    if not actions and not partial:
        raise PolicyDocumentError(f"{where} Action is empty")
    action_problems = [p for p in (_action_problem(a) for a in actions) if p]
    problems.extend(f"{where}: {p}; name the exact actions needed" for p in action_problems)
    if action_problems or has_key(statement, "NotResource"):
        return problems
    if not has_key(statement, "Resource"):
        return [*problems, f"{where} is an Allow with no Resource"]
    resources, _ = known_strings(get(statement, "Resource"), f"{where} Resource")
    broad = [r for r in resources if is_effectively_any_resource(r)]
    if not broad or not actions:
        return problems
    scopable, unknown = _scopable_actions(actions)
    if unknown:
        problems.append(
            f"{where} allows {_listed(unknown)} on Resource '{broad[0]}', "
            "but these are not actions "
            "in the IAM definition data; name real actions and scope them to resource ARNs"
        )
    if scopable:
        problems.append(
            f"{where} allows {_listed(sorted(set(scopable)))} on Resource '{broad[0]}'; these "
            "actions can be scoped to resource ARNs: list those ARNs instead of a wildcard"
        )
    if not scopable and not unknown and require_condition and not has_condition(statement):
        problems.append(
            f"{where} allows {_listed(actions)} on Resource '{broad[0]}' without a Condition; "
            "these actions only support Resource '*', so narrow them with a Condition "
            "(e.g. aws:RequestedRegion or a namespace key)"
        )
    return problems


def document_problems(raw: Any, require_condition: bool) -> list[str]:
    """All wildcard findings for one identity policy document (unparsable = one finding)."""
    try:
        document = read_document(raw)
        found: list[str] = []
        for index, statement in enumerate(statements(document)):
            if statement is UNKNOWN:
                continue  # only known after apply
            where = (
                statement_label(statement, index)
                if isinstance(statement, Mapping)
                else f"statement {index}"
            )
            try:
                found.extend(statement_problems(statement, where, require_condition))
            except UnknownValueError:
                continue  # parts of this statement are only known after apply
        return found
    except UnknownValueError:
        return []  # the document is only known after apply
    except PolicyDocumentError as exc:
        return [f"cannot be checked: {exc}; supply a valid IAM policy JSON document"]


def validate_no_wildcard(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report wildcard actions/resources, NotAction and NotResource in identity policies."""
    if args.resource_type not in POLICY_DOCUMENT_TYPES and args.resource_type != ROLE_TYPE:
        return
    require_condition = bool(config_value(args, "requireConditionOnWildcardResource", True))
    for where, raw in _documents(args):
        if raw is UNKNOWN:
            continue  # only known after apply (preview)
        if raw is None and args.resource_type != ROLE_TYPE:
            report(f"{label(args)} has no {where} document; supply one", None)
            continue
        for problem in document_problems(raw, require_condition):
            report(f"{label(args)} {where}: {problem}", None)


def _arns(args: ResourceValidationArgs) -> list[str]:
    value = get(args.props, ATTACHMENT_TYPES[args.resource_type])
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        items = [get_item(value, index) for index in range(len(value))]
        return [item for item in items if isinstance(item, str)]
    return []


def broad_policy_name(arn: str, extra: Sequence[str] = ()) -> str | None:
    """The broad AWS managed policy an ARN names (``arn:aws:iam::aws:policy/...``), else None."""
    parts = arn.split(":", 5)
    if (
        len(parts) != 6
        or parts[2] != "iam"
        or parts[4] != "aws"
        or not parts[5].startswith("policy/")
    ):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    broad = {n.lower(): n for n in (*BROAD_MANAGED_POLICIES, *extra)}
    return broad.get(name.lower())


def validate_no_broad_managed_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report attachments of AdministratorAccess, PowerUserAccess or IAMFullAccess."""
    if args.resource_type not in ATTACHMENT_TYPES:
        return
    extra = [
        str(n) for n in config_value(args, "additionalBroadPolicies", []) if isinstance(n, str)
    ]
    for arn in _arns(args):
        name = broad_policy_name(arn, extra)
        if name is not None:
            report(
                f"{label(args)} attaches the AWS managed policy {name} ({arn}); attach a "
                "customer managed policy that lists only the actions and resources "
                "this principal needs",
                None,
            )


no_wildcard = ResourceValidationPolicy(
    name="iam-no-wildcard",
    description=(
        "IAM identity policies (Policy, RolePolicy, UserPolicy, GroupPolicy, Role inline policies) "
        "must not allow '*' or service-wide actions, NotAction/NotResource, or Resource '*' for "
        "actions that can be scoped to a resource."
    ),
    validate=validate_no_wildcard,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requireConditionOnWildcardResource": {
                "type": "boolean",
                "default": True,
                "description": "Resource '*' for wildcard-only actions also needs a Condition.",
            },
        },
    ),
)

no_broad_managed_policy = ResourceValidationPolicy(
    name="iam-no-broad-managed-policy",
    description=(
        "No attachment (RolePolicyAttachment, UserPolicyAttachment, GroupPolicyAttachment, "
        "PolicyAttachment, *PolicyAttachmentsExclusive, Role.managedPolicyArns) of "
        "AdministratorAccess, PowerUserAccess or IAMFullAccess."
    ),
    validate=validate_no_broad_managed_policy,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "additionalBroadPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "More AWS managed policy names to forbid.",
            },
        },
    ),
)
