"""ApiWithHandler under Pulumi's mocks: the handler Lambda, the REST API, its stage and alarms."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.alerting import AlertingHub
from components.api import API_STAGE_NAME, ApiWithHandler
from components.api.rest_api import RDS_CA_BUNDLE, database_tls_environment
from components.api.routes import ApiRoute as Route
from components.api.routes import definitions_hash, routes_of_contract
from components.function import FunctionRole
from components.lib.contract import routes as handler_contract
from components.lib.lambda_alarms import DURATION_ALARM_FRACTION
from stack_args import api_args, function_role_args, hub_args, metrics_namespace
from stack_settings import Settings
from tests.components.support import (
    ALARM,
    FUNCTION,
    LOG_GROUP,
    REPO_ROOT,
    ROLE,
    SECRET_ARN,
    TABLE_ARN,
    archive_member,
    explicit_dependencies,
    key_admits_log_group,
    role_statements,
)
from tests.harness import REGION, as_list, make_settings, run_components, service_dashboard
from tools.pulumi_mocks import ACCOUNT_ID, MockRun

VPC_ID = "vpc-0123456789abcdef0"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
LAMBDA_SG = "sg-0lambda000000000"
TABLE_NAME = "cw-analytics-test-metrics"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
API_RESOURCE = "aws:apigateway/resource:Resource"
ACCOUNT = "aws:apigateway/account:Account"
STAGE = "aws:apigateway/stage:Stage"
PERMISSION = "aws:lambda/permission:Permission"

ROUTES = tuple(routes_of_contract(handler_contract.ROUTES))


def _build(settings: Settings) -> None:
    hub = AlertingHub("alerting", hub_args(settings))
    role = FunctionRole("api-handler", function_role_args(settings, "API handler"))
    api = ApiWithHandler(
        "api",
        api_args(
            settings,
            hub,
            role,
            vpc_id=VPC_ID,
            subnet_ids=SUBNETS,
            security_group_id=LAMBDA_SG,
            db_address="db.internal.example",
            db_port=5432,
            db_name="analytics",
            db_secret_arn=SECRET_ARN,
            metrics_table_name=TABLE_NAME,
            metrics_table_arn=TABLE_ARN,
        ),
    )
    service_dashboard(settings, hub, API=api)
    pulumi.export("apiUrl", api.api_url)
    pulumi.export("healthUrl", api.health_url)
    pulumi.export("apiKeyId", api.api_key_id)


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(_build)


@pytest.fixture(scope="module")
def unmanaged_run() -> MockRun:
    return run_components(_build, apiReservedConcurrency="25")


def _handler(run: MockRun) -> Any:
    return run.one(FUNCTION)


def _route_of(run: MockRun, method: Any) -> str:
    """The full path of a method's resource, e.g. ``/metrics/{series}``."""
    by_id = {r.outputs.get("id"): r for r in run.of_type(API_RESOURCE)}
    parts, resource = [], by_id.get(method.inputs["resourceId"])
    while resource is not None:
        parts.insert(0, resource.inputs["pathPart"])
        resource = by_id.get(resource.inputs["parentId"])
    return "/" + "/".join(parts)


def test_api_handler_runs_in_private_subnets_with_lambda_security_group(run: MockRun) -> None:
    """The API Lambda runs in the private subnets with the Lambda
    security group."""
    vpc = _handler(run).inputs.get("vpcConfig") or {}
    assert vpc.get("subnetIds") == SUBNETS, f"api handler subnets are {vpc.get('subnetIds')}"
    assert vpc.get("securityGroupIds") == [LAMBDA_SG], "api handler lacks the Lambda SG"


