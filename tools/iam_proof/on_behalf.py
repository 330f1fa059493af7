"""Calls services make for a function, modelled from AWS's documentation, each named by who
makes it.

- Lambda writes the function's logs, publishes its X-Ray traces when tracing is active, and
  creates, describes and deletes its network interfaces when it runs in a VPC — all with the
  execution role;
- API Gateway invokes the function for each route a request reached;
- EventBridge invokes the function for a rule that targets it and sends the events it cannot
  deliver to the rule target's dead-letter queue (encrypting them with the queue's key).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.iam_proof.calls import IamRequest, MappingError, Recording, base_context
from tools.iam_proof.evaluator import Principal
from tools.iam_proof.stack import FunctionStack, StackPolicies

__all__ = ["dead_letters", "invokers", "lambda_calls"]


def lambda_calls(
    stack: StackPolicies, function: FunctionStack, role: Principal
) -> Iterable[IamRequest]:
    """What Lambda does with the execution role for every function it runs."""
    region, account = stack.region, stack.account
    context = base_context(stack, role, region)
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


def invokers(
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
    yield from dead_letters(stack, function)


def dead_letters(stack: StackPolicies, function: FunctionStack) -> Iterable[IamRequest]:
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
