"""docs/api.md runs: each ``curl`` example is executed against the local system, in order, and
its answer checked against the response documented under it.

A documented body is matched loosely on purpose: every field shown must be there; text must be
equal, except times (any time) and text ending in ``...`` (that prefix); numbers must be
numbers; each list element shown must match some element of the answer. Headers shown must be
there with that value. So a changed route, status, field name or error code breaks the build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.tools.local.periods import let_the_period_end
from tools.local import contract
from tools.local.system import LocalSystem

pytestmark = pytest.mark.slow

DOC = contract.REPO_ROOT / "docs" / "api.md"
_BLOCK = re.compile(
    r"```sh\n(?P<command>curl [^\n]+)\n```\s*\n+```http\n(?P<response>.*?)```", re.S
)


@dataclass(frozen=True)
class Example:
    """One documented request and its documented response."""

    command: str
    status: int
    headers: dict[str, str]
    body: Any


def parse_examples(text: str) -> list[Example]:
    """Every ``sh`` block holding a curl command followed by an ``http`` block."""
    examples = []
    for match in _BLOCK.finditer(text):
        head, _, body = match.group("response").partition("\n\n")
        lines = head.strip().splitlines()
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        examples.append(
            Example(
                command=match.group("command"),
                status=status,
                headers=headers,
                body=json.loads(body) if body.strip() else None,
            )
        )
    return examples


def _is_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value


def mismatches(documented: Any, actual: Any, where: str = "body") -> list[str]:
    """Where ``actual`` does not have what ``documented`` shows (empty when it does)."""
    if isinstance(documented, dict):
        return _object_mismatches(documented, actual, where)
    if isinstance(documented, list):
        return _list_mismatches(documented, actual, where)
    return (
        []
        if _scalar_matches(documented, actual)
        else [f"{where}: expected {documented!r}, got {actual!r}"]
    )


def _object_mismatches(documented: dict[str, Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{where}: expected an object, got {actual!r}"]
    found = []
    for key, value in documented.items():
        if key not in actual:
            found.append(f"{where}.{key}: missing")
        else:
            found.extend(mismatches(value, actual[key], f"{where}.{key}"))
    return found


def _list_mismatches(documented: list[Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r}"]
    return [
        f"{where}: no element like {element!r} in {actual!r}"
        for element in documented
        if all(mismatches(element, candidate) for candidate in actual)
    ]


def _scalar_matches(documented: Any, actual: Any) -> bool:
    if isinstance(documented, bool) or documented is None:
        return documented == actual
    if isinstance(documented, int | float):
        return isinstance(actual, int | float) and not isinstance(actual, bool)
    if not isinstance(actual, str):
        return False
    if documented.endswith("..."):
        return actual.startswith(documented[:-3])
    if _is_time(documented):
        return _is_time(actual)
    return bool(documented == actual)


def _run(command: str, env: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    result = subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    head, _, body = result.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    assert lines, f"no answer to {command}: {result.stderr}"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, json.loads(body) if body.strip() else None


EXAMPLES = parse_examples(DOC.read_text(encoding="utf-8"))


def test_docs_api_has_an_example_of_every_route() -> None:
    shown = " ".join(example.command for example in EXAMPLES)
    for route in contract.routes():
        pattern = "/".join(
            '[^/?"]+' if p.startswith("{") else re.escape(p) for p in route.path.split("/")
        )
        method = "" if route.method == "GET" else f"-X {route.method} "
        assert re.search(rf"curl -s -i {method}\"\$BASE{pattern}[?\"]", shown), (
            f"docs/api.md has no example of {route.method} {route.path}"
        )


@pytest.fixture(scope="module")
def answers(local_system: LocalSystem) -> list[tuple[int, dict[str, str], Any]]:
    """Every example run in document order; the aggregator runs once before the first read of
    the metrics (the docs say series appear after its first run)."""
    env = {**os.environ, "BASE": local_system.base_url, "API_KEY": local_system.api_key}
    aggregated = False
    results = []
    for example in EXAMPLES:
        if "/metrics" in example.command and not aggregated:
            # The period in progress must be complete for the run to read it.
            let_the_period_end(int(local_system.options.aggregator_environment["PERIOD_SECONDS"]))
            local_system.run_aggregator()
            aggregated = True
        results.append(_run(example.command, env))
    return results


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=lambda i: EXAMPLES[i].command[:70])
def test_docs_api_example_answers_as_documented(
    answers: list[tuple[int, dict[str, str], Any]], index: int
) -> None:
    example = EXAMPLES[index]
    status, headers, body = answers[index]
    assert status == example.status, f"{example.command}: status {status}, body {body}"
    for name, value in example.headers.items():
        assert headers.get(name) == value, f"{example.command}: header {name}: {headers.get(name)}"
    problems = mismatches(example.body, body)
    assert not problems, f"{example.command}: " + "; ".join(problems)


def test_docs_api_matcher_reports_a_changed_field() -> None:
    assert mismatches({"error": {"code": "not_found"}}, {"error": {"code": "missing"}}) == [
        "body.error.code: expected 'not_found', got 'missing'"
    ]


def test_docs_api_examples_are_found() -> None:
    assert len(EXAMPLES) >= len(contract.routes()), [e.command for e in EXAMPLES]
    assert Path(DOC).is_file()


def test_docs_api_matcher_reports_a_missing_list_element() -> None:
    documented = {"series": [{"series": "custom.api.RouteRequests-events-2xx.Sum"}]}
    assert mismatches(documented, {"series": [{"series": "custom.api.Renamed.Sum"}]})


def test_docs_api_matcher_accepts_any_time_for_a_time_and_a_prefix_for_dots() -> None:
    documented = {"at": "2026-01-01T00:00:00+00:00", "token": "ey..."}
    assert mismatches(documented, {"at": "2030-05-05T10:00:00+00:00", "token": "eyJ4"}) == []
    assert mismatches(documented, {"at": "yesterday", "token": "xx"}) != []
