"""Every policy of the pack, in the order the pack lists them."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from . import (
    awslambda,
    compliance,
    encryption,
    iam,
    names,
    network,
    observability,
    rds,
    resource_policies,
)

PACK_NAME = "cw-analytics-guard"

ENFORCEMENT_LEVELS: tuple[str, ...] = tuple(level.value for level in EnforcementLevel)
"""Every enforcement level a policy or the pack config may name, as pulumi_policy defines them
(the one list; tools that read levels should import it from here)."""

POLICIES: list[Policy] = [
    iam.no_wildcard,
    iam.no_broad_managed_policy,
    rds.destroyable,
    rds.protect,
    rds.not_public,
    rds.encrypted_cmk,
    resource_policies.no_open_principal,
    resource_policies.key_policy_service_condition,
    encryption.key_rotation,
    encryption.dynamodb_cmk,
    encryption.sns_cmk,
    encryption.sqs_cmk,
    encryption.log_group_cmk,
    encryption.secret_cmk,
    observability.log_retention,
    observability.stage_access_logs,
    observability.vpc_flow_logs,
    awslambda.permission_source,
    network.no_public_ingress,
    network.no_public_ingress_combined,
    names.unique_physical_names,
]


def _name_controls(policy: Policy) -> None:
    """Put the controls a rule enforces (or departs from) in its description and at the end of
    every message it reports, from the one table in :mod:`compliance`."""
    assert isinstance(policy, ResourceValidationPolicy | StackValidationPolicy)
    policy.description = compliance.describe(policy.name, policy.description)
    tag = compliance.tagged(policy.name)
    inner = policy.validate
    if not tag or inner is None or not callable(inner):
        return

    def validate(args: Any, report: ReportViolation) -> None:
        def tagged(message: str, urn: str | None = None) -> None:
            report(f"{message} {tag}", urn)

        inner(args, tagged)

    validate.__doc__ = inner.__doc__
    policy.validate = validate  # type: ignore[method-assign,assignment]


for _policy in POLICIES:
    _name_controls(_policy)
