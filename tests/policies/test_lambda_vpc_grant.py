"""The network-interface grant AWS requires of a VPC Lambda function's role, under the defaults.

Lambda creates the function's interfaces itself and checks the role's permissions before any
interface exists (Lambda developer guide, "Giving Lambda functions access to resources in an
Amazon VPC"; managed policy AWSLambdaVPCAccessExecutionRole), so the role must hold
``ec2:CreateNetworkInterface``, ``ec2:DeleteNetworkInterface``, ``ec2:AssignPrivateIpAddresses``
and ``ec2:UnassignPrivateIpAddresses`` on ``network-interface/*`` of its account. The pack accepts
exactly that statement with no config; an attacker who adds an interface action Lambda does not
need (attach, hand over with a permission, modify), uses a pattern, or widens the account gets
the usual finding.
"""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import iam

from .helpers import allow, doc, engine_args, run

INTERFACES = "arn:aws:ec2:us-east-1:123456789012:network-interface/*"
MANAGE = [
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


def role_policy(*statements: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    args = engine_args("aws:iam/rolePolicy:RolePolicy", {"policy": doc(*statements)}, config=config)
    return run(iam.validate_no_wildcard, args)


@pytest.mark.parametrize(
    "statement",
    [
        allow(MANAGE, INTERFACES),
        allow(["EC2:deleteNetworkInterface"], INTERFACES),
        allow([*MANAGE, "ec2:CreateNetworkInterface"], [INTERFACES]),
        allow(MANAGE, "arn:aws:ec2:*:123456789012:network-interface/*"),
        allow(MANAGE, "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:network-interface/*"),
        allow(
            [*MANAGE, "ec2:DescribeNetworkInterfaces"],
            INTERFACES,
            Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        ),
    ],
)
def test_iam_no_wildcard_accepts_lambda_vpc_interface_grant_under_defaults(
    statement: dict[str, Any],
) -> None:
    assert role_policy(statement) == [], f"documented Lambda VPC grant flagged: {statement}"


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (allow(["ec2:*NetworkInterface"], INTERFACES), "ec2:DeleteNetworkInterface"),
        (allow([*MANAGE, "ec2:AttachNetworkInterface"], INTERFACES), "AttachNetworkInterface"),
        (
            allow(
                ["ec2:DeleteNetworkInterface", "ec2:CreateNetworkInterfacePermission"], INTERFACES
            ),
            "CreateNetworkInterfacePermission",
        ),
        (allow(["ec2:ModifyNetworkInterfaceAttribute"], INTERFACES), "ModifyNetwork"),
        (allow(MANAGE, "arn:aws:ec2:us-east-1:*:network-interface/*"), "any account"),
        (allow(MANAGE, "arn:aws:ec2:us-east-1:123456789012:network-interface/eni-*"), "eni-"),
        (allow([*MANAGE, "ec2:TerminateInstances"], INTERFACES), "DeleteNetworkInterface"),
    ],
)
def test_iam_no_wildcard_rejects_grants_shaped_like_but_not_the_lambda_vpc_grant(
    statement: dict[str, Any], named: str
) -> None:
    found = role_policy(statement)
    assert any(named in m for m in found), f"{statement} not reported naming {named}: {found}"
