"""The VPC's flow logs: rejected traffic into an encrypted log group, the delivery role, and the
metric filter the rejected-packets alarm watches."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.account import account_context
from ..lib.naming import Naming
from .alarms import REJECTED_PACKETS_METRIC
from .iam import flow_logs_permissions, flow_logs_trust_policy

# Default flow-log record format (version 2); the filter matches rejected records by position.
REJECT_PATTERN = (
    "[version, account, eni, source, destination, srcport, destport, protocol, packets, "
    'bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
)


@dataclass(frozen=True)
class FlowLogs:
    """The flow log and what it needs (``MonitoredVpc.flow_logs``)."""

    log_group: aws.cloudwatch.LogGroup
    """``/aws/vpc/<base>-flow-logs``: the REJECT records, encrypted, with retention."""
    role: aws.iam.Role
    """The role VPC Flow Logs delivers with."""
    role_policy: aws.iam.RolePolicy
    """Its permission to write into the log group only."""
    flow_log: aws.ec2.FlowLog
    """REJECT records of the whole VPC."""
    rejected_packets_filter: aws.cloudwatch.LogMetricFilter
    """Counts rejected packets into the metric the rejected-packets alarm watches."""


def create_flow_logs(
    name: str,
    *,
    naming: Naming,
    vpc_id: pulumi.Input[str],
    region: str,
    kms_key_arn: pulumi.Input[str],
    log_retention_days: int,
    parent: pulumi.Resource,
    protect: bool = False,
) -> FlowLogs:
    """REJECT records of the VPC into ``/aws/vpc/<name>``, counted by a metric filter."""
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        name=naming.full_name("flow-logs"),
        kms_key_id=kms_key_arn,
        retention_in_days=log_retention_days,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    role = aws.iam.Role(
        f"{name}-flow-logs-role",
        name=naming.name("flow-logs-role"),
        assume_role_policy=account_context(parent, region).apply(
            lambda where: json.dumps(flow_logs_trust_policy(where))
        ),
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-flow-logs-policy",
        name=naming.name("flow-logs-policy"),
        role=role.id,
        policy=log_group.arn.apply(lambda arn: json.dumps(flow_logs_permissions(arn, region))),
        opts=child,
    )
    # REJECT only: it is what the alarm watches, and ALL would bill every accepted
    # connection's record at Logs ingestion prices.
    flow_log = aws.ec2.FlowLog(
        f"{name}-flow-log",
        vpc_id=vpc_id,
        traffic_type="REJECT",
        log_destination_type="cloud-watch-logs",
        log_destination=log_group.arn,
        iam_role_arn=role.arn,
        max_aggregation_interval=60,
        tags={"Name": naming.name("flow-logs")},
        # The role is an input, its permissions are not: without them delivery fails.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )
    rejected_packets_filter = aws.cloudwatch.LogMetricFilter(
        f"{name}-rejected-packets",
        name=naming.name("rejected-packets"),
        log_group_name=log_group.name,
        pattern=REJECT_PATTERN,
        metric_transformation={
            "name": REJECTED_PACKETS_METRIC,
            "namespace": naming.metrics_namespace,
            "value": "$packets",
            "default_value": "0",
            "unit": "Count",
        },
        opts=child,
    )
    return FlowLogs(log_group, role, role_policy, flow_log, rejected_packets_filter)
