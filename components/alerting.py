"""AlertingHub: the stack's KMS key, its alert topic, the service-health alarm and the dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.dashboard import DashboardSection, alarm_status_widget, dashboard_body
from components.naming import API_EXECUTION_LOG_GROUP_PREFIX, RDS_LOG_EXPORTS, Naming
from components.settings import Settings

TOKEN = "cw-analytics:alerting:AlertingHub"
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


@dataclass(frozen=True)
class AlertingHubArgs:
    """What the hub needs: the stack's settings."""

    settings: Settings
    """Naming, region and the e-mail addresses alarms go to."""


@dataclass(frozen=True)
class AccountContext:
    """Where the stack runs, as resolved by the provider."""

    account_id: str
    partition: str
    region: str


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
    # kms:ViaService (components/iam.py). A root statement here would add nothing to it.
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


class AlertingHub(pulumi.ComponentResource):
    """Customer-managed key, encrypted alert topic with e-mail subscribers, and the dashboard.

    Other components take the hub to encrypt their data with ``key_arn``, send alarms to
    ``topic_arn`` (through ``components.monitoring.metric_alarm``), contribute a dashboard
    section with ``add_dashboard_section`` and mark their page-worthy alarms with
    ``add_critical_alarm``. ``finish()`` then builds the composite service-health alarm and
    the dashboard; call it once every component exists.
    """

    key: aws.kms.Key
    key_arn: pulumi.Output[str]
    topic: aws.sns.Topic
    topic_arn: pulumi.Output[str]
    topic_policy: aws.sns.TopicPolicy
    service_health_alarm: aws.cloudwatch.CompositeAlarm | None
    dashboard: aws.cloudwatch.Dashboard | None

    def __init__(
        self, name: str, args: AlertingHubArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self.settings = args.settings
        self.naming = args.settings.naming
        self._name = name
        self._sections: list[DashboardSection] = []
        self._critical_alarms: list[aws.cloudwatch.MetricAlarm] = []
        self._all_alarm_arns: list[pulumi.Output[str]] = []
        self.service_health_alarm = None
        self.dashboard = None
        child = pulumi.ResourceOptions(parent=self)

        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self))
        self.account = pulumi.Output.all(identity.account_id, partition.partition).apply(
            lambda ids: AccountContext(ids[0], ids[1], self.settings.region)
        )

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{self.naming.base}: logs, alerts, metrics table, database, secrets",
            enable_key_rotation=True,
            deletion_window_in_days=self.settings.key_deletion_window_days,
            policy=self.account.apply(lambda where: json.dumps(key_policy(self.naming, where))),
            # A final snapshot or a secret in its recovery window outlives the stack, encrypted
            # with this key: destroy leaves the key (and its billing) behind so they stay
            # readable. Not `protect`: that would stop `pulumi destroy` until someone
            # unprotects the key by hand.
            opts=pulumi.ResourceOptions(
                parent=self, retain_on_delete=self.settings.key_outlives_stack
            ),
        )
        self.key_arn = self.key.arn
        self.alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=self.naming.full_name("key"),
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.topic = aws.sns.Topic(
            f"{name}-alerts",
            name=self.naming.name("alerts"),
            kms_master_key_id=self.key.arn,
            opts=child,
        )
        self.topic_arn = self.topic.arn
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, self.account).apply(
                lambda values: json.dumps(topic_policy(values[0], self.naming, values[1]))
            ),
            opts=child,
        )
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-alerts-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
            for index, email in enumerate(self.settings.alarm_emails)
        ]
        self.register_outputs({"keyArn": self.key_arn, "topicArn": self.topic_arn})

    def add_dashboard_section(self, section: DashboardSection) -> None:
        """Add a component's section; sections appear in the order they were added."""
        if self.dashboard is not None:
            raise RuntimeError("the dashboard is already built; add sections before finish()")
        self._sections.append(section)

    def add_critical_alarm(self, alarm: aws.cloudwatch.MetricAlarm) -> None:
        """Include an alarm in the composite service-health alarm, the one meant to page."""
        self._critical_alarms.append(alarm)

    def track_alarm(self, alarm: aws.cloudwatch.MetricAlarm) -> None:
        """Show an alarm's state in the dashboard's alarm overview."""
        self._all_alarm_arns.append(alarm.arn)

    def finish(self) -> None:
        """Build the service-health composite alarm and the dashboard from what was added."""
        child = pulumi.ResourceOptions(parent=self)
        if self._critical_alarms:
            rule = pulumi.Output.all(*[a.name for a in self._critical_alarms]).apply(
                lambda names: " OR ".join(f'ALARM("{n}")' for n in names)
            )
            self.service_health_alarm = aws.cloudwatch.CompositeAlarm(
                f"{self._name}-service-health",
                alarm_name=self.naming.name("service-health"),
                alarm_description=(
                    "Service health: one of the critical alarms is firing. This is the only "
                    "alarm meant to page; the others are context for it."
                ),
                alarm_rule=rule,
                alarm_actions=[self.topic_arn],
                ok_actions=[self.topic_arn],
                tags={"Severity": "page"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.topic_policy]),
            )
        sections = list(self._sections)
        overview = [*self._all_alarm_arns]
        if self.service_health_alarm is not None:
            overview.insert(0, self.service_health_alarm.arn)
        if overview:
            sections.insert(
                0,
                DashboardSection(
                    "Service health",
                    [alarm_status_widget("Alarms", overview, region=self.settings.region)],
                ),
            )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=self.naming.name("dashboard"),
            dashboard_body=dashboard_body(sections),
            opts=child,
        )
        self.dashboard_name = self.dashboard.dashboard_name
