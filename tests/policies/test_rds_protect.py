"""rds-destroyable and Pulumi's protect: rejected unless the stack allows it (prod does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from policies.rules import rds

from .helpers import engine_args, run

REPO_ROOT = Path(__file__).resolve().parents[2]
DESTROYABLE = {"deletionProtection": False, "skipFinalSnapshot": True}


def test_rds_destroyable_accepts_protect_where_the_stack_allows_it() -> None:
    args = engine_args(
        "aws:rds/instance:Instance", DESTROYABLE, protect=True, config={"allowProtect": True}
    )
    assert run(rds.validate_destroyable, args) == []


def test_rds_destroyable_rejects_protect_naming_the_config_key() -> None:
    args = engine_args(
        "aws:rds/instance:Instance", DESTROYABLE, protect=True, config={"allowProtect": False}
    )
    [message] = run(rds.validate_destroyable, args)
    assert "protect" in message and "allowProtect" in message, message


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rds_destroyable_config_agrees_with_the_stack_s_protect_setting(stack: str) -> None:
    """A stack that protects its data must be allowed to by its policy config, and only it."""
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    protects = bool(config.get("cw-analytics:protectStatefulResources", False))
    policy = json.loads((REPO_ROOT / "policies" / "config" / f"{stack}.json").read_text())
    assert policy["rds-destroyable"].get("allowProtect", False) is protects, stack
