"""A `cw-analytics:` key the program does not read stops it, naming the nearest known key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stack_settings import CONFIG_KEYS, ConfigError, declared_keys, unknown_key_problems
from tools.preview.stack_config import load_stack_config
from tools.pulumi_mocks import run_program_in_mocks

REPO_ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="module")
def declared() -> frozenset[str]:
    """The keys Pulumi.yaml declares, read once for the module."""
    return declared_keys()


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_declared_keys_cover_every_key_the_settings_read(
    key: str, declared: frozenset[str]
) -> None:
    assert key in declared, f"{key} is read but not declared in Pulumi.yaml"


def test_preview_of_a_stack_with_a_misspelt_key_fails_naming_it(tmp_path: Path) -> None:
    # The project and a stack file with the typo, loaded as the preview loads them; the
    # repository's program then runs with that config (in this process: the CLI's own way of
    # reporting a program that raises is proven in tests/tools/test_preview_cli.py).
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "__main__.py").symlink_to(REPO_ROOT / "__main__.py")
    (tmp_path / "Pulumi.typo-test.yaml").write_text(
        (REPO_ROOT / "Pulumi.prod.yaml")
        .read_text()
        .replace("dbDeletionProtection:", "dbDeletionProtecton:")
    )
    stack = load_stack_config(tmp_path, "typo-test")
    with pytest.raises(ConfigError) as failure:
        run_program_in_mocks(
            REPO_ROOT, config=stack.config, project=stack.project, stack=stack.stack
        )
    assert "cw-analytics:dbDeletionProtecton is not a key this program reads" in str(
        failure.value
    ), failure.value
