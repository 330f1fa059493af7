"""The proof end to end: both functions run on the local system with their AWS calls recorded,
evaluated against the policies the offline preview of the dev stack generates.

One recording and one preview per module; each test mutates a copy of the preview's resources
(drops an action, narrows a resource, adds a grant) and proves again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import shared_runs
from tools.iam_proof.__main__ import report
from tools.iam_proof.grants import Justification, load_justifications
from tools.iam_proof.model import check_iam_data
from tools.iam_proof.proof import FunctionProof, prove
from tools.iam_proof.run import Inputs, gather
from tools.iam_proof.stack import from_resources
from tools.local.pg_server import PostgresUnavailableError

pytestmark = pytest.mark.slow

API = "cw-analytics-dev-api-handler"
AGGREGATOR = "cw-analytics-dev-aggregator"
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/cw-analytics-dev-metrics"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    """The recorded scenario and the dev stack's preview (the run's shared one)."""
    check_iam_data()
    preview = shared_runs.stack_preview_json(tmp_path_factory, "dev")
    try:
        return gather("dev", preview)
    except PostgresUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)


def _prove(
    inputs: Inputs,
    mutate: Callable[[list[dict[str, Any]]], None] | None = None,
    justifications: list[Justification] | None = None,
) -> dict[str, FunctionProof]:
    resources = copy.deepcopy(inputs.resources)
    if mutate is not None:
        mutate(resources)
    stack = from_resources(resources, inputs.region)
    reasons = load_justifications() if justifications is None else justifications
    return {p.function: p for p in prove(stack, inputs.recordings, reasons)}


def _edit_statement(
    type_token: str, name: str, sid: str, edit: Callable[[dict[str, Any]], None]
) -> Callable[[list[dict[str, Any]]], None]:
    def mutate(resources: list[dict[str, Any]]) -> None:
        [resource] = [r for r in resources if r["type"] == type_token and r["name"] == name]
        document = json.loads(resource["inputs"]["policy"])
        [statement] = [s for s in document["Statement"] if s.get("Sid") == sid]
        edit(statement)
        resource["inputs"]["policy"] = json.dumps(document)

    return mutate


def _role_statement(
    name: str, sid: str, edit: Callable[[dict[str, Any]], None]
) -> Callable[[list[dict[str, Any]]], None]:
    return _edit_statement("aws:iam/rolePolicy:RolePolicy", name, sid, edit)


def _denials(proof: FunctionProof) -> list[str]:
    return [d.describe() for d in proof.denials]


def test_iam_proof_passes_for_both_functions_of_the_dev_stack(inputs: Inputs) -> None:
    proofs = _prove(inputs)
    assert set(proofs) == {API, AGGREGATOR}
    failures = {name: p.details() for name, p in proofs.items() if not p.passed}
    assert not failures, "\n".join(report(list(proofs.values())))


def test_iam_proof_sees_the_calls_each_function_makes(inputs: Inputs) -> None:
    seen = {
        name: {f"{c['service']}.{c['operation']}" for c in recording.calls}
        for name, recording in inputs.recordings.items()
    }
    assert seen[API] >= {"secretsmanager.GetSecretValue", "dynamodb.Query", "dynamodb.GetItem"}
    assert seen[AGGREGATOR] >= {"cloudwatch.GetMetricData", "dynamodb.BatchWriteItem"}


def test_iam_proof_fails_naming_the_call_when_an_action_is_removed(inputs: Inputs) -> None:
    def drop_get_item(statement: dict[str, Any]) -> None:
        statement["Action"] = [a for a in statement["Action"] if a != "dynamodb:GetItem"]

    proofs = _prove(
        inputs, _role_statement("api-handler-policy", "ReadMetricsTable", drop_get_item)
    )
    assert not proofs[API].passed
    denials = _denials(proofs[API])
    assert any(
        f"dynamodb.GetItem by the function: dynamodb:GetItem on {TABLE_ARN}" in d
        and "closest: cw-analytics-dev-api-handler-access#ReadMetricsTable" in d
        for d in denials
    ), denials
    assert proofs[AGGREGATOR].passed


def test_iam_proof_fails_naming_the_call_when_a_resource_is_narrowed(inputs: Inputs) -> None:
    def other_table(statement: dict[str, Any]) -> None:
        statement["Resource"] = TABLE_ARN + "-archive"

    proofs = _prove(
        inputs, _role_statement("metrics-aggregator-policy", "WriteMetricsTable", other_table)
    )
    denials = _denials(proofs[AGGREGATOR])
    assert any(
        f"dynamodb.BatchWriteItem by the function: dynamodb:BatchWriteItem on {TABLE_ARN} " in d
        and f"not in ['{TABLE_ARN}-archive']" in d
        for d in denials
    ), denials


def test_iam_proof_fails_naming_the_interface_when_a_subnet_is_dropped(inputs: Inputs) -> None:
    dropped: list[str] = []

    def first_subnet_only(statement: dict[str, Any]) -> None:
        subnets = [r for r in statement["Resource"] if ":subnet/" in r]
        dropped.append(subnets[-1].rsplit("/", 1)[-1])
        statement["Resource"] = [r for r in statement["Resource"] if r != subnets[-1]]

    proofs = _prove(
        inputs,
        _role_statement(
            "api-handler-policy", "CreateInterfacesInFunctionSubnetsAndGroup", first_subnet_only
        ),
    )
    denials = _denials(proofs[API])
    assert any(
        f"creates the function's network interface in {dropped[0]} by Lambda for the function: "
        "ec2:CreateNetworkInterface" in d
        for d in denials
    ), denials


def test_iam_proof_fails_when_the_decrypt_condition_leaves_out_secrets_manager(
    inputs: Inputs,
) -> None:
    def dynamodb_only(statement: dict[str, Any]) -> None:
        statement["Condition"]["StringEquals"]["kms:ViaService"] = [
            v for v in statement["Condition"]["StringEquals"]["kms:ViaService"] if "dynamodb" in v
        ]

    proofs = _prove(
        inputs, _role_statement("api-handler-policy", "DecryptSecretAndTable", dynamodb_only)
    )
    denials = _denials(proofs[API])
    assert any(
        "secretsmanager.GetSecretValue (decrypts with" in d
        and "by secretsmanager on the function's behalf: kms:Decrypt" in d
        and "condition StringEquals ['kms:ViaService'] false" in d
        for d in denials
    ), denials


def test_iam_proof_fails_when_the_key_policy_no_longer_enables_iam_policies(
    inputs: Inputs,
) -> None:
    def mutate(resources: list[dict[str, Any]]) -> None:
        [key] = [r for r in resources if r["type"] == "aws:kms/key:Key"]
        document = json.loads(key["inputs"]["policy"])
        document["Statement"] = [
            s for s in document["Statement"] if s.get("Sid") != "AccountAdministersKey"
        ]
        key["inputs"]["policy"] = json.dumps(document)

    proofs = _prove(inputs, mutate)
    for name in (API, AGGREGATOR):
        reasons = {
            d.decision.reason for d in proofs[name].denials if d.request.action == "kms:Decrypt"
        }
        assert "key policy does not allow" in reasons, _denials(proofs[name])


def test_iam_proof_fails_when_eventbridge_may_not_send_to_the_dead_letter_queue(
    inputs: Inputs,
) -> None:
    def other_rule(statement: dict[str, Any]) -> None:
        statement["Condition"]["ArnEquals"]["aws:SourceArn"] += "-other"

    mutate = _edit_statement(
        "aws:sqs/queuePolicy:QueuePolicy",
        "metrics-dlq-policy",
        "ScheduleRuleSendsFailedEvents",
        other_rule,
    )
    denials = _denials(_prove(inputs, mutate)[AGGREGATOR])
    assert any(
        "EventBridge sends an undeliverable event to the dead-letter queue by "
        "events.amazonaws.com: sqs:SendMessage" in d
        for d in denials
    ), denials


def test_iam_proof_fails_on_a_grant_no_call_uses_and_no_reason_covers(inputs: Inputs) -> None:
    def add_scan(statement: dict[str, Any]) -> None:
        statement["Action"] = [*statement["Action"], "dynamodb:Scan"]

    proof = _prove(inputs, _role_statement("api-handler-policy", "ReadMetricsTable", add_scan))[API]
    assert not proof.passed
    assert [g.label for g in proof.unjustified] == [
        f"cw-analytics-dev-api-handler-access#ReadMetricsTable: dynamodb:Scan on {TABLE_ARN}"
    ]


def test_iam_proof_accepts_an_unused_grant_with_a_reviewed_reason(inputs: Inputs) -> None:
    def add_scan(statement: dict[str, Any]) -> None:
        statement["Action"] = [*statement["Action"], "dynamodb:Scan"]

    reason = Justification(
        "api-handler", "ReadMetricsTable", "dynamodb:Scan", "arn:aws:dynamodb:*", "test reason"
    )
    proofs = _prove(
        inputs,
        _role_statement("api-handler-policy", "ReadMetricsTable", add_scan),
        [*load_justifications(), reason],
    )
    assert proofs[API].passed, proofs[API].details()
    assert reason in [j for _, j in proofs[API].justified]


def test_iam_proof_fails_on_a_reason_that_covers_no_unused_grant(inputs: Inputs) -> None:
    stale = Justification("api-handler", "ReadMetricsTable", "dynamodb:Query", "*", "stale")
    proofs = _prove(inputs, justifications=[*load_justifications(), stale])
    assert not proofs[API].passed
    assert any(
        p.startswith("STALE justification api-handler ReadMetricsTable")
        for p in proofs[API].problems
    )


def test_iam_proof_summary_line_gives_calls_decisions_and_grants(inputs: Inputs) -> None:
    proof = _prove(inputs)[AGGREGATOR]
    allowed = sum(1 for _, d in proof.decisions if d.allowed)
    assert proof.summary() == (
        f"ok   {AGGREGATOR}: {proof.calls_seen} calls seen; {len(proof.decisions)} requests: "
        f"{allowed} allowed, 0 denied; "
        f"{len(proof.exercised) + len(proof.justified)} grants: {len(proof.exercised)} exercised, "
        f"{len(proof.justified)} justified, 0 unjustified"
    )


def test_iam_proof_justified_grants_file_is_the_one_the_cli_reads() -> None:
    path = Path(__file__).resolve().parents[2] / "tools" / "iam_proof" / "justified_grants.yaml"
    assert load_justifications(path), f"{path} lists no reviewed grants"


def test_iam_proof_fails_naming_the_route_whose_lambda_permission_is_gone(inputs: Inputs) -> None:
    def drop_health(resources: list[dict[str, Any]]) -> None:
        resources[:] = [
            r
            for r in resources
            if not (
                r["type"] == "aws:lambda/permission:Permission"
                and r["name"] == "api-invoke-get-health"
            )
        ]

    denials = _denials(_prove(inputs, drop_health)[API])
    assert any(
        "API Gateway invokes the function for GET /health by apigateway.amazonaws.com: "
        "lambda:InvokeFunction" in d
        for d in denials
    ), denials
