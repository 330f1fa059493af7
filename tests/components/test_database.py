"""MonitoredDatabase: engine, encryption, TLS, secret, destroyability, alarms and dashboard."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pulumi_aws as aws
import pytest

from components.alerting import AlertingHub
from components.database import MonitoredDatabase
from components.database.alarms import (
    CONNECTIONS_SHARE,
    CPU_PERCENT,
    FREE_STORAGE_SHARE,
    FREEABLE_MEMORY_SHARE,
)
from components.database.credentials import secret_name
from components.lib.instance_classes import GIB, parse_instance_class
from stack_args import database_args, hub_args
from stack_settings import Settings
from tests.components.support import key_admits_log_group
from tests.harness import (
    is_secret,
    make_settings,
    parse_document,
    run_components,
    service_dashboard,
)
from tools.pulumi_mocks import MockRun

INSTANCE = "aws:rds/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SECRET = "aws:secretsmanager/secret:Secret"
SUBNET_GROUP_NAME = "cw-analytics-test-db-subnets"
DB_SG = "sg-0123456789abcdef0"
PROTECTED = {
    "dbDeletionProtection": "true",
    "dbBackupRetentionDays": "14",
    "dbFinalSnapshot": "true",
    "secretRecoveryWindowDays": "30",
}


def build_database(settings: Settings) -> None:
    hub = AlertingHub("alerting", hub_args(settings))
    database = MonitoredDatabase(
        "database", database_args(settings, hub, SUBNET_GROUP_NAME, [DB_SG])
    )
    service_dashboard(settings, hub, Database=database)


def database(**overrides: str) -> MockRun:
    return run_components(build_database, **overrides)


@pytest.fixture(scope="module")
def run() -> MockRun:
    return database()


@pytest.fixture(scope="module")
def protected() -> MockRun:
    return database(**PROTECTED)


def test_database_credentials_secret_takes_a_program_s_own_rotation() -> None:
    """A program rotates the master password through ``credentials.secret``, and the graph
    links its rotation to the database's secret."""

    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", hub_args(settings))
        database = MonitoredDatabase(
            "database", database_args(settings, hub, SUBNET_GROUP_NAME, [DB_SG])
        )
        aws.secretsmanager.SecretRotation(
            "rotate-master",
            secret_id=database.credentials.secret.id,
            rotation_lambda_arn="arn:aws:lambda:eu-west-1:123456789012:function:rotator",
            rotation_rules={"automatically_after_days": 30},
        )

    rotated = run_components(build)
    secret = rotated.one(SECRET)
    rotation = rotated.one("aws:secretsmanager/secretRotation:SecretRotation")
    assert rotation.inputs["secretId"] == secret.outputs["id"], rotation.urn
    assert list(rotation.options.property_dependencies["secretId"]) == [secret.urn], rotation.urn


def key_arn(run: MockRun) -> str:
    return str(run.one("aws:kms/key:Key").outputs["arn"])


def alarms(run: MockRun) -> dict[str, dict[str, Any]]:
    prefix = "cw-analytics-test-"
    return {a.inputs["name"].removeprefix(prefix): a.inputs for a in run.of_type(ALARM)}


def test_database_engine_postgres_16_by_default(run: MockRun) -> None:
    """The engine version is set, PostgreSQL 16, family postgres16."""
    instance = run.one(INSTANCE).inputs
    assert (instance["engine"], instance["engineVersion"]) == ("postgres", "16")
    assert instance["instanceClass"] == "db.t3.small"
    group = run.one("aws:rds/parameterGroup:ParameterGroup").inputs
    assert group["family"] == "postgres16"
    assert instance["parameterGroupName"] == group["name"]


def test_database_engine_minor_version_keeps_family() -> None:
    """'15.4' is passed as is; the family follows the major."""
    run = database(dbEngineVersion="15.4")
    assert run.one(INSTANCE).inputs["engineVersion"] == "15.4"
    assert run.one("aws:rds/parameterGroup:ParameterGroup").inputs["family"] == "postgres15"


