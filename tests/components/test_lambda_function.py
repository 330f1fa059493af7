"""The shared monitored-Lambda helper: environment limit, log group first, role, alarms."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from components.alerting import AlertingHub
from components.lib.alarms import paging_alarm_names
from components.lib.lambda_alarms import DURATION_ALARM_FRACTION, duration_threshold_ms
from components.lib.lambda_function import (
    ENVIRONMENT_LIMIT_BYTES,
    EnvironmentTooLargeError,
    ExecutionRole,
    FunctionContext,
    FunctionSpec,
    VpcPlacement,
    check_environment,
    environment_size,
    monitored_function,
)
from components.lib.naming import instance_naming
from components.lib.paths import FUNCTIONS_DIR
from components.metrics.aggregator import NAMES as FN_NAMES
from stack_args import hub_args
from stack_settings import Settings
from tests.components.support import (
    ALARM,
    FUNCTION,
    LOG_GROUP,
    REPO_ROOT,
    ROLE,
    archive_member,
    explicit_dependencies,
    role_statements,
)
from tests.harness import as_list, parse_document, run_components
from tools.pulumi_mocks import MockRun

EXTRA = {"Sid": "Extra", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:x"}


def _spec(**overrides: object) -> FunctionSpec:
    values: dict[str, object] = {
        "function_type": "aggregator",
        "role_type": "aggregator-role",
        "code_dir": FUNCTIONS_DIR / "metric_aggregator",
        "label": "Test function",
        "timeout_seconds": 30,
        "memory_mb": 128,
        "environment": {"A": "1"},
    }
    values.update(overrides)
    return FunctionSpec(**values)  # type: ignore[arg-type]


GIVEN_ROLE = ExecutionRole(arn="arn:aws:iam::123456789012:role/given", name="given")


def _builder(
    spec: FunctionSpec, execution_role: ExecutionRole | None = None
) -> Callable[[Settings], None]:
    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", hub_args(settings))
        context = FunctionContext(
            naming=instance_naming(
                "Test", "fn", name_prefix=settings.name_prefix, instance_name="", rules=FN_NAMES
            ),
            region=settings.region,
            log_retention_days=settings.log_retention_days,
            kms_key_arn=hub.key_arn,
            alert_topic_arn=hub.topic_arn,
        )
        built = monitored_function(
            "fn",
            spec,
            context=context,
            parent=hub,
            statements=[EXTRA],
            execution_role=execution_role,
        )
        pulumi.export("paging", paging_alarm_names(built.alarms))

    return build


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(_builder(_spec()))


def test_environment_size_counts_utf8_keys_and_values() -> None:
    assert environment_size({"AB": "cd", "É": "€"}) == 2 + 2 + 2 + 3


def test_check_environment_accepts_exactly_the_limit() -> None:
    variables = {"K": "v" * (ENVIRONMENT_LIMIT_BYTES - 1)}
    assert check_environment("fn", variables) == variables


def test_check_environment_rejects_one_byte_over_naming_the_largest_variable() -> None:
    variables = {"SMALL": "x", "BIG": "v" * (ENVIRONMENT_LIMIT_BYTES - 8)}
    with pytest.raises(EnvironmentTooLargeError, match=r"'fn'.* 4097 bytes.*largest is BIG"):
        check_environment("fn", variables)


@pytest.mark.parametrize("timeout", [3, 15, 120, 900])
def test_duration_threshold_is_its_share_of_the_timeout_in_ms(timeout: int) -> None:
    """Milliseconds, as Lambda reports Duration; below the timeout, or a timing-out function
    never crosses it."""
    threshold = duration_threshold_ms(timeout)
    assert threshold == pytest.approx(timeout * 1000 * DURATION_ALARM_FRACTION)
    assert 0 < threshold < timeout * 1000, f"{threshold} ms for a {timeout} s timeout"


def test_monitored_function_is_created_after_its_encrypted_log_group(run: MockRun) -> None:
    """The function depends on its own log group (explicit
    depends_on, not an input), which has the hub key and the configured retention."""
    log_group = run.one(LOG_GROUP)
    assert log_group.urn in explicit_dependencies(run.one(FUNCTION)), "fn: no log group dep"
    assert log_group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 14


def test_monitored_function_is_created_after_its_role_policy(run: MockRun) -> None:
    policy = run.one("aws:iam/rolePolicy:RolePolicy")
    assert policy.urn in explicit_dependencies(run.one(FUNCTION)), "fn: created before policy"


def test_monitored_function_package_holds_the_code_dir_handler(run: MockRun) -> None:
    """The function's archive is built from functions/<code_dir>."""
    expected = (REPO_ROOT / "functions/metric_aggregator/handler.py").read_bytes()
    assert archive_member(run.one(FUNCTION), "handler.py") == expected


