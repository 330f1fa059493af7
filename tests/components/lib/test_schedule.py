"""components.lib.schedule: EventBridge rate expressions as seconds, as EventBridge accepts them."""

from __future__ import annotations

import pytest

from components.lib.schedule import schedule_seconds


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(8 hours)", 28800),
        ("rate(1 day)", 86400),
    ],
)
def test_schedule_seconds_of_rate_expressions(expression: str, seconds: int) -> None:
    assert schedule_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(5 minute)", "rate(2 day)"])
def test_schedule_seconds_rejects_a_unit_eventbridge_refuses(expression: str) -> None:
    """EventBridge wants ``minute`` for 1 and ``minutes`` otherwise."""
    with pytest.raises(ValueError, match="singular unit for 1"):
        schedule_seconds(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * ? *)",
        "rate(0 minutes)",
        "rate(05 minutes)",
        "rate(5 weeks)",
        " rate(5 minutes)",
    ],
)
def test_schedule_seconds_rejects_what_is_not_a_rate(expression: str) -> None:
    with pytest.raises(ValueError, match="rate expression"):
        schedule_seconds(expression)
