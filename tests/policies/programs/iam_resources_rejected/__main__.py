"""Resource patterns as wide as '*': type-wide in an account, or anyone's resource."""

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
    "bad-pass-every-role", policy=document("iam:PassRole", "arn:aws:iam::123456789012:role/*")
)
aws.iam.Policy("bad-pass-any-account", policy=document("iam:PassRole", "arn:aws:iam::*:role/app"))
aws.iam.Policy(
    "bad-pass-admin-suffix",
    policy=document("iam:PassRole", "arn:aws:iam::123456789012:role/*admin"),
)
aws.iam.Policy("bad-every-bucket", policy=document("s3:GetObject", "arn:aws:s3:::*"))
aws.iam.Policy("bad-any-bucket-path", policy=document("s3:GetObject", "arn:aws:s3:::*/reports/*"))
aws.iam.Policy("bad-every-queue", policy=document("sqs:SendMessage", "arn:*:sqs:*:*:*"))
aws.iam.Policy(
    "bad-every-table",
    policy=document("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/*"),
)
# IAM's * matches ":" too: fewer than six ARN parts can hide a wildcard account.
aws.iam.Policy("bad-pass-five-parts", policy=document("iam:PassRole", "arn:aws:iam:*:role/app"))
aws.iam.Policy("bad-pass-three-parts", policy=document("iam:PassRole", "arn:*:role/app"))
aws.iam.Policy(
    "bad-queue-five-parts", policy=document("sqs:SendMessage", "arn:aws:sqs:*:app-queue")
)
# Name parts with no letter or digit: every table, key and secret AWS would name.
aws.iam.Policy(
    "bad-table-any-name",
    policy=document("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/???*"),
)
aws.iam.Policy(
    "bad-key-any-id", policy=document("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/*-*")
)
aws.iam.Policy(
    "bad-secret-any-name",
    policy=document(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:*-??????",
    ),
)
# A policy variable is one value, and its ':' is no ARN separator: every role of the caller's
# account, every queue of it.
aws.iam.Policy(
    "bad-pass-every-role-of-caller",
    policy=document("iam:PassRole", "arn:aws:iam::${aws:PrincipalAccount}:role/*"),
)
aws.iam.Policy(
    "bad-every-queue-of-caller",
    policy=document("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:*"),
)
# The 'prod' alias of every function.
aws.iam.Policy(
    "bad-every-function-alias",
    policy=document(
        "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:*:prod"
    ),
)
