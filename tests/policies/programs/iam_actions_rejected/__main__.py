"""Action patterns that match a whole service, however they are written."""

import json

import pulumi_aws as aws

QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.iam.Policy(
    "bad-infix", policy=document({"Effect": "Allow", "Action": "sqs:*e*", "Resource": QUEUE})
)
aws.iam.Policy(
    "bad-fragments",
    policy=document(
        {
            "Effect": "Allow",
            "Action": ["sqs:*Message*", "sqs:*Queue*", "sqs:*Permission*", "sqs:*MessageMoveTask*"],
            "Resource": QUEUE,
        }
    ),
)
aws.iam.Policy(
    "bad-case",
    policy=document(
        {
            "Effect": "Allow",
            "Action": "DynamoDB:*",
            "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        }
    ),
)
aws.iam.Policy(
    "bad-question",
    policy=document(
        {
            "Effect": "Allow",
            "Action": "kms:?*",
            "Resource": "arn:aws:kms:us-east-1:123456789012:key/k",
        }
    ),
)
aws.iam.Policy(
    "bad-not-action", policy=document({"Effect": "Allow", "NotAction": "iam:*", "Resource": QUEUE})
)
aws.iam.Policy(
    "bad-fragments-two-statements",
    policy=document(
        {"Effect": "Allow", "Action": "sqs:*Message*", "Resource": QUEUE},
        {"Effect": "Allow", "Action": ["sqs:*Queue*", "sqs:*Permission"], "Resource": QUEUE},
    ),
)
