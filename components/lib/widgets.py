"""CloudWatch dashboard widgets and layout.

Components describe their section as widgets (plain dicts that may hold Pulumi outputs); the
``ServiceDashboard`` lays every section out in one dashboard body. Widget JSON follows the
CloudWatch dashboard body structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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


class AlarmRow(Protocol):
    """What a threshold line needs of an alarm spec (``components.lib.alarms.AlarmSpec``)."""

    @property
    def key(self) -> str:
        """The alarm's key in its table."""
        ...

    @property
    def threshold(self) -> float:
        """The value the alarm compares with."""
        ...


def alarm_thresholds(specs: Sequence[AlarmRow], *keys: str) -> list[Threshold]:
    """The threshold lines of the alarms ``keys`` of a component's alarm table: one line per
    distinct threshold, labelled with the alarms drawn on it, so a graph cannot show another
    number than its alarm evaluates."""
    by_key = {spec.key: spec for spec in specs}
    missing = [key for key in keys if key not in by_key]
    if missing:
        raise KeyError(f"no alarm {missing} in the table (keys: {sorted(by_key)})")
    lines: dict[float, list[str]] = {}
    for key in keys:
        lines.setdefault(float(by_key[key].threshold), []).append(key)
    return [Threshold(" / ".join(names) + " alarm", value) for value, names in lines.items()]


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
