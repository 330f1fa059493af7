"""Each component checks its own Args before it builds anything: a library user has no settings
module. Errors name the component, its resource name, the field, the value and the rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components import (
    AlertingHub,
    AlertingHubArgs,
    ApiRoute,
    ApiWithHandler,
    ApiWithHandlerArgs,
    MetricAggregator,
    MetricAggregatorArgs,
    MonitoredDatabase,
    MonitoredDatabaseArgs,
    MonitoredVpc,
    MonitoredVpcArgs,
    WatchedResources,
)
from tools.pulumi_mocks import run_in_mocks

KEY = "arn:aws:kms:eu-west-1:123456789012:key/abc"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
HANDLER_DIR = Path(__file__).parent / "fixtures" / "tiny_handler"
WIRED: dict[str, Any] = {
    "name_prefix": "team-dev",
    "region": "eu-west-1",
    "kms_key_arn": KEY,
    "alert_topic_arn": TOPIC,
}


def hub(**changes: Any) -> Callable[[], Any]:
    args = {"name_prefix": "team-dev", "region": "eu-west-1", "alarm_emails": ["a@example.com"]}
    return lambda: AlertingHub("alerting", AlertingHubArgs(**{**args, **changes}))


def vpc(**changes: Any) -> Callable[[], Any]:
    return lambda: MonitoredVpc("network", MonitoredVpcArgs(**{**WIRED, **changes}))


def database(**changes: Any) -> Callable[[], Any]:
    args = {**WIRED, "subnet_group_name": "group", "security_group_ids": ["sg-1"]}
    return lambda: MonitoredDatabase("orders", MonitoredDatabaseArgs(**{**args, **changes}))


def api(**changes: Any) -> Callable[[], Any]:
    args = {**WIRED, "code_dir": str(HANDLER_DIR), "routes": [ApiRoute("GET", "/ping")]}
    return lambda: ApiWithHandler("public", ApiWithHandlerArgs(**{**args, **changes}))


def aggregator(**changes: Any) -> Callable[[], Any]:
    watched = WatchedResources(api_name="a", api_stage="v1", db_identifier="d")
    args = {**WIRED, "watched": watched}
    return lambda: MetricAggregator("metrics", MetricAggregatorArgs(**{**args, **changes}))


CASES = [
    (hub(alarm_emails=["not-an-email"]), r"AlertingHub 'alerting': alarm_emails 'not-an-email'"),
    (hub(alarm_emails=[]), r"AlertingHub 'alerting': alarm_emails \[\] must name at least one"),
    (hub(key_deletion_window_days=31), r"key_deletion_window_days 31 must be between 7 and 30"),
    (hub(served_name_prefixes=["Team"]), r"served_name_prefixes 'Team' must match"),
    (vpc(vpc_cidr="10.0.0.0/26"), r"MonitoredVpc 'network': vpc_cidr '10.0.0.0/26' must have"),
    (vpc(vpc_cidr="8.8.0.0/16"), r"vpc_cidr '8.8.0.0/16' must be a private"),
    (vpc(log_retention_days=13), r"log_retention_days 13 is not a retention CloudWatch Logs"),
    (database(instance_class="db.x9.huge"), r"MonitoredDatabase 'orders': instance_class"),
    (database(engine_version="11"), r"engine_version '11' must be a PostgreSQL version RDS"),
    (database(allocated_storage_gb=10), r"allocated_storage_gb 10 must be between 20 and 65536"),
    (
        database(deletion_protection=True, backup_retention_days=0),
        r"backup_retention_days 0 must be at least 1 when deletion_protection",
    ),
    (database(secret_recovery_window_days=3), r"secret_recovery_window_days 3 must be 0"),
    (
        database(name_prefix="a" * 55),
        r"MonitoredDatabase 'orders'.*RDS instance identifier name .* \(limit 63\)",
    ),
    (api(code_dir="/nonexistent"), r"ApiWithHandler 'public': code_dir '/nonexistent' must be"),
    (api(routes=[ApiRoute("FETCH", "/ping")]), r"routes.method 'FETCH' must be one of"),
    (api(routes=[ApiRoute("GET", "ping")]), r"routes.path 'ping' must start with '/'"),
    (api(routes=[ApiRoute("GET", "/a"), ApiRoute("GET", "/a")]), r"'GET /a' appears twice"),
    (api(db_address="db.internal"), r"db_address 'set' needs db_port, db_name, db_secret_arn too"),
    (api(metrics_table_arn="arn:t"), r"metrics_table_arn 'set' needs metrics_table_name too"),
    (api(reserved_concurrency=0), r"reserved_concurrency 0 must be -1"),
    (api(throttle_burst_limit=0), r"throttle_burst_limit 0 must be at least 1"),
    (aggregator(schedule="rate(12 hours)"), r"MetricAggregator 'metrics': schedule .* 8 hours"),
    (aggregator(schedule="every 5 minutes"), r"schedule 'every 5 minutes' must be an EventBridge"),
    (aggregator(reserved_concurrency=2), r"reserved_concurrency 2 must be -1 .* or 1"),
    (aggregator(metrics_retention_days=0), r"metrics_retention_days 0 must be between 1 and"),
]


@pytest.mark.parametrize(("build", "message"), CASES, ids=[m[:40] for _, m in CASES])
def test_component_refuses_bad_args_naming_component_field_and_rule(
    build: Callable[[], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        run_in_mocks(build, config={}, project="team", stack="dev")


def test_component_reports_every_bad_field_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        run_in_mocks(
            database(allocated_storage_gb=10, engine_version="11", log_retention_days=13),
            config={},
            project="team",
            stack="dev",
        )
    message = str(raised.value)
    for field in ("allocated_storage_gb", "engine_version", "log_retention_days"):
        assert field in message, message


@pytest.mark.parametrize(
    "build", [vpc, database, api, aggregator], ids=["vpc", "database", "api", "aggregator"]
)
def test_component_outside_the_hubs_prefixes_is_refused_at_preview(build: Any) -> None:
    """KMS and SNS would refuse its log groups and alarms in AWS; the preview says so."""
    with pytest.raises(ValueError, match=r"which the alerting hub does not serve"):
        run_in_mocks(
            build(hub_name_prefixes=["reports-staging"]), config={}, project="team", stack="dev"
        )


def test_component_under_a_served_prefix_is_built() -> None:
    run = run_in_mocks(
        database(hub_name_prefixes=["billing", "team-dev"]), config={}, project="team", stack="dev"
    )
    assert run.one("aws:rds/instance:Instance").inputs["identifier"] == "team-dev-orders-db"
