"""MetricAggregator: the metrics table, the scheduled aggregator Lambda and their alarms."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.contract import sources as contract
from ..lib.lambda_function import FunctionContext, FunctionSpec, monitored_function
from ..lib.naming import NameRule, instance_naming
from ..lib.paths import FUNCTIONS_DIR
from ..lib.rules import LOG_RETENTION_DAYS, LOG_RETENTION_RULE
from ..lib.schedule import schedule_seconds
from .alarms import aggregator_alarm_specs, aggregator_widgets
from .iam import aggregator_statements
from .schedule import create_schedule

AGGREGATOR_TIMEOUT_SECONDS = 120
AGGREGATOR_MEMORY_MB = 256
# The function reads its metrics at this resolution.
PERIOD_SECONDS = 60
MIN_LOOKBACK_MINUTES = 15
# Three missed runs must fit in CloudWatch's one-day evaluation window (period x periods).
MAX_SCHEDULE_SECONDS = 8 * 3600
MAX_METRICS_RETENTION_DAYS = 3650
NAMES = {
    "metrics": NameRule(255, "DynamoDB table"),
    "aggregator": NameRule(64, "Lambda function"),
    "aggregator-role": NameRule(64, "IAM role"),
    "aggregator-access": NameRule(128, "IAM inline policy"),
    "aggregator-schedule": NameRule(64, "EventBridge rule"),
    "aggregator-dlq": NameRule(80, "SQS queue"),
}
"""Suffixes of the aggregator's physical names and their AWS limits."""


@dataclass(frozen=True)
class WatchedResources:
    """What the aggregator copies metrics of."""

    api_name: pulumi.Input[str]
    """Name of the REST API (the ``ApiName`` dimension)."""
    api_stage: str
    """Its stage (the ``Stage`` dimension)."""
    db_identifier: pulumi.Input[str]
    """RDS instance identifier."""
    function_names: Defaulted[Sequence[pulumi.Input[str]]] = field(default_factory=list)
    """Lambda functions to watch besides the aggregator itself."""


@dataclass(frozen=True)
class MetricAggregatorArgs:
    """Inputs of the aggregator: plain values only."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region (IAM conditions, the dashboard)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for the table, the dead-letter queue and the log group."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the aggregator's alarms notify (alarm and recovery)."""
    watched: WatchedResources
    """The API, functions and database whose metrics are copied."""
    schedule: Defaulted[str] = "rate(5 minutes)"
    """EventBridge rate expression; at least every 8 hours."""
    metrics_retention_days: Defaulted[int] = 30
    """Days a copied datapoint stays in the table (DynamoDB TTL)."""
    log_retention_days: Defaulted[int] = 14
    """Days the function's log group keeps records."""
    table_deletion_protection: Defaulted[bool] = False
    """DynamoDB refuses to delete the table while set."""
    protect_data: Defaulted[bool] = False
    """Pulumi's ``protect`` on the metrics table
    (`pulumi destroy` then fails before deleting anything)."""
    reserved_concurrency: Defaulted[int] = -1
    """-1 (unreserved) or 1 (one run at a time)."""
    instance_name: Defaulted[str | None] = None
    """This aggregator's part of its physical names, after ``name_prefix``; by default its
    resource name. ``""`` leaves it out (one aggregator per prefix)."""
    metrics_namespace: Defaulted[str | None] = None
    """Namespace of the aggregator's own metrics and of the watched API's custom metrics; by
    default the aggregator's base name."""
    hub_name_prefixes: Defaulted[Sequence[str] | None] = None
    """The alerting hub's ``served_name_prefixes``: checked to cover this aggregator's names."""


def _validate(name: str, args: MetricAggregatorArgs) -> int:
    """The schedule's period in seconds, once every field is checked."""
    check = ArgsCheck("MetricAggregator", name)
    period = 0
    try:
        period = schedule_seconds(args.schedule)
    except ValueError as error:
        check.require(False, "schedule", args.schedule, str(error))
    check.require(
        period <= MAX_SCHEDULE_SECONDS,
        "schedule",
        args.schedule,
        "must run at least every 8 hours: the heartbeat alarm watches three periods and "
        "CloudWatch evaluates at most one day",
    )
    check.require(
        1 <= args.metrics_retention_days <= MAX_METRICS_RETENTION_DAYS,
        "metrics_retention_days",
        args.metrics_retention_days,
        f"must be between 1 and {MAX_METRICS_RETENTION_DAYS}",
    )
    check.require(
        args.reserved_concurrency in (-1, 1),
        "reserved_concurrency",
        args.reserved_concurrency,
        "must be -1 (no reservation) or 1 (one run at a time; more would let runs that "
        "rewrite the same window overlap, 0 would stop every run)",
    )
    check.require(
        args.log_retention_days in LOG_RETENTION_DAYS,
        "log_retention_days",
        args.log_retention_days,
        LOG_RETENTION_RULE,
    )
    check.done()
    return period


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
    return contract.encode_metric_sources(
        api_name=api_name,
        api_stage=api_stage,
        functions=function_names,
        db=db_identifier,
        table=table_name,
        namespace=namespace,
    )


