"""The stack key's policy and the alert topic's policy: who may use them, and for what."""

from __future__ import annotations

from typing import Any

from ..lib.account import AccountContext
from ..lib.naming import API_EXECUTION_LOG_GROUP_PREFIX, RDS_LOG_EXPORTS, Naming

_KEY_USE_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
# Log groups the stack creates, by registered resource type; Logs may use the key only for these.
_LAMBDA_FUNCTION_TYPES = ("api-handler", "aggregator")
_OTHER_LOG_GROUP_TYPES = ("flow-logs", "api-access-logs")


def log_group_names(naming: Naming) -> list[str]:
    """Every log group the stack creates (the key policy names exactly these)."""
    return (
        [naming.lambda_log_group(t) for t in _LAMBDA_FUNCTION_TYPES]
        + [naming.full_name(t) for t in _OTHER_LOG_GROUP_TYPES]
        + [naming.rds_log_group(export) for export in RDS_LOG_EXPORTS]
    )


def stack_alarms_arn(naming: Naming, where: AccountContext) -> str:
    """An ARN pattern matching every alarm of this stack (their names start with the base)."""
    return (
        f"arn:{where.partition}:cloudwatch:{where.region}:{where.account_id}:alarm:{naming.base}-*"
    )


def key_policy(naming: Naming, where: AccountContext) -> dict[str, Any]:
    """The key policy: the account administers the key; services use it under conditions."""
    p, region, account = where.partition, where.region, where.account_id
    root = f"arn:{p}:iam::{account}:root"
    log_group_arns = [
        f"arn:{p}:logs:{region}:{account}:log-group:{name}" for name in log_group_names(naming)
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
            "Sid": "CloudWatchLogsEncryptsStackLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": _KEY_USE_ACTIONS,
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
        },
        {
            # API Gateway picks its execution log group's name from the API's id, which does
            # not exist yet when the key does; the stack creates that group with this key.
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
            # CloudWatch alarms publish to the encrypted topic.
            "Sid": "CloudWatchAlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": stack_alarms_arn(naming, where)},
            },
        },
        {
            # EventBridge sends failed aggregator invocations to the encrypted dead-letter queue.
            "Sid": "EventBridgeWritesEncryptedDeadLetterQueue",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnEquals": {
                    "aws:SourceArn": f"arn:{p}:events:{region}:{account}:rule/"
                    + naming.name("aggregator-schedule")
                },
            },
        },
    ]
    # DynamoDB, RDS, Secrets Manager, SQS and SNS act with the caller's own credentials: the
    # account statement above lets IAM grant them, and each role's policy narrows its use with
    # kms:ViaService (each function's role policy). A root statement here would add nothing to it.
    return {"Version": "2012-10-17", "Statement": statements}


def topic_policy(topic_arn: str, naming: Naming, where: AccountContext) -> dict[str, Any]:
    """Only this stack's CloudWatch alarms, in this account, may publish to the topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsOfThisStackPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": where.account_id},
                    "ArnLike": {"aws:SourceArn": stack_alarms_arn(naming, where)},
                },
            }
        ],
    }