def test_database_performance_insights_on_small(run: MockRun) -> None:
    """Performance Insights on db.t3.small, with the key, 7 days."""
    instance = run.one(INSTANCE).inputs
    assert instance["performanceInsightsEnabled"] is True
    assert instance["performanceInsightsKmsKeyId"] == key_arn(run)
    assert instance["performanceInsightsRetentionPeriod"] == 7


def test_database_performance_insights_off_on_micro() -> None:
    """Performance Insights off on db.t3.micro."""
    instance = database(dbInstanceClass="db.t3.micro").one(INSTANCE)
    assert instance.inputs["performanceInsightsEnabled"] is False, instance.urn
    assert "performanceInsightsKmsKeyId" not in instance.inputs, instance.urn
    assert "performanceInsightsRetentionPeriod" not in instance.inputs, instance.urn


def test_database_parameter_group_forces_tls_and_logs_slow_statements(run: MockRun) -> None:
    group = run.one("aws:rds/parameterGroup:ParameterGroup")
    parameters = {p["name"]: p["value"] for p in group.inputs["parameters"]}
    assert parameters["rds.force_ssl"] == "1", group.urn
    assert int(parameters["log_min_duration_statement"]) == 1000
    assert parameters["log_connections"] == "1"


def test_database_storage_encrypted_gp3_with_autoscaling(run: MockRun) -> None:
    """Storage encrypted with the stack's key."""
    instance = run.one(INSTANCE).inputs
    assert instance["storageEncrypted"] is True
    assert instance["kmsKeyId"] == key_arn(run)
    assert instance["storageType"] == "gp3"
    assert instance["allocatedStorage"] == 20
    assert instance["maxAllocatedStorage"] > instance["allocatedStorage"]


def test_database_private_in_given_network(run: MockRun) -> None:
    """Subnet group and security groups from the network."""
    instance = run.one(INSTANCE).inputs
    assert instance["publiclyAccessible"] is False
    assert instance["dbSubnetGroupName"] == SUBNET_GROUP_NAME
    assert instance["vpcSecurityGroupIds"] == [DB_SG]


