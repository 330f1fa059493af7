"""Policy documents riding inside other inputs are judged like a ``policy`` input.

API Gateway reads a REST API's resource policy from the OpenAPI extension
``x-amazon-apigateway-policy`` of ``body`` (API Gateway developer guide,
"x-amazon-apigateway-policy"); a CloudFormation stack creates the IAM and resource policies its
template declares. An attacker who cannot get ``Principal: "*"`` past the ``policy`` input
tries these.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.rules import iam, resource_policies

from .helpers import allow, engine_args, run

REST_API = "aws:apigateway/restApi:RestApi"
STACK = "aws:cloudformation/stack:Stack"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
ACCOUNT = "123456789012"
OPEN_INVOKE = {
    "Effect": "Allow",
    "Principal": "*",
    "Action": "execute-api:Invoke",
    "Resource": "execute-api:/*",
}
ACCOUNT_INVOKE = {**OPEN_INVOKE, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}


def findings(resource_type: str, props: dict[str, Any]) -> list[str]:
    args = engine_args(resource_type, props, name="e")
    return run(iam.validate_no_wildcard, args) + run(
        resource_policies.validate_no_open_principal, args
    )


def openapi(policy: dict[str, Any] | None, *, yaml: bool = False) -> str:
    body: dict[str, Any] = {"openapi": "3.0.1", "info": {"title": "t"}, "paths": {}}
    if policy is not None:
        body["x-amazon-apigateway-policy"] = {"Version": "2012-10-17", "Statement": [policy]}
    if not yaml:
        return json.dumps(body)
    statement = policy or {}
    principal = statement.get("Principal")
    principal_yaml = (
        f"'{principal}'" if isinstance(principal, str) else f"\n          AWS: {principal['AWS']}"
    )
    return (
        "openapi: 3.0.1\ninfo:\n  title: t\npaths: {}\n"
        "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n"
        f"    - Effect: Allow\n      Principal: {principal_yaml}\n"
        f"      Action: {statement['Action']}\n      Resource: '{statement['Resource']}'\n"
    )


@pytest.mark.parametrize("yaml", [False, True])
def test_policy_no_open_principal_rejects_open_policy_in_openapi_body(yaml: bool) -> None:
    found = findings(REST_API, {"body": openapi(OPEN_INVOKE, yaml=yaml)})
    assert any("x-amazon-apigateway-policy" in m and "any principal" in m for m in found), (
        f"REST API 'e' open body policy accepted: {found}"
    )


def test_iam_no_wildcard_rejects_service_wildcard_in_openapi_body_policy() -> None:
    body = openapi({**ACCOUNT_INVOKE, "Action": "execute-api:*"})
    found = findings(REST_API, {"body": body})
    assert any("service wildcard" in m for m in found), f"REST API 'e' execute-api:*: {found}"


@pytest.mark.parametrize("yaml", [False, True])
def test_embedded_accepts_openapi_body_policy_naming_its_callers(yaml: bool) -> None:
    found = findings(REST_API, {"body": openapi(ACCOUNT_INVOKE, yaml=yaml)})
    assert found == [], f"REST API 'e' body policy for one account was flagged: {found}"


def test_embedded_accepts_openapi_body_without_policy() -> None:
    assert findings(REST_API, {"body": openapi(None)}) == []


def template(resources: dict[str, Any]) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


CFN_REJECTS = [
    {
        "P": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [allow("*", "*")]}
            },
        }
    },
    {
        "R": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                    ]
                },
            },
        }
    },
    {
        "R": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                },
                "Policies": [
                    {
                        "PolicyName": "pass",
                        "PolicyDocument": {
                            "Statement": [
                                allow(
                                    "iam:PassRole",
                                    {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/*"},
                                )
                            ]
                        },
                    }
                ],
            },
        }
    },
    {
        "B": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Data"},
                "PolicyDocument": {
                    "Statement": [
                        allow("s3:*", {"Fn::Sub": "${Data.Arn}/*"}, Principal={"AWS": "*"})
                    ]
                },
            },
        }
    },
]


@pytest.mark.parametrize("resource_type", [STACK, STACK_SET])
@pytest.mark.parametrize("resources", CFN_REJECTS)
def test_embedded_rejects_wildcards_in_cloudformation_template(
    resource_type: str, resources: dict[str, Any]
) -> None:
    found = findings(resource_type, {"templateBody": template(resources)})
    assert found and all("templateBody Resources." in m for m in found), (
        f"{resource_type} 'e' template {list(resources)} accepted: {found}"
    )


YAML_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Policy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: send
      Roles: [!Ref Role]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
          - Effect: Allow
            Action: [logs:CreateLogStream, logs:PutLogEvents]
            Resource: !Sub arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:/app/x:*
"""