def test_api_handler_role_creates_interfaces_only_in_its_subnets_and_group(run: MockRun) -> None:
    """The handler's role may create its network interfaces, but
    only in the function's subnets, with its security group, in this account and region.

    The interface statement carries no condition: Lambda checks it when it creates the
    function, by simulation without VPC context keys, and a condition there fails the deploy.
    """
    found = role_statements(run, run.one(ROLE, "api-handler-role"))
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}"
    create = [s for s in found if "ec2:CreateNetworkInterface" in as_list(s["Action"])]
    resources = {r for s in create for r in as_list(s["Resource"])}
    assert resources == {
        *(f"{arn}:subnet/{s}" for s in SUBNETS),
        f"{arn}:security-group/{LAMBDA_SG}",
        f"{arn}:network-interface/*",
    }, f"api handler role creates interfaces on {resources}"
    for statement in create:
        assert "Condition" not in statement, f"Lambda's create-time check fails on {statement}"


def test_api_handler_role_reads_only_its_secret_and_table(run: MockRun) -> None:
    """The handler reads its secret and queries the metrics table; it never writes the table."""
    found = role_statements(run, run.one(ROLE, "api-handler-role"))
    by_action = {a: s for s in found for a in as_list(s["Action"])}
    assert by_action["secretsmanager:GetSecretValue"]["Resource"] == SECRET_ARN
    table_actions = {a for a in by_action if a.startswith("dynamodb:")}
    assert table_actions == {"dynamodb:Query", "dynamodb:GetItem"}, table_actions
    for action in table_actions:
        assert by_action[action]["Resource"] == TABLE_ARN, action
    assert as_list(by_action["kms:Decrypt"]["Resource"]) == [
        run.one("aws:kms/key:Key").outputs["arn"]
    ]
    assert "kms:ViaService" in by_action["kms:Decrypt"]["Condition"]["StringEquals"]


def test_api_handler_is_created_after_its_log_group(run: MockRun) -> None:
    """The handler depends (depends_on) on its own log group, which
    is encrypted with the hub key and has the configured retention."""
    log_group = run.one(LOG_GROUP, "api-handler-logs")
    assert log_group.urn in explicit_dependencies(_handler(run)), "no depends_on log group"
    assert log_group.inputs["name"] == "/aws/lambda/cw-analytics-test-api-handler"
    assert log_group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 14


def test_api_handler_package_holds_the_real_handler(run: MockRun) -> None:
    """The archive the function gets contains functions/api_handler's
    handler.py, byte for byte."""
    expected = (REPO_ROOT / "functions/api_handler/handler.py").read_bytes()
    assert archive_member(_handler(run), "handler.py") == expected


def test_api_handler_runtime_is_python312_on_arm64_with_tracing(run: MockRun) -> None:
    inputs = _handler(run).inputs
    assert (inputs["runtime"], inputs["architectures"], inputs["handler"]) == (
        "python3.12",
        ["arm64"],
        "handler.handler",
    ), "api handler runtime"
    assert inputs["tracingConfig"] == {"mode": "Active"}, "api handler tracing is off"
    assert inputs["sourceCodeHash"], "api handler has no source code hash"


def test_api_handler_environment_follows_lambda_contract(run: MockRun) -> None:
    assert _handler(run).inputs["environment"]["variables"] == {
        "DB_HOST": "db.internal.example",
        "DB_PORT": "5432",
        "DB_NAME": "analytics",
        "DB_SECRET_ARN": SECRET_ARN,
        "METRICS_TABLE": TABLE_NAME,
        "POWERTOOLS_SERVICE_NAME": "api",
        "POWERTOOLS_METRICS_NAMESPACE": "cw-analytics/test",
        "LOG_LEVEL": "INFO",
    }


def test_api_handler_reserved_concurrency_follows_settings(
    run: MockRun, unmanaged_run: MockRun
) -> None:
    assert _handler(run).inputs["reservedConcurrentExecutions"] == -1, "default is unreserved"
    assert _handler(unmanaged_run).inputs["reservedConcurrentExecutions"] == 25


