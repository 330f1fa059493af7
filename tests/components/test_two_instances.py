"""Two instances of every component in one stack: names come from each instance, so nothing
collides, and one hub serves both sets of consumers."""

from __future__ import annotations

from collections import Counter
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
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
    WatchedResources,
)
from tests.components.physical_names import physical_names
from tests.components.support import key_admits_log_group
from tools.pulumi_mocks import MockRun, run_in_mocks

HANDLER_DIR = Path(__file__).parent / "fixtures" / "tiny_handler"
PAIRS = ("blue", "green")


def build() -> None:
    """Two of each component (two hubs too), every pair in one stack under one prefix."""
    hubs = [
        AlertingHub(
            f"{colour}-alerting",
            AlertingHubArgs(name_prefix="team-dev", region="eu-west-1", alarm_emails=["a@b.io"]),
        )
        for colour in PAIRS
    ]
    hub = hubs[0]
    wired: dict[str, Any] = {
        "name_prefix": "team-dev",
        "region": "eu-west-1",
        "kms_key_arn": hub.key_arn,
        "alert_topic_arn": hub.topic_arn,
        "hub_name_prefixes": hub.served_name_prefixes,
    }
    for colour in PAIRS:
        network = MonitoredVpc(f"{colour}-network", MonitoredVpcArgs(**wired))
        database = MonitoredDatabase(
            f"{colour}-db",
            MonitoredDatabaseArgs(
                **wired,
                subnet_group_name=network.db_subnet_group_name,
                security_group_ids=[network.database_security_group_id],
            ),
        )
        api = ApiWithHandler(
            f"{colour}-api",
            ApiWithHandlerArgs(
                **wired, code_dir=str(HANDLER_DIR), routes=[ApiRoute("GET", "/ping")]
            ),
        )
        aggregator = MetricAggregator(
            f"{colour}-metrics",
            MetricAggregatorArgs(
                **wired,
                watched=WatchedResources(
                    api_name="team-dev-x", api_stage="v1", db_identifier=database.identifier
                ),
            ),
        )
        ServiceDashboard(
            f"{colour}-service",
            ServiceDashboardArgs(
                name_prefix="team-dev",
                region="eu-west-1",
                alert_topic_arn=hub.topic_arn,
                hub_name_prefixes=hub.served_name_prefixes,
                sections=[
                    MonitoringSection.of(t, c)
                    for t, c in (("Db", database), ("Api", api), ("Agg", aggregator))
                ],
            ),
        )


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_in_mocks(build, config={}, project="team", stack="dev", region="eu-west-1")


def test_two_instances_of_each_component_share_no_physical_name(run: MockRun) -> None:
    names = Counter(
        name
        for resource in run.resources
        for name in {
            (resource.type, value)
            for _, key, value in physical_names(resource.urn, resource.inputs)
            # A stage is named within its API, a database within its instance.
            if key not in ("stageName", "dbName")
        }
    )
    shared = sorted(name for name, count in names.items() if count > 1)
    assert not shared, f"physical names used twice: {shared}"


def test_two_instances_build_every_component_twice(run: MockRun) -> None:
    for token in (
        "cw-analytics:alerting:AlertingHub",
        "cw-analytics:network:MonitoredVpc",
        "cw-analytics:database:MonitoredDatabase",
        "cw-analytics:api:ApiWithHandler",
        "cw-analytics:metrics:MetricAggregator",
        "cw-analytics:monitoring:ServiceDashboard",
    ):
        assert len(run.of_type(token)) == 2, token


def test_two_instances_names_carry_the_instance(run: MockRun) -> None:
    identifiers = sorted(r.inputs["identifier"] for r in run.of_type("aws:rds/instance:Instance"))
    assert identifiers == ["team-dev-blue-db-db", "team-dev-green-db-db"]


def test_two_instances_log_groups_are_admitted_by_the_hub_key(run: MockRun) -> None:
    key = run.one("aws:kms/key:Key", "blue-alerting-key")
    key_arn = key.outputs["arn"]
    groups = [
        g
        for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.inputs["kmsKeyId"] == key_arn
    ]
    assert len(groups) >= 10, groups
    hub_key_run = MockRun(resources=[key], outputs={})
    for group in groups:
        assert key_admits_log_group(hub_key_run, group.inputs["name"]), group.urn