def test_embedded_accepts_scoped_yaml_template_with_intrinsic_functions() -> None:
    found = findings(STACK, {"templateBody": YAML_TEMPLATE})
    assert found == [], f"stack 'e' with scoped policies was flagged: {found}"


def test_embedded_rejects_yaml_template_widened_with_a_wildcard() -> None:
    body = YAML_TEMPLATE.replace("Resource: !GetAtt Queue.Arn", "Resource: '*'")
    found = findings(STACK, {"templateBody": body})
    assert any("sqs:SendMessage on Resource '*'" in m for m in found), f"stack 'e': {found}"


def test_embedded_rejects_star_in_account_wide_logs_policy_of_a_template() -> None:
    resources = {
        "Logs": {
            "Type": "AWS::Logs::ResourcePolicy",
            "Properties": {
                "PolicyName": "p",
                "PolicyDocument": json.dumps(
                    {
                        "Statement": [
                            allow(
                                "logs:PutLogEvents",
                                "*",
                                Principal={"Service": "es.amazonaws.com"},
                            )
                        ]
                    }
                ),
            },
        }
    }
    found = findings(STACK, {"templateBody": template(resources)})
    assert any("logs:PutLogEvents on Resource '*'" in m for m in found), f"stack 'e': {found}"


def test_embedded_reports_template_that_cannot_be_read() -> None:
    found = findings(STACK, {"templateBody": "Resources: [unclosed"})
    assert any("cannot be checked" in m for m in found), f"stack 'e' unreadable: {found}"


SAM_FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - AWSLambdaBasicExecutionRole
        - S3ReadPolicy:
            BucketName: reports
        - Statement:
            - Effect: Allow
              Action: {action}
              Resource: !Sub arn:aws:s3:::reports-${{AWS::AccountId}}/*
"""


def test_embedded_rejects_inline_statement_of_a_sam_function() -> None:
    found = findings(STACK, {"templateBody": SAM_FUNCTION.format(action="s3:*")})
    assert any("Policies[2]" in m and "service wildcard" in m for m in found), found


def test_embedded_accepts_sam_function_with_named_policies_and_scoped_statement() -> None:
    found = findings(STACK, {"templateBody": SAM_FUNCTION.format(action="s3:GetObject")})
    assert found == [], f"stack 'e' SAM function flagged: {found}"


@pytest.mark.parametrize(
    ("cfn_type", "prop", "statement"),
    [
        (
            "AWS::ECR::RegistryPolicy",
            "PolicyText",
            allow("ecr:ReplicateImage", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        ),
        (
            "AWS::EFS::FileSystem",
            "FileSystemPolicy",
            allow("elasticfilesystem:ClientMount", "*", Principal={"AWS": "*"}),
        ),
        (
            "AWS::OpenSearchService::Domain",
            "AccessPolicies",
            allow("es:ESHttpGet", "*", Principal="*"),
        ),
        ("AWS::SSO::PermissionSet", "InlinePolicy", allow("iam:*", "*")),
    ],
)
def test_embedded_judges_other_policy_bearing_template_types(
    cfn_type: str, prop: str, statement: dict[str, Any]
) -> None:
    resources = {"R": {"Type": cfn_type, "Properties": {prop: {"Statement": [statement]}}}}
    found = findings(STACK, {"templateBody": template(resources)})
    assert found and all(cfn_type in m for m in found), f"{cfn_type} {prop}: {found}"
