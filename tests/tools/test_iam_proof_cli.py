"""``python -m tools.iam_proof``: bad input exits 2 naming it, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.iam_proof.__main__ import main
from tools.iam_proof.run import PreviewRun, RunError


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


def test_iam_proof_preview_run_of_a_stack_without_config_fails_naming_the_exit_status() -> None:
    # The proof runs the preview itself when given none: a stack it cannot preview fails with
    # the preview's exit status and output, not a missing-file error.
    with pytest.raises(RunError, match=r"stack no-such-stack wrote no report \(exit 2\)"):
        PreviewRun("no-such-stack").resources()
