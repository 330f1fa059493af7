"""The local Lambda runner: a worker process per function, its output, errors and timeouts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.local.functions import FunctionInitError, LocalFunction

HANDLER = """
import os, time

COLD = {"start": True}

def handler(event, context):
    cold, COLD["start"] = COLD["start"], False
    print("log line for", event.get("n"), flush=True)
    if event.get("raise"):
        raise ValueError("bad event")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "n": event.get("n"),
        "cold": cold,
        "pid": os.getpid(),
        "env": os.environ.get("ONLY_HERE"),
        "remaining": context.get_remaining_time_in_millis(),
        "name": context.function_name,
    }
"""


@pytest.fixture()
def function(tmp_path: Path) -> Iterator[tuple[LocalFunction, list[str]]]:
    """A one-file function with a 1-second timeout, and the lines it printed."""
    (tmp_path / "handler.py").write_text(HANDLER)
    lines: list[str] = []
    fn = LocalFunction(
        "fn",
        tmp_path,
        {"PATH": os.environ.get("PATH", ""), "ONLY_HERE": "yes"},
        timeout_seconds=1,
        memory_mb=128,
        arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
        sink=lambda name, line: lines.append(f"{name}: {line}"),
    )
    fn.start()
    fn.wait_ready()
    try:
        yield fn, lines
    finally:
        fn.stop()


def test_local_function_returns_the_handlers_result_with_its_environment(
    function: tuple[LocalFunction, list[str]],
) -> None:
    fn, _ = function
    result = fn.invoke({"n": 1}).result
    assert (result["n"], result["env"], result["name"]) == (1, "yes", "fn")
    assert 0 < result["remaining"] <= 1000, result


def test_local_function_stays_warm_between_invocations(
    function: tuple[LocalFunction, list[str]],
) -> None:
    fn, _ = function
    first, second = fn.invoke({"n": 1}).result, fn.invoke({"n": 2}).result
    assert (first["cold"], second["cold"], first["pid"]) == (True, False, second["pid"])


def test_local_function_output_reaches_the_sink_before_the_result(
    function: tuple[LocalFunction, list[str]],
) -> None:
    fn, lines = function
    fn.invoke({"n": 7})
    assert "fn: log line for 7" in lines, lines


def test_local_function_error_is_reported_as_lambda_does(
    function: tuple[LocalFunction, list[str]],
) -> None:
    fn, _ = function
    invocation = fn.invoke({"raise": True})
    assert invocation.error == {"errorType": "ValueError", "errorMessage": "bad event"}
    assert fn.invoke({"n": 3}).result["n"] == 3, "the container must survive a handler error"


def test_local_function_timeout_ends_the_container(
    function: tuple[LocalFunction, list[str]],
) -> None:
    fn, _ = function
    before = fn.invoke({"n": 1}).result["pid"]
    timed_out = fn.invoke({"sleep": 5})
    after = fn.invoke({"n": 2}).result
    assert timed_out.error is not None and timed_out.error["errorType"] == "TimeoutError"
    assert after["cold"] and after["pid"] != before, "a timed-out container must not be reused"


def test_local_function_import_error_fails_start_with_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("import no_such_module_here\n")
    fn = LocalFunction(
        "broken",
        tmp_path,
        {"PATH": os.environ.get("PATH", "")},
        timeout_seconds=1,
        memory_mb=128,
        arn="arn",
        sink=lambda name, line: None,
    )
    fn.start()
    with pytest.raises(FunctionInitError, match="no_such_module_here"):
        fn.wait_ready()
