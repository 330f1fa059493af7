"""A monitored Lambda function: its log group first, its role, the function, its alarms.

Both functions of the stack (the API handler and the metric aggregator) are built here so they
share one shape: the code packaged from ``functions/<dir>/``, arm64 and Python 3.12, an
encrypted log group with retention created before the function, a role whose inline policy
names exact ARNs, active tracing, a checked environment, and alarms on errors, throttles and a
duration near the function's own timeout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import pulumi
import pulumi_aws as aws

from . import iam
from .alarms import RenderedAlarm, render_alarms
from .lambda_alarms import function_alarm_specs, function_widgets
from .naming import Naming
from .packaging import build_function_archive

RUNTIME = "python3.12"
PYTHON_VERSION = "3.12"
ARCHITECTURE: Final = "arm64"
HANDLER = "handler.handler"
# Lambda's limit on all environment variables of a function together (keys and values).
ENVIRONMENT_LIMIT_BYTES = 4096


class EnvironmentTooLargeError(ValueError):
    """A function's environment variables exceed Lambda's 4 KB limit."""


def environment_size(variables: Mapping[str, str]) -> int:
    """Bytes Lambda counts against the limit: every key and value, UTF-8 encoded."""
    return sum(len(key.encode()) + len(value.encode()) for key, value in variables.items())


def check_environment(function_name: str, variables: Mapping[str, str]) -> dict[str, str]:
    """``variables`` unchanged, or an error naming the largest variable when over the limit."""
    size = environment_size(variables)
    if size > ENVIRONMENT_LIMIT_BYTES:
        largest = max(variables, key=lambda key: len(key.encode()) + len(variables[key].encode()))
        raise EnvironmentTooLargeError(
            f"Lambda function '{function_name}': environment variables take {size} bytes, over "
            f"Lambda's {ENVIRONMENT_LIMIT_BYTES}-byte limit; the largest is {largest} "
            f"({len(variables[largest].encode())} bytes) — shorten the names it lists"
        )
    return dict(variables)


@dataclass(frozen=True)
class VpcPlacement:
    """Where a function attaches to the VPC."""

    vpc_id: pulumi.Input[str]
    """The VPC; the role may manage network interfaces only inside it."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets the function's network interfaces go in."""
    security_group_id: pulumi.Input[str]
    """The function's security group."""


@dataclass(frozen=True)
class ExecutionRole:
    """A role built before the function (``FunctionRole``): what the function needs of it."""

    arn: pulumi.Input[str]
    """The role's ARN (the function's ``role``)."""
    name: pulumi.Input[str]
    """The role's name (the function's own inline policy is attached to it)."""


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between the stack's functions."""

    function_type: str
    """Registered naming type of the function (``api-handler``); names it and its log group."""
    role_type: str
    """Registered naming type of its execution role."""
    code_dir: Path
    """Directory holding ``handler.py`` and, optionally, the ``requirements.txt`` lock."""
    label: str
    """Human name for descriptions and the dashboard (``API handler``)."""
    timeout_seconds: int
    memory_mb: int
    environment: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Environment variables; checked against Lambda's 4 KB limit."""
    reserved_concurrency: int = -1
    """Reserved concurrent executions; -1 leaves the function unreserved."""
    vpc: VpcPlacement | None = None
    errors_are_critical: bool = False
    """Whether an error should page (feed the service-health alarm)."""


@dataclass(frozen=True)
class FunctionContext:
    """What every function of one component shares: names, region, logs, key, alert topic."""

    naming: Naming
    region: str
    log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    """Encrypts the function's log group."""
    alert_topic_arn: pulumi.Input[str]
    """Where the function's alarms go."""


@dataclass(frozen=True)
class MonitoredFunction:
    """The resources of one function, kept whole by the component that owns it."""

    log_group: aws.cloudwatch.LogGroup
    """The function's log group, created before it (encrypted, with retention)."""
    role: aws.iam.Role | None
    """The role built here, or ``None`` when the function was given one."""
    role_policy: aws.iam.RolePolicy
    """The inline policy on the role: logs, tracing and the function's data access."""
    function: aws.lambda_.Function
    """The function."""
    alarms: list[RenderedAlarm]
    """Its errors, throttles and duration alarms."""
    widgets: list[dict[str, Any]]
    """Dashboard widgets drawing what those alarms watch."""


