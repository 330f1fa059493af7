"""The flow-log delivery role: who may assume it, and what it may write."""

from __future__ import annotations

from typing import Any

from ..lib.account import AccountContext


def flow_logs_trust_policy(where: AccountContext) -> dict[str, Any]:
    """Only the flow-logs service, acting for this account's flow logs, may assume the role."""
    source_arn = f"arn:{where.partition}:ec2:{where.region}:{where.account_id}:vpc-flow-log/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": where.account_id},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ],
    }


# The permissions AWS's VPC flow logs guide lists for the delivery role.
FLOW_LOGS_GROUP_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
)
FLOW_LOGS_WILDCARD_ONLY_ACTIONS = ("logs:DescribeLogGroups",)


def flow_logs_permissions(log_group_arn: str, region: str) -> dict[str, Any]:
    """What flow-log delivery needs: the one group and its streams, and listing groups.

    DescribeLogGroups has no resource type (it lists), so it takes ``*``, narrowed to the
    region. Without it delivery can fail with "Access error" while the rejected-packets alarm,
    which treats missing data as fine, stays green.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogGroup",
                "Effect": "Allow",
                "Action": list(FLOW_LOGS_GROUP_ACTIONS),
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            },
            {
                "Sid": "ListLogGroupsInRegion",
                "Effect": "Allow",
                "Action": list(FLOW_LOGS_WILDCARD_ONLY_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
        ],
    }
