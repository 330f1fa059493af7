"""MonitoredDatabase: RDS PostgreSQL with TLS, encryption, its secret, log groups and alarms."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.instance_classes import InstanceClass, parse_instance_class
from ..lib.naming import RDS_LOG_EXPORTS, NameRule, instance_naming
from ..lib.rules import LOG_RETENTION_DAYS, LOG_RETENTION_RULE
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
SUPPORTED_ENGINE_MAJORS = (13, 14, 15, 16, 17)
MAX_BACKUP_RETENTION_DAYS = 35
# Secrets Manager DeleteSecret: 0 (delete at once) or a recovery window of 7 to 30 days.
MIN_SECRET_RECOVERY_DAYS, MAX_SECRET_RECOVERY_DAYS = 7, 30
# The parameter group's name ends in "-pg<major>" (four characters for 13 to 17).
_PARAMS_MAJOR = 4
NAMES = {
    "db": NameRule(63, "RDS instance identifier"),
    "db-params": NameRule(255 - _PARAMS_MAJOR, "DB parameter group"),
    # A name prefix gets a hyphen and the provider's unique suffix (26 characters) after it.
    "db-credentials": NameRule(512 - 27, "Secrets Manager secret"),
    # The final snapshot name gets an 8-character random part and a hyphen after it.
    "db-final": NameRule(255 - 9, "RDS final snapshot identifier"),
    # RDS names the exported log groups /aws/rds/instance/<identifier>/<export>.
    "db/postgresql": NameRule(512, "CloudWatch log group", prefix="/aws/rds/instance/"),
}
"""Suffixes of the database's physical names and their AWS limits."""


def max_allocated_storage(allocated_gb: int) -> int | None:
    """Upper bound for storage autoscaling, or ``None`` when the volume is already maximal."""
    bound = min(allocated_gb * STORAGE_AUTOSCALING_FACTOR, MAX_STORAGE_GB)
    return bound if bound > allocated_gb else None


@dataclass(frozen=True)
class MonitoredDatabaseArgs:
    """Inputs of the database: plain values only."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region of the database (the dashboard's widgets)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for storage, the secret, the log groups and Performance Insights."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the database's alarms notify (alarm and recovery)."""
    subnet_group_name: pulumi.Input[str]
    """Name of a DB subnet group over private subnets in two availability zones (the
    network's ``db_subnet_group_name``)."""
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
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
    instance_name: Defaulted[str | None] = None
    """This database's part of its physical names, after ``name_prefix``; by default its
    resource name. ``""`` leaves it out (one database per prefix)."""
    hub_name_prefixes: Defaulted[Sequence[str] | None] = None
    """The alerting hub's ``served_name_prefixes``: checked to cover this database's names."""


def _validate(name: str, args: MonitoredDatabaseArgs) -> tuple[InstanceClass, int]:
    """The parsed instance class and engine major, once every field is checked."""
    check = ArgsCheck("MonitoredDatabase", name)
    instance_class: InstanceClass | None = None
    try:
        instance_class = parse_instance_class(args.instance_class)
    except ValueError as error:
        check.require(False, "instance_class", args.instance_class, str(error))
    match = _ENGINE_VERSION.match(args.engine_version)
    majors = ", ".join(map(str, SUPPORTED_ENGINE_MAJORS))
    check.require(
        match is not None and int(match.group(1)) in SUPPORTED_ENGINE_MAJORS,
        "engine_version",
        args.engine_version,
        f"must be a PostgreSQL version RDS supports, a major ({majors}) or major.minor ('16.4')",
    )
    check.require(
        MIN_STORAGE_GB <= args.allocated_storage_gb <= MAX_STORAGE_GB,
        "allocated_storage_gb",
        args.allocated_storage_gb,
        f"must be between {MIN_STORAGE_GB} and {MAX_STORAGE_GB} (gp3 for PostgreSQL)",
    )
    check.require(
        0 <= args.backup_retention_days <= MAX_BACKUP_RETENTION_DAYS,
        "backup_retention_days",
        args.backup_retention_days,
        f"must be between 0 and {MAX_BACKUP_RETENTION_DAYS}",
    )
    check.require(
        not (args.deletion_protection and args.backup_retention_days == 0),
        "backup_retention_days",
        args.backup_retention_days,
        "must be at least 1 when deletion_protection is set (a protected database keeps backups)",
    )
    window = args.secret_recovery_window_days
    check.require(
        window == 0 or MIN_SECRET_RECOVERY_DAYS <= window <= MAX_SECRET_RECOVERY_DAYS,
        "secret_recovery_window_days",
        window,
        f"must be 0 (delete at once) or between {MIN_SECRET_RECOVERY_DAYS} and "
        f"{MAX_SECRET_RECOVERY_DAYS} (the recovery windows Secrets Manager accepts)",
    )
    check.require(
        args.log_retention_days in LOG_RETENTION_DAYS,
        "log_retention_days",
        args.log_retention_days,
        LOG_RETENTION_RULE,
    )
    check.done()
    assert instance_class is not None and match is not None
    return instance_class, int(match.group(1))


class MonitoredDatabase(pulumi.ComponentResource):
    """RDS PostgreSQL: private, encrypted, TLS only, password in Secrets Manager, alarmed."""

    TYPE_TOKEN = "cw-analytics:database:MonitoredDatabase"

    identifier: pulumi.Output[str]
    """RDS instance identifier (``<base>-db``)."""
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
        naming = instance_naming(
            "MonitoredDatabase",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
            hub_name_prefixes=args.hub_name_prefixes,
        )
        instance_class, engine_major = _validate(name, args)
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
            vpc_security_group_ids=args.security_group_ids,
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
        self.credentials = create_credentials(
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
        """The secret holding the master credentials and its version."""
        # The version's ARN is the secret's: readers given it depend on the version, so none
        # starts (on create, or after a replacement) against a secret with no AWSCURRENT value.
        self.secret_arn = self.credentials.version.secret_arn
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
