"""Every resource option a reviewer needs reaches the preview JSON, and the pack sees timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.preview_in_process import judged_fixtures
from tests.tools.builders import resource
from tests.tools.helpers import FIXTURES, ToolRun
from tools.policy_analyzer import analyzer_options
from tools.preview import cli
from tools.preview.analysis import analyzed_resource
from tools.preview.options import resolve_options
from tools.preview.report_json import build_report


@pytest.fixture(scope="module")
def options_run() -> Iterator[ToolRun]:
    """The preview of a program that sets every option on resources the pack accepts."""
    with judged_fixtures("resource_options") as runs:
        yield runs["resource_options"]


def _options(run: ToolRun, name: str) -> dict[str, Any]:
    assert run.report is not None, run.describe()
    [entry] = [r for r in run.report["resources"] if r["name"] == name]
    options: dict[str, Any] = entry["options"]
    return options


@pytest.mark.slow
def test_preview_json_carries_retain_on_delete_and_protect(options_run: ToolRun) -> None:
    key = _options(options_run, "key")
    assert key["retainOnDelete"] is True and key["protect"] is True, f"key: {key}"


@pytest.mark.slow
def test_preview_json_carries_custom_timeouts_as_written(options_run: ToolRun) -> None:
    queue = _options(options_run, "queue")
    assert queue["customTimeouts"] == {"create": "5m", "delete": "1h30m"}, f"queue: {queue}"


@pytest.mark.slow
def test_preview_json_carries_replacement_options(options_run: ToolRun) -> None:
    queue = _options(options_run, "queue")
    assert queue["deleteBeforeReplace"] is True, f"queue: {queue}"
    assert queue["replaceOnChanges"] == ["fifoQueue", "name"], f"queue: {queue}"
    assert queue["ignoreChanges"] == ["tags"], f"queue: {queue}"


@pytest.mark.slow
def test_preview_json_carries_deleted_with_as_urn(options_run: ToolRun) -> None:
    deleted_with = _options(options_run, "queue-policy")["deletedWith"]
    assert deleted_with and deleted_with.endswith("$aws:sqs/queue:Queue::queue"), deleted_with


@pytest.mark.slow
def test_preview_json_marks_unset_options_as_defaults(options_run: ToolRun) -> None:
    policy = _options(options_run, "queue-policy")
    assert policy["retainOnDelete"] is False and policy["protect"] is False, policy
    assert policy["customTimeouts"] == {} and policy["replaceOnChanges"] == [], policy
    assert policy["deleteBeforeReplace"] is None, f"queue-policy never set it: {policy}"


@pytest.mark.slow
def test_preview_options_program_passes_the_pack(options_run: ToolRun) -> None:
    assert options_run.returncode == 0, options_run.describe()


def test_build_report_carries_every_reviewer_option() -> None:
    queue = resource(
        "aws:sqs/queue:Queue",
        "q",
        retain_on_delete=True,
        deleted_with="urn:x",
        replace_on_changes=("name",),
        custom_timeouts={"update": "10m"},
    )
    options = build_report("test", resolve_options([queue]), [])["resources"][0]["options"]
    assert options["retainOnDelete"] is True and options["deletedWith"] == "urn:x", options
    assert options["replaceOnChanges"] == ["name"], options
    assert options["customTimeouts"] == {"update": "10m"}, options


def test_analyzed_resource_hands_pack_timeouts_in_seconds() -> None:
    queue = resource("aws:sqs/queue:Queue", "q", custom_timeouts={"create": "5m", "delete": "1h"})
    options = analyzed_resource(resolve_options([queue])[0], for_stack=False).options
    timeouts = analyzer_options(options, queue.parent).customTimeouts
    assert (timeouts.create, timeouts.update, timeouts.delete) == (300.0, 0.0, 3600.0), timeouts


@pytest.mark.slow
def test_preview_stops_on_a_timeout_the_engine_cannot_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command's own entry, in this process: exit 2 at the process boundary is shown in
    # tests/tools/test_preview_cli.py.
    report = tmp_path / "report.json"
    program = str(FIXTURES / "unparsable_timeout")
    status = cli.main(["--program", program, "--stack", "test", "--json", str(report)])
    stderr = capsys.readouterr().err
    assert status == 2, stderr
    assert "aws:sqs/queue:Queue 'queue': customTimeouts.delete" in stderr, stderr
    assert "'90 minutes'" in stderr, stderr
    assert not report.exists(), "a preview that stopped wrote a report"
