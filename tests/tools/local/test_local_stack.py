"""The stack description the local system is seeded from: the program's own resources."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from components.lib.paths import BUILD_DIR_ENV, default_build_dir
from tests.tools.local.fresh_imports import loaded_by_importing
from tools.local import contract
from tools.local import stack as stack_module
from tools.local.stack import (
    KEPT_DESCRIPTIONS,
    StackDescription,
    StackError,
    default_cache_dir,
    digest_inputs,
    from_json,
    load_stack,
    program_digest,
    schedule_seconds,
    store_description,
    to_json,
)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_schedule_seconds_of_rate_expressions(expression: str, seconds: int) -> None:
    assert schedule_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(0 12 * * ? *)", "rate(5 weeks)", "rate(-1 minutes)"])
def test_schedule_seconds_rejects_what_a_timer_cannot_run(expression: str) -> None:
    with pytest.raises(StackError, match="rate"):
        schedule_seconds(expression)


def test_stack_dev_functions_agree_on_the_metrics_table() -> None:
    stack = load_stack(contract.REPO_ROOT, "dev")
    sources = json.loads(stack.aggregator.environment["METRIC_SOURCES"])
    assert stack.api_handler.environment["METRICS_TABLE"] == stack.table.name
    assert stack.aggregator.environment["METRICS_TABLE"] == stack.table.name
    assert sources["table"] == stack.table.name


def test_stack_dev_aggregator_watches_the_api_stage_and_handler() -> None:
    stack = load_stack(contract.REPO_ROOT, "dev")
    sources = json.loads(stack.aggregator.environment["METRIC_SOURCES"])
    assert sources["api"] == {"name": stack.api_name, "stage": stack.stage}
    assert stack.api_handler.name in sources["functions"]


def test_stack_description_round_trips_through_json() -> None:
    stack = load_stack(contract.REPO_ROOT, "dev")
    assert from_json(to_json(stack)) == stack


def test_stack_cache_digest_covers_every_program_module() -> None:
    """A module next to ``__main__.py`` that the program imports (its settings) changes the
    description; missing from the digest, an edit to it would leave a stale cache."""
    program = contract.REPO_ROOT
    tree = ast.parse((program / "__main__.py").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and not node.level
    }
    local_modules = {p for p in program.glob("*.py") if p.stem in imported}
    assert local_modules, "the program imports no module of its own directory"
    assert local_modules <= set(digest_inputs(program, "dev")), sorted(map(str, local_modules))


@pytest.mark.parametrize("override", [None, "/srv/cwa-build"])
def test_stack_cache_dir_is_local_in_the_lambda_build_dir(
    override: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The description is cached where the component library puts its build output."""
    if override is None:
        monkeypatch.delenv(BUILD_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(BUILD_DIR_ENV, override)
    assert default_cache_dir() == default_build_dir() / "local"


def test_local_system_module_does_not_load_pulumi() -> None:
    """``python -m tools.local`` starts from the cached description without Pulumi's SDK or the
    component library (about 1.5 s of CPU a start)."""
    assert loaded_by_importing("tools.local.system", {"pulumi", "components"}) == []


@pytest.fixture(scope="module")
def dev_stack() -> StackDescription:
    """The dev stack's description (from the build directory's cache when it is there)."""
    return load_stack(contract.REPO_ROOT, "dev")


def _entry(cache: Path, digest: str, used_at: int) -> Path:
    """A cache entry last used at ``used_at`` (seconds since the epoch)."""
    path = cache / f"stack-dev-{digest}.json"
    path.write_text("{}", encoding="utf-8")
    os.utime(path, (used_at, used_at))
    return path


def test_stack_cache_keeps_the_description_of_another_checkout(
    tmp_path: Path, dev_stack: StackDescription
) -> None:
    """Two checkouts sharing a build directory (another branch: another digest) do not evict
    each other's description, which would make every start of each run the program again."""
    other = _entry(tmp_path, "a" * 20, 1_000_000)
    stored = store_description(tmp_path, "dev", "b" * 20, dev_stack)
    assert other.exists()
    assert from_json(stored.read_text(encoding="utf-8")) == dev_stack


def test_stack_cache_drops_the_least_recently_used_beyond_its_limit(
    tmp_path: Path, dev_stack: StackDescription
) -> None:
    entries = [_entry(tmp_path, f"{n:020x}", 1_000_000 + n) for n in range(KEPT_DESCRIPTIONS)]
    another_stack = tmp_path / f"stack-dev-eu-{'c' * 20}.json"
    another_stack.write_text("{}", encoding="utf-8")
    os.utime(another_stack, (1, 1))
    stored = store_description(tmp_path, "dev", "d" * 20, dev_stack)
    kept = sorted(tmp_path.glob("stack-dev-*.json"))
    assert not entries[0].exists(), "the least recently used entry was kept"
    assert set(kept) == {*entries[1:], stored, another_stack}, kept
    assert not list(tmp_path.glob("*.tmp")), "a temporary file was left behind"


def test_stack_cache_hit_counts_as_a_use(
    tmp_path: Path, dev_stack: StackDescription, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A description read from the cache becomes the most recently used (the last to go)."""
    digest = program_digest(contract.REPO_ROOT, "dev")
    entry = store_description(tmp_path, "dev", digest, dev_stack)
    os.utime(entry, (1_000_000, 1_000_000))

    def no_program_run(*_: object) -> None:
        raise AssertionError("a cache hit must not run the program")

    monkeypatch.setattr(stack_module, "StackReader", no_program_run)
    assert load_stack(contract.REPO_ROOT, "dev", cache_dir=tmp_path) == dev_stack
    assert entry.stat().st_mtime > 1_000_000
