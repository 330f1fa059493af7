"""Pulumi.yaml declares every config key the program reads, where Pulumi users look for them.

``pulumi config`` and the Pulumi Cloud console show the project's declarations (type, default,
description); the stack files set only what differs from them; the settings module still
validates values and reports every bad key at once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from stack_settings import CONFIG_KEYS, NAMESPACE, ConfigError, settings_from_config
from tools.preview.stack_config import config_value_text

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"environmentSuffix", "alarmEmails"}
PROJECT_TYPES = {"string", "integer", "boolean", "array"}
MINIMAL = {"environmentSuffix": "test", "alarmEmails": '["oncall@example.com"]'}
REGION = "eu-west-1"


@functools.cache
def declared() -> dict[str, dict[str, Any]]:
    block = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]
    prefix = f"{NAMESPACE}:"
    return {key.removeprefix(prefix): spec for key, spec in block.items()}


def stack_values(stack: str) -> dict[str, Any]:
    block = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    prefix = f"{NAMESPACE}:"
    return {k.removeprefix(prefix): v for k, v in block.items() if k.startswith(prefix)}


def test_project_config_declares_exactly_the_keys_settings_read() -> None:
    assert set(declared()) == set(CONFIG_KEYS), (
        f"undeclared: {sorted(set(CONFIG_KEYS) - set(declared()))}, "
        f"declared but never read: {sorted(set(declared()) - set(CONFIG_KEYS))}"
    )


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_project_config_key_has_type_and_description(key: str) -> None:
    spec = declared()[key]
    assert spec.get("type") in PROJECT_TYPES, f"{key}: type {spec.get('type')!r}"
    assert len(str(spec.get("description", ""))) > 20, f"{key} has no real description"


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_project_config_only_required_keys_lack_a_default(key: str) -> None:
    assert ("default" not in declared()[key]) == (key in REQUIRED), key


@pytest.mark.parametrize("key", sorted(set(CONFIG_KEYS) - REQUIRED))
def test_project_config_default_is_what_the_program_assumes(key: str) -> None:
    """Pulumi hands the program the declared default; the settings' own default must be the
    same value, or a stack deployed outside Pulumi (tests, the offline preview) would differ."""
    default = config_value_text(declared()[key]["default"])
    without = settings_from_config(MINIMAL, REGION)
    with_default = settings_from_config({**MINIMAL, key: default}, REGION)
    assert with_default == without, f"{key}: declared default {default!r} is not the program's"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_project_config_stack_files_set_only_what_differs(stack: str) -> None:
    values = {k: config_value_text(v) for k, v in stack_values(stack).items()}
    full = settings_from_config(values, REGION)
    for key in sorted(set(values) - REQUIRED):
        rest = {k: v for k, v in values.items() if k != key}
        assert settings_from_config(rest, REGION) != full, (
            f"Pulumi.{stack}.yaml sets {key} to its default; leave it to Pulumi.yaml"
        )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_project_config_stack_values_have_the_declared_type(stack: str) -> None:
    checks = {"string": str, "integer": int, "boolean": bool, "array": list}
    for key, value in stack_values(stack).items():
        kind = declared()[key]["type"]
        ok = isinstance(value, checks[kind]) and not (kind == "integer" and value is True)
        assert ok, f"Pulumi.{stack}.yaml: {key}={value!r} is not a {kind}"


def test_project_config_bad_values_are_reported_together() -> None:
    """Reading config names every key of the wrong type, its value and the rule, in one error
    (the values' own rules are the components')."""
    bad = {
        **MINIMAL,
        "dbAllocatedStorage": "five",
        "logRetentionDays": "13.5",
        "apiThrottleRateLimit": "fast",
        "dbMultiAz": "maybe",
    }
    with pytest.raises(ConfigError) as raised:
        settings_from_config(bad, REGION)
    problems = raised.value.problems
    for key, value in (
        ("dbAllocatedStorage", "five"),
        ("logRetentionDays", "13.5"),
        ("apiThrottleRateLimit", "fast"),
        ("dbMultiAz", "maybe"),
    ):
        assert any(f"{NAMESPACE}:{key} '{value}'" in p for p in problems), (key, problems)
    assert len(problems) == 4, problems
