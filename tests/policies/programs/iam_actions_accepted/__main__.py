"""Narrow action patterns, and AWS's own minimal policies for actions that take only '*'."""

import json

import pulumi
import pulumi_aws as aws


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.iam.Policy(
    "ok-send",
    policy=document(
        {
            "Effect": "Allow",
            "Action": ["sqs:Send*", "SQS:GetQueueUrl"],
            "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
        }
    ),
)
aws.iam.Policy(
    "ok-xray",
    policy=document(
        {
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        }
    ),
)
aws.iam.Policy(
    "ok-whoami",
    policy=document({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}),
)
aws.iam.Policy(
    "ok-fragments-two-queues",
    policy=document(
        {
            "Effect": "Allow",
            "Action": "sqs:*Message*",
            "Resource": "arn:aws:sqs:us-east-1:123456789012:in",
        },
        {
            "Effect": "Allow",
            "Action": ["sqs:*Queue*", "sqs:*Permission"],
            "Resource": "arn:aws:sqs:us-east-1:123456789012:out",
        },
    ),
)
worker = aws.iam.Role(
    "worker",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "ok-attach-basic-execution",
    role=worker.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
)
function = aws.lambda_.Function(
    "worker-fn",
    role=worker.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive({}),
)
aws.lambda_.Permission(
    "ok-permission-get-function",
    function=function.name,
    action="lambda:GetFunction",
    principal="123456789012",
)
aws.iam.Policy(
    "ok-single-statement-object",
    policy=json.dumps(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
            }
        }
    ),
)
