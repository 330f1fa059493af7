"""CloudWatch dashboard widgets and layout.

Components describe their section as widgets (plain dicts that may hold Pulumi outputs); the
``ServiceDashboard`` lays every section out in one dashboard body. Widget JSON follows the
CloudWatch dashboard body structure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

FULL_WIDTH = 24
WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
TITLE_HEIGHT = 1

Metric = Sequence[pulumi.Input[Any]]
"""``[namespace, metric_name, dim, value, ..., {options}]`` as CloudWatch expects it."""


@dataclass(frozen=True)
class Threshold:
    """An alarm threshold drawn as a horizontal line on a graph."""

    label: str
    value: float


@dataclass(frozen=True)
class DashboardSection:
    """One component's part of the dashboard: a title and its widgets."""

    title: str
    widgets: list[pulumi.Input[dict[str, Any]]] = field(default_factory=list)


def metric_widget(
    title: str,
    metrics: Sequence[Metric],
    *,
    region: str,
    stat: str = "Average",
    period: int = 300,
    thresholds: Sequence[Threshold] = (),
    width: int = WIDGET_WIDTH,
) -> dict[str, Any]:
    """A time-series graph of ``metrics`` with alarm thresholds drawn on it."""
    properties: dict[str, Any] = {
        "title": title,
        "view": "timeSeries",
        "region": region,
        "stat": stat,
        "period": period,
        "metrics": [list(metric) for metric in metrics],
    }
    if thresholds:
        properties["annotations"] = {
            "horizontal": [{"label": t.label, "value": t.value} for t in thresholds]
        }
    return {"type": "metric", "width": width, "height": WIDGET_HEIGHT, "properties": properties}


def alarm_status_widget(
    title: str, alarm_arns: Sequence[pulumi.Input[str]], *, region: str
) -> dict[str, Any]:
    """A widget listing the state of the given alarms."""
    return {
        "type": "alarm",
        "width": FULL_WIDTH,
        "height": 3,
        "properties": {"title": title, "region": region, "alarms": list(alarm_arns)},
    }


def _title_widget(title: str) -> dict[str, Any]:
    return {
        "type": "text",
        "width": FULL_WIDTH,
        "height": TITLE_HEIGHT,
        "properties": {"markdown": f"## {title}"},
    }


def layout(sections: Sequence[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Place each section's title on a row of its own and its widgets left to right."""
    placed: list[dict[str, Any]] = []
    y = 0
    for title, widgets in sections:
        placed.append({**_title_widget(title), "x": 0, "y": y})
        y += TITLE_HEIGHT
        x, row_height = 0, 0
        for widget in widgets:
            width = int(widget.get("width", WIDGET_WIDTH))
            if x + width > FULL_WIDTH:
                x, y = 0, y + row_height
                row_height = 0
            placed.append({**widget, "x": x, "y": y})
            x += width
            row_height = max(row_height, int(widget.get("height", WIDGET_HEIGHT)))
        y += row_height
    return {"widgets": placed}


def dashboard_body(sections: Sequence[DashboardSection]) -> pulumi.Output[str]:
    """The dashboard JSON for ``sections``, resolved once every output inside is known."""
    resolved = pulumi.Output.all(
        *[pulumi.Output.all(*section.widgets) for section in sections]
    ).apply(
        lambda per_section: [
            (section.title, list(widgets))
            for section, widgets in zip(sections, per_section, strict=True)
        ]
    )
    return resolved.apply(lambda laid: json.dumps(layout(laid), sort_keys=True))
