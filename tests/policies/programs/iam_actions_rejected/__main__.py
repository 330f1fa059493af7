"""Action patterns that match a whole service, however they are written."""

import json

import pulumi
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
# AWS managed policies whose documents grant whole services, whatever their names say.
TRUST = document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)
worker = aws.iam.Role("worker", assume_role_policy=TRUST)
for name, path in [
    ("bad-attach-lambda-execute", "AWSLambdaExecute"),
    ("bad-attach-secrets-read-write", "SecretsManagerReadWrite"),
    ("bad-attach-emr-ec2-role", "service-role/AmazonElasticMapReduceforEC2Role"),
    ("bad-attach-support", "AWSSupportAccess"),
]:
    aws.iam.RolePolicyAttachment(
        name, role=worker.name, policy_arn=f"arn:aws:iam::aws:policy/{path}"
    )
# A Lambda permission is one statement as inputs; Lambda accepts "lambda:*" and "*" as its action.
function = aws.lambda_.Function(
    "worker-fn",
    role=worker.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive({}),
)
aws.lambda_.Permission(
    "bad-permission-every-lambda-action",
    function=function.name,
    action="lambda:*",
    principal="123456789012",
)
aws.lambda_.Permission(
    "bad-permission-every-action", function=function.name, action="*", principal="123456789012"
)
# Statement as one object, and a document given as a dict (Pulumi accepts both).
aws.iam.Policy(
    "bad-single-statement-object",
    policy=json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    ),
)
aws.iam.Policy(
    "bad-dict-document",
    policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "SQS:*", "Resource": QUEUE}],
    },
)
