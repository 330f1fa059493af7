"""Every principal Lambda's AddPermission accepts, judged by its documented source.

Lambda accepts an account, a role or user ARN, ``*``, or a service principal; service principals
are not all ``*.amazonaws.com``: Alexa invokes as ``alexa-appkit.amazon.com`` (Skills Kit) and
``alexa-connectedhome.amazon.com`` (Smart Home), and names its source with the skill id passed
as ``EventSourceToken``; the China regions use ``*.amazonaws.com.cn``. Without its source, any
skill (anyone's) or any resource of the service can invoke the function.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.rules import awslambda

from .helpers import engine_args, run

PERMISSION = "aws:lambda/permission:Permission"
SKILL = "amzn1.ask.skill.12345678-1234-1234-1234-123456789012"


def permission(**props: Any) -> list[str]:
    props = {"action": "lambda:InvokeFunction", "function": "fn", **props}
    return run(awslambda.validate_permission_source, engine_args(PERMISSION, props, name="perm"))


REJECTS = [
    {"principal": "alexa-appkit.amazon.com"},
    {"principal": "alexa-connectedhome.amazon.com"},
    # An account says nothing about which skill: Alexa calls from Amazon's side.
    {"principal": "alexa-appkit.amazon.com", "sourceAccount": "123456789012"},
    {"principal": "ALEXA-APPKIT.amazon.com", "eventSourceToken": ""},
    {"principal": "s3.amazonaws.com.cn", "sourceArn": "arn:aws-cn:s3:::bucket"},
    {"principal": "events.amazonaws.com.cn"},
    {"principal": "iot.amazonaws.com"},
]


@pytest.mark.parametrize("props", REJECTS)
def test_lambda_permission_source_rejects_service_principal_without_its_source(
    props: dict[str, Any],
) -> None:
    found = permission(**props)
    assert found, f"permission 'perm' {props} accepted"


PASSES = [
    {"principal": "alexa-appkit.amazon.com", "eventSourceToken": SKILL},
    {"principal": "alexa-connectedhome.amazon.com", "eventSourceToken": SKILL},
    {
        "principal": "s3.amazonaws.com.cn",
        "sourceArn": "arn:aws-cn:s3:::bucket",
        "sourceAccount": "123456789012",
    },
    {
        "principal": "events.amazonaws.com.cn",
        "sourceArn": "arn:aws-cn:events:cn-north-1:123456789012:rule/nightly",
    },
    {"principal": "123456789012"},
    {"principal": "arn:aws:iam::123456789012:role/invoker"},
]


@pytest.mark.parametrize("props", PASSES)
def test_lambda_permission_source_accepts_principal_with_its_documented_source(
    props: dict[str, Any],
) -> None:
    assert permission(**props) == [], f"permission 'perm' {props} was flagged"


def test_lambda_permission_source_names_the_event_source_token_for_alexa() -> None:
    [message] = permission(principal="alexa-appkit.amazon.com")
    assert "event_source_token" in message, message


def function_policy(principal: str, condition: dict[str, Any] | None = None) -> list[str]:
    """A function's resource policy written as a document (``lambda.ResourcePolicy``)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    }
    if condition is not None:
        statement["Condition"] = condition
    props = {
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        "resourceArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    }
    args = engine_args("aws:lambda/resourcePolicy:ResourcePolicy", props, name="fp")
    return run(awslambda.validate_permission_source, args)


@pytest.mark.parametrize(
    ("principal", "condition"),
    [
        ("alexa-appkit.amazon.com", None),
        ("alexa-connectedhome.amazon.com", {"StringEquals": {"aws:SourceAccount": "123456789012"}}),
        ("alexa-appkit.amazon.com", {"StringLike": {"lambda:EventSourceToken": "amzn1.ask.*"}}),
        ("s3.amazonaws.com", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"}}),
        ("events.amazonaws.com", None),
    ],
)
def test_lambda_permission_source_rejects_function_policy_document_without_source(
    principal: str, condition: dict[str, Any] | None
) -> None:
    found = function_policy(principal, condition)
    assert found and principal in found[0], f"function policy for {principal}: {found}"


@pytest.mark.parametrize(
    ("principal", "condition"),
    [
        ("alexa-appkit.amazon.com", {"StringEquals": {"lambda:EventSourceToken": SKILL}}),
        ("s3.amazonaws.com", {"StringEquals": {"aws:SourceAccount": "123456789012"}}),
        (
            "events.amazonaws.com",
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/nightly"}},
        ),
    ],
)
def test_lambda_permission_source_accepts_function_policy_document_naming_source(
    principal: str, condition: dict[str, Any]
) -> None:
    assert function_policy(principal, condition) == [], principal
