"""Log retention, API Gateway access logs, and VPC flow logs (a stack policy)."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .common import UNKNOWN, get, label

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
API_STAGE = "aws:apigateway/stage:Stage"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


def validate_log_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Log groups set retention_in_days > 0 (0 or unset keeps logs forever)."""
    if args.resource_type != LOG_GROUP:
        return
    days = get(args.props, "retentionInDays")
    if days is UNKNOWN:
        return
    if not isinstance(days, int | float) or isinstance(days, bool) or days <= 0:
        report(
            f"{label(args)} must set retention_in_days to a positive number of days "
            "(unset or 0 keeps logs, and their cost, forever)",
            None,
        )


def validate_stage_access_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """API Gateway stages send access logs somewhere (access_log_settings.destination_arn)."""
    if args.resource_type != API_STAGE:
        return
    settings = get(args.props, "accessLogSettings")
    if settings is UNKNOWN:
        return
    destination = get(settings, "destinationArn") if isinstance(settings, Mapping) else None
    if destination is UNKNOWN:
        return
    if not isinstance(destination, str) or destination.strip() == "":
        report(
            f"{label(args)} must set access_log_settings with destination_arn (a log group ARN) "
            "and a format, so every request is recorded",
            None,
        )


def _flow_log_targets(resource: PolicyResource) -> tuple[set[str], set[str]]:
    """(URNs the flow log's vpcId depends on, the vpcId value if known)."""
    urns = {dep.urn for dep in resource.property_dependencies.get("vpcId", [])}
    vpc_id = get(resource.props, "vpcId")
    return urns, ({vpc_id} if isinstance(vpc_id, str) and vpc_id else set())


def validate_vpc_flow_logs(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every VPC in the stack has a flow log attached to it."""
    dep_urns: set[str] = set()
    vpc_ids: set[str] = set()
    for resource in args.resources:
        if resource.resource_type == FLOW_LOG:
            urns, ids = _flow_log_targets(resource)
            dep_urns |= urns
            vpc_ids |= ids
    for resource in args.resources:
        if resource.resource_type != VPC:
            continue
        vpc_id = get(resource.props, "id")
        if resource.urn in dep_urns or (isinstance(vpc_id, str) and vpc_id in vpc_ids):
            continue
        report(
            f"{resource.resource_type} '{resource.name}' has no aws.ec2.FlowLog; "
            "add one (vpc_id=<this "
            "VPC>) delivering to an encrypted log group so rejected traffic can be investigated",
            resource.urn,
        )


log_retention = ResourceValidationPolicy(
    name="log-group-retention",
    description="CloudWatch log groups must set a retention period (retentionInDays > 0).",
    validate=validate_log_retention,
    enforcement_level=EnforcementLevel.ADVISORY,
)

stage_access_logs = ResourceValidationPolicy(
    name="apigateway-stage-access-logs",
    description="API Gateway stages must write access logs (accessLogSettings.destinationArn).",
    validate=validate_stage_access_logs,
    enforcement_level=EnforcementLevel.ADVISORY,
)

vpc_flow_logs = StackValidationPolicy(
    name="vpc-flow-logs",
    description="Every VPC in the stack has a VPC flow log.",
    validate=validate_vpc_flow_logs,
    enforcement_level=EnforcementLevel.ADVISORY,
)
