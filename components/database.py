"""MonitoredDatabase: RDS PostgreSQL with TLS, encryption, its secret, log groups and alarms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.alerting import AlertingHub
from components.dashboard import DashboardSection, Threshold, metric_widget
from components.monitoring import metric_alarm
from components.naming import RDS_LOG_EXPORTS
from components.settings import MAX_STORAGE_GB, Settings

TOKEN = "cw-analytics:database:MonitoredDatabase"
DATABASE_NAME = "analytics"
MASTER_USERNAME = "analytics_admin"
GB = 1024**3
# RDS rejects '/', '@', '"' and spaces in master passwords; everything here is accepted.
PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"
PASSWORD_LENGTH = 40
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the free tier
STORAGE_AUTOSCALING_FACTOR = 5
# Alarm thresholds; the relative ones are shares of what the class or the storage provides.
CPU_PERCENT = 80.0
FREE_STORAGE_SHARE = 0.10
FREEABLE_MEMORY_SHARE = 0.10
CONNECTIONS_SHARE = 0.80
READ_LATENCY_SECONDS = 0.020
WRITE_LATENCY_SECONDS = 0.050
SLOW_STATEMENT_MS = 1000
# RDS publishes CPUUtilization every minute while the instance runs; a stopped, failed or
# deleted instance publishes nothing. Three empty 5-minute periods outlast a reboot or a
# Multi-AZ failover (one to two minutes) but not an outage.
AVAILABILITY_METRIC = "CPUUtilization"
AVAILABILITY_PERIODS = 3


@dataclass(frozen=True)
class DatabaseThresholds:
    """The alarm thresholds for one stack, in the units CloudWatch reports."""

    cpu_percent: float
    free_storage_bytes: float
    freeable_memory_bytes: float
    connections: float
    read_latency_seconds: float
    write_latency_seconds: float


def thresholds_for(settings: Settings) -> DatabaseThresholds:
    """Thresholds derived from the instance class and the allocated storage.

    RDS publishes no allocated-storage metric, so the storage threshold is a fixed number of
    bytes: 10 % of the configured allocation (after autoscaling grows the volume, the alarm
    means "autoscaling is not keeping up").
    """
    instance_class = settings.instance_class
    return DatabaseThresholds(
        cpu_percent=CPU_PERCENT,
        free_storage_bytes=FREE_STORAGE_SHARE * settings.db_allocated_storage_gb * GB,
        freeable_memory_bytes=FREEABLE_MEMORY_SHARE * instance_class.memory_bytes,
        connections=float(int(CONNECTIONS_SHARE * instance_class.max_connections)),
        read_latency_seconds=READ_LATENCY_SECONDS,
        write_latency_seconds=WRITE_LATENCY_SECONDS,
    )


def max_allocated_storage(allocated_gb: int) -> int | None:
    """Upper bound for storage autoscaling, or ``None`` when the volume is already maximal."""
    bound = min(allocated_gb * STORAGE_AUTOSCALING_FACTOR, MAX_STORAGE_GB)
    return bound if bound > allocated_gb else None


@dataclass(frozen=True)
class SecretName:
    """Exactly one of ``name`` and ``name_prefix`` for the credentials secret."""

    name: str | None = None
    name_prefix: str | None = None


def secret_name(name: str, recovery_window_days: int) -> SecretName:
    """The fixed ``name``, or a ``name_prefix`` the provider completes with a unique suffix.

    A secret deleted with a recovery window keeps its name until the window ends, and
    CreateSecret with that name fails ("You can't create this secret because a secret with this
    name is already scheduled for deletion"). With no window the name is free at once; with
    one, each stack incarnation gets a unique suffix so a re-created stack never collides with
    the secret its predecessor left pending deletion.
    """
    if recovery_window_days == 0:
        return SecretName(name=name)
    return SecretName(name_prefix=f"{name}-")


@dataclass(frozen=True)
class MonitoredDatabaseArgs:
    """What the database needs from the stack and from the network."""

    settings: Settings
    """Engine version, class, storage, backups, deletion protection, naming."""
    hub: AlertingHub
    """Key for storage, secret, logs and Performance Insights; topic and dashboard."""
    subnet_group_name: pulumi.Input[str]
    """DB subnet group over the private subnets of two AZs."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the instance (ingress 5432 from the Lambda group only)."""


class MonitoredDatabase(pulumi.ComponentResource):
    """RDS PostgreSQL: private, encrypted, TLS only, password in Secrets Manager, alarmed."""

    instance: aws.rds.Instance
    identifier: pulumi.Output[str]
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    endpoint: pulumi.Output[str]
    database_name: str
    secret: aws.secretsmanager.Secret
    secret_arn: pulumi.Output[str]
    password: random.RandomPassword
    final_snapshot_id: random.RandomId | None
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: MonitoredDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name, self._settings, self._hub = name, args.settings, args.hub
        self._naming = args.settings.naming
        child = pulumi.ResourceOptions(parent=self)
        settings, naming, hub = self._settings, self._naming, self._hub
        keeps_snapshot = settings.db_final_snapshot
        self.database_name = DATABASE_NAME
        self.password = random.RandomPassword(
            f"{name}-password",
            length=PASSWORD_LENGTH,
            special=True,
            override_special=PASSWORD_SPECIALS,
            min_lower=1,
            min_upper=1,
            min_numeric=1,
            opts=child,
        )
        # Major upgrades change the family, which replaces the group: the name carries the
        # major so the new group can exist next to the old one until the instance moves.
        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            name=f"{naming.name('db-params')}-pg{settings.engine_major}",
            family=f"postgres{settings.engine_major}",
            description=f"{naming.base}: TLS only, slow statements and connections logged",
            parameters=[
                {"name": "rds.force_ssl", "value": "1"},
                {"name": "log_min_duration_statement", "value": str(SLOW_STATEMENT_MS)},
                {"name": "log_connections", "value": "1"},
                {"name": "log_disconnections", "value": "1"},
                {"name": "log_lock_waits", "value": "1"},
            ],
            opts=child,
        )
        # RDS would create these itself, unencrypted and kept forever.
        self.log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-logs-{export}",
                name=naming.rds_log_group(export),
                kms_key_id=hub.key_arn,
                retention_in_days=settings.log_retention_days,
                opts=child,
            )
            for export in RDS_LOG_EXPORTS
        ]
        self.final_snapshot_id = (
            # A fixed name would fail the second destroy with DBSnapshotAlreadyExists.
            random.RandomId(f"{name}-final-snapshot-id", byte_length=4, opts=child)
            if keeps_snapshot
            else None
        )
        insights = settings.instance_class.supports_performance_insights
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=naming.name("db"),
            engine="postgres",
            engine_version=settings.db_engine_version,
            instance_class=settings.db_instance_class,
            allocated_storage=settings.db_allocated_storage_gb,
            max_allocated_storage=max_allocated_storage(settings.db_allocated_storage_gb),
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=hub.key_arn,
            db_name=DATABASE_NAME,
            username=MASTER_USERNAME,
            password=self.password.result,
            parameter_group_name=self.parameter_group.name,
            db_subnet_group_name=args.subnet_group_name,
            vpc_security_group_ids=list(args.security_group_ids),
            publicly_accessible=False,
            multi_az=settings.db_multi_az,
            backup_retention_period=settings.db_backup_retention_days,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            deletion_protection=settings.db_deletion_protection,
            skip_final_snapshot=not keeps_snapshot,
            final_snapshot_identifier=(
                self.final_snapshot_id.hex.apply(lambda h: f"{naming.name('db-final')}-{h}")
                if self.final_snapshot_id is not None
                else None
            ),
            # False (prod) holds changes that restart or fail over the instance until the
            # maintenance window.
            apply_immediately=settings.db_apply_immediately,
            enabled_cloudwatch_logs_exports=list(RDS_LOG_EXPORTS),
            performance_insights_enabled=insights,
            performance_insights_kms_key_id=hub.key_arn if insights else None,
            performance_insights_retention_period=(
                PERFORMANCE_INSIGHTS_RETENTION_DAYS if insights else None
            ),
            # RDS writes the exports into the log groups by name, not through an input.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.log_groups]),
        )
        self.identifier = self.instance.identifier
        self.address = self.instance.address
        self.port = self.instance.port
        self.endpoint = self.instance.endpoint
        self._create_secret()
        self.alarms = self._create_alarms()
        self.register_outputs(
            {"endpoint": self.endpoint, "identifier": self.identifier, "secretArn": self.secret_arn}
        )

    def _create_secret(self) -> None:
        recovery_days = self._settings.secret_recovery_window_days
        naming = secret_name(self._naming.name("db-credentials"), recovery_days)
        self.secret = aws.secretsmanager.Secret(
            f"{self._name}-credentials",
            name=naming.name,
            name_prefix=naming.name_prefix,
            description=f"{self._naming.base}: PostgreSQL master credentials",
            kms_key_id=self._hub.key_arn,
            recovery_window_in_days=recovery_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.secret_arn = self.secret.arn
        document = pulumi.Output.json_dumps(
            {
                "username": MASTER_USERNAME,
                "password": self.password.result,
                "host": self.address,
                "port": self.port,
                "dbname": DATABASE_NAME,
                "engine": "postgres",
            }
        )
        self.secret_version = aws.secretsmanager.SecretVersion(
            f"{self._name}-credentials-version",
            secret_id=self.secret.id,
            secret_string=document.apply(pulumi.Output.secret),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        limits = thresholds_for(self._settings)
        specs = [
            # slug, metric, statistic, comparison, threshold, critical, what it means
            (
                "db-cpu",
                "CPUUtilization",
                "Average",
                "GreaterThanThreshold",
                limits.cpu_percent,
                True,
                "CPU above 80 % for 15 minutes",
            ),
            (
                "db-free-storage",
                "FreeStorageSpace",
                "Minimum",
                "LessThanThreshold",
                limits.free_storage_bytes,
                True,
                "less than 10 % of the allocated storage free (autoscaling lagging or capped)",
            ),
            (
                "db-freeable-memory",
                "FreeableMemory",
                "Average",
                "LessThanThreshold",
                limits.freeable_memory_bytes,
                False,
                "less than 10 % of the class's memory free for 15 minutes (swap follows)",
            ),
            (
                "db-connections",
                "DatabaseConnections",
                "Maximum",
                "GreaterThanThreshold",
                limits.connections,
                False,
                "connections above 80 % of max_connections for the class",
            ),
            (
                "db-read-latency",
                "ReadLatency",
                "Average",
                "GreaterThanThreshold",
                limits.read_latency_seconds,
                False,
                "read latency above 20 ms for 15 minutes",
            ),
            (
                "db-write-latency",
                "WriteLatency",
                "Average",
                "GreaterThanThreshold",
                limits.write_latency_seconds,
                False,
                "write latency above 50 ms for 15 minutes",
            ),
        ]
        alarms: list[aws.cloudwatch.MetricAlarm] = []
        widgets: list[pulumi.Input[dict[str, Any]]] = []
        for slug, metric, stat, comparison, threshold, critical, meaning in specs:
            alarms.append(
                metric_alarm(
                    f"{self._name}-{slug}",
                    hub=self._hub,
                    parent=self,
                    slug=slug,
                    description=f"PostgreSQL {self._naming.name('db')}: {meaning}.",
                    critical=critical,
                    namespace="AWS/RDS",
                    metric_name=metric,
                    dimensions={"DBInstanceIdentifier": self.identifier},
                    statistic=stat,
                    period=300,
                    evaluation_periods=3,
                    datapoints_to_alarm=3,
                    threshold=threshold,
                    comparison_operator=comparison,
                    treat_missing_data="missing",
                )
            )
            widgets.append(
                metric_widget(
                    f"{metric} ({stat})",
                    [["AWS/RDS", metric, "DBInstanceIdentifier", self.identifier]],
                    region=self._settings.region,
                    stat=stat,
                    thresholds=[Threshold(slug, threshold)],
                )
            )
        unavailable, widget = self._availability_alarm()
        alarms.append(unavailable)
        widgets.append(widget)
        self._hub.add_dashboard_section(DashboardSection("Database", widgets))
        return alarms

    def _availability_alarm(self) -> tuple[aws.cloudwatch.MetricAlarm, dict[str, Any]]:
        """The alarm that fires when the database stops reporting at all.

        The threshold alarms above treat missing data as missing: a stopped or failed instance
        emits nothing and none of them can fire. This one counts the samples of a metric RDS
        always publishes while the instance runs, and treats no data as breaching.
        """
        slug = "db-unavailable"
        alarm = metric_alarm(
            f"{self._name}-{slug}",
            hub=self._hub,
            parent=self,
            slug=slug,
            description=(
                f"PostgreSQL {self._naming.name('db')}: no {AVAILABILITY_METRIC} data for "
                f"{AVAILABILITY_PERIODS * 5} minutes. RDS reports it every minute while the "
                "instance runs, so the instance is stopped, failed, being replaced or deleted; "
                "missing data counts as breaching."
            ),
            critical=True,
            namespace="AWS/RDS",
            metric_name=AVAILABILITY_METRIC,
            dimensions={"DBInstanceIdentifier": self.identifier},
            statistic="SampleCount",
            period=300,
            evaluation_periods=AVAILABILITY_PERIODS,
            datapoints_to_alarm=AVAILABILITY_PERIODS,
            threshold=1,
            comparison_operator="LessThanThreshold",
            treat_missing_data="breaching",
        )
        widget = metric_widget(
            f"{AVAILABILITY_METRIC} samples (instance reporting)",
            [["AWS/RDS", AVAILABILITY_METRIC, "DBInstanceIdentifier", self.identifier]],
            region=self._settings.region,
            stat="SampleCount",
            thresholds=[Threshold(slug, 1)],
        )
        return alarm, widget
