"""iam-no-wildcard and iam-no-broad-managed-policy, called as the engine calls them."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import iam

from .helpers import UNKNOWN, allow, doc, engine_args, run

POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
REGION_CONDITION = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/cw-analytics-dev-api"


def wildcard(resource_type: str, props: dict[str, Any], **kwargs: Any) -> list[str]:
    return run(iam.validate_no_wildcard, engine_args(resource_type, props, name="p", **kwargs))


def policy(*statements: dict[str, Any], as_json: bool = True, **kwargs: Any) -> list[str]:
    return wildcard(POLICY, {"policy": doc(*statements, as_json=as_json)}, **kwargs)


def test_iam_no_wildcard_accepts_scoped_log_statement() -> None:
    found = policy(allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{LOG_GROUP_ARN}:*"))
    assert found == [], f"policy 'p' scoped to its log group was flagged: {found}"


def test_iam_no_wildcard_rejects_star_action_string() -> None:
    found = policy(allow("*", "arn:aws:s3:::bucket/key"))
    assert len(found) == 1 and "'*'" in found[0], f"policy 'p' Action '*' not reported: {found}"


def test_iam_no_wildcard_rejects_service_wildcard_in_list() -> None:
    found = policy(allow(["logs:PutLogEvents", "s3:*"], "arn:aws:s3:::bucket"))
    assert any("service wildcard" in m for m in found), f"policy 'p' s3:* not reported: {found}"


def test_iam_no_wildcard_rejects_mixed_case_service_wildcard() -> None:
    found = policy(allow("IAM:*", "arn:aws:iam::123456789012:role/x"))
    assert any("service wildcard" in m for m in found), f"policy 'p' IAM:* not reported: {found}"


def test_iam_no_wildcard_rejects_mixed_case_scopable_action_on_star() -> None:
    found = policy(allow("KMS:decrypt", "*", Condition=REGION_CONDITION))
    assert any("kms:Decrypt" in m for m in found), (
        f"policy 'p' KMS:decrypt on '*' not reported: {found}"
    )


def test_iam_no_wildcard_expands_get_star_on_star_resource() -> None:
    found = policy(allow("s3:Get*", "*"))
    assert any("s3:GetObject" in m or "more on Resource" in m for m in found), (
        f"policy 'p' s3:Get* on '*' not reported: {found}"
    )


def test_iam_no_wildcard_accepts_get_star_on_scoped_resource() -> None:
    found = policy(allow("s3:Get*", "arn:aws:s3:::bucket/*"))
    assert found == [], f"policy 'p' s3:Get* on one bucket was flagged: {found}"


def test_iam_no_wildcard_rejects_not_action() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}
    found = policy(statement)
    assert any("NotAction" in m for m in found), f"policy 'p' NotAction not reported: {found}"


def test_iam_no_wildcard_rejects_not_resource() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"}
    found = policy(statement)
    assert any("NotResource" in m for m in found), f"policy 'p' NotResource not reported: {found}"


def test_iam_no_wildcard_rejects_star_hidden_in_resource_list() -> None:
    found = policy(
        allow("dynamodb:GetItem", ["arn:aws:dynamodb:us-east-1:123456789012:table/t", "*"])
    )
    assert any("dynamodb:GetItem" in m for m in found), (
        f"policy 'p' hidden '*' not reported: {found}"
    )


@pytest.mark.parametrize("arn", ["arn:aws:s3:::*", "arn:aws:*:*:*:*", "arn:*:dynamodb:*:*:*"])
def test_iam_no_wildcard_rejects_effectively_star_arn(arn: str) -> None:
    found = policy(allow(["s3:GetObject", "dynamodb:GetItem"], arn))
    assert found, f"policy 'p' with Resource {arn} was accepted"


ENI_RESOURCES = [
    "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
    "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0abc",
    "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0abc",
]


def test_iam_no_wildcard_accepts_interface_create_limited_by_named_subnet() -> None:
    # CreateNetworkInterface also needs the subnet: naming it limits the call.
    found = policy(allow("ec2:CreateNetworkInterface", ENI_RESOURCES))
    assert found == [], f"policy 'p' create limited by subnet was flagged: {found}"


def test_iam_no_wildcard_rejects_interface_action_lambda_does_not_need_on_every_interface() -> None:
    # Attaching interfaces is not in Lambda's documented list: the statement is not the
    # documented grant, so network-interface/* is every interface of the account again.
    found = policy(
        allow(["ec2:DeleteNetworkInterface", "ec2:AttachNetworkInterface"], ENI_RESOURCES[0])
    )
    assert len(found) == 1 and "ec2:AttachNetworkInterface" in found[0], (
        f"policy 'p' attach on network-interface/* not reported: {found}"
    )


def test_iam_no_wildcard_config_allows_type_wide_resource_type() -> None:
    config = {"allowTypeWideResources": ["ec2:network-interface"]}
    found = policy(allow("ec2:DeleteNetworkInterface", ENI_RESOURCES[0]), config=config)
    assert found == [], f"policy 'p' flagged although its type may be type-wide: {found}"


def test_iam_no_wildcard_accepts_document_given_as_object() -> None:
    found = policy(allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"), as_json=False)
    assert found == [], f"policy 'p' given as an object was flagged: {found}"


def test_iam_no_wildcard_rejects_star_in_document_given_as_object() -> None:
    found = policy(allow("*", "*"), as_json=False)
    assert found, "policy 'p' given as an object with Action '*' was accepted"


def test_iam_no_wildcard_accepts_single_statement_object() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"),
    }
    found = wildcard(POLICY, {"policy": document})
    assert found == [], f"policy 'p' with one Statement object was flagged: {found}"


def test_iam_no_wildcard_ignores_deny_star() -> None:
    found = policy({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert found == [], f"policy 'p' Deny */* was flagged: {found}"


def test_iam_no_wildcard_accepts_wildcard_only_actions_with_condition() -> None:
    actions = [
        "cloudwatch:GetMetricData",
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "ec2:DescribeNetworkInterfaces",
    ]
    found = policy(allow(actions, "*", Condition=REGION_CONDITION))
    assert found == [], f"policy 'p' wildcard-only actions with a Condition were flagged: {found}"


def test_iam_no_wildcard_accepts_wildcard_only_actions_without_condition_by_default() -> None:
    found = policy(allow(["xray:PutTraceSegments", "sts:GetCallerIdentity"], "*"))
    assert found == [], f"policy 'p' AWS's minimal wildcard-only policy was flagged: {found}"


def test_iam_no_wildcard_config_requires_condition_on_wildcard_only_actions() -> None:
    config = {"requireConditionOnWildcardResource": True}
    found = policy(allow(["cloudwatch:GetMetricData", "xray:PutTraceSegments"], "*"), config=config)
    assert any("without a Condition" in m for m in found), (
        f"policy 'p' missing Condition not reported: {found}"
    )


def test_iam_no_wildcard_config_can_drop_condition_requirement() -> None:
    config = {"requireConditionOnWildcardResource": False}
    found = policy(allow("ec2:DescribeNetworkInterfaces", "*"), config=config)
    assert found == [], f"policy 'p' was flagged although the config waives the Condition: {found}"


def test_iam_no_wildcard_rejects_scopable_action_added_to_wildcard_only() -> None:
    actions = ["cloudwatch:GetMetricData", "xray:PutTraceSegments", "cloudwatch:PutMetricAlarm"]
    found = policy(allow(actions, "*", Condition=REGION_CONDITION))
    assert len(found) == 1 and "cloudwatch:PutMetricAlarm" in found[0], (
        f"policy 'p' scopable PutMetricAlarm on '*' not reported alone: {found}"
    )


def test_iam_no_wildcard_rejects_unknown_action_on_star() -> None:
    found = policy(allow("madeup:DoThing", "*", Condition=REGION_CONDITION))
    assert any("not actions in the IAM definition" in m for m in found), f"policy 'p': {found}"


def test_iam_no_wildcard_rejects_unparsable_json() -> None:
    found = wildcard(POLICY, {"policy": '{"Statement": [ {"Effect": "Allow",'})
    assert any("not valid JSON" in m for m in found), (
        f"policy 'p' unparsable JSON accepted: {found}"
    )


def test_iam_no_wildcard_rejects_document_without_statement() -> None:
    found = wildcard(POLICY, {"policy": '{"Version": "2012-10-17"}'})
    assert any("no Statement" in m for m in found), (
        f"policy 'p' without Statement accepted: {found}"
    )


def test_iam_no_wildcard_rejects_non_string_action() -> None:
    found = policy(allow({"bad": 1}, "*"))
    assert any("cannot be checked" in m for m in found), f"policy 'p' odd Action accepted: {found}"


def test_iam_no_wildcard_skips_unknown_document_in_preview() -> None:
    found = wildcard(POLICY, {"policy": UNKNOWN})
    assert found == [], f"policy 'p' unknown at preview was flagged: {found}"


def test_iam_no_wildcard_skips_statement_with_unknown_resource() -> None:
    found = policy(allow("kms:Decrypt", UNKNOWN), as_json=False)
    assert found == [], f"policy 'p' with an unknown Resource was flagged: {found}"


def test_iam_no_wildcard_reports_known_statement_next_to_unknown_one() -> None:
    found = policy(allow("kms:Decrypt", UNKNOWN), allow("*", "*"), as_json=False)
    assert len(found) == 1 and "statement 1" in found[0], f"policy 'p': {found}"


@pytest.mark.parametrize(
    "resource_type",
    [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
)
def test_iam_no_wildcard_checks_every_policy_resource(resource_type: str) -> None:
    found = wildcard(resource_type, {"policy": doc(allow("s3:*", "*"))})
    assert found, f"{resource_type} 'p' with s3:* was accepted"


def test_iam_no_wildcard_checks_role_inline_policies() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    props = {
        "assumeRolePolicy": doc({**trust, "Action": "sts:AssumeRole"}),
        "inlinePolicies": [
            {"name": "ok", "policy": doc(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"))},
            {"name": "bad", "policy": doc(allow("*", "*"))},
        ],
    }
    found = wildcard(ROLE, props)
    assert len(found) == 1 and "'bad'" in found[0], (
        f"role 'p' inline policy 'bad' not reported: {found}"
    )


def test_iam_no_wildcard_ignores_role_trust_policy() -> None:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    found = wildcard(ROLE, {"assumeRolePolicy": trust})
    assert found == [], f"role 'p' trust policy judged as an identity policy: {found}"


def test_iam_no_wildcard_ignores_other_resource_types() -> None:
    found = wildcard("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16", "policy": doc(allow("*"))})
    assert found == [], f"vpc 'p' judged by iam-no-wildcard: {found}"


def test_iam_no_wildcard_rejects_kms_star_granted_to_service_in_key_policy() -> None:
    statement = allow("kms:*", "*", Principal={"Service": "logs.amazonaws.com"})
    found = wildcard("aws:kms/key:Key", {"policy": doc(statement)})
    assert len(found) == 1 and "kms:*" in found[0], f"kms key 'p' kms:* not reported: {found}"


def test_iam_no_wildcard_accepts_kms_root_statement_in_key_policy() -> None:
    root = {
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    found = wildcard("aws:kms/key:Key", {"policy": doc(root)})
    assert found == [], f"kms key 'p' root statement was flagged: {found}"


def broad(resource_type: str, props: dict[str, Any], **kwargs: Any) -> list[str]:
    return run(
        iam.validate_no_broad_managed_policy, engine_args(resource_type, props, name="a", **kwargs)
    )


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "policyArn"),
        ("aws:iam/userPolicyAttachment:UserPolicyAttachment", "policyArn"),
        ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "policyArn"),
        ("aws:iam/policyAttachment:PolicyAttachment", "policyArn"),
    ],
)
def test_iam_no_broad_managed_policy_rejects_admin_attachment(resource_type: str, key: str) -> None:
    found = broad(resource_type, {key: "arn:aws:iam::aws:policy/AdministratorAccess"})
    assert found and "AdministratorAccess" in found[0], f"{resource_type} 'a' admin not reported"


@pytest.mark.parametrize(
    "resource_type",
    [
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
        "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
    ],
)
def test_iam_no_broad_managed_policy_rejects_exclusive_attachments(resource_type: str) -> None:
    arns = ["arn:aws:iam::123456789012:policy/mine", "arn:aws:iam::aws:policy/PowerUserAccess"]
    found = broad(resource_type, {"policyArns": arns})
    assert len(found) == 1 and "PowerUserAccess" in found[0], f"{resource_type} 'a': {found}"


def test_iam_no_broad_managed_policy_rejects_role_managed_policy_arns() -> None:
    found = broad(ROLE, {"managedPolicyArns": ["arn:aws:iam::aws:policy/IAMFullAccess"]})
    assert found and "IAMFullAccess" in found[0], f"role 'a' IAMFullAccess not reported: {found}"


def test_iam_no_broad_managed_policy_accepts_apigateway_push_policy() -> None:
    arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    found = broad("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"policyArn": arn})
    assert found == [], f"attachment 'a' of the API Gateway push policy was flagged: {found}"


def test_iam_no_broad_managed_policy_accepts_customer_policy_named_like_admin() -> None:
    arn = "arn:aws:iam::123456789012:policy/AdministratorAccess"
    found = broad("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"policyArn": arn})
    assert found == [], f"attachment 'a' of a customer policy was flagged: {found}"


def test_iam_no_broad_managed_policy_config_adds_names() -> None:
    arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    found = broad(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        {"policyArn": arn},
        config={"additionalBroadPolicies": ["AmazonS3FullAccess"]},
    )
    assert found, "attachment 'a' of a configured broad policy was accepted"


def test_iam_no_broad_managed_policy_skips_unknown_arn() -> None:
    found = broad("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"policyArn": UNKNOWN})
    assert found == [], f"attachment 'a' with an unknown ARN was flagged: {found}"


def test_iam_no_wildcard_rejects_star_action_next_to_unknown_action() -> None:
    found = policy(allow([UNKNOWN, "*"], "arn:aws:s3:::bucket/key"), as_json=False)
    assert any("'*'" in m for m in found), f"policy 'p' known '*' hidden by an unknown: {found}"


def test_iam_no_wildcard_rejects_star_resource_next_to_unknown_resource() -> None:
    found = policy(allow("kms:Decrypt", [UNKNOWN, "*"]), as_json=False)
    assert any("kms:Decrypt" in m for m in found), (
        f"policy 'p' known Resource '*' hidden by an unknown: {found}"
    )


@pytest.mark.parametrize("arn", ["arn*", "*:*", "a*", "arn:aws:s*", "arn:aws:iam::*"])
def test_iam_no_wildcard_rejects_short_pattern_swallowing_arn(arn: str) -> None:
    # IAM's '*' also matches ':', so a trailing '*' before the resource segment covers it all.
    found = policy(allow(["s3:GetObject", "iam:PassRole"], arn))
    assert found, f"policy 'p' with Resource {arn} was accepted"


@pytest.mark.parametrize("arn", ["arn:aws:s3:::*/*", "arn:aws:logs:*:*:*:*"])
def test_iam_no_wildcard_rejects_wildcard_only_resource_path(arn: str) -> None:
    found = policy(allow(["s3:GetObject", "logs:PutLogEvents"], arn))
    assert found, f"policy 'p' with Resource {arn} was accepted"


def test_iam_no_wildcard_rejects_account_wildcard_with_resource_type() -> None:
    # A wildcard account is anyone's role, however narrow the name.
    found = policy(allow("iam:PassRole", "arn:aws:iam::*:role/cw-analytics-*"))
    assert len(found) == 1 and "account" in found[0], f"policy 'p' account '*' accepted: {found}"


@pytest.mark.parametrize("effect", ["allow", "deny", "ALLOW"])
def test_iam_no_wildcard_rejects_effect_in_wrong_case(effect: str) -> None:
    statement = {"Effect": effect, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}
    found = policy(statement)
    assert any("cannot be checked" in m and "Effect" in m for m in found), (
        f"policy 'p' Effect {effect!r} (invalid in IAM) accepted: {found}"
    )


def test_iam_no_wildcard_rejects_empty_action_list() -> None:
    found = policy(allow([], "*"))
    assert any("Action is empty" in m for m in found), f"policy 'p' Action []: {found}"
