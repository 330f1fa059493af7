"""Names AWS assigns, and wildcards anywhere in a name, judged by what they match.

EC2 resource ids are a prefix, a hyphen and 8 or 17 hexadecimal characters (EC2 user guide,
"Resource IDs"): nobody chooses them, so ``security-group/sg-*`` is every security group exactly
like ``security-group/*``. And a pattern that leaves the resource's own name to wildcards covers
every resource of the type whatever fixed text follows (``function:*:prod`` is the ``prod``
alias of every function; ``log-group:*:log-stream:app`` the ``app`` stream of every log group).
"""

from __future__ import annotations

import pytest

from policies.rules import iam

from .helpers import allow, doc, engine_args, run

EC2 = "arn:aws:ec2:us-east-1:123456789012"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012"
LOGS = "arn:aws:logs:us-east-1:123456789012"
DYNAMODB = "arn:aws:dynamodb:us-east-1:123456789012"


def policy(action: str, resource: str) -> list[str]:
    props = {"policy": doc(allow(action, resource))}
    return run(iam.validate_no_wildcard, engine_args("aws:iam/rolePolicy:RolePolicy", props))


ASSIGNED_ID_REJECTS = [
    ("ec2:TerminateInstances", f"{EC2}:instance/i-*"),
    ("ec2:StopInstances", f"{EC2}:instance/i-????????*"),
    ("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/sg-*"),
    ("ec2:RevokeSecurityGroupEgress", f"{EC2}:security-group/sg*"),
    ("ec2:DeleteVolume", f"{EC2}:volume/vol-*"),
    ("ec2:DetachVolume", f"{EC2}:volume/v?l-*"),
    ("ec2:DeleteSnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-*"),
    ("ec2:AttachNetworkInterface", f"{EC2}:network-interface/eni-*"),
    ("ec2:CreateNetworkInterface", f"{EC2}:subnet/subnet-*"),
    ("ec2:CreateRoute", f"{EC2}:route-table/rtb-*"),
    ("ec2:DeleteVpc", f"{EC2}:vpc/vpc-*"),
    ("ec2:DeregisterImage", "arn:aws:ec2:us-east-1::image/ami-*"),
    ("ec2:DeleteTransitGateway", f"{EC2}:transit-gateway/tgw-*"),
    (
        "elasticfilesystem:DeleteFileSystem",
        "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-*",
    ),
]


@pytest.mark.parametrize(("action", "resource"), ASSIGNED_ID_REJECTS)
def test_iam_no_wildcard_rejects_pattern_matching_every_assigned_id(
    action: str, resource: str
) -> None:
    found = policy(action, resource)
    assert found and resource in found[0], f"{action} on {resource} accepted: {found}"


ASSIGNED_ID_PASSES = [
    ("ec2:TerminateInstances", f"{EC2}:instance/i-0abcdef1234567890"),
    ("ec2:AuthorizeSecurityGroupIngress", f"{EC2}:security-group/sg-903004f8"),
    ("ec2:DeleteVolume", f"{EC2}:volume/vol-049df61146c4d7901"),
    ("ec2:DeleteSnapshot", "arn:aws:ec2:us-east-1::snapshot/snap-1234567890abcdef0"),
    ("ec2:CreateNetworkInterface", f"{EC2}:subnet/subnet-0123456789abcdef0"),
    # Key pairs are named by their owner: a name prefix is a scope.
    ("ec2:DeleteKeyPair", f"{EC2}:key-pair/deploy-*"),
]


@pytest.mark.parametrize(("action", "resource"), ASSIGNED_ID_PASSES)
def test_iam_no_wildcard_accepts_one_assigned_id_or_chosen_name_prefix(
    action: str, resource: str
) -> None:
    assert policy(action, resource) == [], f"{action} on {resource} was flagged"


NAME_POSITION_REJECTS = [
    ("lambda:InvokeFunction", f"{LAMBDA}:function:*:live"),
    ("lambda:InvokeFunction", f"{LAMBDA}:function:?*:$LATEST"),
    ("lambda:UpdateFunctionCode", f"{LAMBDA}:function:*-*:1"),
    ("lambda:InvokeFunction", f"{LAMBDA}:function:**:prod"),
    ("logs:PutLogEvents", f"{LOGS}:log-group:*:log-stream:app"),
    ("logs:GetLogEvents", f"{LOGS}:log-group:?*:log-stream:*"),
    ("dynamodb:Query", f"{DYNAMODB}:table/*/index/by-date"),
    (
        "states:DescribeExecution",
        "arn:aws:states:us-east-1:123456789012:execution:*:nightly-run",
    ),
    ("amplify:GetBranch", "arn:aws:amplify:us-east-1:123456789012:apps/*/branches/main"),
]


@pytest.mark.parametrize(("action", "resource"), NAME_POSITION_REJECTS)
def test_iam_no_wildcard_rejects_resource_name_left_to_wildcards_before_fixed_text(
    action: str, resource: str
) -> None:
    found = policy(action, resource)
    assert found and resource in found[0], f"{action} on {resource} accepted: {found}"


NAME_POSITION_PASSES = [
    ("lambda:InvokeFunction", f"{LAMBDA}:function:app:prod"),
    ("lambda:InvokeFunction", f"{LAMBDA}:function:app-*:live"),
    ("lambda:InvokeFunction", f"{LAMBDA}:function:app:*"),
    ("logs:PutLogEvents", f"{LOGS}:log-group:/aws/lambda/app:log-stream:*"),
    ("dynamodb:Query", f"{DYNAMODB}:table/metrics/index/*"),
    ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/*"),
    ("s3:GetObject", "arn:aws:s3:::reports-bucket/*"),
]


@pytest.mark.parametrize(("action", "resource"), NAME_POSITION_PASSES)
def test_iam_no_wildcard_accepts_named_resource_with_wildcards_in_its_parts(
    action: str, resource: str
) -> None:
    assert policy(action, resource) == [], f"{action} on {resource} was flagged"


OTHER_SERVICE_ID_REJECTS = [
    ("rds-db:connect", "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-*/admin"),
    ("rds-db:connect", "arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-*/app_user"),
    ("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z*"),
    ("cloudfront:UpdateDistribution", "arn:aws:cloudfront::123456789012:distribution/E*"),
    ("acm:DeleteCertificate", "arn:aws:acm:us-east-1:123456789012:certificate/????????-*"),
    ("ssm:SendCommand", "arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-*"),
]


@pytest.mark.parametrize(("action", "resource"), OTHER_SERVICE_ID_REJECTS)
def test_iam_no_wildcard_rejects_every_assigned_id_of_other_services(
    action: str, resource: str
) -> None:
    found = policy(action, resource)
    assert found and resource in found[0], f"{action} on {resource} accepted: {found}"


OTHER_SERVICE_ID_PASSES = [
    ("rds-db:connect", "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJKL01234/app_*"),
    ("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1D633PJN98FT9"),
    (
        "cloudfront:UpdateDistribution",
        "arn:aws:cloudfront::123456789012:distribution/EDFDVBD632BHDS5",
    ),
    ("ssm:SendCommand", "arn:aws:ssm:us-east-1:123456789012:managed-instance/mi-0123456789abcdef0"),
]


@pytest.mark.parametrize(("action", "resource"), OTHER_SERVICE_ID_PASSES)
def test_iam_no_wildcard_accepts_one_assigned_id_of_other_services(
    action: str, resource: str
) -> None:
    assert policy(action, resource) == [], f"{action} on {resource} was flagged"
