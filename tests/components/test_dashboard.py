"""The dev stack's dashboard: every widget draws something that exists in the stack."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.api.alarms import SERVER_ERROR_RATE_THRESHOLD
from tests.components.support import (
    ALARM,
    COMPOSITE,
    dashboard_body,
    unresolved_metric,
    whole_stack,
    widget_metric_dimensions,
)
from tools.pulumi_mocks import MockRun


@pytest.fixture(scope="module")
def run() -> MockRun:
    return whole_stack("dev")


@pytest.fixture(scope="module")
def widgets(run: MockRun) -> list[dict[str, Any]]:
    return list(dashboard_body(run)["widgets"])


def test_dashboard_every_metric_names_a_resource_of_the_stack(
    run: MockRun, widgets: list[dict[str, Any]]
) -> None:
    problems, checked = [], 0
    for widget in (w for w in widgets if w["type"] == "metric"):
        for metric in widget["properties"]["metrics"]:
            parsed = widget_metric_dimensions(metric)
            if parsed is None:
                continue
            checked += 1
            if why := unresolved_metric(run, *parsed):
                problems.append(f"widget '{widget['properties']['title']}': {why}")
    assert checked > 20, f"only {checked} metrics found in the dashboard"
    assert not problems, problems


def test_dashboard_expressions_reference_metrics_of_their_widget(
    widgets: list[dict[str, Any]],
) -> None:
    for widget in (w for w in widgets if w["type"] == "metric"):
        metrics = widget["properties"]["metrics"]
        ids = {part["id"] for m in metrics for part in m if isinstance(part, dict) and "id" in part}
        for metric in metrics:
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            for token in _identifiers(options.get("expression", "")):
                assert token in ids, f"{widget['properties']['title']}: {token} is not defined"


def _identifiers(expression: str) -> set[str]:
    # Words inside quotes (a SEARCH term's namespace, dimension and metric names) are no ids.
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)
    words = set(re.findall(r"\b[a-z][A-Za-z0-9_]*\b", unquoted))
    return words - {"e"}


def test_dashboard_alarm_widget_lists_alarms_of_the_stack(
    run: MockRun, widgets: list[dict[str, Any]]
) -> None:
    arns = {a.outputs["arn"] for a in (*run.of_type(ALARM), *run.of_type(COMPOSITE))}
    listed = [arn for w in widgets if w["type"] == "alarm" for arn in w["properties"]["alarms"]]
    assert set(listed) == arns, "the alarm overview differs from the stack's alarms"


@pytest.mark.parametrize("title", ["API", "Metric aggregator"])
def test_dashboard_has_a_section_per_component_with_thresholds(
    widgets: list[dict[str, Any]], title: str
) -> None:
    titles = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert f"## {title}" in titles, f"no '{title}' section in {titles}"
    start = next(
        i for i, w in enumerate(widgets) if w.get("properties", {}).get("markdown") == f"## {title}"
    )
    section = []
    for widget in widgets[start + 1 :]:
        if widget["type"] == "text":
            break
        section.append(widget)
    drawn = [w for w in section if w["properties"].get("annotations", {}).get("horizontal")]
    assert len(drawn) >= 3, f"section '{title}' draws {len(drawn)} alarm thresholds"


def test_dashboard_draws_the_api_5xx_rate_threshold(widgets: list[dict[str, Any]]) -> None:
    lines = [
        line
        for w in widgets
        if w["type"] == "metric"
        for line in w["properties"].get("annotations", {}).get("horizontal", [])
    ]
    assert {"label": "5xx-rate alarm", "value": SERVER_ERROR_RATE_THRESHOLD} in lines


def test_dashboard_threshold_lines_are_alarm_thresholds_of_the_stack() -> None:
    """Every threshold line on the dashboard is drawn at a value an alarm of the stack compares
    with, labelled with that alarm's key: lines come from the alarm tables, not copies."""
    run = whole_stack("dev")
    alarms = {
        alarm.inputs["name"].removeprefix("cw-analytics-dev-"): float(alarm.inputs["threshold"])
        for alarm in run.of_type(ALARM)
    }
    lines = [
        line
        for widget in dashboard_body(run)["widgets"]
        for line in widget.get("properties", {}).get("annotations", {}).get("horizontal", [])
    ]
    assert len(lines) >= 15, lines
    thresholds = set(alarms.values())
    for line in lines:
        assert line["label"].endswith(" alarm"), line
        assert line["value"] in thresholds, f"{line} is no alarm's threshold ({sorted(thresholds)})"
