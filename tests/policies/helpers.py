"""Build ``ResourceValidationArgs`` exactly as pulumi_policy's analyzer server does."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

UNKNOWN = UNKNOWN_STRING_VALUE
"""What the engine sends for a value not known during preview."""

Validator = Callable[[ResourceValidationArgs, ReportViolation], None]


def engine_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "res",
    protect: bool = False,
    ignore_changes: Sequence[str] = (),
    config: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    """Serialise ``props`` to a Struct and back through the server's own deserialise + proxy."""
    struct = struct_pb2.Struct()
    struct.update(dict(serialize_properties(dict(props))))
    proxied = unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))
    opts = PolicyResourceOptions(
        protect, list(ignore_changes), None, [], PolicyCustomTimeouts(0, 0, 0), [], None
    )
    urn = f"urn:pulumi:dev::cw-analytics::{resource_type}::{name}"
    return ResourceValidationArgs(resource_type, proxied, urn, name, opts, None, config, {})


def run(validator: Validator, args: ResourceValidationArgs) -> list[str]:
    """Call a rule with a list-collecting report; return the messages."""
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        messages.append(message)

    validator(args, report)
    return messages


def doc(*statements: Mapping[str, Any], as_json: bool = True) -> Any:
    """An IAM policy document (a JSON string by default, as providers store it)."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(document) if as_json else document


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def stack_resource(
    resource_type: str,
    name: str,
    props: Mapping[str, Any] | None = None,
    *,
    protect: bool = False,
    parent: PolicyResource | None = None,
) -> PolicyResource:
    """A resource as AnalyzeStack hands it to a stack policy, with its parent resource."""
    opts = PolicyResourceOptions(
        protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent.urn if parent else None
    )
    urn = f"urn:pulumi:dev::cw-analytics::{resource_type}::{name}"
    return PolicyResource(resource_type, dict(props or {}), urn, name, opts, None, parent, [], {})


def run_stack(
    validator: Callable[[StackValidationArgs, ReportViolation], None],
    resources: Sequence[PolicyResource],
    config: Mapping[str, Any] | None = None,
) -> list[tuple[str, str | None]]:
    """Call a stack rule; return (message, urn) for each violation."""
    found: list[tuple[str, str | None]] = []
    validator(
        StackValidationArgs(list(resources), config),
        lambda message, urn=None: found.append((message, urn)),
    )
    return found
