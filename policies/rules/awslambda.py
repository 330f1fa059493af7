"""Lambda permissions: a service principal may invoke only from one named source."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import iam_data, resource_policies
from .common import (
    UNKNOWN,
    PolicyDocumentError,
    get,
    is_set,
    label,
    operator_narrows,
    read_document,
    statements,
)

PERMISSION = "aws:lambda/permission:Permission"
RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
_TOKEN_KEY = "lambda:eventsourcetoken"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
# Bucket and SES ARNs hold no account: anyone's bucket or rule set of that name could invoke.
_ACCOUNTLESS_SOURCES = frozenset({"s3.amazonaws.com", "ses.amazonaws.com"})
# Service principals Lambda accepts whose source is named by a token, not an ARN: Alexa calls
# with the skill id, which AddPermission takes as ``EventSourceToken`` (Lambda's AddPermission
# reference; Alexa Skills Kit "Host a custom skill as an AWS Lambda function", skill id
# verification; the Smart Home skill API likewise). Their names end in ``amazon.com``.
_TOKEN_SOURCES = frozenset({"alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com"})
# Who else Lambda accepts as a principal: an account (id or root ARN), an IAM role or user ARN,
# or ``*``. Everything else is a service principal, whatever its domain (``*.amazonaws.com``,
# ``*.amazonaws.com.cn`` in the China regions, Alexa's ``*.amazon.com``).
_ACCOUNT_PRINCIPAL = re.compile(r"^(\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:.+)$")
_ARN_PARTS = 6
_SEPARATORS = re.compile(r"[/:]")


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


@functools.lru_cache(maxsize=256)
def _type_words(service: str) -> frozenset[str]:
    """Literal resource-type words that open a service's ARN resource part (``rule`` in
    ``rule/${RuleName}``), from the IAM data's ARN formats."""
    data = iam_data._load().get_service_prefix_data(service.lower())
    words = set()
    for resource in (data.get("resources") or {}).values():
        arn = str(resource.get("arn", ""))
        resource_part = arn.split(":", _ARN_PARTS - 1)[-1]
        first = _SEPARATORS.split(resource_part, maxsplit=1)[0]
        if first and "${" not in first:
            words.add(first)
    return frozenset(words)


def source_arn_problem(source_arn: str) -> str | None:
    """Why a source ARN names more than one source (a wildcard in the account or in the name
    of the resource), or None."""
    text = source_arn.strip()
    parts = text.split(":", _ARN_PARTS - 1)
    if len(parts) < _ARN_PARTS:
        return "is not a full ARN" + (" and its wildcard swallows the rest" if _wild(text) else "")
    if _wild(parts[2]):
        return f"has a wildcard in the service ('{parts[2]}')"
    if _wild(parts[4]):
        return f"has a wildcard in the account ('{parts[4]}'): any account's resource"
    tokens = _SEPARATORS.split(parts[5], maxsplit=1)
    if len(tokens) > 1 and tokens[0] in _type_words(parts[2]):
        # After a type word the name runs to the next ':' (log group names hold '/').
        name = tokens[1].split(":", 1)[0]
    else:
        name = tokens[0]
    if name == "" or _wild(name):
        return f"has a wildcard in the resource name ('{parts[5]}'): more than one source"
    return None


