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
