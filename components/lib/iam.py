"""IAM policy documents for the stack's Lambda functions.

Every statement names exact ARNs. ``Resource "*"`` appears only for actions AWS cannot scope to
a resource (checked against AWS's IAM definition data by
tests/components/test_iam_least_privilege.py) and always with a condition that narrows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .account import AccountContext

Statement = dict[str, Any]
VERSION = "2012-10-17"


def document(statements: Sequence[Statement]) -> dict[str, Any]:
    """A policy document holding ``statements``."""
    return {"Version": VERSION, "Statement": list(statements)}


def in_region(region: str) -> dict[str, Any]:
    """The condition that narrows a wildcard-only action to this stack's region."""
    return {"StringEquals": {"aws:RequestedRegion": region}}


def lambda_trust_policy() -> dict[str, Any]:
    """Trust policy of a Lambda execution role."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def function_base_statements(log_group_arn: str, region: str) -> list[Statement]:
    """What every function of the stack needs: its own log group, and X-Ray (tracing is on)."""
    return [
        {
            "Sid": "WriteOwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            # X-Ray has no resource types: these actions accept only "*".
            "Sid": "PublishTracesInRegion",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
            "Condition": in_region(region),
        },
    ]


def ec2_arn(where: AccountContext, resource: str) -> str:
    """An EC2 ARN in the stack's account and region, e.g. ``subnet/subnet-0abc``."""
    return f"arn:{where.partition}:ec2:{where.region}:{where.account_id}:{resource}"


def interface_create_statements(
    where: AccountContext, subnet_ids: Sequence[str], security_group_id: str
) -> list[Statement]:
    """Lambda creates the function's network interfaces: only in its subnets and group."""
    return [
        {
            # One statement for every resource CreateNetworkInterface touches: the subnet and
            # group it may use, and the interface it creates (its id is chosen by EC2, so it is
            # named by type, in this account and region). Split over two statements, each would
            # name only some of the action's resources. No ec2:Vpc condition: Lambda checks
            # these permissions when it creates the function, by simulation without VPC context
            # keys, and a condition there fails the deployment ("The provided execution role
            # does not have permissions to call CreateNetworkInterface on EC2").
            "Sid": "CreateInterfacesInFunctionSubnetsAndGroup",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterface",
            "Resource": [
                *(ec2_arn(where, f"subnet/{subnet}") for subnet in subnet_ids),
                ec2_arn(where, f"security-group/{security_group_id}"),
                ec2_arn(where, "network-interface/*"),
            ],
        }
    ]


def interface_release_statements(where: AccountContext) -> list[Statement]:
    """Lambda manages and, after the function is deleted, releases its network interfaces.

    Names no subnet or group, so it can exist before them and be deleted after them: Lambda
    deletes a deleted function's interfaces with the execution role's permissions, and until
    it has, the subnets and groups holding them cannot be deleted.
    """
    return [
        {
            "Sid": "ManageFunctionInterfaces",
            "Effect": "Allow",
            "Action": [
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": ec2_arn(where, "network-interface/*"),
        },
        {
            # Describe calls have no resource types: they accept only "*".
            "Sid": "DescribeNetworkInRegion",
            "Effect": "Allow",
            "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            "Resource": "*",
            "Condition": in_region(where.region),
        },
    ]


def kms_via_statement(
    sid: str, key_arn: str, actions: Sequence[str], services: Sequence[str], region: str
) -> Statement:
    """Use of the hub key, only through the given services (``dynamodb``, ``secretsmanager``)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": key_arn,
        "Condition": {
            "StringEquals": {
                "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in services]
            }
        },
    }
