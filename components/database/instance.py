"""MonitoredDatabase: RDS PostgreSQL with TLS, encryption, its secret, log groups and alarms."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import Defaulted, from_inputs
from ..lib.instance_classes import InstanceClass, parse_instance_class
from ..lib.naming import RDS_LOG_EXPORTS, Naming
from .alarms import database_alarm_specs, database_widgets
from .credentials import DATABASE_NAME, MASTER_USERNAME, create_credentials

# RDS rejects '/', '@', '"' and spaces in master passwords; everything here is accepted.
PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"
PASSWORD_LENGTH = 40
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7  # the free tier
STORAGE_AUTOSCALING_FACTOR = 5
# RDS for PostgreSQL on General Purpose (gp2/gp3) storage: 20 GiB to 64 TiB.
MIN_STORAGE_GB, MAX_STORAGE_GB = 20, 65536
SLOW_STATEMENT_MS = 1000
_ENGINE_VERSION = re.compile(r"^(\d+)(\.\d+)?$")


def max_allocated_storage(allocated_gb: int) -> int | None:
    """Upper bound for storage autoscaling, or ``None`` when the volume is already maximal."""
    bound = min(allocated_gb * STORAGE_AUTOSCALING_FACTOR, MAX_STORAGE_GB)
    return bound if bound > allocated_gb else None


@dataclass(frozen=True)
class MonitoredDatabaseArgs:
    """Inputs of the database: plain values only."""

    project_name: str
    """First part of every physical name (``cw-analytics``)."""
    environment_suffix: str
    """Second part of every physical name (``dev``, ``prod``, ``pr-123``)."""
    region: str
    """AWS region of the database (the dashboard's widgets)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for storage, the secret, the log groups and Performance Insights."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the database's alarms notify (alarm and recovery)."""
    subnet_group_name: pulumi.Input[str]
    """DB subnet group over private subnets in two availability zones."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the instance (PostgreSQL from the application's group only)."""
    instance_class: Defaulted[str] = "db.t3.small"
    """RDS instance class; its memory sizes the memory and connection alarms."""
    engine_version: Defaulted[str] = "16"
    """PostgreSQL version: a major (``16``) or major.minor (``16.4``)."""
    allocated_storage_gb: Defaulted[int] = 20
    """Initial gp3 storage in GiB; autoscaling may grow it five-fold."""
    multi_az: Defaulted[bool] = False
    """A standby in a second zone (failover in one to two minutes)."""
    backup_retention_days: Defaulted[int] = 1
    """Days of automated backups (0 to 35)."""
    deletion_protection: Defaulted[bool] = False
    """RDS refuses to delete the instance while set (it decides nothing else)."""
    apply_immediately: Defaulted[bool] = True
    """Apply changes at once; false holds those that restart or fail over the instance (class,
    storage, engine version) until its next maintenance window."""
    final_snapshot: Defaulted[bool] = False
    """Take a uniquely named final snapshot when the instance is deleted."""
    secret_recovery_window_days: Defaulted[int] = 0
    """Days Secrets Manager keeps the deleted secret (0, or 7 to 30)."""
    log_retention_days: Defaulted[int] = 14
    """Days the exported PostgreSQL log groups keep records."""
    protect_data: Defaulted[bool] = False
    """Pulumi's ``protect`` on the instance, its secret and its PostgreSQL log groups
    (`pulumi destroy` then fails before deleting anything)."""


def _engine_major(version: str) -> int:
    match = _ENGINE_VERSION.match(version)
    if match is None:
        raise ValueError(
            f"MonitoredDatabaseArgs.engine_version '{version}' must be a PostgreSQL version "
            "such as '16' or '16.4'"
        )
    return int(match.group(1))


def _instance_class(name: str) -> InstanceClass:
    try:
        return parse_instance_class(name)
    except ValueError as error:
        raise ValueError(f"MonitoredDatabaseArgs.instance_class '{name}' {error}") from None


class MonitoredDatabase(pulumi.ComponentResource):
    """RDS PostgreSQL: private, encrypted, TLS only, password in Secrets Manager, alarmed."""

    TYPE_TOKEN = "cw-analytics:database:MonitoredDatabase"

    identifier: pulumi.Output[str]
    """RDS instance identifier (``<project>-<suffix>-db``)."""
    address: pulumi.Output[str]
    """Host name of the instance (private; resolvable inside the VPC)."""
    port: pulumi.Output[int]
    """PostgreSQL port."""
    endpoint: pulumi.Output[str]
    """``address:port``."""
    database_name: str
    """The database created in the instance."""
    secret_arn: pulumi.Output[str]
    """Secrets Manager secret with ``username``, ``password``, ``host``, ``port``, ``dbname``;
    known once the secret has its value (readers depend on the version, not just the secret)."""
    alarms: list[aws.cloudwatch.MetricAlarm]
    """The database's alarms, one per row of its alarm table."""
    alarm_arns: pulumi.Output[list[str]]
    """ARNs of those alarms, for the dashboard's alarm overview."""
    paging_alarm_names: pulumi.Output[list[str]]
    """Names of the alarms that page, for the service-health alarm."""
    dashboard_widgets: pulumi.Output[list[dict[str, Any]]]
    """CloudWatch dashboard widgets drawing what the alarms watch."""

    def __init__(
        self, name: str, args: MonitoredDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(MonitoredDatabaseArgs, args)
        naming = Naming(args.project_name, args.environment_suffix)
        instance_class = _instance_class(args.instance_class)
        engine_major = _engine_major(args.engine_version)
        child = pulumi.ResourceOptions(parent=self)
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
            name=f"{naming.name('db-params')}-pg{engine_major}",
            family=f"postgres{engine_major}",
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
                kms_key_id=args.kms_key_arn,
                retention_in_days=args.log_retention_days,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect_data),
            )
            for export in RDS_LOG_EXPORTS
        ]
        self.final_snapshot_id = (
            # A fixed name would fail the second destroy with DBSnapshotAlreadyExists.
            # Keyed to the instance identifier and the other inputs that replace the instance:
            # a replacement gets a new snapshot name, so the new instance's later destroy does
            # not meet the snapshot its predecessor left (DBSnapshotAlreadyExists).
            random.RandomId(
                f"{name}-final-snapshot-id",
                byte_length=4,
                keepers={
                    "instanceIdentifier": naming.name("db"),
                    "kmsKeyId": args.kms_key_arn,
                    "dbName": DATABASE_NAME,
                    "username": MASTER_USERNAME,
                },
                opts=child,
            )
            if args.final_snapshot
            else None
        )
        insights = instance_class.supports_performance_insights
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=naming.name("db"),
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=max_allocated_storage(args.allocated_storage_gb),
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=DATABASE_NAME,
            username=MASTER_USERNAME,
            password=self.password.result,
            parameter_group_name=self.parameter_group.name,
            db_subnet_group_name=args.subnet_group_name,
            vpc_security_group_ids=list(args.security_group_ids),
            publicly_accessible=False,
            multi_az=args.multi_az,
            backup_retention_period=args.backup_retention_days,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=(
                self.final_snapshot_id.hex.apply(lambda h: f"{naming.name('db-final')}-{h}")
                if self.final_snapshot_id is not None
                else None
            ),
            # False (prod) holds changes that restart or fail over the instance until the
            # maintenance window.
            apply_immediately=args.apply_immediately,
            enabled_cloudwatch_logs_exports=list(RDS_LOG_EXPORTS),
            performance_insights_enabled=insights,
            performance_insights_kms_key_id=args.kms_key_arn if insights else None,
            performance_insights_retention_period=(
                PERFORMANCE_INSIGHTS_RETENTION_DAYS if insights else None
            ),
            # RDS writes the exports into the log groups by name, not through an input.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*self.log_groups], protect=args.protect_data
            ),
        )
        self.identifier = self.instance.identifier
        self.address = self.instance.address
        self.port = self.instance.port
        self.endpoint = self.instance.endpoint
        credentials = create_credentials(
            name,
            naming=naming,
            kms_key_arn=args.kms_key_arn,
            recovery_window_days=args.secret_recovery_window_days,
            password=self.password.result,
            address=self.address,
            port=self.port,
            parent=self,
            protect=args.protect_data,
        )
        self.secret, self.secret_version = credentials.secret, credentials.version
        # The version's ARN is the secret's: readers given it depend on the version, so none
        # starts (on create, or after a replacement) against a secret with no AWSCURRENT value.
        self.secret_arn = self.secret_version.arn
        specs = database_alarm_specs(
            db_name=naming.name("db"),
            identifier=self.identifier,
            instance_class=instance_class,
            allocated_storage_gb=args.allocated_storage_gb,
        )
        rendered = render_alarms(
            name, specs, name_prefix=naming.base, topic_arn=args.alert_topic_arn, parent=self
        )
        self.alarms = [r.alarm for r in rendered]
        self.alarm_arns = alarm_arns(rendered)
        self.paging_alarm_names = paging_alarm_names(rendered)
        self.dashboard_widgets = pulumi.Output.from_input(database_widgets(specs, args.region))
        self.register_outputs(
            {
                "identifier": self.identifier,
                "address": self.address,
                "port": self.port,
                "endpoint": self.endpoint,
                "databaseName": self.database_name,
                "secretArn": self.secret_arn,
                "alarms": self.alarms,
                "alarmArns": self.alarm_arns,
                "pagingAlarmNames": self.paging_alarm_names,
                "dashboardWidgets": self.dashboard_widgets,
            }
        )
