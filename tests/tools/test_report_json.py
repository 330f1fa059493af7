"""The ``--json`` report built in-process: shape, redaction, options."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tools.builders import resource, secret, stack
from tools.preview.findings import Finding
from tools.preview.options import resolve_options
from tools.preview.report_json import build_report, write_report


def test_build_report_redacts_secret_inputs() -> None:
    param = resource("aws:ssm/parameter:Parameter", "p", inputs={"value": secret("hunter2!")})
    report = build_report("test", resolve_options([stack(), param]), [])
    assert report["resources"][1]["inputs"] == {"value": "[secret]"}


def test_build_report_scrubs_secret_echoed_in_violation_message() -> None:
    finding = Finding("pack", "rule", "advisory", "", "value is hunter2!")
    report = build_report("test", [], [finding], secrets={"hunter2!"})
    assert report["policyViolations"][0]["message"] == "value is [secret]"


def test_build_report_gives_root_resource_null_parent() -> None:
    assert build_report("test", resolve_options([stack()]), [])["resources"][0]["parent"] is None


def test_build_report_carries_options_a_pack_sees() -> None:
    db = resource(
        "aws:rds/instance:Instance",
        "db",
        protect=True,
        ignore_changes=("password",),
        delete_before_replace=True,
        dependencies=("urn:x",),
        property_dependencies={"subnetGroupName": ("urn:x",)},
    )
    options = build_report("test", resolve_options([db]), [])["resources"][0]["options"]
    assert options == {
        "protect": True,
        "retainOnDelete": False,
        "deletedWith": None,
        "ignoreChanges": ["password"],
        "replaceOnChanges": [],
        "deleteBeforeReplace": True,
        "customTimeouts": {},
        "dependencies": ["urn:x"],
        "propertyDependencies": {"subnetGroupName": ["urn:x"]},
    }


def test_write_report_writes_stable_json(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    report = build_report("test", resolve_options([stack()]), [])
    write_report(path, report)
    assert json.loads(path.read_text()) == report
