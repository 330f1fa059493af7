"""The README: short, its first screen runnable, its configuration table true to Pulumi.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
NAMESPACE = "cw-analytics:"
TABLE = re.compile(
    r"<!-- BEGIN CONFIG TABLE[^>]*-->\n(?P<body>.*?)<!-- END CONFIG TABLE -->", re.DOTALL
)
FIRST_SCREEN_LINES = 30


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _declared() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    return {key.removeprefix(NAMESPACE): spec for key, spec in config.items()}


def _table_rows() -> dict[str, tuple[str, str]]:
    match = TABLE.search(_readme())
    assert match, "README.md has no CONFIG TABLE markers"
    rows: dict[str, tuple[str, str]] = {}
    for line in match.group("body").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def _render_default(spec: dict[str, Any]) -> str:
    if "default" not in spec:
        return "— (required)"
    value = spec["default"]
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def test_readme_is_about_two_hundred_lines() -> None:
    lines = _readme().count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move detail to docs/"


def test_readme_first_screen_gives_preview_and_test_commands() -> None:
    first_screen = "\n".join(_readme().splitlines()[:FIRST_SCREEN_LINES])
    for command in ("make preview", "make test"):
        assert command in first_screen, f"{command!r} is not on the README's first screen"


def test_readme_test_command_is_the_one_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE), ".ci/run does not run `make test`"


def test_readme_config_table_lists_every_declared_key() -> None:
    rows, declared = _table_rows(), _declared()
    assert set(rows) == set(declared), (
        f"only in README: {sorted(set(rows) - set(declared))}; "
        f"only in Pulumi.yaml: {sorted(set(declared) - set(rows))}"
    )


def test_readme_config_table_defaults_match_pulumi_yaml() -> None:
    rows, declared = _table_rows(), _declared()
    wrong = {
        key: (rows[key][0], _render_default(spec))
        for key, spec in declared.items()
        if key in rows and rows[key][0] != _render_default(spec)
    }
    assert not wrong, f"README default differs from Pulumi.yaml (README, Pulumi.yaml): {wrong}"


def test_readme_config_table_rows_say_a_rule() -> None:
    empty = [key for key, (_, rule) in _table_rows().items() if len(rule) < 10]
    assert not empty, f"config rows without a rule: {empty}"


OPERATOR_SECTIONS = ("Prerequisites", "Deploy", "Destroy", "Configuration", "Troubleshooting")
OPERATOR_PAGES = ("cost.md", "security.md", "operations.md", "alarms.md", "architecture.md")


def _section(title: str) -> str:
    match = re.search(
        rf"^##\s+{title}\b.*?$(?P<body>.*?)(?=^##\s|\Z)", _readme(), re.MULTILINE | re.DOTALL
    )
    assert match, f"README.md has no '## {title}' section"
    return match.group("body")


def test_readme_has_the_sections_an_operator_needs() -> None:
    thin = [title for title in OPERATOR_SECTIONS if len(_section(title).strip()) < 200]
    assert not thin, f"README sections missing or nearly empty: {thin}"


def test_readme_links_every_operator_page() -> None:
    missing = [page for page in OPERATOR_PAGES if f"(docs/{page}" not in _readme()]
    assert not missing, f"README.md does not link docs/{missing}"
