"""``python -m tools.preview`` end to end on small fixture programs: exit codes, output, JSON."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.tools.helpers import SAMPLE_PACK, ToolRun, run_fixture

RESOURCE_KEYS = {"urn", "type", "name", "parent", "inputs", "options", "effectiveOptions"}
EFFECTIVE_KEYS = {"protect", "retainOnDelete", "deletedWith", "inheritedFrom"}
STEP_KEYS = {"urn", "wave", "action", "waitsFor"}
OPTION_KEYS = {
    "protect",
    "retainOnDelete",
    "deletedWith",
    "ignoreChanges",
    "replaceOnChanges",
    "deleteBeforeReplace",
    "customTimeouts",
    "dependencies",
    "propertyDependencies",
}
VIOLATION_KEYS = {"policyPack", "policy", "enforcementLevel", "urn", "message"}
LEVELS = {"advisory", "mandatory", "remediate", "disabled"}
SECRET = "offline-fixture-secret-value"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ToolRun]:
    """Each fixture previewed once (against the repository's pack unless noted)."""
    out = tmp_path_factory.mktemp("reports")
    cases: dict[str, tuple[str, ...]] = {
        "clean": (),
        "wildcard_iam": (),
        "undeletable_rds": (),
        "raises": (),
        "missing_key": (),
        "secure_value": (),
    }
    jobs: dict[str, tuple[str, tuple[str, ...]]] = {
        name: (name, extra) for name, extra in cases.items()
    }
    jobs["clean-sample"] = ("clean", ("--policy-pack", str(SAMPLE_PACK)))
    jobs["raises-verbose"] = ("raises", ("--verbose",))
    # Independent processes: run them side by side.
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            key: pool.submit(run_fixture, fixture, out / f"{key}.json", *extra)
            for key, (fixture, extra) in jobs.items()
        }
        return {key: future.result() for key, future in futures.items()}


def _violations(run: ToolRun, level: str) -> list[dict[str, Any]]:
    assert run.report is not None, run.describe()
    return [v for v in run.report["policyViolations"] if v["enforcementLevel"] == level]


def test_preview_clean_program_exits_zero(runs: dict[str, ToolRun]) -> None:
    assert runs["clean"].returncode == 0, runs["clean"].describe()


def test_preview_wildcard_iam_policy_exits_one(runs: dict[str, ToolRun]) -> None:
    run = runs["wildcard_iam"]
    assert run.returncode == 1, run.describe()
    [violation] = _violations(run, "mandatory")
    assert violation["urn"].endswith("aws:iam/policy:Policy::admin"), violation
    assert "*" in violation["message"], violation


def test_preview_wildcard_iam_policy_prints_violation_under_policies(
    runs: dict[str, ToolRun],
) -> None:
    policies = runs["wildcard_iam"].stdout.split("Policies:")[1]
    assert "mandatory (1)" in policies and "(aws:iam/policy:Policy: admin)" in policies


def test_preview_undeletable_rds_exits_one(runs: dict[str, ToolRun]) -> None:
    run = runs["undeletable_rds"]
    assert run.returncode == 1, run.describe()
    mandatory = _violations(run, "mandatory")
    assert mandatory and all(v["urn"].endswith("aws:rds/instance:Instance::db") for v in mandatory)
    assert any("deletion" in v["message"].lower() for v in mandatory), mandatory


def test_preview_raising_program_exits_two_with_error(runs: dict[str, ToolRun]) -> None:
    run = runs["raises"]
    assert run.returncode == 2, run.describe()
    assert "RuntimeError: fixture program failed on purpose" in run.stderr, run.describe()


def test_preview_raising_program_hides_traceback_without_verbose(
    runs: dict[str, ToolRun],
) -> None:
    assert "Traceback" not in runs["raises"].stderr, runs["raises"].describe()


def test_preview_raising_program_shows_traceback_with_verbose(runs: dict[str, ToolRun]) -> None:
    run = runs["raises-verbose"]
    assert run.returncode == 2 and "Traceback" in run.stderr, run.describe()
    assert "raises/__main__.py" in run.stderr, run.describe()


def test_preview_missing_required_key_exits_two_naming_key(runs: dict[str, ToolRun]) -> None:
    run = runs["missing_key"]
    assert run.returncode == 2, run.describe()
    assert "missing required config 'fixture-missing-key:owner'" in run.stderr, run.describe()


def test_preview_secure_value_exits_two_naming_key(runs: dict[str, ToolRun]) -> None:
    run = runs["secure_value"]
    assert run.returncode == 2, run.describe()
    assert "'fixture-secure-value:apiToken' is an encrypted (secure) value" in run.stderr


def test_preview_failure_writes_no_report(runs: dict[str, ToolRun]) -> None:
    assert runs["raises"].report is None


