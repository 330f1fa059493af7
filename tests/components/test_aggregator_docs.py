"""docs/aggregator.md's runbook table follows the aggregator's alarm table: every alarm has a
row, the pages column is its severity, and the numbers in "fires when" are the spec's."""

from __future__ import annotations

import re
from pathlib import Path

from components.lib.alarms import AlarmSpec, Severity
from components.lib.lambda_alarms import DURATION_ALARM_FRACTION
from components.metrics.alarms import MISSED_RUNS, QUERY_ERROR_PERIODS, aggregator_alarm_specs

DOC = (Path(__file__).resolve().parents[2] / "docs" / "aggregator.md").read_text()


def _specs() -> list[AlarmSpec]:
    return aggregator_alarm_specs(
        namespace="ns", schedule_period_seconds=300, rule_name="r", queue_name="q", table_name="t"
    )


def _runbook() -> dict[str, tuple[str, str]]:
    """``slug: (fires when, pages)`` for every row of the runbook table."""
    rows: dict[str, tuple[str, str]] = {}
    for line in DOC.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2] in ("yes", "no"):
            for slug in re.findall(r"`([a-z0-9-]+)`", cells[0]):
                rows[slug] = (cells[1], cells[2])
    return rows


def test_aggregator_doc_runbook_has_a_row_per_alarm_with_its_severity() -> None:
    rows = _runbook()
    for spec in _specs():
        assert spec.slug in rows, f"docs/aggregator.md has no runbook row for {spec.slug}"
        pages = "yes" if spec.severity is Severity.PAGE else "no"
        assert rows[spec.slug][1] == pages, f"{spec.slug}: the doc says pages={rows[spec.slug][1]}"
    unknown = set(rows) - {spec.slug for spec in _specs()}
    assert not unknown, f"runbook rows for alarms the aggregator does not have: {sorted(unknown)}"


def test_aggregator_doc_runbook_numbers_are_the_specs() -> None:
    rows = _runbook()
    heartbeat = next(s for s in _specs() if s.key == "heartbeat")
    assert heartbeat.evaluation_periods == MISSED_RUNS
    assert f"{MISSED_RUNS} schedule periods" in rows["aggregator-heartbeat"][0]
    query_errors = next(s for s in _specs() if s.key == "query-errors")
    assert query_errors.evaluation_periods == QUERY_ERROR_PERIODS
    assert f"{QUERY_ERROR_PERIODS} runs in a row" in rows["aggregator-query-errors"][0]
    assert f"{DURATION_ALARM_FRACTION:.0%}".replace("%", " %") in DOC
