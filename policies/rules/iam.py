"""IAM rules: no wildcard permissions in identity policies, no broad AWS managed policies."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import iam_data, iam_patterns, necessities, policy_documents
from .common import (
    UNKNOWN,
    PolicyDocumentError,
    config_value,
    effect_is_allow,
    get,
    get_item,
    has_condition,
    has_key,
    is_truthy,
    known_strings,
    label,
    read_document,
    statement_label,
    statements,
)
from .policy_documents import IDENTITY, KEY, Kind

# Attachment resources: type -> the input holding the policy ARN(s).
ATTACHMENT_TYPES: Mapping[str, str] = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
    policy_documents.ROLE_TYPE: "managedPolicyArns",
}
_MAX_LISTED = 5
_ACCOUNT_ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def is_effectively_any_resource(resource: str) -> bool:
    """``*``, or a pattern whose wildcards swallow the whole resource part or more.

    Used for actions missing from the IAM data (no ARN formats to judge by): IAM's ``*`` also
    matches ``:``, so a pattern with fewer than six ARN segments whose last segment holds a
    ``*`` swallows the rest (``arn*``, ``arn:aws:s*``); with six, a resource part of only
    wildcards and separators (``arn:aws:s3:::*/*``) is any resource too.
    """
    text = iam_patterns.resolve_variables(resource.strip())
    if text.strip("*?") == "":
        return True
    parts = text.split(":", 5)
    if len(parts) < 6:
        return "*" in parts[-1]
    return parts[-1].strip("*?/:") == ""


def _action_problem(action: str) -> str | None:
    """Why an action alone is a violation (``*``, a wildcard service, a malformed name)."""
    text = action.strip()
    if text.strip("*?") == "":
        return f"Action '{action}' grants every action of every service"
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return f"Action '{action}' is not of the form service:Action"
    if any(ch in service for ch in "*?"):
        return f"Action '{action}' uses a wildcard in the service prefix"
    if name.strip("*?") == "" and not iam_data.service_actions(service):
        return f"Action '{action}' grants every {service.lower()} action (service wildcard)"
    return None


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else "")


def _default_key_root_account(statement: Mapping[str, Any]) -> str | None:
    """The account of a statement shaped like AWS's default key policy statement (one account
    root gets ``kms:*`` on ``*``), or None for any other statement.

    Whether that account is the key's own is decided over the document: see
    :func:`_excused_root_statements`.
    """
    principal = get(statement, "Principal")
    if not isinstance(principal, Mapping) or list(principal) != ["AWS"]:
        return None
    roots = get(principal, "AWS")
    roots_list = [roots] if isinstance(roots, str) else roots
    if not isinstance(roots_list, Sequence) or len(roots_list) != 1:
        return None
    root = roots_list[0]
    if not isinstance(root, str) or not _ACCOUNT_ROOT.match(root.strip()):
        return None
    actions = get(statement, "Action")
    resources = get(statement, "Resource")
    single_action = actions if isinstance(actions, str) else None
    if isinstance(actions, Sequence) and not isinstance(actions, str) and len(actions) == 1:
        single_action = actions[0]
    single_resource = resources if isinstance(resources, str) else None
    if isinstance(resources, Sequence) and not isinstance(resources, str) and len(resources) == 1:
        single_resource = resources[0]
    shaped = (
        effect_is_allow(statement)
        and isinstance(single_action, str)
        and single_action.strip().lower() == "kms:*"
        and single_resource == "*"
        and not has_key(statement, "NotAction")
        and not has_key(statement, "NotResource")
    )
    return _ACCOUNT_ID.search(root).group(0) if shaped else None  # type: ignore[union-attr]


def _excused_root_statements(items: Sequence[Any], key_accounts: frozenset[str] | None) -> set[int]:
    """Indices of the default key policy statements to allow: the key's own account root only.

    With the key's account(s) known (from its ARN or the stack's ``stackAccounts``), a root
    statement for one of them. Unknown: exactly one root ``kms:*`` statement, and every other
    account the document names is that same account; two such statements, or a root of an
    account the rest of the document does not name, grant ``kms:*`` to another account.
    """
    roots: dict[int, str] = {}
    for index, statement in enumerate(items):
        if isinstance(statement, Mapping):
            try:
                account = _default_key_root_account(statement)
            except (UnknownValueError, PolicyDocumentError):
                continue
            if account is not None:
                roots[index] = account
    if key_accounts:
        return {index for index, account in roots.items() if account in key_accounts}
    if len(roots) != 1:
        return set()
    ((index, account),) = roots.items()
    named = {
        found
        for other, statement in enumerate(items)
        if other != index
        for found in _ACCOUNT_ID.findall(json.dumps(_plain(statement), default=str))
    }
    return {index} if named <= {account} else set()


def _action_problems(actions: Sequence[str], where: str) -> list[str]:
    problems = [p for p in (_action_problem(a) for a in actions) if p]
    problems.extend(
        f"{found.describe()} (a service wildcard)"
        for found in iam_patterns.service_wildcards(actions)
    )
    return [f"{where}: {p}; name the exact actions needed" for p in problems]


def _resource_problems(
    actions: Sequence[str],
    resources: Sequence[str],
    where: str,
    kind: Kind,
    type_wide_allowed: frozenset[str] = frozenset(),
    *,
    self_prefixes: tuple[str, ...] = (),
    account_wide: bool = False,
) -> list[str]:
    """Resources as good as ``*`` for the statement's scopable actions, one finding each.

    ``self_prefixes``: shorthands that name the resource the policy is attached to.
    ``account_wide``: the policy is attached to an account, registry or catalog, where ``*`` is
    every resource of the kind (judged like an identity policy's ``*``).
    """
    problems: list[str] = []
    unknown = [a for a in actions if not iam_data.expand_action(a)]
    for resource in resources:
        if (
            kind != IDENTITY
            and not account_wide
            and (resource.strip() == "*" or resource.strip().startswith(self_prefixes or ("\0",)))
        ):
            continue  # in a resource or key policy, "*" is the resource the policy is on
        broad: dict[str, list[str]] = {}
        wide_star = account_wide and resource.strip() == "*"
        for action in actions:
            for name, scopable in iam_data.expand_action(action):
                if not scopable:
                    continue
                strict = iam_patterns.is_privilege_escalation(name)
                found = iam_patterns.broad_resource(resource, name, strict=strict)
                if found is None:
                    continue
                if found.resource_type is not None and (
                    found.resource_type in type_wide_allowed
                    or iam_patterns.scoped_by_other_type(name, found.resource_type, resources)
                    or (
                        kind == IDENTITY
                        and necessities.is_lambda_vpc_interface_grant(
                            actions, resource, found.resource_type
                        )
                    )
                ):
                    continue
                broad.setdefault(found.reason, []).append(name)
        for reason, names in broad.items():
            scope = (
                " (this policy belongs to the account, so '*' is every such resource in it, "
                "not the policy's own resource)"
                if wide_star
                else ""
            )
            problems.append(
                f"{where} allows {_listed(sorted(set(names)))} on Resource '{resource}', which "
                f"{reason}{scope}; these actions can be scoped: list the resource ARNs instead"
            )
        if unknown and (
            is_effectively_any_resource(resource) or iam_patterns.owner_wildcard(resource)
        ):
            problems.append(
                f"{where} allows {_listed(unknown)} on Resource '{resource}', but these are not "
                "actions in the IAM definition data; name real actions and scope them to "
                "resource ARNs"
            )
    return problems


def statement_problems(
    statement: Any,
    where: str,
    require_condition: bool,
    kind: Kind = IDENTITY,
    type_wide_allowed: frozenset[str] = frozenset(),
    *,
    excused: bool = False,
    self_prefixes: tuple[str, ...] = (),
    account_wide: bool = False,
) -> list[str]:
    """Wildcard findings for one policy statement (empty when it is acceptable).

    ``excused``: the statement is the key's own default root statement (decided per document).
    ``account_wide``: ``*`` in this resource policy is every resource of its kind.
    """
    if not isinstance(statement, Mapping):
        raise PolicyDocumentError(f"{where} is not an object")
    if not effect_is_allow(statement):
        return []
    if excused:
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
    action_problems = _action_problems(actions, where)
    problems.extend(action_problems)
    if action_problems or has_key(statement, "NotResource"):
        return problems
    if not has_key(statement, "Resource"):
        if kind == IDENTITY:
            problems.append(f"{where} is an Allow with no Resource")
        return problems  # resource policies may omit it: the resource itself
    resources, _ = known_strings(get(statement, "Resource"), f"{where} Resource")
    problems.extend(
        _resource_problems(
            actions,
            resources,
            where,
            kind,
            type_wide_allowed,
            self_prefixes=self_prefixes,
            account_wide=account_wide,
        )
    )
    anywhere = [r for r in resources if r.strip() == "*"]
    wildcard_only = actions and all(
        iam_data.expand_action(a) and iam_data.is_wildcard_only(a) for a in actions
    )
    if (
        kind == IDENTITY
        and anywhere
        and wildcard_only
        and require_condition
        and not has_condition(statement)
    ):
        problems.append(
            f"{where} allows {_listed(actions)} on Resource '*' without a Condition; "
            "this stack's policy config asks wildcard-only actions to be narrowed with a "
            "Condition (e.g. aws:RequestedRegion or a namespace key)"
        )
    return problems


def _statement_wildcards(statement: Mapping[str, Any]) -> list[iam_patterns.ServiceWildcard]:
    """Service wildcards one statement reaches alone (already its own finding)."""
    try:
        actions, _ = known_strings(get(statement, "Action"), "Action")
    except (UnknownValueError, PolicyDocumentError):
        return []
    return iam_patterns.service_wildcards(actions)


def _group_key(statement: Mapping[str, Any]) -> str | None:
    """Statements with the same key grant their actions together: same resources, same
    principal, same condition (``None`` for a statement not to pool: Deny, NotAction, ...)."""
    if not effect_is_allow(statement) or has_key(statement, "NotAction"):
        return None
    if not has_key(statement, "Action"):
        return None
    shared = {k: get(statement, k) for k in ("Resource", "NotResource", "Principal", "Condition")}
    if any(v is UNKNOWN for v in shared.values()):
        return None
    resources = shared.pop("Resource")
    listed = [resources] if isinstance(resources, str) else resources
    if isinstance(listed, Sequence):
        shared["Resource"] = sorted({str(r).strip() for r in listed})
    return json.dumps(_plain(shared), sort_keys=True, default=str)


def _plain(value: Any) -> Any:
    """Engine proxies as plain dicts and lists (so equal statements compare equal)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(get(value, k)) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(get_item(value, i)) for i in range(len(value))]
    return value


def _pooled_service_wildcards(items: Sequence[Any], flagged: set[str]) -> list[str]:
    """Service wildcards that statements on the same resources reach only together."""
    pools: dict[str, tuple[list[str], list[str]]] = {}
    for index, statement in enumerate(items):
        if not isinstance(statement, Mapping):
            continue
        try:
            key = _group_key(statement)
            if key is None:
                continue
            actions, _ = known_strings(get(statement, "Action"), f"statement {index} Action")
        except (UnknownValueError, PolicyDocumentError):
            continue
        labels, pooled = pools.setdefault(key, ([], []))
        labels.append(statement_label(statement, index))
        pooled.extend(actions)
    found: list[str] = []
    for labels, pooled in pools.values():
        if len(labels) < 2:  # noqa: PLR2004
            continue
        for wildcard in iam_patterns.service_wildcards(pooled):
            if wildcard.service in flagged:
                continue
            found.append(
                f"{', '.join(labels)} on the same resources: {wildcard.describe()} between "
                "them (a service wildcard split across statements); name the exact actions "
                "needed"
            )
    return found


def whole_service_grants(raw: Any) -> list[str]:
    """Findings for what a document's Allow statements grant as *actions*: every action (``*``),
    a whole service (alone or split across statements), or NotAction. Resource breadth is not
    judged here: it is what the managed-policy list is derived from (AWS's own policies name
    ``Resource: "*"`` for narrow grants such as ``logs:PutLogEvents``, and those stay usable).
    Raises :class:`PolicyDocumentError` for an unreadable document.
    """
    document = read_document(raw)
    items = statements(document)
    found: list[str] = []
    for index, statement in enumerate(items):
        if not isinstance(statement, Mapping) or not effect_is_allow(statement):
            continue
        where = statement_label(statement, index)
        if has_key(statement, "NotAction"):
            found.append(f"{where} is an Allow with NotAction")
            continue
        actions, _ = known_strings(get(statement, "Action"), f"{where} Action")
        found.extend(_action_problems(actions, where))
    flagged = {w.service for s in items if isinstance(s, Mapping) for w in _statement_wildcards(s)}
    found.extend(_pooled_service_wildcards(items, flagged))
    return found


def document_problems(
    raw: Any,
    require_condition: bool,
    kind: Kind = IDENTITY,
    type_wide_allowed: frozenset[str] = frozenset(),
    *,
    key_accounts: frozenset[str] | None = None,
    self_prefixes: tuple[str, ...] = (),
    account_wide: bool = False,
) -> list[str]:
    """All wildcard findings for one policy document (unparsable = one finding).

    ``key_accounts``: for a key policy, the accounts the key can belong to, when known.
    ``self_prefixes``: resource shorthands naming the resource the policy is attached to.
    ``account_wide``: the policy is the account's (``*`` is every resource of its kind).
    """
    try:
        document = read_document(raw)
        found: list[str] = []
        excused = (
            _excused_root_statements(statements(document), key_accounts) if kind == KEY else set()
        )
        for index, statement in enumerate(statements(document)):
            if statement is UNKNOWN:
                continue  # only known after apply
            where = (
                statement_label(statement, index)
                if isinstance(statement, Mapping)
                else f"statement {index}"
            )
            try:
                found.extend(
                    statement_problems(
                        statement,
                        where,
                        require_condition,
                        kind,
                        type_wide_allowed,
                        excused=index in excused,
                        self_prefixes=self_prefixes,
                        account_wide=account_wide,
                    )
                )
            except UnknownValueError:
                continue  # parts of this statement are only known after apply
        flagged = {
            w.service
            for statement in statements(document)
            if isinstance(statement, Mapping)
            for w in _statement_wildcards(statement)
        }
        found.extend(_pooled_service_wildcards(statements(document), flagged))
        return found
    except UnknownValueError:
        return []  # the document is only known after apply
    except PolicyDocumentError as exc:
        return [f"cannot be checked: {exc}; supply a valid IAM policy JSON document"]


# Inputs or outputs of the key types that name the key (or its primary) by ARN.
_KEY_ARN_PROPS = ("arn", "keyId", "primaryKeyArn")


def _key_accounts(args: ResourceValidationArgs) -> frozenset[str] | None:
    """The accounts a key policy's key belongs to: from the key's own ARN when the props carry
    it, else the stack's ``stackAccounts`` config, else None (decided from the document)."""
    if args.resource_type not in policy_documents.KEY_POLICY_TYPES:
        return None
    for prop in _KEY_ARN_PROPS:
        value = get(args.props, prop)
        if isinstance(value, str) and value.startswith("arn:"):
            parts = value.split(":", 5)
            if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]):  # noqa: PLR2004
                return frozenset({parts[4]})
    configured = config_value(args, "stackAccounts", [])
    accounts = frozenset(
        str(a).strip()
        for a in (configured if isinstance(configured, Sequence) else [])
        if isinstance(a, str | int) and _ACCOUNT_ID.fullmatch(str(a).strip())
    )
    return accounts or None


# Resources that are one resource-policy statement spelled as inputs: type -> the action input.
STATEMENT_ACTION_INPUTS: Mapping[str, str] = {
    "aws:lambda/permission:Permission": "action",
    "aws:cloudwatch/eventPermission:EventPermission": "action",
}


def _statement_action_problems(args: ResourceValidationArgs) -> list[str]:
    """A wildcard action in a resource that is one policy statement (Lambda's AddPermission
    takes ``lambda:*`` and ``*``: every Lambda action on the function for that principal)."""
    key = STATEMENT_ACTION_INPUTS.get(args.resource_type)
    action = get(args.props, key) if key is not None else None
    if not isinstance(action, str) or not action.strip():
        return []
    return _action_problems([action], f"action '{action}'")


def validate_no_wildcard(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report wildcard actions/resources, NotAction and NotResource in every policy document."""
    for problem in _statement_action_problems(args):
        report(f"{label(args)} {problem}", None)
    require_condition = is_truthy(config_value(args, "requireConditionOnWildcardResource", False))
    type_wide = frozenset(
        str(t).lower()
        for t in config_value(args, "allowTypeWideResources", [])
        if isinstance(t, str)
    )
    key_accounts = _key_accounts(args)
    self_prefixes = policy_documents.SELF_RESOURCE_PREFIXES.get(args.resource_type, ())
    for found in policy_documents.documents(args):
        if found.error is not None:
            report(
                f"{label(args)} {found.where} cannot be checked: {found.error}; supply a "
                "readable document",
                None,
            )
            continue
        if found.raw is UNKNOWN:
            continue  # only known after apply (preview)
        if found.raw is None:
            if args.resource_type in policy_documents.REQUIRED_INPUT:
                report(f"{label(args)} has no {found.where} document; supply one", None)
            continue
        for problem in document_problems(
            found.raw,
            require_condition,
            found.kind,
            type_wide,
            key_accounts=key_accounts,
            self_prefixes=self_prefixes,
            account_wide=found.account_wide,
        ):
            report(
                f"{label(args)} {found.where}: {problem}",
                None,
            )


def _arns(args: ResourceValidationArgs) -> list[str]:
    value = get(args.props, ATTACHMENT_TYPES[args.resource_type])
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        items = [get_item(value, index) for index in range(len(value))]
        return [item for item in items if isinstance(item, str)]
    return []


_DATA = Path(__file__).resolve().parent / "data"
_BROAD_POLICIES_FILE = _DATA / "broad_managed_policies.txt"
WHOLE_SERVICE_POLICIES_FILE = _DATA / "managed_policies_whole_service.txt"
"""Derived from AWS's managed policy documents by ``tools/refresh_managed_policies.py``."""


def _data_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def broad_managed_policies() -> frozenset[str]:
    """Lower-cased names of the AWS managed policies listed as broad in the pack's data file."""
    return frozenset(line.lower() for line in _data_lines(_BROAD_POLICIES_FILE))


def _policy_path(arn: str) -> str | None:
    """``service-role/name`` of an AWS managed policy ARN (any partition), lower-cased."""
    parts = arn.strip().split(":", 5)
    if (
        len(parts) != 6  # noqa: PLR2004
        or parts[2] != "iam"
        or parts[4] != "aws"
        or not parts[5].startswith("policy/")
    ):
        return None
    return parts[5].removeprefix("policy/").lower()


@functools.lru_cache(maxsize=1)
def whole_service_managed_policies() -> frozenset[str]:
    """Paths (``service-role/awslambdaexecute``) of the managed policies whose documents grant
    every action, a whole service or NotAction, from the derived data file."""
    paths = (_policy_path(line) for line in _data_lines(WHOLE_SERVICE_POLICIES_FILE))
    return frozenset(p for p in paths if p is not None)


def broad_policy_name(arn: str, extra: Sequence[str] = ()) -> str | None:
    """The broad AWS managed policy an ARN names (``arn:aws:iam::aws:policy/...``), else None.

    Broad: its document grants every action or a whole service (the derived
    ``data/managed_policies_whole_service.txt``), listed in ``data/broad_managed_policies.txt``
    (job functions), named ``...FullAccess...`` (AWS's naming for a whole-service grant, a
    backstop for policies newer than the derived list), or listed in the stack's
    ``additionalBroadPolicies``.
    """
    path = _policy_path(arn)
    if path is None:
        return None
    name = arn.strip().rsplit("/", 1)[-1]
    lowered = name.lower()
    if (
        path in whole_service_managed_policies()
        or lowered in broad_managed_policies()
        or "fullaccess" in lowered
        or lowered in {n.lower() for n in extra}
    ):
        return name
    return None


def validate_no_broad_managed_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report attachments of AWS managed policies that grant administrator or full access."""
    if args.resource_type not in ATTACHMENT_TYPES:
        return
    extra = [
        str(n) for n in config_value(args, "additionalBroadPolicies", []) if isinstance(n, str)
    ]
    allowed = {
        str(n).strip().lower()
        for n in config_value(args, "allowedManagedPolicies", [])
        if isinstance(n, str)
    }
    forbidden = {n.strip().lower() for n in extra}
    for arn in _arns(args):
        name = broad_policy_name(arn, extra)
        path = _policy_path(arn) or ""
        if (
            name is not None
            and name.lower() not in forbidden
            and (path in allowed or path.rsplit("/", 1)[-1] in allowed)
        ):
            continue  # this stack's config allows it (a policy AWS documents as required)
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
        "IAM policy documents (identity policies, role inline and trust policies, SSO permission "
        "sets, every resource policy and key policy) must not allow actions matching a whole "
        "service, NotAction/NotResource, or resource patterns as broad as '*' for actions that "
        "can be scoped to a resource."
    ),
    validate=validate_no_wildcard,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requireConditionOnWildcardResource": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Opt-in: Resource '*' for actions that support only '*' also needs a Condition."
                ),
            },
            "stackAccounts": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": (
                    "The AWS accounts this stack deploys to: a KMS key policy's default "
                    "root statement is allowed for these accounts only (used when the key's "
                    "own ARN is not known)."
                ),
            },
            "allowTypeWideResources": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": (
                    "Resource types ('ec2:network-interface') a statement may name type-wide "
                    "within one account, e.g. ids AWS only chooses at creation."
                ),
            },
        },
    ),
)

no_broad_managed_policy = ResourceValidationPolicy(
    name="iam-no-broad-managed-policy",
    description=(
        "No attachment (RolePolicyAttachment, UserPolicyAttachment, GroupPolicyAttachment, "
        "PolicyAttachment, *PolicyAttachmentsExclusive, Role.managedPolicyArns, SSO "
        "ManagedPolicyAttachment) of AWS managed policies granting administrator or full "
        "access (AdministratorAccess, PowerUserAccess, any *FullAccess, ...)."
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
            "allowedManagedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": (
                    "AWS managed policies (name, or path such as 'service-role/Name') that AWS "
                    "documents as required for a feature and this stack may attach although "
                    "they grant a whole service (additionalBroadPolicies still wins)."
                ),
            },
        },
    ),
)
