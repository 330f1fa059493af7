"""``python -m tools.iam_proof``: bad input exits 2 naming it, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.preview_in_process import program_resources
from tests.tools.helpers import FIXTURES, by_urn
from tools.iam_proof.__main__ import main
from tools.iam_proof.run import PreviewRun, RunError
from tools.preview.judgement import report_resources
from tools.preview.stack_config import load_stack_config


def test_iam_proof_cli_missing_preview_report_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"
    assert main(["--preview", str(missing)]) == 2
    assert f"cannot read the preview report {missing}" in capsys.readouterr().err


def test_iam_proof_cli_report_without_resources_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"policyViolations": []}', encoding="utf-8")
    assert main(["--preview", str(report)]) == 2
    assert "is not a preview report" in capsys.readouterr().err


def test_iam_proof_cli_reason_without_a_reason_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reasons = tmp_path / "justified.yaml"
    reasons.write_text(
        "- function: api-handler\n  statement: S\n  action: s3:GetObject\n  resource: '*'\n",
        encoding="utf-8",
    )
    assert main(["--justified", str(reasons)]) == 2
    assert "entry 1 lacks reason" in capsys.readouterr().err


def test_iam_proof_preview_run_of_a_stack_without_config_fails_naming_its_file() -> None:
    # The proof runs the program itself when given no report: a stack it cannot preview fails
    # with the preview's own error, not a missing-file error.
    with pytest.raises(RunError, match=r"cannot preview stack no-such-stack: .*Pulumi\.no-such"):
        PreviewRun("no-such-stack")


def test_iam_proof_preview_run_of_a_failing_program_names_its_error() -> None:
    with pytest.raises(RunError, match="fixture program failed on purpose"):
        PreviewRun("test", FIXTURES / "raises").resources()


def test_iam_proof_preview_run_gives_the_resources_the_preview_report_holds() -> None:
    # That the report holds these resources: tests/tools/test_preview_cli.py.
    config = load_stack_config(FIXTURES / "clean", "test")
    expected = report_resources(config, program_resources(config))
    resources = PreviewRun("test", FIXTURES / "clean").resources()
    assert by_urn(resources) == by_urn(expected)
    [parameter] = [r for r in resources if r["type"] == "aws:ssm/parameter:Parameter"]
    assert parameter["inputs"]["value"] == "[secret]", parameter
