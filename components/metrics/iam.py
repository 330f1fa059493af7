"""The aggregator's access (read CloudWatch metrics, write the table) and its queue policy."""

from __future__ import annotations

from typing import Any

from ..lib.iam import Statement, document, in_region, kms_via_statement


def aggregator_statements(
    *, region: str, table_arn: str, key_arn: str, topic_arn: str
) -> list[Statement]:
    """The aggregator's access: read CloudWatch metrics, write the metrics table, count the
    alert topic's confirmed subscriptions."""
    return [
        {
            # GetMetricData has no resource types: it accepts only "*".
            "Sid": "ReadMetricsInRegion",
            "Effect": "Allow",
            "Action": "cloudwatch:GetMetricData",
            "Resource": "*",
            "Condition": in_region(region),
        },
        {
            "Sid": "WriteMetricsTable",
            "Effect": "Allow",
            "Action": "dynamodb:BatchWriteItem",
            "Resource": table_arn,
        },
        {
            "Sid": "CountAlertSubscriptions",
            "Effect": "Allow",
            "Action": "sns:GetTopicAttributes",
            "Resource": topic_arn,
        },
        kms_via_statement(
            "EncryptTableItems",
            key_arn,
            ["kms:Decrypt", "kms:GenerateDataKey"],
            ["dynamodb"],
            region,
        ),
    ]


def dead_letter_queue_policy(queue_arn: str, rule_arn: str) -> dict[str, Any]:
    """Only the aggregator's EventBridge rule may send to its dead-letter queue."""
    return document(
        [
            {
                "Sid": "ScheduleRuleSendsFailedEvents",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ]
    )
