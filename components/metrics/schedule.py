"""The aggregator's schedule: the EventBridge rule, its target with retries, the dead-letter
queue for events that still fail, and the permissions between them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib.naming import Naming
from .iam import dead_letter_queue_policy

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: time to look at what failed
RETRY_ATTEMPTS = 2


@dataclass(frozen=True)
class Schedule:
    """The resources that start the aggregator every period (``MetricAggregator.schedule``)."""

    dead_letter_queue: aws.sqs.Queue
    """Encrypted queue of the events EventBridge could not deliver after its retries."""
    rule: aws.cloudwatch.EventRule
    """The schedule rule."""
    queue_policy: aws.sqs.QueuePolicy
    """Lets the rule, and only it, send to the dead-letter queue."""
    permission: aws.lambda_.Permission
    """Lets the rule, and only it, invoke the function."""
    target: aws.cloudwatch.EventTarget
    """The function as the rule's target, with retries and the dead-letter queue."""


def create_schedule(
    name: str,
    *,
    naming: Naming,
    expression: str,
    period_seconds: int,
    function: aws.lambda_.Function,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> Schedule:
    """Rule ``expression`` invoking ``function``; failed events end in the encrypted queue."""
    child = pulumi.ResourceOptions(parent=parent)
    dead_letter_queue = aws.sqs.Queue(
        f"{name}-dlq",
        name=naming.name("aggregator-dlq"),
        kms_master_key_id=kms_key_arn,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        opts=child,
    )
    rule = aws.cloudwatch.EventRule(
        f"{name}-schedule",
        name=naming.name("aggregator-schedule"),
        description=f"Runs the {naming.base} metric aggregator",
        schedule_expression=expression,
        opts=child,
    )
    queue_policy = aws.sqs.QueuePolicy(
        f"{name}-dlq-policy",
        queue_url=dead_letter_queue.id,
        policy=pulumi.Output.all(dead_letter_queue.arn, rule.arn).apply(
            lambda arns: json.dumps(dead_letter_queue_policy(arns[0], arns[1]))
        ),
        opts=child,
    )
    permission = aws.lambda_.Permission(
        f"{name}-invoke-from-schedule",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="events.amazonaws.com",
        # The rule's ARN is an input, so the rule is created first without a depends_on.
        source_arn=rule.arn,
        opts=child,
    )
    retry: dict[str, Any] = {
        # A run older than one period is superseded by the next one.
        "maximum_event_age_in_seconds": max(60, period_seconds),
        "maximum_retry_attempts": RETRY_ATTEMPTS,
    }
    target = aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.name,
        arn=function.arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(**retry),
        dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
            arn=dead_letter_queue.arn
        ),
        opts=pulumi.ResourceOptions(
            parent=parent,
            # Events delivered before the permission and the queue policy exist would fail
            # and could not even reach the dead-letter queue; neither is an input here.
            depends_on=[permission, queue_policy],
        ),
    )
    return Schedule(dead_letter_queue, rule, queue_policy, permission, target)