def _vpc_arguments(spec: FunctionSpec) -> dict[str, Any]:
    if spec.vpc is None:
        return {}
    return {
        "vpc_config": aws.lambda_.FunctionVpcConfigArgs(
            subnet_ids=spec.vpc.subnet_ids,
            security_group_ids=[spec.vpc.security_group_id],
        ),
        # No replace_security_groups_on_destroy: it makes the provider move the interfaces to
        # other groups before deleting the function, and Lambda creates those interfaces with
        # the execution role, which may only use the function's own group, so destroy fails.
        # Destroy instead waits for Lambda to release the interfaces when it deletes the
        # function's group and subnets (the network component gives them the time).
    }


def monitored_function(
    name: str,
    spec: FunctionSpec,
    *,
    context: FunctionContext,
    parent: pulumi.Resource,
    statements: pulumi.Input[Sequence[iam.Statement]],
    execution_role: ExecutionRole | None = None,
) -> MonitoredFunction:
    """Build one function and what it needs; ``statements`` is its data access beyond logs.

    A VPC function must be given its ``execution_role``, built before the network
    (``FunctionRole``): Lambda releases the function's interfaces with it after the function is
    deleted, so it must outlive the subnets and groups, which a role built here cannot.
    """
    naming, region = context.naming, context.region
    if spec.vpc is not None and execution_role is None:
        raise ValueError(
            f"Lambda function '{name}' runs in a VPC: give it an execution_role built before "
            "the network (FunctionRole), so `pulumi destroy` deletes the role after the "
            "subnets and security groups that hold the function's network interfaces"
        )
    child = pulumi.ResourceOptions(parent=parent)
    function_name = naming.name(spec.function_type)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=naming.lambda_log_group(spec.function_type),
        retention_in_days=context.log_retention_days,
        kms_key_id=context.kms_key_arn,
        opts=child,
    )
    role = None
    if execution_role is None:
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.name(spec.role_type),
            description=f"{naming.base} {spec.label} Lambda execution role",
            assume_role_policy=json.dumps(iam.lambda_trust_policy()),
            opts=child,
        )
        execution_role = ExecutionRole(arn=role.arn, name=role.id)
    role_policy = aws.iam.RolePolicy(
        f"{name}-policy",
        name=f"{function_name}-access",
        role=execution_role.name,
        policy=pulumi.Output.all(log_group.arn, statements).apply(
            lambda values: json.dumps(
                iam.document([*iam.function_base_statements(values[0], region), *values[1]])
            )
        ),
        opts=child,
    )
    archive = build_function_archive(
        spec.code_dir, architecture=ARCHITECTURE, python_version=PYTHON_VERSION
    )
    variables = pulumi.Output.from_input(spec.environment).apply(
        lambda env: check_environment(function_name, cast(Mapping[str, str], env))
    )
    function = aws.lambda_.Function(
        name,
        name=function_name,
        description=f"{naming.base} {spec.label}",
        role=execution_role.arn,
        runtime=RUNTIME,
        architectures=[ARCHITECTURE],
        handler=HANDLER,
        code=archive.asset(),
        source_code_hash=archive.sha256_base64,
        timeout=spec.timeout_seconds,
        memory_size=spec.memory_mb,
        reserved_concurrent_executions=spec.reserved_concurrency,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        **_vpc_arguments(spec),
        opts=pulumi.ResourceOptions(
            parent=parent,
            # The log group must exist (encrypted, with retention) before Lambda's first write,
            # or Lambda creates an unencrypted one that never expires and the stack then fails
            # to create its own. The policy must be attached before CreateFunction: Lambda
            # checks the role's network-interface permissions then, and the first invocations
            # need the rest. Neither is an input of the function.
            depends_on=[log_group, role_policy],
        ),
    )
    alarms = render_alarms(
        name,
        function_alarm_specs(
            slug=spec.function_type,
            label=spec.label,
            function_name=function.name,
            timeout_seconds=spec.timeout_seconds,
            errors_page=spec.errors_are_critical,
        ),
        name_prefix=naming.base,
        topic_arn=context.alert_topic_arn,
        parent=parent,
    )
    return MonitoredFunction(
        log_group=log_group,
        role=role,
        role_policy=role_policy,
        function=function,
        alarms=alarms,
        widgets=function_widgets(spec.label, spec.timeout_seconds, function.name, region=region),
    )


__all__ = [
    "EnvironmentTooLargeError",
    "ExecutionRole",
    "FunctionContext",
    "FunctionSpec",
    "MonitoredFunction",
    "VpcPlacement",
    "check_environment",
    "environment_size",
    "monitored_function",
]
