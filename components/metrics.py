"""MetricAggregator: the metrics table, the scheduled aggregator Lambda and their alarms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam
from components.alerting import AlertingHub
from components.lambda_function import FunctionSpec, monitored_function
from components.metrics_alarms import create_aggregator_alarms
from components.settings import Settings
from functions.shared.analytics_contract.sources import encode_metric_sources

TOKEN = "cw-analytics:metrics:MetricAggregator"
AGGREGATOR_TIMEOUT_SECONDS = 120
AGGREGATOR_MEMORY_MB = 256
# The function reads its metrics at this resolution.
PERIOD_SECONDS = 60
MIN_LOOKBACK_MINUTES = 15
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: time to look at what failed
RETRY_ATTEMPTS = 2


@dataclass(frozen=True)
class WatchedResources:
    """What the aggregator copies metrics of."""

    api_name: pulumi.Input[str]
    """Name of the REST API (the ``ApiName`` dimension)."""
    api_stage: str
    """Its stage (the ``Stage`` dimension)."""
    function_names: Sequence[pulumi.Input[str]]
    """Lambda functions to watch besides the aggregator itself."""
    db_identifier: pulumi.Input[str]
    """RDS instance identifier."""


@dataclass(frozen=True)
class MetricAggregatorArgs:
    """What the aggregator needs."""

    settings: Settings
    """Schedule, retention, naming, protection."""
    hub: AlertingHub
    """Key for the table, queue and logs; topic for alarms; the dashboard."""
    watched: WatchedResources


def lookback_minutes(period_seconds: int) -> int:
    """Each run re-reads three schedule periods (late datapoints), at least 15 minutes."""
    return max(MIN_LOOKBACK_MINUTES, 3 * period_seconds // 60)


def metric_sources(
    *,
    api_name: str,
    api_stage: str,
    function_names: Sequence[str],
    db_identifier: str,
    table_name: str,
    namespace: str,
) -> str:
    """METRIC_SOURCES, schema v1, as compact JSON (the Lambda environment is 4 KB in all).

    Encoded and validated by the same code the function parses it with, so a name the function
    would reject fails the deployment (naming the field) instead of every run.
    """
    return encode_metric_sources(
        api_name=api_name,
        api_stage=api_stage,
        functions=function_names,
        db=db_identifier,
        table=table_name,
        namespace=namespace,
    )


class MetricAggregator(pulumi.ComponentResource):
    """DynamoDB metrics table filled every schedule period by the aggregator Lambda."""

    table: aws.dynamodb.Table
    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    function: aws.lambda_.Function
    role: aws.iam.Role
    dead_letter_queue: aws.sqs.Queue
    rule: aws.cloudwatch.EventRule
    target: aws.cloudwatch.EventTarget
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: MetricAggregatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        settings, hub = args.settings, args.hub
        naming = settings.naming
        child = pulumi.ResourceOptions(parent=self)

        self.table = aws.dynamodb.Table(
            f"{name}-table",
            name=naming.name("metrics"),
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attributes=[
                aws.dynamodb.TableAttributeArgs(name="pk", type="S"),
                aws.dynamodb.TableAttributeArgs(name="sk", type="S"),
            ],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=hub.key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=settings.metrics_table_deletion_protection,
            opts=child,
        )
        self.table_name, self.table_arn = self.table.name, self.table.arn

        aggregator = monitored_function(
            f"{name}-aggregator",
            self._function_spec(args),
            hub=hub,
            parent=self,
            statements=pulumi.Output.all(self.table.arn, hub.key_arn).apply(
                lambda arns: iam.aggregator_statements(
                    region=settings.region, table_arn=arns[0], key_arn=arns[1]
                )
            ),
        )
        self.function, self.role = aggregator.function, aggregator.role
        self.log_group, self.role_policy = aggregator.log_group, aggregator.role_policy
        self._create_schedule(name, settings, hub)

        alarms = create_aggregator_alarms(
            name,
            hub=hub,
            parent=self,
            rule_name=self.rule.name,
            queue_name=self.dead_letter_queue.name,
            table_name=self.table.name,
        )
        self.alarms = [*alarms.alarms, *aggregator.alarms]
        hub.add_dashboard_section(alarms.section("Metric aggregator", aggregator.widgets))
        self.register_outputs({"tableName": self.table_name, "tableArn": self.table_arn})

    def _function_spec(self, args: MetricAggregatorArgs) -> FunctionSpec:
        settings, watched = args.settings, args.watched
        naming = settings.naming
        sources = pulumi.Output.all(
            watched.api_name, watched.db_identifier, self.table.name, *watched.function_names
        ).apply(
            lambda values: metric_sources(
                api_name=values[0],
                api_stage=watched.api_stage,
                # The aggregator watches itself too; its name is fixed by the naming scheme
                # (the function cannot be an input of its own environment).
                function_names=[*values[3:], naming.name("aggregator")],
                db_identifier=values[1],
                table_name=values[2],
                namespace=naming.metrics_namespace,
            )
        )
        return FunctionSpec(
            function_type="aggregator",
            role_type="aggregator-role",
            code_dir="metric_aggregator",
            label="Metric aggregator",
            timeout_seconds=AGGREGATOR_TIMEOUT_SECONDS,
            memory_mb=AGGREGATOR_MEMORY_MB,
            environment={
                "METRICS_TABLE": self.table.name,
                "METRIC_SOURCES": sources,
                "LOOKBACK_MINUTES": str(lookback_minutes(settings.aggregator_period_seconds)),
                "RETENTION_DAYS": str(settings.metrics_retention_days),
                "PERIOD_SECONDS": str(PERIOD_SECONDS),
                "POWERTOOLS_SERVICE_NAME": "aggregator",
                "POWERTOOLS_METRICS_NAMESPACE": naming.metrics_namespace,
                "LOG_LEVEL": "INFO",
            },
            # A reservation of 1 allows at most one run at a time. Without one, runs may
            # overlap and rewrite the same items: safe, because each write is an idempotent put
            # keyed by series and timestamp.
            reserved_concurrency=settings.aggregator_reserved_concurrency,
        )

    def _create_schedule(self, name: str, settings: Settings, hub: AlertingHub) -> None:
        naming = settings.naming
        child = pulumi.ResourceOptions(parent=self)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            name=naming.name("aggregator-dlq"),
            kms_master_key_id=hub.key_arn,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            opts=child,
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=naming.name("aggregator-schedule"),
            description=f"Runs the {naming.base} metric aggregator",
            schedule_expression=settings.aggregator_schedule,
            opts=child,
        )
        self.queue_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.id,
            policy=pulumi.Output.all(self.dead_letter_queue.arn, self.rule.arn).apply(
                lambda arns: json.dumps(iam.dead_letter_queue_policy(arns[0], arns[1]))
            ),
            opts=child,
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke-from-schedule",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="events.amazonaws.com",
            # The rule's ARN is an input, so the rule is created first without a depends_on.
            source_arn=self.rule.arn,
            opts=child,
        )
        retry: dict[str, Any] = {
            # A run older than one period is superseded by the next one.
            "maximum_event_age_in_seconds": max(60, settings.aggregator_period_seconds),
            "maximum_retry_attempts": RETRY_ATTEMPTS,
        }
        self.target = aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=self.rule.name,
            arn=self.function.arn,
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(**retry),
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=self.dead_letter_queue.arn
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                # Events delivered before the permission and the queue policy exist would fail
                # and could not even reach the dead-letter queue; neither is an input here.
                depends_on=[self.permission, self.queue_policy],
            ),
        )
