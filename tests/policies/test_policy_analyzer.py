"""tools.policy_analyzer: config files, config reconciliation, and start-up failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.policy_analyzer import (
    PolicyInfo,
    PolicyPackError,
    PolicyPackProcess,
    load_policy_config,
    reconcile_policy_config,
)

POLICIES = (
    PolicyInfo("a", "rule a", "advisory", {"properties": {"n": {"type": "integer", "default": 3}}}),
    PolicyInfo("b", "rule b", "mandatory"),
)


def test_load_policy_config_reads_prod_file(pack_dir: Path) -> None:
    config = load_policy_config(pack_dir / "config" / "prod.json")
    assert config["rds-destroyable"] == {"allowDeletionProtection": True}, f"read as {config}"
    assert config["rds-destroyable-protect"] == {"allowProtect": True}, f"read as {config}"


def test_load_policy_config_names_file_on_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"all": "mandatory",}')
    with pytest.raises(ValueError, match=r"broken\.json is not valid JSON"):
        load_policy_config(path)


def test_load_policy_config_rejects_bad_enforcement_level(tmp_path: Path) -> None:
    path = tmp_path / "level.json"
    path.write_text(json.dumps({"rds-destroyable": {"enforcementLevel": "strict"}}))
    with pytest.raises(ValueError, match="level.json.*'strict'"):
        load_policy_config(path)


def test_reconcile_policy_config_fills_schema_defaults() -> None:
    result = reconcile_policy_config(POLICIES, None)
    assert result == {"a": ("advisory", {"n": 3}), "b": ("mandatory", {})}, f"reconciled: {result}"


def test_reconcile_policy_config_applies_all_then_named_entry() -> None:
    result = reconcile_policy_config(
        POLICIES, {"all": "disabled", "a": {"enforcementLevel": "mandatory", "n": 5}}
    )
    assert result["a"] == ("mandatory", {"n": 5}) and result["b"][0] == "disabled", (
        f"reconciled: {result}"
    )


def test_reconcile_policy_config_rejects_schema_mismatch() -> None:
    with pytest.raises(ValueError, match="a: 'x' is not of type 'integer'"):
        reconcile_policy_config(POLICIES, {"a": {"n": "x"}})


def test_policy_pack_process_reports_crash_with_stderr(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('pack exploded on purpose')\n")
    with pytest.raises(PolicyPackError, match="pack exploded on purpose"):
        with PolicyPackProcess(tmp_path, startup_timeout=30):
            pass


def test_policy_pack_process_rejects_dir_without_pack_yaml(tmp_path: Path) -> None:
    with pytest.raises(PolicyPackError, match="PulumiPolicy.yaml is missing"):
        with PolicyPackProcess(tmp_path):
            pass


def test_policy_pack_process_passes_runtime_options_to_shim(pack_dir: Path) -> None:
    process = PolicyPackProcess(pack_dir)
    assert process.shim_arguments()[1:] == [".", "-virtualenv=venv"], process.shim_arguments()
    assert process.command()[1:4] == ["-u", "-m", "pulumi.policy"], process.command()