def test_api_routes_match_lambda_contract(run: MockRun) -> None:
    """API Gateway has one method per contract route, at the contract's path, and nothing else:
    a route missing here answers 403 in AWS; an extra one reaches a handler that lacks it."""
    methods = run.of_type(METHOD)
    routes = sorted((m.inputs["httpMethod"], _route_of(run, m)) for m in methods)
    assert routes == sorted((r.method, r.path) for r in ROUTES)


def test_api_key_required_where_the_contract_requires_it(run: MockRun) -> None:
    guarded = {
        (m.inputs["httpMethod"], _route_of(run, m))
        for m in run.of_type(METHOD)
        if m.inputs.get("apiKeyRequired")
    }
    assert guarded == {(r.method, r.path) for r in ROUTES if r.api_key_required}
    assert guarded, "no API Gateway method requires a key: the write route would be open"


def test_api_integrations_are_lambda_proxy_to_the_handler(run: MockRun) -> None:
    integrations = run.of_type(INTEGRATION)
    assert len(integrations) == len(ROUTES)
    for integration in integrations:
        inputs = integration.inputs
        assert inputs["type"] == "AWS_PROXY", f"{integration.name} is {inputs['type']}"
        assert inputs["integrationHttpMethod"] == "POST", integration.name
        assert inputs["uri"] == _handler(run).outputs["invokeArn"], integration.name


def test_api_deployment_waits_for_every_method_and_integration(run: MockRun) -> None:
    deployment = run.one("aws:apigateway/deployment:Deployment")
    needed = {r.urn for r in (*run.of_type(METHOD), *run.of_type(INTEGRATION))}
    missing = needed - explicit_dependencies(deployment)
    assert not missing, f"deployment does not depend on {missing}"
    assert deployment.inputs["triggers"]["routes"] == definitions_hash(
        ROUTES, _handler(run).outputs["invokeArn"]
    )


@pytest.mark.parametrize(
    "changed",
    [
        (*ROUTES, Route("GET", "/status")),
        tuple(replace(r, api_key_required=r.method == "GET") for r in ROUTES),
        ROUTES[1:],
    ],
    ids=["route-added", "key-requirement-changed", "route-removed"],
)
def test_api_deployment_trigger_changes_when_routes_change(changed: tuple[Route, ...]) -> None:
    uri = "arn:aws:apigateway:eu-west-1:lambda:path/functions/x/invocations"
    assert definitions_hash(changed, uri) != definitions_hash(ROUTES, uri)
    assert definitions_hash(ROUTES, uri) != definitions_hash(ROUTES, uri + "2"), "uri ignored"


def test_api_stage_writes_json_access_logs_to_encrypted_group(run: MockRun) -> None:
    stage = run.one(STAGE)
    log_group = run.one(LOG_GROUP, "api-access-logs")
    settings = stage.inputs["accessLogSettings"]
    assert settings["destinationArn"] == log_group.outputs["arn"]
    fields = json.loads(settings["format"])
    for field in (
        "requestId",
        "ip",
        "httpMethod",
        "resourcePath",
        "status",
        "responseLength",
        "integrationLatency",
    ):
        assert field in fields, f"access log format lacks {field}"
    assert log_group.inputs["name"] == "/aws/apigateway/cw-analytics-test-api-access-logs"
    assert log_group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 14
    assert stage.inputs["stageName"] == API_STAGE_NAME
    assert stage.inputs["xrayTracingEnabled"] is True, "stage tracing off"


def test_api_stack_leaves_the_account_setting_to_the_account_project(run: MockRun) -> None:
    """The account's CloudWatch role setting is shared by every stack of the account and
    region; owned by an app stack, its destroy would reset it for the others."""
    assert not run.of_type(ACCOUNT), "the API declares the account-wide setting"


def test_api_method_settings_enable_metrics_and_throttle_from_settings(run: MockRun) -> None:
    settings = run.one("aws:apigateway/methodSettings:MethodSettings")
    assert settings.inputs["methodPath"] == "*/*"
    assert settings.inputs["settings"] == {
        "metricsEnabled": True,
        "loggingLevel": "INFO",
        "dataTraceEnabled": False,
        "throttlingRateLimit": 50.0,
        "throttlingBurstLimit": 100,
    }