class MetricAggregator(pulumi.ComponentResource):
    """DynamoDB metrics table filled every schedule period by the aggregator Lambda."""

    TYPE_TOKEN = "cw-analytics:metrics:MetricAggregator"

    table_name: pulumi.Output[str]
    """Name of the metrics table."""
    table_arn: pulumi.Output[str]
    """ARN of the metrics table."""
    function_name: pulumi.Output[str]
    """Name of the aggregator function."""
    alarms: list[aws.cloudwatch.MetricAlarm]
    """The aggregator's and its function's alarms, one per row of their alarm tables."""
    alarm_arns: pulumi.Output[list[str]]
    """ARNs of those alarms, for the dashboard's alarm overview."""
    paging_alarm_names: pulumi.Output[list[str]]
    """Names of the alarms that page, for the service-health alarm."""
    dashboard_widgets: pulumi.Output[list[dict[str, Any]]]
    """CloudWatch dashboard widgets drawing what the alarms watch."""

    def __init__(
        self, name: str, args: MetricAggregatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(MetricAggregatorArgs, args)
        naming = self._naming = instance_naming(
            "MetricAggregator",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
            metrics_namespace=args.metrics_namespace,
            hub_name_prefixes=args.hub_name_prefixes,
        )
        self._period = _validate(name, args)

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
                enabled=True, kms_key_arn=args.kms_key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args.table_deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect_data),
        )
        self.table_name, self.table_arn = self.table.name, self.table.arn

        self.aggregator = monitored_function(
            f"{name}-aggregator",
            self._function_spec(args),
            context=FunctionContext(
                naming=naming,
                region=args.region,
                log_retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
                alert_topic_arn=args.alert_topic_arn,
            ),
            parent=self,
            statements=pulumi.Output.all(
                self.table.arn, args.kms_key_arn, args.alert_topic_arn
            ).apply(
                lambda arns: aggregator_statements(
                    region=args.region, table_arn=arns[0], key_arn=arns[1], topic_arn=arns[2]
                )
            ),
        )
        """The aggregator function, its log group, role and policy, and its alarms."""
        self.function_name = self.aggregator.function.name
        self.schedule = create_schedule(
            name,
            naming=naming,
            expression=args.schedule,
            period_seconds=self._period,
            function=self.aggregator.function,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        """The rule that starts the function, its target, permission and dead-letter queue."""

        schedule_alarms = render_alarms(
            name,
            aggregator_alarm_specs(
                namespace=naming.metrics_namespace,
                schedule_period_seconds=self._period,
                rule_name=self.schedule.rule.name,
                queue_name=self.schedule.dead_letter_queue.name,
                table_name=self.table.name,
            ),
            name_prefix=naming.base,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )
        rendered = [*schedule_alarms, *self.aggregator.alarms]
        self.alarms = [r.alarm for r in rendered]
        self.alarm_arns = alarm_arns(rendered)
        self.paging_alarm_names = paging_alarm_names(rendered)
        widgets = aggregator_widgets(
            namespace=naming.metrics_namespace,
            schedule_period_seconds=self._period,
            rule_name=self.schedule.rule.name,
            queue_name=self.schedule.dead_letter_queue.name,
            table_name=self.table.name,
            region=args.region,
        )
        self.dashboard_widgets = pulumi.Output.from_input([*widgets, *self.aggregator.widgets])
        self.register_outputs(
            {
                "tableName": self.table_name,
                "tableArn": self.table_arn,
                "functionName": self.function_name,
                "alarms": self.alarms,
                "alarmArns": self.alarm_arns,
                "pagingAlarmNames": self.paging_alarm_names,
                "dashboardWidgets": self.dashboard_widgets,
            }
        )

    def _function_spec(self, args: MetricAggregatorArgs) -> FunctionSpec:
        watched, naming = args.watched, self._naming
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
            code_dir=FUNCTIONS_DIR / "metric_aggregator",
            label="Metric aggregator",
            timeout_seconds=AGGREGATOR_TIMEOUT_SECONDS,
            memory_mb=AGGREGATOR_MEMORY_MB,
            environment={
                "METRICS_TABLE": self.table.name,
                "METRIC_SOURCES": sources,
                # Each run counts the topic's confirmed subscriptions (alerts-unconfirmed).
                "ALERT_TOPIC_ARN": args.alert_topic_arn,
                "LOOKBACK_MINUTES": str(lookback_minutes(self._period)),
                "RETENTION_DAYS": str(args.metrics_retention_days),
                "PERIOD_SECONDS": str(PERIOD_SECONDS),
                "POWERTOOLS_SERVICE_NAME": "aggregator",
                "POWERTOOLS_METRICS_NAMESPACE": naming.metrics_namespace,
                "LOG_LEVEL": "INFO",
            },
            # A reservation of 1 allows at most one run at a time. Without one, runs may
            # overlap and rewrite the same items: safe, because each write is an idempotent put
            # keyed by series and timestamp.
            reserved_concurrency=args.reserved_concurrency,
        )
