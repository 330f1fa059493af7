"""Helpers shared by the API, aggregator and whole-stack tests (no Pulumi state of their own)."""

from __future__ import annotations

import fnmatch
import io
import zipfile
from pathlib import Path
from typing import Any

from tests import shared_runs
from tests.harness import parse_document, statements
from tools.preview.stack_config import load_stack_config
from tools.pulumi_mocks import ACCOUNT_ID, MockRun, RecordedResource

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw-analytics-test-db-AbCdEf"
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/cw-analytics-test-metrics"


def stack_config(stack: str) -> dict[str, str]:
    """A stack's config as Pulumi hands it over: ``Pulumi.<stack>.yaml`` over the defaults
    ``Pulumi.yaml`` declares, every value as text (lists and maps as JSON)."""
    return dict(load_stack_config(REPO_ROOT, stack).config)


def whole_stack(stack: str) -> MockRun:
    """The program (``__main__.py``) for one stack file under mocks, run once per test run and
    read by every worker (``tests.shared_runs.stack_run``); how long that run took is
    ``whole_stack_seconds(stack)``."""
    return shared_runs.stack_run(stack).run


def whole_stack_seconds(stack: str) -> float:
    """Seconds the one run of ``whole_stack(stack)`` took (running it if it has not run yet)."""
    return shared_runs.stack_run(stack).seconds


def key_admits_log_group(run: MockRun, name: str) -> bool:
    """Whether the recorded key policy lets CloudWatch Logs encrypt the log group ``name``."""
    key = run.one("aws:kms/key:Key")
    arn = f"arn:aws:logs:{key.outputs['arn'].split(':')[3]}:{ACCOUNT_ID}:log-group:{name}"
    for statement in statements(key.inputs["policy"]):
        condition = statement.get("Condition", {})
        for operator in ("ArnLike", "ArnEquals"):
            patterns = condition.get(operator, {}).get("kms:EncryptionContext:aws:logs:arn", [])
            patterns = [patterns] if isinstance(patterns, str) else patterns
            if any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns):
                return True
    return False


def archive_member(resource: RecordedResource, member: str) -> bytes:
    """One file of the zip a Lambda function is given as ``code``."""
    code = resource.inputs["code"]
    path = getattr(code, "path", None)
    assert path, f"{resource.name} is not given a file archive but {code!r}"
    with zipfile.ZipFile(io.BytesIO(Path(path).read_bytes())) as archive:
        return archive.read(member)


def explicit_dependencies(resource: RecordedResource) -> set[str]:
    """URNs the resource depends on through ``depends_on`` only (not through an input)."""
    through_inputs = {
        urn for urns in resource.options.property_dependencies.values() for urn in urns
    }
    return set(resource.options.dependencies) - through_inputs


def role_statements(run: MockRun, role: RecordedResource) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to ``role`` (by name or id)."""
    found = []
    for policy in run.of_type(ROLE_POLICY):
        if policy.inputs.get("role") in (role.outputs.get("id"), role.outputs.get("name")):
            found.extend(statements(policy.inputs["policy"]))
    for inline in role.inputs.get("inlinePolicies") or []:
        found.extend(statements(inline["policy"]))
    return found


def alarm_metrics(alarm: RecordedResource) -> list[tuple[str, str, dict[str, str]]]:
    """``(namespace, metric, dimensions)`` of every metric an alarm reads."""
    inputs = alarm.inputs
    if inputs.get("metricName"):
        return [(inputs["namespace"], inputs["metricName"], dict(inputs.get("dimensions") or {}))]
    metrics = [q["metric"] for q in inputs.get("metricQueries") or [] if q.get("metric")]
    return [(m["namespace"], m["metricName"], dict(m.get("dimensions") or {})) for m in metrics]


def dashboard_body(run: MockRun) -> dict[str, Any]:
    """The parsed body of the stack's one dashboard."""
    return parse_document(run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])


# Dimensions that qualify a metric (which operation) rather than name a resource.
QUALIFIER_DIMENSIONS = frozenset({"Operation"})


def _physical_names(run: MockRun, type_token: str, *keys: str) -> set[str]:
    found = set()
    for resource in run.of_type(type_token):
        for key in keys:
            value = resource.inputs.get(key) or resource.outputs.get(key)
            if isinstance(value, str):
                found.add(value)
                break
    return found


def _emf_services(run: MockRun) -> set[str]:
    """Services whose EMF metrics the stack's functions publish (dimension ``service``)."""
    services = set()
    for function in run.of_type(FUNCTION):
        variables = (function.inputs.get("environment") or {}).get("variables") or {}
        if variables.get("POWERTOOLS_SERVICE_NAME"):
            services.add(variables["POWERTOOLS_SERVICE_NAME"])
    return services


def dimension_resolvers(run: MockRun) -> dict[str, set[str]]:
    """For each resource-naming dimension, the values that name a resource of this stack."""
    return {
        "FunctionName": _physical_names(run, FUNCTION, "name"),
        "ApiName": _physical_names(run, "aws:apigateway/restApi:RestApi", "name"),
        "Stage": _physical_names(run, "aws:apigateway/stage:Stage", "stageName"),
        "DBInstanceIdentifier": _physical_names(run, "aws:rds/instance:Instance", "identifier"),
        "TableName": _physical_names(run, "aws:dynamodb/table:Table", "name"),
        "QueueName": _physical_names(run, "aws:sqs/queue:Queue", "name"),
        "RuleName": _physical_names(run, "aws:cloudwatch/eventRule:EventRule", "name"),
        "service": _emf_services(run),
    }


def unresolved_metric(
    run: MockRun, namespace: str, metric: str, dimensions: dict[str, str]
) -> str | None:
    """Why a metric names nothing of this stack, or None when it does."""
    resolvers = dimension_resolvers(run)
    if not dimensions:
        filters = [
            t
            for f in run.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
            for t in [f.inputs.get("metricTransformation") or {}]
            if (t.get("namespace"), t.get("name")) == (namespace, metric)
        ]
        return None if filters else f"{namespace}/{metric} has no dimension and no metric filter"
    for dimension, value in dimensions.items():
        if dimension in QUALIFIER_DIMENSIONS:
            continue
        if dimension not in resolvers:
            return f"{namespace}/{metric}: unknown dimension {dimension} (teach the test)"
        if value not in resolvers[dimension]:
            return f"{namespace}/{metric}: {dimension}={value} names no resource of the stack"
    return None


def widget_metric_dimensions(metric: list[Any]) -> tuple[str, str, dict[str, str]] | None:
    """``(namespace, metric, dimensions)`` of a dashboard metric array; None for expressions."""
    plain = [part for part in metric if not isinstance(part, dict)]
    if len(plain) < 2:
        return None
    namespace, name, *pairs = plain
    return namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))