def validate_permission_source(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Service principals need one named source; ``*`` needs an org or source."""
    if args.resource_type == LAYER_PERMISSION:
        _validate_layer_permission(args, report)
        return
    if args.resource_type == RESOURCE_POLICY:
        for problem in _document_source_problems(get(args.props, "policy")):
            report(f"{label(args)} policy {problem}", None)
        return
    if args.resource_type == PERMISSION:
        _validate_permission(args, report)


def _validate_permission(args: ResourceValidationArgs, report: ReportViolation) -> None:
    principal = get(args.props, "principal")
    if not isinstance(principal, str):
        return
    source_arn = get(args.props, "sourceArn")
    source_account = get(args.props, "sourceAccount")
    if isinstance(source_arn, str) and source_arn.strip():
        problem = source_arn_problem(source_arn)
        if problem is not None:
            report(
                f"{label(args)} source_arn '{source_arn}' {problem}; name the one bucket, rule, "
                "API or topic that may invoke the function",
                None,
            )
    service = principal.strip().lower()
    scoped = is_set(source_arn) or is_set(source_account)
    if service == "*":
        if not (scoped or is_set(get(args.props, "principalOrgId"))):
            report(
                f"{label(args)} lets any principal ('*') invoke the function; name the "
                "principal or set source_arn/source_account/principal_org_id",
                None,
            )
        return
    if _ACCOUNT_PRINCIPAL.match(principal.strip()):
        return  # an account, role or user: the principal itself says who
    home = service.removesuffix(".cn")  # China regions: s3.amazonaws.com.cn
    if service in _TOKEN_SOURCES:
        if not is_set(get(args.props, "eventSourceToken")):
            report(
                f"{label(args)} lets {principal} invoke the function without "
                "event_source_token; every Alexa skill could invoke it: set event_source_token "
                "to your skill id (amzn1.ask.skill...)",
                None,
            )
    elif home in _ACCOUNTLESS_SOURCES and not is_set(source_account):
        report(
            f"{label(args)} lets {principal} invoke the function without source_account; "
            f"{home.split('.')[0].upper()} source ARNs hold no account, so a resource of the "
            "same name in another account could invoke it: set source_account",
            None,
        )
    elif not scoped:
        report(
            f"{label(args)} lets {principal} invoke the function from any source; set source_arn "
            "(e.g. the API's execution ARN or the EventBridge rule ARN) or source_account",
            None,
        )


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """Lower-cased condition keys under a positive operator whose values name one value."""
    found = {key.lower() for key in resource_policies.narrowing_condition_keys(statement)}
    condition = get(statement, "Condition")
    if isinstance(condition, Mapping):
        for operator in condition:
            block = get(condition, operator)
            if not isinstance(block, Mapping) or not operator_narrows(str(operator)):
                continue
            for key in block:
                value = get(block, key)
                if str(key).lower() == _TOKEN_KEY and isinstance(value, str) and not _wild(value):
                    found.add(_TOKEN_KEY)
    return found


def _document_source_problems(raw: Any) -> list[str]:
    """The same judgement for a function's resource policy written as a document: each service
    principal needs the condition that names its source (``aws:SourceArn`` /
    ``aws:SourceAccount``; ``aws:SourceAccount`` for S3 and SES; ``lambda:EventSourceToken`` for
    Alexa), as AddPermission would have written it."""
    if raw is None or raw is UNKNOWN:
        return []
    try:
        items = statements(read_document(raw))
    except (PolicyDocumentError, UnknownValueError):
        return []  # unreadable documents are reported by iam-no-wildcard
    problems = []
    for index, statement in enumerate(items):
        if not isinstance(statement, Mapping) or get(statement, "Effect") != "Allow":
            continue
        try:
            services = resource_policies.service_principals(get(statement, "Principal"))
            keys = _condition_keys(statement)
        except UnknownValueError:
            continue
        for service in services:
            home = service.strip().lower().removesuffix(".cn")
            if home in _TOKEN_SOURCES:
                needed, what = {_TOKEN_KEY}, "lambda:EventSourceToken (the skill id)"
            elif home in _ACCOUNTLESS_SOURCES:
                needed, what = {"aws:sourceaccount"}, "aws:SourceAccount"
            else:
                needed = {"aws:sourcearn", "aws:sourceaccount"}
                what = "aws:SourceArn or aws:SourceAccount"
            if not keys & needed:
                problems.append(
                    f"statement {index} lets {service} invoke the function from any source; "
                    f"add a Condition on {what}"
                )
    return problems


def _validate_layer_permission(args: ResourceValidationArgs, report: ReportViolation) -> None:
    principal = get(args.props, "principal")
    if principal is UNKNOWN or not isinstance(principal, str) or principal.strip() != "*":
        return
    if not is_set(get(args.props, "organizationId")):
        report(
            f"{label(args)} shares the layer with every AWS account (principal '*'); name the "
            "account or set organization_id",
            None,
        )


permission_source = ResourceValidationPolicy(
    name="lambda-permission-source",
    description=(
        "Lambda permissions for AWS service principals (every principal that is not an "
        "account, role or user: *.amazonaws.com, *.amazonaws.com.cn, Alexa's *.amazon.com) "
        "must name one source: sourceArn without a wildcard in its account or resource name, "
        "or sourceAccount; S3 and SES sources also need sourceAccount; Alexa needs "
        "eventSourceToken (the skill id); layer permissions for '*' need an organization "
        "(confused-deputy protection)."
    ),
    validate=validate_permission_source,
    enforcement_level=EnforcementLevel.MANDATORY,
)
