"""Context decides, the benign side: each documented necessity beside its look-alike attack.
No ``ok-*`` resource may be rejected."""

import json

import pulumi
import pulumi_aws as aws

ACCOUNT = "123456789012"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.cloudwatch.LogResourcePolicy(
    "ok-logs-policy-one-group",
    policy_name="search-logs",
    policy_document=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "es.amazonaws.com"},
            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
            "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/opensearch/search:*",
        }
    ),
)
aws.sqs.Queue(
    "ok-queue-policy-star-is-the-queue",
    policy=document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
        }
    ),
    kms_master_key_id="alias/app",
)
role = aws.iam.Role(
    "ok-role",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicy(
    "ok-lambda-vpc-interfaces",
    role=role.id,
    policy=document(
        {
            "Effect": "Allow",
            "Action": [
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/*",
        }
    ),
)
aws.iam.RolePolicy(
    "ok-session-manager-by-name",
    role=role.id,
    policy=document(
        {
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "Resource": "*",
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "ok-session-manager-core",
    role=role.name,
    policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
)
aws.transfer.User(
    "ok-transfer-session-policy",
    server_id="s-1234567890abcdef0",
    user_name="alice",
    role=role.arn,
    policy=document(
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::${transfer:HomeDirectory}*",
        }
    ),
)
aws.lambda_.Permission(
    "ok-alexa-one-skill",
    function="fn",
    action="lambda:InvokeFunction",
    principal="alexa-appkit.amazon.com",
    event_source_token="amzn1.ask.skill.12345678-1234-1234-1234-123456789012",
)
aws.rds.ClusterInstance(
    "ok-member-ignores-all-changes",
    cluster_identifier="c",
    instance_class="db.r6g.large",
    engine="aurora-postgresql",
    opts=pulumi.ResourceOptions(ignore_changes=["*"]),
)