def test_database_backups_and_maintenance(run: MockRun) -> None:
    instance = run.one(INSTANCE).inputs
    assert instance["backupRetentionPeriod"] == 1
    assert instance["multiAz"] is False
    assert instance["autoMinorVersionUpgrade"] is True
    assert instance["copyTagsToSnapshot"] is True
    assert instance["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]


def test_database_log_groups_precreated_encrypted(run: MockRun) -> None:
    """The exported logs land in encrypted groups the key allows."""
    groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert sorted(g.inputs["name"] for g in groups) == [
        "/aws/rds/instance/cw-analytics-test-db/postgresql",
        "/aws/rds/instance/cw-analytics-test-db/upgrade",
    ]
    for group in groups:
        assert group.inputs["kmsKeyId"] == key_arn(run), group.urn
        assert group.inputs["retentionInDays"] == 14, group.urn
        assert key_admits_log_group(run, group.inputs["name"]), f"{group.urn}: the key refuses it"


def test_database_instance_depends_on_parameter_group_and_log_groups(run: MockRun) -> None:
    """The instance waits for its parameter group (an input) and
    for the log groups RDS writes to by name (explicit depends_on)."""
    instance = run.one(INSTANCE)
    group = run.one("aws:rds/parameterGroup:ParameterGroup").urn
    assert group in instance.options.property_dependencies["parameterGroupName"], instance.urn
    through_inputs = {u for urns in instance.options.property_dependencies.values() for u in urns}
    for log_group in run.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert log_group.urn in instance.options.dependencies, (
            f"{instance.urn} misses {log_group.urn}"
        )
        assert log_group.urn not in through_inputs


def test_database_password_random_and_accepted_by_rds(run: MockRun) -> None:
    password = run.one("random:index/randomPassword:RandomPassword").inputs
    assert password["length"] >= 32
    assert password["special"] is True
    assert not set(password["overrideSpecial"]) & set('/@" '), password["overrideSpecial"]


def test_database_password_secret_on_the_wire(run: MockRun) -> None:
    instance = run.one(INSTANCE)
    assert is_secret(instance.inputs["password"]), f"{instance.urn} password is not secret"
    version = run.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert is_secret(version.inputs["secretString"]), f"{version.urn} secret_string not secret"


def _plain_strings(value: Any) -> Iterator[str]:
    if is_secret(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_strings(item)


def test_database_password_never_in_plain_text(run: MockRun) -> None:
    """The password appears in no input outside a secret (no dashboard, tag, description)."""
    password = run.one("random:index/randomPassword:RandomPassword").outputs["result"]
    assert password
    for resource in run.resources:
        for text in _plain_strings(resource.inputs):
            assert password not in text, f"{resource.urn} carries the password in plain text"


def test_database_secret_document(run: MockRun) -> None:
    version = run.one("aws:secretsmanager/secretVersion:SecretVersion")
    document = json.loads(version.inputs["secretString"]["value"])
    instance = run.one(INSTANCE)
    assert document == {
        "username": instance.inputs["username"],
        "password": run.one("random:index/randomPassword:RandomPassword").outputs["result"],
        "host": instance.outputs["address"],
        "port": 5432,
        "dbname": "analytics",
        "engine": "postgres",
    }
    assert version.inputs["secretId"] == run.one(SECRET).outputs["id"]


def test_database_secret_encrypted_and_named(run: MockRun) -> None:
    secret = run.one(SECRET).inputs
    assert secret["name"] == "cw-analytics-test-db-credentials"
    assert secret["kmsKeyId"] == key_arn(run)


def test_database_destroyable_by_default(run: MockRun) -> None:
    """No deletion protection, no final snapshot, immediate secret
    deletion, nothing protected or frozen by ignore_changes."""
    instance = run.one(INSTANCE)
    assert instance.inputs["deletionProtection"] is False, instance.urn
    assert instance.inputs["skipFinalSnapshot"] is True, instance.urn
    assert "finalSnapshotIdentifier" not in instance.inputs, instance.urn
    assert instance.inputs["applyImmediately"] is True
    assert not instance.options.protect and not instance.options.ignore_changes, instance.urn
    assert run.one(SECRET).inputs["recoveryWindowInDays"] == 0
    assert not run.of_type("random:index/randomId:RandomId")


def test_database_protected_keeps_unique_final_snapshot(protected: MockRun) -> None:
    """Protected stacks take a final snapshot under a unique name
    (a fixed one fails the second destroy with DBSnapshotAlreadyExists)."""
    instance = protected.one(INSTANCE)
    random_id = protected.one("random:index/randomId:RandomId")
    assert instance.inputs["deletionProtection"] is True
    assert instance.inputs["skipFinalSnapshot"] is False
    assert re.fullmatch(
        r"cw-analytics-test-db-final-[0-9a-f]{8}", instance.inputs["finalSnapshotIdentifier"]
    ), instance.urn
    assert instance.inputs["finalSnapshotIdentifier"].endswith(random_id.outputs["hex"])
    assert random_id.urn in instance.options.property_dependencies["finalSnapshotIdentifier"]
    assert random_id.inputs["byteLength"] == 4
    assert protected.one(SECRET).inputs["recoveryWindowInDays"] >= 7


def test_database_deletion_protection_alone_keeps_no_snapshot() -> None:
    """Each decision has its own key: deletion protection does not imply a final snapshot."""
    instance = database(dbDeletionProtection="true", dbBackupRetentionDays="1").one(INSTANCE)
    assert instance.inputs["deletionProtection"] is True, instance.urn
    assert instance.inputs["skipFinalSnapshot"] is True, instance.urn


@pytest.mark.parametrize("apply", ["true", "false"])
def test_database_deletion_protection_leaves_apply_immediately_alone(apply: str) -> None:
    """Turning deletion protection off (say, to tear prod down) does not change when the
    database applies changes: each decision has its own key."""
    seen = {
        protection: database(
            dbDeletionProtection=protection, dbBackupRetentionDays="7", dbApplyImmediately=apply
        ).one(INSTANCE)
        for protection in ("true", "false")
    }
    for protection, instance in seen.items():
        assert instance.inputs["applyImmediately"] is (apply == "true"), (
            f"{instance.urn}: dbDeletionProtection={protection} changed applyImmediately"
        )


def test_database_apply_immediately_follows_its_own_key() -> None:
    instance = database(dbApplyImmediately="false").one(INSTANCE)
    assert instance.inputs["applyImmediately"] is False, instance.urn
    assert instance.inputs["deletionProtection"] is False, instance.urn


def test_database_final_snapshot_survives_turning_protection_off() -> None:
    """Turning deletion protection off to tear a database down keeps its final snapshot."""
    run = database(dbDeletionProtection="false", dbFinalSnapshot="true")
    instance = run.one(INSTANCE)
    assert instance.inputs["deletionProtection"] is False, instance.urn
    assert instance.inputs["skipFinalSnapshot"] is False, instance.urn
    assert instance.inputs["finalSnapshotIdentifier"].startswith("cw-analytics-test-db-final-")


def test_database_secret_with_recovery_window_gets_a_unique_name(protected: MockRun) -> None:
    """A deleted secret keeps its name through its recovery window; CreateSecret with that name
    then fails, so a re-created stack must not ask for the same name."""
    secret = protected.one(SECRET).inputs
    assert secret["recoveryWindowInDays"] == 30, "secret recovery window"
    assert "name" not in secret, f"fixed secret name {secret.get('name')} collides on re-create"
    assert secret["namePrefix"] == "cw-analytics-test-db-credentials-"


def test_database_secret_without_recovery_window_keeps_its_fixed_name(run: MockRun) -> None:
    """Deleted at once, the name is free again: the same name serves every re-created stack."""
    secret = run.one(SECRET).inputs
    assert secret["recoveryWindowInDays"] == 0
    assert secret["name"] == "cw-analytics-test-db-credentials" and "namePrefix" not in secret


@pytest.mark.parametrize("days", [0, 7, 30])
def test_database_secret_name_is_unique_exactly_when_deletion_waits(days: int) -> None:
    chosen = secret_name("cw-analytics-x-db-credentials", days)
    assert (chosen.name is None) == (days > 0), chosen
    assert (chosen.name_prefix is None) == (days == 0), chosen


def test_database_settings_flow_through(protected: MockRun) -> None:
    instance = protected.one(INSTANCE).inputs
    assert instance["backupRetentionPeriod"] == 14


def test_database_alarms_all_through_the_topic(run: MockRun) -> None:
    """The six alarms exist and notify on alarm and on OK."""
    topic = run.one("aws:sns/topic:Topic").outputs["arn"]
    found = alarms(run)
    assert sorted(found) == sorted(
        f"db-{m}"
        for m in (
            "cpu",
            "free-storage",
            "freeable-memory",
            "connections",
            "read-latency",
            "write-latency",
            "unavailable",
        )
    )
    identifier = run.one(INSTANCE).outputs["identifier"]
    for name, alarm in found.items():
        assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic], name
        assert alarm["namespace"] == "AWS/RDS", name
        assert alarm["dimensions"] == {"DBInstanceIdentifier": identifier}, name


def test_database_alarm_thresholds_derive_from_class_and_storage() -> None:
    """Storage: a share of the allocation; memory: a share of the class's memory; connections:
    a share of max_connections for the class; CPU: a fixed percentage. The shares are the alarm
    table's own constants, so a tuned threshold changes one file."""
    settings = make_settings(dbInstanceClass="db.m6g.large", dbAllocatedStorage="100")
    found = alarms(database(dbInstanceClass="db.m6g.large", dbAllocatedStorage="100"))
    assert found["db-free-storage"]["threshold"] == pytest.approx(FREE_STORAGE_SHARE * 100 * GIB)
    assert found["db-free-storage"]["comparisonOperator"] == "LessThanThreshold"
    memory = parse_instance_class(settings.db_instance_class).memory_bytes
    assert found["db-freeable-memory"]["threshold"] == pytest.approx(FREEABLE_MEMORY_SHARE * memory)
    max_connections = parse_instance_class(settings.db_instance_class).max_connections
    assert found["db-connections"]["threshold"] == int(CONNECTIONS_SHARE * max_connections)
    assert found["db-cpu"]["threshold"] == CPU_PERCENT


def test_database_critical_alarms_page(run: MockRun) -> None:
    rule = run.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert rule == (
        'ALARM("cw-analytics-test-db-cpu") OR ALARM("cw-analytics-test-db-free-storage") '
        'OR ALARM("cw-analytics-test-db-unavailable")'
    )


def test_database_dashboard_draws_what_the_alarms_watch(run: MockRun) -> None:
    body = parse_document(run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    assert {
        "type": "text",
        "width": 24,
        "height": 1,
        "x": 0,
        "y": 4,
        "properties": {"markdown": "## Database"},
    } in body["widgets"]
    graphs = {
        (w["properties"]["metrics"][0][1], w["properties"]["stat"]): w["properties"]
        for w in body["widgets"]
        if w["type"] == "metric"
    }
    identifier = run.one(INSTANCE).outputs["identifier"]
    for alarm in alarms(run).values():
        graph = graphs[(alarm["metricName"], alarm["statistic"])]
        assert graph["metrics"] == [
            ["AWS/RDS", alarm["metricName"], "DBInstanceIdentifier", identifier]
        ]
        lines = [line["value"] for line in graph["annotations"]["horizontal"]]
        assert lines == [pytest.approx(alarm["threshold"])], alarm["name"]


def test_database_outputs_and_parent(run: MockRun) -> None:
    component = run.one("cw-analytics:database:MonitoredDatabase")
    for resource in run.resources:
        if resource.name.startswith("database-") and resource.type != component.type:
            assert resource.parent == component.urn, f"{resource.urn} is not under the database"


def test_database_unavailable_alarm_fires_when_the_instance_reports_nothing(run: MockRun) -> None:
    """A stopped, failed or deleted instance publishes no metrics; the threshold alarms treat
    that as missing and stay quiet, so one alarm must treat it as breaching. It watches a
    metric RDS publishes every minute while the instance runs, over more than a failover."""
    alarm = alarms(run)["db-unavailable"]
    assert alarm["treatMissingData"] == "breaching", "a silent database pages no one"
    assert (alarm["metricName"], alarm["statistic"]) == ("CPUUtilization", "SampleCount")
    assert alarm["comparisonOperator"] == "LessThanThreshold" and alarm["threshold"] == 1
    assert alarm["period"] * alarm["evaluationPeriods"] >= 15 * 60, "a reboot would page"
    assert alarm["datapointsToAlarm"] == alarm["evaluationPeriods"]
    assert "missing data counts as breaching" in alarm["alarmDescription"]


def test_database_threshold_alarms_leave_missing_data_to_the_unavailable_alarm(
    run: MockRun,
) -> None:
    """Breaching on missing data in every alarm would page six times for one outage."""
    found = alarms(run)
    breaching = sorted(n for n, a in found.items() if a["treatMissingData"] == "breaching")
    assert breaching == ["db-unavailable"], breaching
