"""Resource patterns scoped by name or path within one owner."""

import json

import pulumi_aws as aws


def document(action: str, resource: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        }
    )


aws.iam.Policy(
    "ok-log-group",
    policy=document(
        "logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*"
    ),
)
aws.iam.Policy(
    "ok-bucket-objects", policy=document("s3:GetObject", "arn:aws:s3:::reports-bucket/*")
)
aws.iam.Policy(
    "ok-app-roles", policy=document("iam:PassRole", "arn:aws:iam::123456789012:role/app-*")
)
aws.iam.Policy(
    "ok-region-wildcard",
    policy=document("dynamodb:GetItem", "arn:aws:dynamodb:*:123456789012:table/metrics"),
)
aws.iam.Policy(
    "ok-secret-prefix",
    policy=document(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-*",
    ),
)
aws.iam.Policy(
    "ok-secret-env-suffix",
    policy=document(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:*-prod-??????",
    ),
)
aws.iam.Policy(
    "ok-queue-one-account",
    policy=document("sqs:SendMessage", "arn:*:sqs:*:123456789012:app-queue"),
)
aws.iam.Policy(
    "ok-queue-of-caller",
    policy=document("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:app-queue"),
)
aws.iam.Policy(
    "ok-role-per-user",
    policy=document("iam:PassRole", "arn:aws:iam::123456789012:role/${aws:username}"),
)
aws.iam.Policy(
    "ok-literal-star-key", policy=document("s3:GetObject", "arn:aws:s3:::reports-bucket/${*}")
)
aws.iam.Policy(
    "ok-function-prefix-any-alias",
    policy=document(
        "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:app-*:*"
    ),
)