def test_preview_json_matches_documented_shape(runs: dict[str, ToolRun]) -> None:
    for name in ("clean", "wildcard_iam", "clean-sample"):
        report = runs[name].report
        assert report is not None
        assert set(report) == {"stack", "resources", "destroy", "policyViolations"}
        assert set(report["destroy"]) == {"blockedBy", "order"}
        for step in report["destroy"]["order"]:
            assert set(step) == STEP_KEYS and step["action"] in ("delete", "retain", "skip"), step
        assert report["stack"] == "test"
        for resource in report["resources"]:
            assert set(resource) == RESOURCE_KEYS, resource
            assert all(isinstance(resource[k], str) for k in ("urn", "type", "name"))
            assert resource["parent"] is None or isinstance(resource["parent"], str)
            assert isinstance(resource["inputs"], dict)
            assert set(resource["options"]) == OPTION_KEYS, resource["options"]
            assert isinstance(resource["options"]["protect"], bool)
            assert set(resource["effectiveOptions"]) == EFFECTIVE_KEYS, resource
        for violation in report["policyViolations"]:
            assert set(violation) == VIOLATION_KEYS, violation
            assert all(isinstance(value, str) for value in violation.values()), violation
            assert violation["enforcementLevel"] in LEVELS, violation


def test_preview_json_redacts_secret_input(runs: dict[str, ToolRun]) -> None:
    report = runs["clean"].report
    assert report is not None
    [param] = [r for r in report["resources"] if r["type"] == "aws:ssm/parameter:Parameter"]
    assert param["inputs"]["value"] == "[secret]"


def test_preview_json_records_options_and_parent(runs: dict[str, ToolRun]) -> None:
    report = runs["clean"].report
    assert report is not None
    by_name = {r["name"]: r for r in report["resources"]}
    assert by_name["token"]["options"]["protect"] is True
    assert by_name["token"]["options"]["ignoreChanges"] == ["description"]
    assert by_name["alerts-role"]["parent"] == by_name["alerts"]["urn"]
    assert by_name["alerts-publish"]["options"]["propertyDependencies"]["role"] == [
        by_name["alerts-role"]["urn"]
    ]


def test_preview_console_lists_tree_and_counts(runs: dict[str, ToolRun]) -> None:
    out = runs["clean"].stdout
    # The stack's two children register in whichever order their inputs resolve.
    assert " +   pulumi:pulumi:Stack" in out, out
    assert re.search(r"[├└]─ fixture:index:Notifier", out), out
    assert "+ 6 to create" in out and "1  aws:iam/rolePolicy:RolePolicy" in out, out


def test_preview_never_prints_secret_even_when_pack_echoes_it(runs: dict[str, ToolRun]) -> None:
    run = runs["clean-sample"]
    assert "sample-echo-parameter" in run.stdout, run.describe()
    assert SECRET not in run.stdout + run.stderr + str(run.report), run.describe()


def test_preview_sends_options_to_stack_policies(runs: dict[str, ToolRun]) -> None:
    advisory = _violations(runs["clean-sample"], "advisory")
    protected = [v for v in advisory if v["policy"] == "sample-protected"]
    assert [v["urn"].rsplit("::", 1)[-1] for v in protected] == ["token"], advisory


def test_preview_advisory_violations_exit_zero(runs: dict[str, ToolRun]) -> None:
    run = runs["clean-sample"]
    assert run.returncode == 0 and _violations(run, "advisory"), run.describe()


def test_preview_skips_disabled_policies(runs: dict[str, ToolRun]) -> None:
    report = runs["clean-sample"].report
    assert report is not None
    assert all(v["policy"] != "sample-disabled" for v in report["policyViolations"])


def test_preview_missing_policy_pack_exits_two(tmp_path: Path) -> None:
    run = run_fixture("clean", tmp_path / "r.json", "--policy-pack", str(tmp_path / "none"))
    assert run.returncode == 2 and "has no PulumiPolicy.yaml" in run.stderr, run.describe()


def test_preview_invalid_pack_config_exits_two_naming_file(tmp_path: Path) -> None:
    config = tmp_path / "broken.json"
    config.write_text("{")
    run = run_fixture("clean", tmp_path / "r.json", "--policy-pack-config", str(config))
    assert run.returncode == 2 and "broken.json is not valid JSON" in run.stderr, run.describe()


def test_preview_pack_that_cannot_start_exits_two(tmp_path: Path) -> None:
    pack = tmp_path / "broken-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("raise SystemExit('pack refuses to start')\n")
    run = run_fixture("clean", tmp_path / "r.json", "--policy-pack", str(pack))
    assert run.returncode == 2 and "pack refuses to start" in run.stderr, run.describe()


def test_preview_crashing_pack_hides_its_traceback_without_verbose(tmp_path: Path) -> None:
    pack = tmp_path / "crashing-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("raise RuntimeError('pack bug')\n")
    run = run_fixture("clean", tmp_path / "r.json", "--policy-pack", str(pack))
    assert run.returncode == 2 and "RuntimeError: pack bug" in run.stderr, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
