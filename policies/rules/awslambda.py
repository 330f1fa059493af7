"""Lambda permissions: a service principal may invoke only from a named source."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import UNKNOWN, get, label

PERMISSION = "aws:lambda/permission:Permission"


def _is_set(value: object) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value.strip() != "")


def validate_permission_source(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Service principals need source_arn or source_account; ``*`` needs an org or source."""
    if args.resource_type != PERMISSION:
        return
    principal = get(args.props, "principal")
    if not isinstance(principal, str):
        return
    scoped = _is_set(get(args.props, "sourceArn")) or _is_set(get(args.props, "sourceAccount"))
    if principal.strip().lower().endswith(".amazonaws.com") and not scoped:
        report(
            f"{label(args)} lets {principal} invoke the function from any source; set source_arn "
            "(e.g. the API's execution ARN or the EventBridge rule ARN) or source_account",
            None,
        )
    elif principal.strip() == "*" and not (scoped or _is_set(get(args.props, "principalOrgId"))):
        report(
            f"{label(args)} lets any principal ('*') invoke the function; name the principal "
            "or set "
            "source_arn/source_account/principal_org_id",
            None,
        )


permission_source = ResourceValidationPolicy(
    name="lambda-permission-source",
    description=(
        "Lambda permissions for AWS service principals (*.amazonaws.com) must set sourceArn or "
        "sourceAccount (confused-deputy protection)."
    ),
    validate=validate_permission_source,
    enforcement_level=EnforcementLevel.MANDATORY,
)
