"""The mocks answer data sources and fill outputs in the formats the AWS provider returns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs

from tools.mock_data_sources import DataSourceError, UnansweredDataSource, python_name
from tools.pulumi_mocks import DeterministicMocks

ACCOUNT = "123456789012"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _outputs(type_token: str, logical: str, region: str = "eu-west-1", **inputs: Any) -> dict:
    mocks = DeterministicMocks(region=region, stack="test")
    _, state = mocks.new_resource(MockResourceArgs(type_token, logical, inputs, custom=True))
    return state


def _invoke(token: str, region: str = "eu-west-1", **args: Any) -> dict:
    result, failures = DeterministicMocks(region=region, stack="test").call(
        MockCallArgs(token, args, "")
    )
    assert not failures, failures
    return result


def test_mock_s3_bucket_arn_has_no_region_or_account() -> None:
    state = _outputs("aws:s3/bucket:Bucket", "reports", bucket="acme-reports")
    assert state["arn"] == "arn:aws:s3:::acme-reports", state
    assert state["bucketRegionalDomainName"] == "acme-reports.s3.eu-west-1.amazonaws.com"


def test_mock_s3_bucket_autonamed_arn_matches_its_id() -> None:
    state = _outputs("aws:s3/bucket:Bucket", "reports")
    assert re.fullmatch(r"arn:aws:s3:::reports-[0-9a-f]{7}", state["arn"]), state
    assert state["arn"].endswith(state["id"]) and state["bucket"] == state["id"], state


def test_mock_layer_version_arn_ends_with_its_version() -> None:
    state = _outputs("aws:lambda/layerVersion:LayerVersion", "deps", layerName="deps")
    assert state["arn"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:deps:1", state
    assert state["layerArn"] == f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:deps", state
    assert state["version"] == "1", state


def test_mock_sqs_queue_url_and_arn() -> None:
    state = _outputs("aws:sqs/queue:Queue", "jobs", name="jobs")
    assert state["url"] == f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs", state
    assert state["arn"] == f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs", state


def test_mock_kms_key_arn_names_a_key_id() -> None:
    state = _outputs("aws:kms/key:Key", "key")
    assert re.fullmatch(rf"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{UUID}", state["arn"]), state
    assert state["arn"].endswith(f"key/{state['keyId']}"), state


@pytest.mark.parametrize(
    ("type_token", "kind", "prefix"),
    [
        ("aws:iam/role:Role", "role", "AROA"),
        ("aws:iam/user:User", "user", "AIDA"),
        ("aws:iam/group:Group", "group", "AGPA"),
        ("aws:iam/policy:Policy", "policy", "ANPA"),
        ("aws:iam/instanceProfile:InstanceProfile", "instance-profile", "AIPA"),
    ],
)
def test_mock_iam_arn_is_global_under_its_path(type_token: str, kind: str, prefix: str) -> None:
    state = _outputs(type_token, "app", name="app", path="/service/")
    assert state["arn"] == f"arn:aws:iam::{ACCOUNT}:{kind}/service/app", state
    assert state["uniqueId"].startswith(prefix), state


def test_mock_role_arn_without_path() -> None:
    assert _outputs("aws:iam/role:Role", "r", name="r")["arn"] == f"arn:aws:iam::{ACCOUNT}:role/r"


def test_mock_ecr_repository_url_and_arn() -> None:
    state = _outputs("aws:ecr/repository:Repository", "images", name="images")
    assert state["arn"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/images", state
    assert state["repositoryUrl"] == f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/images"


def test_mock_arns_use_the_partition_of_the_region() -> None:
    state = _outputs("aws:sqs/queue:Queue", "jobs", region="cn-north-1", name="jobs")
    assert state["arn"] == f"arn:aws-cn:sqs:cn-north-1:{ACCOUNT}:jobs", state


def test_mock_caller_identity_is_the_account_of_every_arn() -> None:
    identity = _invoke("aws:index/getCallerIdentity:getCallerIdentity")
    assert identity["accountId"] == ACCOUNT
    assert identity["arn"].startswith(f"arn:aws:iam::{ACCOUNT}:"), identity


def test_mock_region_answers_the_stack_region() -> None:
    region = _invoke("aws:index/getRegion:getRegion", region="ap-southeast-2")
    assert region["region"] == region["name"] == "ap-southeast-2", region


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("eu-west-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_mock_partition_follows_the_region(region: str, partition: str, suffix: str) -> None:
    answer = _invoke("aws:index/getPartition:getPartition", region=region)
    assert (answer["partition"], answer["dnsSuffix"]) == (partition, suffix), answer


@pytest.mark.parametrize(
    ("region", "zone_id"),
    [("us-east-1", "use1-az1"), ("eu-west-1", "euw1-az1"), ("ap-southeast-2", "apse2-az1")],
)
def test_mock_availability_zones_belong_to_the_region(region: str, zone_id: str) -> None:
    zones = _invoke("aws:index/getAvailabilityZones:getAvailabilityZones", region=region)
    assert all(name.startswith(region) for name in zones["names"]), zones
    assert zones["zoneIds"][0] == zone_id, zones


def test_mock_policy_document_renders_json() -> None:
    answer = _invoke(
        "aws:iam/getPolicyDocument:getPolicyDocument",
        statements=[{"actions": ["sqs:SendMessage"], "resources": ["*"]}],
    )
    assert '"Action": "sqs:SendMessage"' in answer["json"], answer


def test_mock_unknown_data_source_names_it() -> None:
    with pytest.raises(UnansweredDataSource, match=r"aws\.ec2\.get_ami \(aws:ec2/getAmi:getAmi\)"):
        _invoke("aws:ec2/getAmi:getAmi")


@pytest.mark.parametrize(
    ("token", "name"),
    [
        ("aws:index/getCallerIdentity:getCallerIdentity", "aws.get_caller_identity"),
        ("aws:ec2/getVpc:getVpc", "aws.ec2.get_vpc"),
        ("aws:iam/getPolicyDocument:getPolicyDocument", "aws.iam.get_policy_document"),
    ],
)
def test_python_name_is_what_a_program_calls(token: str, name: str) -> None:
    assert python_name(token) == name


def test_mock_policy_document_refusal_names_the_data_source() -> None:
    with pytest.raises(DataSourceError, match=r"aws\.iam\.get_policy_document: .*duplicate sid"):
        _invoke(
            "aws:iam/getPolicyDocument:getPolicyDocument",
            statements=[{"sid": "A", "actions": ["sqs:A"]}, {"sid": "A", "actions": ["sqs:B"]}],
        )
