"""``python -m tools.preview`` end to end on small fixture programs: exit codes, output, JSON.

One real command per exit status (0 accepted, 1 a mandatory violation, 2 could not run), which
also shows what it prints and writes. Failures of the command line itself run ``main`` in this
process; what a pack concludes is judged in this process too, and shown to be what the command
reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.preview_in_process import judge_program, pack_process, program_resources
from tests.tools.helpers import FIXTURES, SAMPLE_PACK, ToolRun, by_urn, fixture_args, run_fixture
from tools.policy_analyzer import PolicyPackProcess
from tools.preview import cli
from tools.preview.judgement import Judgement, report_resources
from tools.preview.stack_config import load_stack_config

pytestmark = pytest.mark.slow

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
COMMANDS = ("clean", "wildcard_iam", "raises")
"""The fixtures run through the real command: exit status 0, 1 and 2."""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ToolRun]:
    """Each command previewed once against the repository's pack, side by side."""
    out = tmp_path_factory.mktemp("reports")
    with ThreadPoolExecutor(max_workers=len(COMMANDS)) as pool:
        futures = {name: pool.submit(run_fixture, name, out / f"{name}.json") for name in COMMANDS}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def repo_pack() -> Iterator[PolicyPackProcess]:
    """The repository's pack, started once for the programs judged in this process."""
    with pack_process() as pack:
        yield pack


@pytest.fixture(scope="module")
def sample() -> Iterator[Judgement]:
    """The clean fixture judged by the sample pack (advisory, disabled and echoing policies)."""
    with pack_process(SAMPLE_PACK) as pack:
        yield judge_program(pack, FIXTURES / "clean")


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``python -m tools.preview ARGS`` run in this process: exit status, stdout, stderr."""
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _findings(report: dict[str, Any]) -> list[tuple[str, ...]]:
    return sorted(tuple(v[k] for k in sorted(VIOLATION_KEYS)) for v in report["policyViolations"])


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


def test_preview_undeletable_rds_exits_one(repo_pack: PolicyPackProcess) -> None:
    run = judge_program(repo_pack, FIXTURES / "undeletable_rds")
    assert run.exit_status == 1, run.console()
    mandatory = run.report.mandatory
    assert mandatory and all(f.urn.endswith("aws:rds/instance:Instance::db") for f in mandatory)
    assert any("deletion" in f.message.lower() for f in mandatory), mandatory


def test_preview_raising_program_exits_two_with_error(runs: dict[str, ToolRun]) -> None:
    run = runs["raises"]
    assert run.returncode == 2, run.describe()
    assert "RuntimeError: fixture program failed on purpose" in run.stderr, run.describe()


def test_preview_raising_program_hides_traceback_without_verbose(
    runs: dict[str, ToolRun],
) -> None:
    assert "Traceback" not in runs["raises"].stderr, runs["raises"].describe()


def test_preview_raising_program_shows_traceback_with_verbose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, stderr = _main(capsys, *fixture_args("raises"), "--verbose")
    assert status == 2 and "Traceback" in stderr, stderr
    assert "raises/__main__.py" in stderr, stderr


def test_preview_missing_required_key_exits_two_naming_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, stderr = _main(capsys, *fixture_args("missing_key"))
    assert status == 2, stderr
    assert "missing required config 'fixture-missing-key:owner'" in stderr, stderr


def test_preview_secure_value_exits_two_naming_key(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, stderr = _main(capsys, *fixture_args("secure_value"))
    assert status == 2, stderr
    assert "'fixture-secure-value:apiToken' is an encrypted (secure) value" in stderr, stderr


def test_preview_failure_writes_no_report(runs: dict[str, ToolRun]) -> None:
    assert runs["raises"].report is None


def test_preview_json_matches_documented_shape(runs: dict[str, ToolRun], sample: Judgement) -> None:
    for report in (runs["clean"].report, runs["wildcard_iam"].report, sample.json_report()):
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


def test_preview_never_prints_secret_even_when_pack_echoes_it(sample: Judgement) -> None:
    console, report = sample.console(), sample.json_report()
    assert "sample-echo-parameter" in console, console
    assert SECRET not in console + str(report), console


def test_preview_sends_options_to_stack_policies(sample: Judgement) -> None:
    advisory = [f for f in sample.report.findings if f.enforcement_level == "advisory"]
    protected = [f for f in advisory if f.policy == "sample-protected"]
    assert [f.urn.rsplit("::", 1)[-1] for f in protected] == ["token"], advisory


def test_preview_advisory_violations_exit_zero(sample: Judgement) -> None:
    advisory = [f for f in sample.report.findings if f.enforcement_level == "advisory"]
    assert sample.exit_status == 0 and advisory, sample.console()


def test_preview_skips_disabled_policies(sample: Judgement) -> None:
    # The sample pack's other policies do report: the run is not empty by accident.
    assert sample.report.findings, sample.console()
    assert all(f.policy != "sample-disabled" for f in sample.report.findings)


@pytest.mark.parametrize("name", ["clean", "wildcard_iam"])
def test_preview_judged_in_process_reports_what_the_command_reports(
    runs: dict[str, ToolRun], repo_pack: PolicyPackProcess, name: str
) -> None:
    command = runs[name]
    assert command.report is not None, command.describe()
    judged = judge_program(repo_pack, FIXTURES / name)
    report = judged.json_report()
    assert by_urn(report["resources"]) == by_urn(command.report["resources"])
    assert _findings(report) == _findings(command.report)
    assert judged.exit_status == command.returncode, command.describe()


def test_preview_report_resources_are_the_resources_the_command_reports(
    runs: dict[str, ToolRun],
) -> None:
    command = runs["clean"].report
    assert command is not None, runs["clean"].describe()
    config = load_stack_config(FIXTURES / "clean", "test")
    resources = report_resources(config, program_resources(config))
    assert by_urn(resources) == by_urn(command["resources"])


def test_preview_missing_policy_pack_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, stderr = _main(
        capsys, *fixture_args("clean"), "--policy-pack", str(tmp_path / "none")
    )
    assert status == 2 and "has no PulumiPolicy.yaml" in stderr, stderr


def test_preview_invalid_pack_config_exits_two_naming_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "broken.json"
    config.write_text("{")
    status, _, stderr = _main(capsys, *fixture_args("clean"), "--policy-pack-config", str(config))
    assert status == 2 and "broken.json is not valid JSON" in stderr, stderr


def test_preview_pack_that_cannot_start_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "broken-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("raise SystemExit('pack refuses to start')\n")
    status, _, stderr = _main(capsys, *fixture_args("clean"), "--policy-pack", str(pack))
    assert status == 2 and "pack refuses to start" in stderr, stderr


def test_preview_crashing_pack_hides_its_traceback_without_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "crashing-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("raise RuntimeError('pack bug')\n")
    status, _, stderr = _main(capsys, *fixture_args("clean"), "--policy-pack", str(pack))
    assert status == 2 and "RuntimeError: pack bug" in stderr, stderr
    assert "Traceback" not in stderr, stderr
