"""What ``Resource: "*"`` means depends on where the policy is attached.

On a queue, topic, key or bucket policy ``*`` is that one resource (AWS: "the resource the policy
is attached to"). A CloudWatch Logs resource policy, the ECR registry policy, the Glue Data
Catalog policy, the X-Ray and Organizations policies belong to the account: their ``*`` is every
log group, repository, table ... of the account. A VPC endpoint policy's ``*`` is every resource
the endpoint reaches, in any account. An attacker who gets a service principal into an
account-wide policy with ``*`` writes into every log group or reads every catalog table.
"""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import iam

from .helpers import allow, doc, engine_args, run

ACCOUNT = "123456789012"
SERVICE = {"Service": "es.amazonaws.com"}
ACCOUNT_PRINCIPAL = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def wildcard(resource_type: str, key: str, *statements: dict[str, Any]) -> list[str]:
    return run(iam.validate_no_wildcard, engine_args(resource_type, {key: doc(*statements)}))


ACCOUNT_WIDE_REJECTS = [
    # CloudWatch Logs resource policy: the documented OpenSearch/Route 53 log delivery, on "*".
    (
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "policyDocument",
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*", Principal=SERVICE),
    ),
    (
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "policyDocument",
        allow("logs:PutLogEvents", ["*"], Principal={"Service": "route53.amazonaws.com"}),
    ),
    # The ECR registry policy: replication into every repository of the account.
    (
        "aws:ecr/registryPolicy:RegistryPolicy",
        "policy",
        allow(["ecr:CreateRepository", "ecr:ReplicateImage"], "*", Principal=ACCOUNT_PRINCIPAL),
    ),
    # The Glue Data Catalog policy: every database and table of the catalog.
    (
        "aws:glue/resourcePolicy:ResourcePolicy",
        "policy",
        allow("glue:GetTable", "*", Principal=ACCOUNT_PRINCIPAL),
    ),
    # Organizations' delegation policy: every OU of the organization.
    (
        "aws:organizations/resourcePolicy:ResourcePolicy",
        "content",
        allow("organizations:DescribeOrganizationalUnit", "*", Principal=ACCOUNT_PRINCIPAL),
    ),
    # A VPC endpoint policy: every table reachable through the endpoint.
    (
        "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
        "policy",
        allow("dynamodb:GetItem", "*", Principal="*"),
    ),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "policy", allow("s3:GetObject", "*", Principal="*")),
]


@pytest.mark.parametrize(("resource_type", "key", "statement"), ACCOUNT_WIDE_REJECTS)
def test_iam_no_wildcard_rejects_star_in_account_wide_resource_policy(
    resource_type: str, key: str, statement: dict[str, Any]
) -> None:
    found = wildcard(resource_type, key, statement)
    assert found and all("Resource '*'" in m for m in found), (
        f"{resource_type} 'res' with Resource '*' accepted: {found}"
    )
    assert any("belongs to the account" in m for m in found), f"scope not explained: {found}"


ACCOUNT_WIDE_PASSES = [
    (
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "policyDocument",
        allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/opensearch/search-logs:*",
            Principal=SERVICE,
        ),
    ),
    (
        "aws:ecr/registryPolicy:RegistryPolicy",
        "policy",
        allow(
            ["ecr:CreateRepository", "ecr:ReplicateImage"],
            f"arn:aws:ecr:us-west-2:{ACCOUNT}:repository/prod-*",
            Principal=ACCOUNT_PRINCIPAL,
        ),
    ),
    (
        "aws:glue/resourcePolicy:ResourcePolicy",
        "policy",
        allow(
            "glue:GetTable",
            f"arn:aws:glue:us-east-1:{ACCOUNT}:table/analytics/events",
            Principal=ACCOUNT_PRINCIPAL,
        ),
    ),
    # X-Ray's PutTraceSegments accepts only "*": nothing narrower exists.
    (
        "aws:xray/resourcePolicy:ResourcePolicy",
        "policyDocument",
        allow("xray:PutTraceSegments", "*", Principal={"Service": "sns.amazonaws.com"}),
    ),
    (
        "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
        "policy",
        allow(
            "dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/metrics", Principal="*"
        ),
    ),
]


@pytest.mark.parametrize(("resource_type", "key", "statement"), ACCOUNT_WIDE_PASSES)
def test_iam_no_wildcard_accepts_named_resources_in_account_wide_resource_policy(
    resource_type: str, key: str, statement: dict[str, Any]
) -> None:
    found = wildcard(resource_type, key, statement)
    assert found == [], f"{resource_type} 'res' scoped or wildcard-only was flagged: {found}"


SELF_SCOPED = [
    ("aws:sqs/queuePolicy:QueuePolicy", "policy", "sqs:SendMessage"),
    ("aws:sns/topicPolicy:TopicPolicy", "policy", "sns:Publish"),
    ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy", "secretsmanager:GetSecretValue"),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy", "ecr:BatchGetImage"),
    ("aws:kms/keyPolicy:KeyPolicy", "policy", "kms:Decrypt"),
    ("aws:backup/vaultPolicy:VaultPolicy", "policy", "backup:DescribeBackupVault"),
]


@pytest.mark.parametrize(("resource_type", "key", "action"), SELF_SCOPED)
def test_iam_no_wildcard_accepts_star_meaning_the_resource_the_policy_is_on(
    resource_type: str, key: str, action: str
) -> None:
    found = wildcard(resource_type, key, allow(action, "*", Principal=ACCOUNT_PRINCIPAL))
    assert found == [], f"{resource_type} 'res' naming itself with '*' was flagged: {found}"