def test_monitored_function_policy_adds_own_logs_and_xray_to_given_statements(
    run: MockRun,
) -> None:
    found = role_statements(run, run.one(ROLE))
    log_arn = run.one(LOG_GROUP).outputs["arn"]
    by_sid = {s.get("Sid"): s for s in found}
    assert by_sid["WriteOwnLogGroup"]["Resource"] == [log_arn, f"{log_arn}:*"]
    assert set(as_list(by_sid["PublishTracesInRegion"]["Action"])) == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    assert by_sid["PublishTracesInRegion"]["Condition"]
    assert by_sid["Extra"] == EXTRA


def test_monitored_function_role_is_assumable_by_lambda_only(run: MockRun) -> None:
    (statement,) = parse_document(run.one(ROLE).inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"


VPC_PLACEMENT = VpcPlacement(
    vpc_id="vpc-0test",
    subnet_ids=["subnet-0aaa", "subnet-0bbb"],
    security_group_id="sg-0function",
)


@pytest.fixture(scope="module")
def vpc_run() -> MockRun:
    return run_components(_builder(_spec(vpc=VPC_PLACEMENT), GIVEN_ROLE))


def test_monitored_function_in_vpc_runs_as_the_role_it_is_given(vpc_run: MockRun) -> None:
    assert vpc_run.of_type(ROLE) == [], "a VPC function must not build its own role"
    assert vpc_run.one(FUNCTION).inputs["role"] == GIVEN_ROLE.arn


def test_monitored_function_in_vpc_without_a_given_role_is_refused() -> None:
    with pytest.raises(ValueError, match="runs in a VPC: give it an execution_role"):
        run_components(_builder(_spec(vpc=VPC_PLACEMENT)))


def test_monitored_function_in_vpc_uses_only_its_own_group(vpc_run: MockRun) -> None:
    vpc = vpc_run.one(FUNCTION).inputs.get("vpcConfig") or {}
    assert vpc.get("securityGroupIds") == ["sg-0function"], f"fn VPC config {vpc}"
    assert vpc.get("subnetIds") == ["subnet-0aaa", "subnet-0bbb"], f"fn VPC config {vpc}"


def test_monitored_function_in_vpc_does_not_replace_groups_on_destroy(vpc_run: MockRun) -> None:
    """With the option, the provider moves the interfaces to other groups before deleting the
    function; Lambda creates those interfaces with the execution role, which may use only the
    function's own group, so every destroy fails. The stack waits for the release instead."""
    inputs = vpc_run.one(FUNCTION).inputs
    assert not inputs.get("replaceSecurityGroupsOnDestroy"), "fn replaces its groups on destroy"
    assert not inputs.get("replacementSecurityGroupIds"), "fn names replacement groups"


def test_monitored_function_without_vpc_has_no_vpc_settings(run: MockRun) -> None:
    inputs = run.one(FUNCTION).inputs
    assert not inputs.get("vpcConfig") and not inputs.get("replaceSecurityGroupsOnDestroy")


def test_monitored_function_alarms_route_alarm_and_ok_to_hub_topic(run: MockRun) -> None:
    topic = run.one("aws:sns/topic:Topic").outputs["arn"]
    alarms = run.of_type(ALARM)
    assert {a.name for a in alarms} == {"fn-errors", "fn-throttles", "fn-duration"}
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [topic], f"{alarm.name} alarm actions"
        assert alarm.inputs["okActions"] == [topic], f"{alarm.name} ok actions"
        assert alarm.inputs["dimensions"] == {"FunctionName": "cw-analytics-test-aggregator"}


def test_monitored_function_errors_page_only_when_asked(run: MockRun) -> None:
    assert run.outputs["paging"] == [], "errors of a non-critical function page"
    critical = run_components(_builder(_spec(errors_are_critical=True)))
    assert critical.outputs["paging"] == ["cw-analytics-test-aggregator-errors"]
