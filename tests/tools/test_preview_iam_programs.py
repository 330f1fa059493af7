"""Whole programs writing IAM the usual Pulumi ways, judged by the offline preview.

The programs that run are judged in this process by one pack (what the preview reports is what
``python -m tools.preview`` reports: tests/tools/test_preview_cli.py proves it); the ones that
fail run in the preview's own program child, as the command runs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.preview_in_process import judge_program, pack_process
from tests.tools.helpers import FIXTURES
from tools.preview.errors import ProgramError
from tools.preview.judgement import Judgement
from tools.preview.program import start_program
from tools.preview.stack_config import load_stack_config

JUDGED = ("policy_document_accepted", "policy_document_rejected")
FAILING = ("unknown_data_source", "unknown_data_source_output")
ACCOUNT = "123456789012"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Judgement]]:
    """Each program that runs, judged once by the repository's pack."""
    with pack_process() as pack:
        yield {name: judge_program(pack, FIXTURES / name) for name in JUDGED}


@pytest.fixture(scope="module")
def failures() -> dict[str, ProgramError | None]:
    """What the preview's program child reports for each program that fails (run side by side)."""
    started = {name: start_program(load_stack_config(FIXTURES / name, "test")) for name in FAILING}
    found: dict[str, ProgramError | None] = dict.fromkeys(FAILING)
    try:
        for name, run in started.items():
            try:
                run.result()
            except ProgramError as error:
                found[name] = error
    finally:
        for run in started.values():
            run.close()
    return found


def _inputs(run: Judgement, name: str) -> dict[str, Any]:
    [entry] = [r for r in run.json_report()["resources"] if r["name"] == name]
    inputs: dict[str, Any] = entry["inputs"]
    return inputs


def _policy(run: Judgement, name: str) -> dict[str, Any]:
    text = _inputs(run, name)["policy"]
    assert isinstance(text, str), f"{name}: policy reached the pack as {type(text)}"
    document: dict[str, Any] = json.loads(text)
    return document


def test_preview_accepts_scoped_policy_documents(runs: dict[str, Judgement]) -> None:
    run = runs["policy_document_accepted"]
    assert run.exit_status == 0, run.console()


def test_preview_applies_override_by_sid_over_source_wildcard(runs: dict[str, Judgement]) -> None:
    statements = _policy(runs["policy_document_accepted"], "worker-access")["Statement"]
    assert [s["Sid"] for s in statements] == ["Reports", "Jobs"], statements
    reports, jobs = statements
    assert reports["Action"] == "s3:GetObject", f"worker-access: override lost: {reports}"
    assert re.fullmatch(r"arn:aws:s3:::reports-[0-9a-f]{7}/\*", reports["Resource"]), reports
    assert jobs["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage"], jobs
    assert jobs["Resource"].startswith(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs-"), jobs


def test_preview_renders_policy_document_json_like_the_provider(
    runs: dict[str, Judgement],
) -> None:
    text = _inputs(runs["policy_document_accepted"], "worker")["assumeRolePolicy"]
    assert text == json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                }
            ],
        },
        indent=2,
    )


def test_preview_json_dumps_resolves_nested_outputs(runs: dict[str, Judgement]) -> None:
    first, second = _policy(runs["policy_document_accepted"], "worker-key")["Statement"]
    assert re.fullmatch(
        rf"arn:aws:kms:eu-west-1:{ACCOUNT}:key/[0-9a-f-]{{36}}", first["Resource"][0]
    )
    assert first["Condition"]["StringEquals"]["kms:ViaService"] == "sqs.eu-west-1.amazonaws.com"
    assert second["Resource"] == (
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/worker:*"
    ), second


def test_preview_layer_version_arn_carries_its_version(runs: dict[str, Judgement]) -> None:
    statement = _policy(runs["policy_document_accepted"], "worker-layer")["Statement"][0]
    assert statement["Resource"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:fixture-deps:1"


def test_preview_data_sources_answer_with_the_stack_values(runs: dict[str, Judgement]) -> None:
    tags = _inputs(runs["policy_document_accepted"], "jobs")["tags"]
    assert tags == {
        "account": ACCOUNT,
        "region": "eu-west-1",
        "partition": "aws",
        "zone": "eu-west-1a",
        "zoneId": "euw1-az1",
    }, tags


def test_preview_rejects_wildcards_from_policy_documents(runs: dict[str, Judgement]) -> None:
    run = runs["policy_document_rejected"]
    assert run.exit_status == 1, run.console()
    rejected = {
        f.urn.rsplit("::", 1)[-1] for f in run.report.mandatory if "rolePolicy:RolePolicy" in f.urn
    }
    for name in ("plain-star", "source-star", "override-star", "not-action"):
        assert name in rejected, f"RolePolicy '{name}' grants a wildcard but was accepted"


def test_preview_renders_override_star_in_place_of_the_scoped_statement(
    runs: dict[str, Judgement],
) -> None:
    [statement] = _policy(runs["policy_document_rejected"], "override-star")["Statement"]
    assert statement == {"Sid": "Send", "Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize(
    ("fixture", "name"),
    [("unknown_data_source", "aws.ec2.get_ami"), ("unknown_data_source_output", "aws.ec2.get_vpc")],
)
def test_preview_unanswered_data_source_fails_naming_it(
    failures: dict[str, ProgramError | None], fixture: str, name: str
) -> None:
    error = failures[fixture]
    assert error is not None, f"{fixture} ran without an error"
    message = str(error)  # what the command prints before exiting 2
    assert f"data source {name} (" in message, message
    assert "Traceback" not in message, message
