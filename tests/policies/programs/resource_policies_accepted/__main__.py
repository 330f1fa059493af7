"""Resource policies that name their callers, and AWS's default key policy statement."""

import json

import pulumi_aws as aws

ACCOUNT = "123456789012"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.kms.Key(
    "ok-key",
    policy=document(
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP}},
        },
    ),
)
bucket = aws.s3.Bucket("reports", bucket="reports-bucket")
aws.s3.BucketPolicy(
    "ok-bucket-org",
    bucket=bucket.id,
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::reports-bucket/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        }
    ),
)
aws.secretsmanager.SecretPolicy(
    "ok-secret-role",
    secret_arn=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ),
)
role = aws.iam.Role(
    "ok-runner",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "ok-basic-execution",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
)
aws.sqs.QueuePolicy(
    "ok-queue-numeric-account",
    queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": 123456789012}},
        }
    ),
)
aws.sqs.QueuePolicy(
    "ok-queue-org-path",
    queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/*"}},
        }
    ),
)
api = aws.apigateway.RestApi("api")
aws.apigateway.RestApiPolicy(
    "ok-api-own-shorthand",
    rest_api_id=api.id,
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123"}},
        }
    ),
)
aws.sqs.QueuePolicy(
    "ok-queue-lower-case-key",
    queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            # Condition keys are case-insensitive.
            "Condition": {"StringEquals": {"aws:sourceaccount": ACCOUNT}},
        }
    ),
)
aws.cloudwatch.EventPermission("ok-bus-permission-account", principal=ACCOUNT, statement_id="one")
aws.cloudwatch.EventPermission(
    "ok-bus-permission-org",
    principal="*",
    statement_id="org",
    condition=aws.cloudwatch.EventPermissionConditionArgs(
        key="aws:PrincipalOrgID", type="StringEquals", value="o-abc123def4"
    ),
)
aws.sqs.QueuePolicy(
    "ok-queue-own-account-variable",
    queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            # The queue's own account: only callers of that account.
            "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
        }
    ),
)
aws.iam.Role(
    "ok-trust-one-github-repo",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/app:*"},
            },
        }
    ),
)