def test_api_usage_plan_binds_key_to_stage_with_throttle(run: MockRun) -> None:
    plan = run.one("aws:apigateway/usagePlan:UsagePlan")
    api = run.one("aws:apigateway/restApi:RestApi")
    assert plan.inputs["apiStages"] == [{"apiId": api.outputs["id"], "stage": API_STAGE_NAME}]
    assert plan.inputs["throttleSettings"] == {"rateLimit": 50.0, "burstLimit": 100}
    key = run.one("aws:apigateway/usagePlanKey:UsagePlanKey")
    assert key.inputs["keyId"] == run.one("aws:apigateway/apiKey:ApiKey").outputs["id"]
    assert key.inputs["usagePlanId"] == plan.outputs["id"]
    assert key.inputs["keyType"] == "API_KEY"


def test_api_rest_api_is_regional(run: MockRun) -> None:
    api = run.one("aws:apigateway/restApi:RestApi")
    assert api.inputs["endpointConfiguration"]["types"] == "REGIONAL"
    assert api.inputs["name"] == "cw-analytics-test-api"


def _source_arn_path(path: str) -> str:
    """A resource path as an execute-api ARN names it: each ``{parameter}`` segment is ``*``."""
    return "/".join("*" if part.startswith("{") else part for part in path.split("/"))


def test_api_permission_source_arn_path_wildcards_parameters_only() -> None:
    assert _source_arn_path("/metrics/{series}") == "/metrics/*"
    assert _source_arn_path("/events/summary") == "/events/summary"


def test_api_lambda_permissions_name_this_api_and_route(run: MockRun) -> None:
    """One invoke permission per contract route, scoped to this API, the stage, the method and
    the path (a parameter segment as ``*``): no permission for the whole API."""
    execution_arn = run.one("aws:apigateway/restApi:RestApi").outputs["executionArn"]
    sources = sorted(p.inputs["sourceArn"] for p in run.of_type(PERMISSION))
    assert sources == sorted(
        f"{execution_arn}/{API_STAGE_NAME}/{r.method}{_source_arn_path(r.path)}" for r in ROUTES
    )
    for permission in run.of_type(PERMISSION):
        assert permission.inputs["principal"] == "apigateway.amazonaws.com", permission.name
        assert permission.inputs["function"] == _handler(run).outputs["name"], permission.name


def test_api_5xx_alarm_is_a_guarded_rate_not_a_count(run: MockRun) -> None:
    alarm = run.one(ALARM, "api-5xx-rate")
    queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
    assert queries["errors"]["metric"]["metricName"] == "5XXError"
    assert queries["requests"]["metric"]["metricName"] == "Count"
    expression = queries["rate"]["expression"]
    assert "/" in expression and "FILL" in expression and "IF" in expression, expression
    assert [q["id"] for q in alarm.inputs["metricQueries"] if q.get("returnData")] == ["rate"]
    assert 0 < alarm.inputs["threshold"] < 1, "5XX rate threshold must be a fraction"
    dimensions = queries["errors"]["metric"]["dimensions"]
    assert dimensions == {"ApiName": "cw-analytics-test-api", "Stage": API_STAGE_NAME}


def test_api_latency_alarm_watches_p99(run: MockRun) -> None:
    alarm = run.one(ALARM, "api-latency-p99")
    assert alarm.inputs["extendedStatistic"] == "p99"
    assert alarm.inputs["metricName"] == "Latency"


def test_api_handler_duration_alarm_at_its_share_of_the_timeout(run: MockRun) -> None:
    alarm = run.one(ALARM, "api-handler-duration")
    timeout = _handler(run).inputs["timeout"]
    assert alarm.inputs["threshold"] == pytest.approx(timeout * 1000 * DURATION_ALARM_FRACTION)
    assert alarm.inputs["dimensions"] == {"FunctionName": "cw-analytics-test-api-handler"}


