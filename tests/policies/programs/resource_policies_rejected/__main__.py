"""Resource policies and identity documents in less common places that grant too much."""

import json

import pulumi_aws as aws

ACCOUNT = "123456789012"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.kms.Key(
    "bad-key-service-star",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        },
    ),
)
bucket = aws.s3.Bucket("reports", bucket="reports-bucket")
aws.s3.BucketPolicy(
    "bad-bucket-transport-only",
    bucket=bucket.id,
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::reports-bucket/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    ),
)
aws.secretsmanager.SecretPolicy(
    "bad-secret-open",
    secret_arn=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ),
)
aws.opensearch.DomainPolicy(
    "bad-domain-open",
    domain_name="search",
    access_policies=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "es:ESHttpGet",
            "Resource": f"arn:aws:es:us-east-1:{ACCOUNT}:domain/search/*",
        }
    ),
)
aws.cloudwatch.EventBusPolicy(
    "bad-bus-any-account",
    event_bus_name="default",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::*:root"},
            "Action": "events:PutEvents",
            "Resource": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
        }
    ),
)
aws.ssoadmin.PermissionSetInlinePolicy(
    "bad-permission-set",
    instance_arn="arn:aws:sso:::instance/ssoins-1",
    permission_set_arn="arn:aws:sso:::permissionSet/ssoins-1/ps-1",
    inline_policy=document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports-bucket/*"}
    ),
)
role = aws.iam.Role(
    "runner",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "bad-s3-full-access", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
)
aws.iam.RolePolicyAttachment(
    "bad-system-admin",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/job-function/SystemAdministrator",
)
aws.iam.UserPolicy(
    "bad-user-policy",
    user="ci",
    policy=document(
        {"Effect": "Allow", "Action": "iam:*Policy*", "Resource": f"arn:aws:iam::{ACCOUNT}:role/*"}
    ),
)


def open_send(name: str, condition: dict) -> None:
    """A queue policy open to anyone, with a Condition that does not narrow who calls."""
    aws.sqs.QueuePolicy(
        name,
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
        policy=document(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sqs:SendMessage",
                "Resource": "*",
                "Condition": condition,
            }
        ),
    )


open_send("bad-queue-any-org", {"StringLike": {"aws:PrincipalOrgID": "o-*"}})
open_send("bad-queue-any-endpoint", {"StringLike": {"aws:SourceVpce": "vpce-*"}})
open_send(
    "bad-queue-any-account-role",
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/publisher"}},
)
open_send(
    "bad-queue-any-project", {"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*:*:project/*"}}
)
open_send("bad-queue-for-all-values", {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-1"}})
aws.kms.Key(
    "bad-key-foreign-root",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
    ),
)
# Policy-bearing types whose document pulumi_aws does not document as a :param, or nests.
OPEN = {"Effect": "Allow", "Principal": {"AWS": "*"}}
aws.sagemaker.ModelPackageGroupPolicy(
    "bad-model-package-group-open",
    model_package_group_name="g",
    resource_policy=document({**OPEN, "Action": "sagemaker:DescribeModelPackage", "Resource": "*"}),
)
aws.organizations.ResourcePolicy(
    "bad-organization-open",
    content=document({**OPEN, "Action": "organizations:DescribeOrganization", "Resource": "*"}),
)
aws.cloudwatch.LogDeliveryDestinationPolicy(
    "bad-delivery-destination-open",
    delivery_destination_name="d",
    delivery_destination_policy=document({**OPEN, "Action": "logs:CreateDelivery"}),
)
aws.s3control.MultiRegionAccessPointPolicy(
    "bad-multi-region-access-point-open",
    details=aws.s3control.MultiRegionAccessPointPolicyDetailsArgs(
        name="m", policy=document({**OPEN, "Action": "s3:GetObject", "Resource": "*"})
    ),
)
# Every account can have a user named alice; a service principal acts for every account.
open_send("bad-queue-any-alice", {"StringEquals": {"aws:username": "alice"}})
open_send(
    "bad-queue-any-sns-topic", {"StringEquals": {"aws:PrincipalServiceName": "sns.amazonaws.com"}}
)
# A bus permission is one statement as inputs: '*' is every account.
aws.cloudwatch.EventPermission("bad-bus-permission-everyone", principal="*", statement_id="all")
aws.cloudwatch.EventPermission(
    "bad-bus-permission-any-org",
    principal="*",
    statement_id="any-org",
    condition=aws.cloudwatch.EventPermissionConditionArgs(
        key="aws:PrincipalOrgID", type="StringEquals", value="o-*"
    ),
)
# The caller's own account compared with itself: true for every caller.
open_send(
    "bad-queue-caller-is-itself", {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}
)
# GitHub mints tokens for every repository with the same audience: the subject must name one.
aws.iam.Role(
    "bad-trust-any-github-repo",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
            },
        }
    ),
)
