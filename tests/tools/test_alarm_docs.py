"""``docs/alarms.md``: the alarm catalogue generated from what the stacks declare, kept current."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import shared_runs
from tests.tools.builders import STACK_URN, resource, stack
from tools import alarm_docs
from tools.alarm_docs import Alarm, render, replace_block, stack_alarms
from tools.preview.model import PreviewResource
from tools.preview.stack_config import StackConfig

from .test_graph import component

DB = component("cw-analytics:database:MonitoredDatabase", "database")


def _alarm(name: str, description: str, severity: str = "page") -> PreviewResource:
    return resource(
        alarm_docs.METRIC_ALARM,
        f"database-{name}",
        parent=DB.urn,
        inputs={
            "name": f"cw-analytics-dev-{name}",
            "alarmDescription": description,
            "tags": {"Severity": severity},
        },
    )


def test_alarm_docs_reads_alarms_by_name_without_stack_prefix() -> None:
    found = stack_alarms(
        [stack(), DB, _alarm("db-cpu", "cw-analytics-dev-db: CPU > 80 %")], "cw-analytics-dev"
    )
    assert found == [
        Alarm("database (MonitoredDatabase)", "db-cpu", "page", "{project}-{suffix}-db: CPU > 80 %")
    ]


def test_alarm_docs_ignores_resources_that_are_not_alarms() -> None:
    topic = resource("aws:sns/topic:Topic", "alerts", parent=STACK_URN, inputs={"name": "x"})
    assert stack_alarms([stack(), DB, topic], "cw-analytics-dev") == []


def test_alarm_docs_shows_a_second_stack_only_where_its_numbers_differ() -> None:
    dev = [
        Alarm("database", "db-cpu", "page", "> 80 %"),
        Alarm("database", "db-mem", "ticket", "< 1"),
    ]
    prod = [
        Alarm("database", "db-cpu", "page", "> 80 %"),
        Alarm("database", "db-mem", "ticket", "< 4"),
    ]
    block = render({"dev": dev, "prod": prod})
    assert "In prod: < 4" in block
    assert block.count("In prod") == 1, block


def test_alarm_docs_marks_paging_alarms() -> None:
    block = render({"dev": [Alarm("database", "db-cpu", "page", "x")]})
    assert "**`db-cpu`** (pages)" in block


def test_alarm_docs_refuses_a_page_without_markers() -> None:
    with pytest.raises(ValueError, match="no <!-- BEGIN GENERATED ALARMS"):
        replace_block("# Alarms\n", "block")


@pytest.mark.slow
def test_alarm_docs_page_matches_the_stacks(tmp_path_factory: pytest.TempPathFactory) -> None:
    def resources_of(config: StackConfig) -> list[PreviewResource]:
        return shared_runs.stack_resources(tmp_path_factory, config.stack)

    document = alarm_docs.DOC.read_text(encoding="utf-8")
    generated = alarm_docs.generate(resources_of=resources_of)
    assert replace_block(document, generated) == document, (
        "docs/alarms.md is out of date: run python -m tools.alarm_docs"
    )


def test_alarm_docs_check_fails_on_a_stale_page_until_it_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "alarms.md"
    page.write_text(f"# Alarms\n{render({'dev': []})}\nafter\n", encoding="utf-8")
    current = render({"dev": [Alarm("database", "db-cpu", "page", "> 80 %")]})
    monkeypatch.setattr(alarm_docs, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(alarm_docs, "DOC", page)
    monkeypatch.setattr(alarm_docs, "generate", lambda: current)
    assert alarm_docs.main(["--check"]) == 1
    assert alarm_docs.main([]) == 0
    assert page.read_text(encoding="utf-8") == f"# Alarms\n{current}\nafter\n"
    assert alarm_docs.main(["--check"]) == 0