def test_api_critical_alarms_are_5xx_rate_and_handler_errors(run: MockRun) -> None:
    rule = run.one("aws:cloudwatch/compositeAlarm:CompositeAlarm").inputs["alarmRule"]
    assert 'ALARM("cw-analytics-test-api-5xx-rate")' in rule
    assert 'ALARM("cw-analytics-test-api-handler-errors")' in rule
    assert "api-4xx-rate" not in rule and "latency" not in rule, rule


def test_api_outputs_invoke_and_health_urls_and_key_id(run: MockRun) -> None:
    invoke_url = run.one(STAGE).outputs["invokeUrl"]
    assert invoke_url.endswith("/v1"), invoke_url
    assert run.outputs == {
        "apiUrl": invoke_url,
        "healthUrl": invoke_url + "/health",
        "apiKeyId": run.one("aws:apigateway/apiKey:ApiKey").outputs["id"],
    }


def test_api_handler_verifies_database_when_ca_bundle_is_shipped(tmp_path: Path) -> None:
    """With Amazon's RDS CA bundle in the function's directory, the handler gets its path."""
    (tmp_path / RDS_CA_BUNDLE).write_text("-----BEGIN CERTIFICATE-----\n")
    assert database_tls_environment(tmp_path) == {"DB_CA_BUNDLE": "/var/task/rds-ca-bundle.pem"}


def test_api_handler_has_no_ca_bundle_variable_without_the_bundle(tmp_path: Path) -> None:
    """No bundle, no variable: the handler then uses TLS without verifying the server."""
    assert database_tls_environment(tmp_path) == {}


def test_api_execution_log_group_is_owned_encrypted_and_expires(run: MockRun) -> None:
    """INFO execution logging writes to a group API Gateway would otherwise create itself:
    unencrypted, kept forever and left behind by destroy. The stack creates it first."""
    api = run.one("aws:apigateway/restApi:RestApi")
    group = run.one(LOG_GROUP, "api-execution-logs")
    assert group.inputs["name"] == f"API-Gateway-Execution-Logs_{api.outputs['id']}/v1"
    assert group.inputs.get("retentionInDays") == 14, f"{group.urn} never expires"
    assert group.inputs.get("kmsKeyId") == run.one("aws:kms/key:Key").outputs["arn"]
    settings = run.one("aws:apigateway/methodSettings:MethodSettings")
    assert group.urn in explicit_dependencies(settings), f"{settings.urn} may log first"


def test_api_execution_log_group_may_use_the_hub_key(run: MockRun) -> None:
    """Logs must be allowed to use the key for the execution log group, or creating the
    encrypted group fails with AccessDenied: the key policy names its (id-based) ARN pattern."""
    group = run.one(LOG_GROUP, "api-execution-logs")
    assert group.inputs["name"].startswith("API-Gateway-Execution-Logs_"), group.inputs["name"]
    assert key_admits_log_group(run, group.inputs["name"]), f"{group.urn}: the key refuses it"


def test_api_dashboard_graphs_the_handler_route_metric(run: MockRun) -> None:
    """The dashboard reads the metric the handler writes: same name, namespace and dimensions."""
    from functions.shared.analytics_contract.routes import ROUTE_METRIC, ROUTE_METRIC_DIMENSIONS
    from tests.components.support import dashboard_body

    expressions = [
        entry[0]["expression"]
        for widget in dashboard_body(run)["widgets"]
        for entry in widget.get("properties", {}).get("metrics", [])
        if isinstance(entry[0], dict) and "SEARCH" in entry[0].get("expression", "")
    ]
    namespace = metrics_namespace(make_settings("test"))
    wanted = f'{{"{namespace}",{",".join(ROUTE_METRIC_DIMENSIONS)}}} MetricName="{ROUTE_METRIC}"'
    assert any(wanted in e for e in expressions), expressions
