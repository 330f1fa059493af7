"""ServiceDashboard: the service-health composite alarm and the dashboard, composed last from
the sections the other components publish."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components import MonitoringSection, ServiceDashboard, ServiceDashboardArgs
from components.dashboard.service_dashboard import ALARM_RULE_LIMIT, service_health_rule
from tools.pulumi_mocks import MockRun, run_in_mocks

COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:team-dev-alerts"
ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:team-dev-"
WIDGET = {"type": "metric", "width": 12, "height": 6, "properties": {"title": "graph"}}


def sections() -> list[MonitoringSection]:
    return [
        MonitoringSection(
            "Database",
            widgets=[WIDGET],
            alarm_arns=[f"{ARN}db-cpu", f"{ARN}db-connections"],
            paging_alarm_names=["team-dev-db-cpu"],
        ),
        MonitoringSection(
            "API",
            widgets=pulumi.Output.from_input([WIDGET, WIDGET]),
            alarm_arns=pulumi.Output.from_input([f"{ARN}api-5xx-rate"]),
            paging_alarm_names=pulumi.Output.from_input(["team-dev-api-5xx-rate"]),
        ),
    ]


def build(parts: list[MonitoringSection] | None = None, moved_from: str | None = None) -> MockRun:
    def body() -> None:
        former = pulumi.ComponentResource("test:index:Former", moved_from) if moved_from else None
        ServiceDashboard(
            "service",
            ServiceDashboardArgs(
                name_prefix="team-dev",
                instance_name="",
                region="eu-west-1",
                alert_topic_arn=TOPIC,
                sections=sections() if parts is None else parts,
            ),
            moved_from=former,
        )

    return run_in_mocks(body, config={}, project="team", stack="dev")


@pytest.fixture(scope="module")
def run() -> MockRun:
    return build()


def body(run: MockRun) -> dict[str, Any]:
    return dict(json.loads(run.one(DASHBOARD).inputs["dashboardBody"]))


def test_service_dashboard_health_alarm_ors_every_paging_alarm_in_order(run: MockRun) -> None:
    rule = run.one(COMPOSITE).inputs["alarmRule"]
    assert rule == 'ALARM("team-dev-db-cpu") OR ALARM("team-dev-api-5xx-rate")'


def test_service_dashboard_health_alarm_pages_and_recovers_through_the_topic(
    run: MockRun,
) -> None:
    composite = run.one(COMPOSITE).inputs
    assert composite["alarmName"] == "team-dev-service-health"
    assert composite["alarmActions"] == [TOPIC] and composite["okActions"] == [TOPIC]
    assert composite["tags"] == {"Severity": "page"}


def test_service_dashboard_overview_shows_health_first_then_every_alarm(run: MockRun) -> None:
    [overview] = [w for w in body(run)["widgets"] if w["type"] == "alarm"]
    alarms = overview["properties"]["alarms"]
    assert alarms[0] == run.one(COMPOSITE).outputs["arn"]
    assert alarms[1:] == [f"{ARN}db-cpu", f"{ARN}db-connections", f"{ARN}api-5xx-rate"]


def test_service_dashboard_sections_in_the_given_order(run: MockRun) -> None:
    titles = [w["properties"]["markdown"] for w in body(run)["widgets"] if w["type"] == "text"]
    assert titles == ["## Service health", "## Database", "## API"]
    graphs = [w for w in body(run)["widgets"] if w["type"] == "metric"]
    assert len(graphs) == 3, "every section's widgets are placed, outputs resolved"


def test_service_dashboard_places_widgets_without_overlap(run: MockRun) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in body(run)["widgets"]:
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, f"widget {widget} overlaps another"
                assert x < 24, f"widget {widget} is wider than the dashboard"
                cells.add((x, y))


def test_service_dashboard_children_are_its_own(run: MockRun) -> None:
    component = run.one("cw-analytics:monitoring:ServiceDashboard")
    for child in (run.one(COMPOSITE), run.one(DASHBOARD)):
        assert child.parent == component.urn, child.urn
        assert child.options.aliases == (), f"{child.urn} has aliases nobody asked for"


def test_service_dashboard_moved_from_aliases_the_old_names_under_the_old_parent() -> None:
    moved = build(moved_from="alerting")
    former = moved.one("test:index:Former").urn
    parent_type = former.split("::")[2].split("$")[-1]
    assert moved.one(DASHBOARD).options.aliases == (
        f"urn:pulumi:dev::team::{parent_type}$aws:cloudwatch/dashboard:Dashboard"
        "::alerting-dashboard",
    )
    assert moved.one(COMPOSITE).options.aliases == (
        f"urn:pulumi:dev::team::{parent_type}$aws:cloudwatch/compositeAlarm:CompositeAlarm"
        "::alerting-service-health",
    )


def test_service_dashboard_refuses_a_health_alarm_over_nothing() -> None:
    quiet = [MonitoringSection("Network", [WIDGET], [f"{ARN}vpc"], [])]
    with pytest.raises(ValueError, match="no section has a paging alarm"):
        build(quiet)


def test_service_health_rule_refuses_more_than_cloudwatch_accepts() -> None:
    names = [f"team-dev-alarm-{i:04d}-{'x' * 40}" for i in range(200)]
    with pytest.raises(ValueError, match=str(ALARM_RULE_LIMIT)):
        service_health_rule(names)


def test_service_health_rule_refuses_a_quote_that_would_break_the_rule() -> None:
    with pytest.raises(ValueError, match="double quote"):
        service_health_rule(['bad") OR ALARM("other'])
