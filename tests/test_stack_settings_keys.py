"""A `cw-analytics:` key the program does not read stops it, naming the nearest known key."""

from __future__ import annotations

import pytest

from stack_settings import CONFIG_KEYS, declared_keys, unknown_key_problems
from tests.tools.helpers import REPO_ROOT, run_tool


def test_unknown_key_problems_names_key_and_nearest_declared_key() -> None:
    problems = unknown_key_problems(["cw-analytics:dbDeletionProtecton"], declared_keys())
    assert problems and "did you mean cw-analytics:dbDeletionProtection?" in problems[0], problems


def test_unknown_key_problems_ignores_other_namespaces_and_known_keys() -> None:
    given = ["aws:region", "cw-analytics:environmentSuffix", "cw-analytics:dbMultiAz"]
    assert unknown_key_problems(given, declared_keys()) == []


def test_unknown_key_problems_without_a_near_key_says_undeclared() -> None:
    problems = unknown_key_problems(["cw-analytics:zzz"], declared_keys())
    assert problems == [
        "cw-analytics:zzz is not a key this program reads (it is not declared); "
        "Pulumi.yaml declares every key"
    ]


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_declared_keys_cover_every_key_the_settings_read(key: str) -> None:
    assert key in declared_keys(), f"{key} is read but not declared in Pulumi.yaml"


def test_preview_of_a_stack_with_a_misspelt_key_fails_naming_it() -> None:
    stack = REPO_ROOT / "Pulumi.typo-test.yaml"
    stack.write_text(
        (REPO_ROOT / "Pulumi.prod.yaml")
        .read_text()
        .replace("dbDeletionProtection:", "dbDeletionProtecton:")
    )
    try:
        run = run_tool(
            "--stack",
            "typo-test",
            "--policy-pack-config",
            str(REPO_ROOT / "policies" / "config" / "prod.json"),
        )
    finally:
        stack.unlink()
    assert run.returncode == 2, run.describe()
    assert "cw-analytics:dbDeletionProtecton is not a key this program reads" in run.stderr, (
        run.describe()
    )
