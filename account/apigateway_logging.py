"""API Gateway's account-level logging: the CloudWatch role, the account setting, its log group.

API Gateway has one CloudWatch role setting per account and region, shared by every REST API
there. Whoever destroys the ``aws.apigateway.Account`` resource resets it (provider v6 and
later), and the role goes with the stack that owns it. So neither belongs to an app stack: this
project owns them, once per account and region, and outlives every app stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

TOKEN = "cw-analytics-account:apigateway:AccountLogging"
# IAM is global: the region in the name lets every region of an account have its own role.
ROLE_PREFIX = "cw-analytics-apigateway-cloudwatch"
KEY_ALIAS = "alias/cw-analytics-apigateway-welcome-logs"
# API Gateway writes this group once the account's CloudWatch role is set.
WELCOME_LOG_GROUP = "/aws/apigateway/welcome"
PUSH_TO_LOGS_POLICY = "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
KEY_DELETION_WINDOW_DAYS = 30
_KEY_USE_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]


@dataclass(frozen=True)
class Where:
    """The account, partition and region the settings apply to."""

    account_id: str
    partition: str
    region: str


def trust_policy() -> dict[str, Any]:
    """API Gateway may assume the role: AWS's documented trust policy for the account role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
                # No aws:SourceAccount condition: API Gateway may omit it, failing the setting.
            }
        ],
    }


def push_to_logs_policy_arn(partition: str) -> str:
    """AWS's managed policy for the API Gateway account role."""
    return f"arn:{partition}:iam::aws:{PUSH_TO_LOGS_POLICY}"


def welcome_log_group_arn(where: Where) -> str:
    """The ARN CloudWatch Logs names as encryption context for the welcome group."""
    return (
        f"arn:{where.partition}:logs:{where.region}:{where.account_id}:"
        f"log-group:{WELCOME_LOG_GROUP}"
    )


def key_policy(where: Where) -> dict[str, Any]:
    """The account administers the key; CloudWatch Logs uses it for the welcome group only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # AWS's default key policy: without it IAM cannot grant use of the key.
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{where.partition}:iam::{where.account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsEncryptsWelcomeGroup",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{where.region}.amazonaws.com"},
                "Action": _KEY_USE_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {
                        "kms:EncryptionContext:aws:logs:arn": welcome_log_group_arn(where)
                    }
                },
            },
        ],
    }


@dataclass(frozen=True)
class AccountLoggingArgs:
    """What the account settings need."""

    region: str
    log_retention_days: int


class AccountLogging(pulumi.ComponentResource):
    """The API Gateway CloudWatch role, the account setting naming it, and its log group."""

    role: aws.iam.Role
    attachment: aws.iam.RolePolicyAttachment
    key: aws.kms.Key
    welcome_log_group: aws.cloudwatch.LogGroup
    account: aws.apigateway.Account

    def __init__(
        self, name: str, args: AccountLoggingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        partition = aws.get_partition_output(opts=invoke)
        where = pulumi.Output.all(identity.account_id, partition.partition).apply(
            lambda ids: Where(ids[0], ids[1], args.region)
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=f"{ROLE_PREFIX}-{args.region}",
            description="API Gateway writes execution and access logs of this account/region",
            assume_role_policy=json.dumps(trust_policy()),
            opts=child,
        )
        self.attachment = aws.iam.RolePolicyAttachment(
            f"{name}-role-logs",
            role=self.role.name,
            policy_arn=where.apply(lambda w: push_to_logs_policy_arn(w.partition)),
            opts=child,
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description="cw-analytics account: API Gateway's welcome log group",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            policy=where.apply(lambda w: json.dumps(key_policy(w))),
            opts=child,
        )
        self.key_alias = aws.kms.Alias(
            f"{name}-key-alias", name=KEY_ALIAS, target_key_id=self.key.key_id, opts=child
        )
        # API Gateway would create this group itself when the role is set: unencrypted and
        # kept forever. Created first, it is the project's, with a key and a retention.
        self.welcome_log_group = aws.cloudwatch.LogGroup(
            f"{name}-welcome-logs",
            name=WELCOME_LOG_GROUP,
            retention_in_days=args.log_retention_days,
            kms_key_id=self.key.arn,
            opts=child,
        )
        self.account = aws.apigateway.Account(
            f"{name}-setting",
            cloudwatch_role_arn=self.role.arn,
            opts=pulumi.ResourceOptions(
                parent=self,
                # API Gateway checks that the role can write logs when the setting is made,
                # and writes the welcome group by name (neither is an input).
                depends_on=[self.attachment, self.welcome_log_group],
            ),
        )
        self.role_arn = self.role.arn
        self.register_outputs({"cloudwatchRoleArn": self.role_arn})
