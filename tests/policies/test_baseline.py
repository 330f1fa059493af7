"""The baseline rules (resource policies, encryption, logs, network, Lambda)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyResource, StackValidationArgs

from policies.rules import awslambda, encryption, network, observability, resource_policies

from .helpers import UNKNOWN, Validator, allow, doc, engine_args, run

KEY = "aws:kms/key:Key"
ROOT = {
    "Sid": "Root",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/abc"


def check(
    validator: Validator, resource_type: str, props: dict[str, Any], **kwargs: Any
) -> list[str]:
    return run(validator, engine_args(resource_type, props, name="r", **kwargs))


def open_principal(resource_type: str, key: str, *statements: dict[str, Any]) -> list[str]:
    return check(
        resource_policies.validate_no_open_principal, resource_type, {key: doc(*statements)}
    )


# policy-no-open-principal -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        ("aws:iam/role:Role", "assumeRolePolicy"),
        (KEY, "policy"),
        ("aws:sns/topic:Topic", "policy"),
        ("aws:sqs/queue:Queue", "policy"),
        ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
        ("aws:sns/topicPolicy:TopicPolicy", "policy"),
    ],
)
def test_policy_no_open_principal_rejects_star_without_condition(
    resource_type: str, key: str
) -> None:
    found = open_principal(
        resource_type, key, allow("sqs:SendMessage", "*", Principal={"AWS": "*"})
    )
    assert found, f"{resource_type} 'r' open principal was accepted"


def test_policy_no_open_principal_rejects_bare_star_principal() -> None:
    found = open_principal(
        "aws:sns/topic:Topic", "policy", allow("sns:Publish", "*", Principal="*")
    )
    assert found, "topic 'r' Principal '*' was accepted"


def test_policy_no_open_principal_accepts_star_with_condition() -> None:
    statement = allow(
        "sns:Publish",
        "*",
        Principal="*",
        Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}},
    )
    found = open_principal("aws:sns/topic:Topic", "policy", statement)
    assert found == [], f"topic 'r' conditioned open principal was flagged: {found}"


def test_policy_no_open_principal_accepts_kms_root_statement() -> None:
    found = open_principal(KEY, "policy", ROOT)
    assert found == [], f"key 'r' root statement was flagged: {found}"


def test_policy_no_open_principal_rejects_unparsable_document() -> None:
    found = check(resource_policies.validate_no_open_principal, KEY, {"policy": "not json"})
    assert any("cannot be checked" in m for m in found), f"key 'r' bad policy accepted: {found}"


def test_policy_no_open_principal_skips_unknown_document() -> None:
    found = check(resource_policies.validate_no_open_principal, KEY, {"policy": UNKNOWN})
    assert found == [], f"key 'r' unknown policy was flagged: {found}"


# kms-key-policy-service-condition ------------------------------------------------------------
def test_kms_key_policy_service_condition_rejects_unconditioned_service() -> None:
    statement = allow(
        ["kms:Decrypt", "kms:GenerateDataKey*"], "*", Principal={"Service": "sns.amazonaws.com"}
    )
    found = check(
        resource_policies.validate_key_policy_service_condition,
        KEY,
        {"policy": doc(ROOT, statement)},
    )
    assert len(found) == 1 and "sns.amazonaws.com" in found[0], f"key 'r': {found}"


def test_kms_key_policy_service_condition_accepts_conditioned_service() -> None:
    statement = allow(
        "kms:Encrypt*",
        "*",
        Principal={"Service": "logs.us-east-1.amazonaws.com"},
        Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}},
    )
    found = check(
        resource_policies.validate_key_policy_service_condition,
        KEY,
        {"policy": doc(ROOT, statement)},
    )
    assert found == [], f"key 'r' conditioned service statement was flagged: {found}"


# kms-key-rotation ----------------------------------------------------------------------------
def test_kms_key_rotation_accepts_rotation_on() -> None:
    found = check(encryption.validate_key_rotation, KEY, {"enableKeyRotation": True})
    assert found == [], f"key 'r' with rotation was flagged: {found}"


def test_kms_key_rotation_rejects_rotation_off() -> None:
    found = check(encryption.validate_key_rotation, KEY, {"enableKeyRotation": False})
    assert found, "key 'r' without rotation was accepted"


def test_kms_key_rotation_skips_asymmetric_key() -> None:
    found = check(encryption.validate_key_rotation, KEY, {"customerMasterKeySpec": "RSA_2048"})
    assert found == [], f"asymmetric key 'r' was flagged: {found}"


# encryption with a customer managed key ------------------------------------------------------
def test_dynamodb_encrypted_cmk_accepts_kms_key() -> None:
    props = {"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY_ARN}}
    found = check(encryption.validate_dynamodb, "aws:dynamodb/table:Table", props)
    assert found == [], f"table 'r' with a CMK was flagged: {found}"


def test_dynamodb_encrypted_cmk_rejects_default_encryption() -> None:
    found = check(encryption.validate_dynamodb, "aws:dynamodb/table:Table", {"hashKey": "pk"})
    assert found, "table 'r' without server_side_encryption was accepted"


@pytest.mark.parametrize(
    ("validator", "resource_type", "key"),
    [
        (encryption.validate_sns, "aws:sns/topic:Topic", "kmsMasterKeyId"),
        (encryption.validate_sqs, "aws:sqs/queue:Queue", "kmsMasterKeyId"),
        (encryption.validate_log_group_key, "aws:cloudwatch/logGroup:LogGroup", "kmsKeyId"),
        (encryption.validate_secret, "aws:secretsmanager/secret:Secret", "kmsKeyId"),
    ],
)
def test_encrypted_cmk_accepts_customer_key(
    validator: Validator, resource_type: str, key: str
) -> None:
    found = check(validator, resource_type, {key: KEY_ARN})
    assert found == [], f"{resource_type} 'r' with a CMK was flagged: {found}"


@pytest.mark.parametrize(
    ("validator", "resource_type", "props"),
    [
        (encryption.validate_sns, "aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/aws/sns"}),
        (encryption.validate_sqs, "aws:sqs/queue:Queue", {"sqsManagedSseEnabled": True}),
        (encryption.validate_log_group_key, "aws:cloudwatch/logGroup:LogGroup", {}),
        (encryption.validate_secret, "aws:secretsmanager/secret:Secret", {"kmsKeyId": ""}),
    ],
)
def test_encrypted_cmk_rejects_missing_or_aws_key(
    validator: Validator, resource_type: str, props: dict[str, Any]
) -> None:
    found = check(validator, resource_type, props)
    assert found, f"{resource_type} 'r' {props} was accepted"


# log-group-retention -------------------------------------------------------------------------
def test_log_group_retention_accepts_positive_days() -> None:
    found = check(
        observability.validate_log_retention,
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 30},
    )
    assert found == [], f"log group 'r' with 30 days was flagged: {found}"


@pytest.mark.parametrize("props", [{}, {"retentionInDays": 0}])
def test_log_group_retention_rejects_unset_or_zero(props: dict[str, Any]) -> None:
    found = check(observability.validate_log_retention, "aws:cloudwatch/logGroup:LogGroup", props)
    assert found, f"log group 'r' {props} was accepted"


# apigateway-stage-access-logs ----------------------------------------------------------------
def test_apigateway_stage_access_logs_accepts_destination() -> None:
    props = {
        "accessLogSettings": {
            "destinationArn": "arn:aws:logs:us-east-1:1:log-group:api",
            "format": "{}",
        }
    }
    found = check(observability.validate_stage_access_logs, "aws:apigateway/stage:Stage", props)
    assert found == [], f"stage 'r' with access logs was flagged: {found}"


def test_apigateway_stage_access_logs_rejects_missing_settings() -> None:
    found = check(
        observability.validate_stage_access_logs, "aws:apigateway/stage:Stage", {"stageName": "v1"}
    )
    assert found, "stage 'r' without access logs was accepted"


# lambda-permission-source --------------------------------------------------------------------
def test_lambda_permission_source_accepts_source_arn() -> None:
    props = {
        "principal": "apigateway.amazonaws.com",
        "sourceArn": "arn:aws:execute-api:us-east-1:1:abc/*",
    }
    found = check(awslambda.validate_permission_source, "aws:lambda/permission:Permission", props)
    assert found == [], f"permission 'r' with source_arn was flagged: {found}"


def test_lambda_permission_source_rejects_service_without_source() -> None:
    props = {"principal": "events.amazonaws.com", "action": "lambda:InvokeFunction"}
    found = check(awslambda.validate_permission_source, "aws:lambda/permission:Permission", props)
    assert found, "permission 'r' for events.amazonaws.com without a source was accepted"


def test_lambda_permission_source_accepts_account_principal() -> None:
    props = {"principal": "123456789012"}
    found = check(awslambda.validate_permission_source, "aws:lambda/permission:Permission", props)
    assert found == [], f"permission 'r' for an account was flagged: {found}"


# sg-no-public-ingress ------------------------------------------------------------------------
SG = "aws:ec2/securityGroup:SecurityGroup"


def test_sg_no_public_ingress_accepts_vpc_cidr() -> None:
    props = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.0.0.0/16"]}
        ]
    }
    found = check(network.validate_no_public_ingress, SG, props)
    assert found == [], f"security group 'r' with VPC ingress was flagged: {found}"


def test_sg_no_public_ingress_rejects_open_ipv4() -> None:
    props = {
        "ingress": [{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]
    }
    found = check(network.validate_no_public_ingress, SG, props)
    assert any("port 22" in m for m in found), f"security group 'r' open SSH not reported: {found}"


def test_sg_no_public_ingress_rejects_all_protocols_ipv6() -> None:
    props = {
        "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]}]
    }
    found = check(network.validate_no_public_ingress, SG, props)
    assert any("all ports" in m for m in found), (
        f"security group 'r' ::/0 all ports not reported: {found}"
    )


def test_sg_no_public_ingress_config_allows_port() -> None:
    props = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
        ]
    }
    found = check(
        network.validate_no_public_ingress, SG, props, config={"allowedPublicIngressPorts": [443]}
    )
    assert found == [], f"security group 'r' allowed port 443 was flagged: {found}"


def test_sg_no_public_ingress_rejects_range_beyond_allowed_port() -> None:
    props = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 444, "cidrBlocks": ["0.0.0.0/0"]}
        ]
    }
    found = check(
        network.validate_no_public_ingress, SG, props, config={"allowedPublicIngressPorts": [443]}
    )
    assert found, "security group 'r' range 443-444 was accepted with only 443 allowed"


def test_sg_no_public_ingress_rejects_security_group_rule() -> None:
    props = {
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": 80,
        "toPort": 80,
        "cidrBlocks": ["0.0.0.0/0"],
    }
    found = check(
        network.validate_no_public_ingress, "aws:ec2/securityGroupRule:SecurityGroupRule", props
    )
    assert found, "security group rule 'r' open port 80 was accepted"


def test_sg_no_public_ingress_ignores_egress_rule() -> None:
    props = {
        "type": "egress",
        "protocol": "-1",
        "fromPort": 0,
        "toPort": 0,
        "cidrBlocks": ["0.0.0.0/0"],
    }
    found = check(
        network.validate_no_public_ingress, "aws:ec2/securityGroupRule:SecurityGroupRule", props
    )
    assert found == [], f"egress rule 'r' was flagged: {found}"


def test_sg_no_public_ingress_rejects_vpc_ingress_rule() -> None:
    props = {"ipProtocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrIpv6": "::/0"}
    found = check(
        network.validate_no_public_ingress,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        props,
    )
    assert found, "vpc ingress rule 'r' open RDP was accepted"


# vpc-flow-logs (stack policy) ----------------------------------------------------------------
def _stack_resource(resource_type: str, name: str, props: dict[str, Any]) -> PolicyResource:
    args = engine_args(resource_type, props, name=name)
    return PolicyResource(resource_type, args.props, args.urn, name, args.opts, None, None, [], {})


def test_vpc_flow_logs_accepts_vpc_with_flow_log() -> None:
    vpc = _stack_resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    flow = _stack_resource("aws:ec2/flowLog:FlowLog", "flow", {"vpcId": UNKNOWN})
    flow.property_dependencies["vpcId"] = [vpc]
    found: list[str] = []
    observability.validate_vpc_flow_logs(
        StackValidationArgs([vpc, flow]), lambda m, u=None: found.append(m)
    )
    assert found == [], f"vpc 'vpc' with a flow log was flagged: {found}"


def test_vpc_flow_logs_rejects_vpc_without_flow_log() -> None:
    vpc = _stack_resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    found: list[str] = []
    observability.validate_vpc_flow_logs(
        StackValidationArgs([vpc]), lambda m, u=None: found.append(m)
    )
    assert found, "vpc 'vpc' without a flow log was accepted"
