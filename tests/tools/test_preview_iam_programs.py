"""Whole programs writing IAM the usual Pulumi ways, through ``python -m tools.preview``."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.tools.helpers import ToolRun, run_fixture

FIXTURES = (
    "policy_document_accepted",
    "policy_document_rejected",
    "unknown_data_source",
    "unknown_data_source_output",
)
ACCOUNT = "123456789012"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ToolRun]:
    """Each fixture previewed once against the repository's pack, side by side."""
    out = tmp_path_factory.mktemp("iam-programs")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run_fixture, name, out / f"{name}.json") for name in FIXTURES}
        return {name: future.result() for name, future in futures.items()}


def _inputs(run: ToolRun, name: str) -> dict[str, Any]:
    assert run.report is not None, run.describe()
    [entry] = [r for r in run.report["resources"] if r["name"] == name]
    inputs: dict[str, Any] = entry["inputs"]
    return inputs


def _policy(run: ToolRun, name: str) -> dict[str, Any]:
    text = _inputs(run, name)["policy"]
    assert isinstance(text, str), f"{name}: policy reached the pack as {type(text)}"
    document: dict[str, Any] = json.loads(text)
    return document


def test_preview_accepts_scoped_policy_documents(runs: dict[str, ToolRun]) -> None:
    run = runs["policy_document_accepted"]
    assert run.returncode == 0, run.describe()


def test_preview_applies_override_by_sid_over_source_wildcard(runs: dict[str, ToolRun]) -> None:
    statements = _policy(runs["policy_document_accepted"], "worker-access")["Statement"]
    assert [s["Sid"] for s in statements] == ["Reports", "Jobs"], statements
    reports, jobs = statements
    assert reports["Action"] == "s3:GetObject", f"worker-access: override lost: {reports}"
    assert re.fullmatch(r"arn:aws:s3:::reports-[0-9a-f]{7}/\*", reports["Resource"]), reports
    assert jobs["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage"], jobs
    assert jobs["Resource"].startswith(f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs-"), jobs


def test_preview_renders_policy_document_json_like_the_provider(
    runs: dict[str, ToolRun],
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


def test_preview_json_dumps_resolves_nested_outputs(runs: dict[str, ToolRun]) -> None:
    first, second = _policy(runs["policy_document_accepted"], "worker-key")["Statement"]
    assert re.fullmatch(
        rf"arn:aws:kms:eu-west-1:{ACCOUNT}:key/[0-9a-f-]{{36}}", first["Resource"][0]
    )
    assert first["Condition"]["StringEquals"]["kms:ViaService"] == "sqs.eu-west-1.amazonaws.com"
    assert second["Resource"] == (
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/worker:*"
    ), second


def test_preview_layer_version_arn_carries_its_version(runs: dict[str, ToolRun]) -> None:
    statement = _policy(runs["policy_document_accepted"], "worker-layer")["Statement"][0]
    assert statement["Resource"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:fixture-deps:1"


def test_preview_data_sources_answer_with_the_stack_values(runs: dict[str, ToolRun]) -> None:
    tags = _inputs(runs["policy_document_accepted"], "jobs")["tags"]
    assert tags == {
        "account": ACCOUNT,
        "region": "eu-west-1",
        "partition": "aws",
        "zone": "eu-west-1a",
        "zoneId": "euw1-az1",
    }, tags


def test_preview_rejects_wildcards_from_policy_documents(runs: dict[str, ToolRun]) -> None:
    run = runs["policy_document_rejected"]
    assert run.returncode == 1, run.describe()
    assert run.report is not None
    rejected = {
        v["urn"].rsplit("::", 1)[-1]
        for v in run.report["policyViolations"]
        if v["enforcementLevel"] == "mandatory" and "rolePolicy:RolePolicy" in v["urn"]
    }
    for name in ("plain-star", "source-star", "override-star", "not-action"):
        assert name in rejected, f"RolePolicy '{name}' grants a wildcard but was accepted"


def test_preview_renders_override_star_in_place_of_the_scoped_statement(
    runs: dict[str, ToolRun],
) -> None:
    [statement] = _policy(runs["policy_document_rejected"], "override-star")["Statement"]
    assert statement == {"Sid": "Send", "Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize(
    ("fixture", "name"),
    [("unknown_data_source", "aws.ec2.get_ami"), ("unknown_data_source_output", "aws.ec2.get_vpc")],
)
def test_preview_unanswered_data_source_exits_two_naming_it(
    runs: dict[str, ToolRun], fixture: str, name: str
) -> None:
    run = runs[fixture]
    assert run.returncode == 2, run.describe()
    assert f"data source {name} (" in run.stderr, run.describe()
    assert "Traceback" not in run.stderr + run.stdout, run.describe()
