"""The stack key's policy and the alert topic's policy: who may use them, and for what."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..lib.account import AccountContext
from ..lib.naming import (
    API_EXECUTION_LOG_GROUP_PREFIX,
    API_GATEWAY_LOG_GROUP_PREFIX,
    LAMBDA_LOG_GROUP_PREFIX,
    RDS_LOG_GROUP_PREFIX,
    VPC_LOG_GROUP_PREFIX,
)

_KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]


SERVICE_LOG_PATHS = (
    LAMBDA_LOG_GROUP_PREFIX,
    VPC_LOG_GROUP_PREFIX,
    RDS_LOG_GROUP_PREFIX,
    API_GATEWAY_LOG_GROUP_PREFIX,
)
"""The AWS service paths the components' log groups live under; the key serves no other."""


def log_group_patterns(prefixes: Sequence[str]) -> list[str]:
    """Log group names the key serves: ``<prefix>-*`` bare or under one of
    ``SERVICE_LOG_PATHS`` (a ``/aws/*/`` would also admit any other service's groups)."""
    return [
        pattern
        for p in prefixes
        for pattern in (f"{p}-*", *(f"{path}{p}-*" for path in SERVICE_LOG_PATHS))
    ]


def served_arns(
    where: AccountContext, service: str, kind: str, prefixes: Sequence[str]
) -> list[str]:
    """ARN patterns of this account's and region's ``kind`` named ``<prefix>-*``."""
    p, region, account = where.partition, where.region, where.account_id
    return [f"arn:{p}:{service}:{region}:{account}:{kind}{prefix}-*" for prefix in prefixes]


def key_policy(prefixes: Sequence[str], where: AccountContext) -> dict[str, Any]:
    """The key policy: the account administers the key; services use it for the consumers the
    hub serves, named by ``prefixes``."""
    p, region, account = where.partition, where.region, where.account_id
    root = f"arn:{p}:iam::{account}:root"
    log_group_arns = [
        f"arn:{p}:logs:{region}:{account}:log-group:{pattern}"
        for pattern in log_group_patterns(prefixes)
    ]
    statements: list[dict[str, Any]] = [
        {
            # Without this statement IAM policies cannot grant use of the key at all and the
            # key becomes unmanageable; it is AWS's default key policy.
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsServedLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": _KEY_USE_ACTIONS,
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
        },
        {
            # API Gateway picks its execution log group's name from the API's id, which does
            # not exist yet when the key does; a served API creates that group with this key.
            "Sid": "CloudWatchLogsEncryptsApiExecutionLogs",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": _KEY_USE_ACTIONS,
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{p}:logs:{region}:{account}:"
                    f"log-group:{API_EXECUTION_LOG_GROUP_PREFIX}*"
                }
            },
        },
        {
            # Served consumers' CloudWatch alarms publish to the encrypted topic.
            "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": served_arns(where, "cloudwatch", "alarm:", prefixes)},
            },
        },
        {
            # EventBridge rules of served consumers send failed events to encrypted queues.
            "Sid": "EventBridgeWritesEncryptedDeadLetterQueue",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": served_arns(where, "events", "rule/", prefixes)},
            },
        },
    ]
    # DynamoDB, RDS, Secrets Manager, SQS and SNS act with the caller's own credentials: the
    # account statement above lets IAM grant them, and each role's policy narrows its use with
    # kms:ViaService (each function's role policy). A root statement here would add nothing to it.
    return {"Version": "2012-10-17", "Statement": statements}


def topic_policy(topic_arn: str, prefixes: Sequence[str], where: AccountContext) -> dict[str, Any]:
    """Only served consumers' CloudWatch alarms, in this account, may publish to the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsOfServedConsumersPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": where.account_id},
                    "ArnLike": {
                        "aws:SourceArn": served_arns(where, "cloudwatch", "alarm:", prefixes)
                    },
                },
            }
        ],
    }
