"""A stack's whole life for the real stack files: what destroy leaves, what re-create reuses,
what a new account can deploy, and that every lifecycle key is declared in Pulumi.yaml."""

from __future__ import annotations

import dataclasses
import functools

import pytest
import yaml

from stack_settings import CONFIG_KEYS, Settings, settings_from_config
from tests.components.support import FUNCTION, REPO_ROOT, whole_stack

KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
INSTANCE = "aws:rds/instance:Instance"
# Keys that each hold one lifecycle decision, with the Settings field they fill.
DECISION_KEYS = {
    "dbDeletionProtection": "db_deletion_protection",
    "dbApplyImmediately": "db_apply_immediately",
    "dbFinalSnapshot": "db_final_snapshot",
    "secretRecoveryWindowDays": "secret_recovery_window_days",
    "keyDeletionWindowDays": "key_deletion_window_days",
    "metricsTableDeletionProtection": "metrics_table_deletion_protection",
    "apiReservedConcurrency": "api_reserved_concurrency",
    "aggregatorReservedConcurrency": "aggregator_reserved_concurrency",
}


@functools.cache
def _declared() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]
    return {key.removeprefix("cw-analytics:"): spec for key, spec in config.items()}


@pytest.mark.parametrize("key", sorted(DECISION_KEYS))
def test_lifecycle_key_declared_with_type_default_and_description(key: str) -> None:
    spec = _declared().get(key)
    assert isinstance(spec, dict), f"Pulumi.yaml does not declare cw-analytics:{key}"
    assert spec.get("type") in ("boolean", "integer"), f"{key}: type {spec.get('type')!r}"
    assert "default" in spec, f"{key}: no default in Pulumi.yaml"
    assert str(spec.get("description") or "").strip(), f"{key}: no description"
    assert key in CONFIG_KEYS, f"{key} is declared but never read"


@pytest.mark.parametrize("key", sorted(DECISION_KEYS))
def test_lifecycle_declared_default_is_the_settings_default(key: str) -> None:
    """Pulumi fills in the project file's default; the code's must not say otherwise."""
    default = _declared()[key]["default"]
    text = str(default).lower() if isinstance(default, bool) else str(default)
    parsed = settings_from_config(
        {"environmentSuffix": "t", "alarmEmails": "a@example.com", key: text}, "eu-west-1"
    )
    field = DECISION_KEYS[key]
    code_default = {f.name: f.default for f in dataclasses.fields(Settings)}[field]
    assert getattr(parsed, field) == code_default, f"{key}: {default!r} vs {code_default!r}"


def test_lifecycle_prod_key_outlives_destroy_with_the_snapshot_and_secret() -> None:
    run = whole_stack("prod")
    instance = run.one(INSTANCE).inputs
    assert instance["skipFinalSnapshot"] is False, "prod keeps no final snapshot"
    assert run.one(SECRET).inputs["recoveryWindowInDays"] > 0
    key = run.one(KEY)
    assert key.options.retain_on_delete, f"{key.urn}: destroy deletes the key of the final snapshot"


def test_lifecycle_dev_leaves_nothing_behind() -> None:
    run = whole_stack("dev")
    assert run.one(INSTANCE).inputs["skipFinalSnapshot"] is True
    assert run.one(SECRET).inputs["recoveryWindowInDays"] == 0
    key = run.one(KEY)
    assert not key.options.retain_on_delete, f"{key.urn} outlives a dev destroy"
    assert key.inputs["deletionWindowInDays"] == 7, key.urn


def test_lifecycle_dev_nothing_blocks_destroy() -> None:
    """Dev's `pulumi destroy` finishes with no manual step: nothing is protected."""
    protected = [r.urn for r in whole_stack("dev").resources if r.options.protect]
    assert not protected, f"dev: protected resources stop destroy: {protected}"


PROTECTED_IN_PROD = {
    ("aws:rds/instance:Instance", "database-instance"),
    ("aws:secretsmanager/secret:Secret", "database-credentials"),
    ("aws:cloudwatch/logGroup:LogGroup", "database-logs-postgresql"),
    ("aws:cloudwatch/logGroup:LogGroup", "database-logs-upgrade"),
    ("aws:dynamodb/table:Table", "metrics-table"),
    ("aws:kms/key:Key", "alerting-key"),
    ("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs"),
    ("aws:cloudwatch/logGroup:LogGroup", "api-access-logs"),
}
"""What holds data in prod (docs/operations.md): Pulumi refuses to delete any of it."""


def test_lifecycle_prod_protects_exactly_its_data() -> None:
    protected = {(r.type, r.name) for r in whole_stack("prod").resources if r.options.protect}
    assert protected == PROTECTED_IN_PROD


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_lifecycle_no_ignore_changes_freezes_deletion_fields(stack: str) -> None:
    """Nothing has ignore_changes freezing a field that could block deletion."""
    run = whole_stack(stack)
    deletion_fields = {"deletionProtection", "skipFinalSnapshot", "finalSnapshotIdentifier"}
    frozen = deletion_fields & set(run.one(INSTANCE).options.ignore_changes)
    assert not frozen, f"{stack}: ignore_changes freezes {frozen} on the database"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_lifecycle_recreated_stack_does_not_reuse_a_pending_secret_name(stack: str) -> None:
    """A secret deleted with a recovery window holds its name until the window ends."""
    secret = whole_stack(stack).one(SECRET).inputs
    if secret["recoveryWindowInDays"] > 0:
        assert "name" not in secret and secret["namePrefix"].endswith("-"), secret
    else:
        assert secret["name"] == f"cw-analytics-{stack}-db-credentials"


def test_lifecycle_dev_deploys_in_a_new_account() -> None:
    """New accounts often have a concurrency quota of 10; any reservation then fails."""
    reserved = {
        f.name: f.inputs["reservedConcurrentExecutions"]
        for f in whole_stack("dev").of_type(FUNCTION)
    }
    assert all(value == -1 for value in reserved.values()), f"dev reserves {reserved}"


def test_lifecycle_prod_reservations_need_the_documented_quota() -> None:
    """Prod reserves 50 + 1; docs/operations.md names the quota that needs (+100 unreserved)."""
    reserved = {
        f.name: f.inputs["reservedConcurrentExecutions"]
        for f in whole_stack("prod").of_type(FUNCTION)
    }
    assert reserved == {"api-handler": 50, "metrics-aggregator": 1}, reserved
    operations = (REPO_ROOT / "docs/operations.md").read_text()
    assert str(int(sum(reserved.values())) + 100) in operations, "quota prerequisite not documented"
