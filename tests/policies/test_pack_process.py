"""The pack launched as the engine launches it, driven over the analyzer gRPC protocol."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tools.policy_analyzer import (
    AnalyzedResource,
    PolicyPackProcess,
    load_policy_config,
)
from tools.resource_options import ResourceOptions

from .helpers import allow, doc

pytestmark = pytest.mark.slow

EXPECTED_LEVELS = {
    "iam-no-wildcard": "mandatory",
    "iam-no-broad-managed-policy": "mandatory",
    "rds-destroyable": "mandatory",
    "rds-destroyable-protect": "mandatory",
    "rds-not-public": "mandatory",
    "rds-encrypted-cmk": "advisory",
    "policy-no-open-principal": "mandatory",
    "kms-key-policy-service-condition": "advisory",
    "kms-key-rotation": "advisory",
    "dynamodb-encrypted-cmk": "advisory",
    "sns-encrypted-cmk": "advisory",
    "sqs-encrypted-cmk": "advisory",
    "log-group-encrypted-cmk": "advisory",
    "secret-encrypted-cmk": "advisory",
    "log-group-retention": "advisory",
    "apigateway-stage-access-logs": "advisory",
    "vpc-flow-logs": "advisory",
    "lambda-permission-source": "mandatory",
    "sg-no-public-ingress": "mandatory",
    "sg-no-public-ingress-combined": "mandatory",
    "physical-name-unique": "mandatory",
}
APIGW_PUSH_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
DB_OK = {
    "deletionProtection": False,
    "skipFinalSnapshot": True,
    "storageEncrypted": True,
    "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
    "publiclyAccessible": False,
}
PROD_DB = {
    **DB_OK,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "cw-analytics-prod-db-final",
}


def resource(
    resource_type: str, name: str, props: dict[str, Any], parent: str = "", **options: Any
) -> AnalyzedResource:
    urn = f"urn:pulumi:dev::cw-analytics::{resource_type}::{name}"
    return AnalyzedResource(urn, resource_type, name, props, ResourceOptions(**options), parent)


@pytest.fixture(scope="module")
def pack(pack_dir: Path) -> Iterator[PolicyPackProcess]:
    """The pack with no config file (defaults only), started once for the module."""
    with PolicyPackProcess(pack_dir) as process:
        yield process


@pytest.fixture(scope="module")
def relaxed_pack(pack_dir: Path) -> Iterator[PolicyPackProcess]:
    """The pack configured as a team relaxing it would: every rule advisory, key rotation
    disabled, and protect allowed on databases."""
    config = {
        "all": "advisory",
        "kms-key-rotation": {"enforcementLevel": "disabled"},
        "rds-destroyable-protect": {"allowProtect": True},
    }
    with PolicyPackProcess(pack_dir, config=config) as process:
        yield process


@pytest.fixture(scope="module")
def prod_pack(pack_dir: Path) -> Iterator[PolicyPackProcess]:
    """The pack configured with policies/config/prod.json."""
    config = load_policy_config(pack_dir / "config" / "prod.json")
    with PolicyPackProcess(pack_dir, config=config, stack="prod") as process:
        yield process


def test_pack_info_lists_every_rule_with_its_enforcement(pack: PolicyPackProcess) -> None:
    info = pack.info()
    levels = {p.name: p.enforcement_level for p in info.policies}
    assert info.name == "cw-analytics-guard", f"pack name is {info.name}"
    assert levels == EXPECTED_LEVELS, f"GetAnalyzerInfo levels differ: {levels}"


def test_pack_info_gives_every_rule_a_description(pack: PolicyPackProcess) -> None:
    missing = [p.name for p in pack.info().policies if len(p.description) < 20]
    assert missing == [], f"rules without a real description: {missing}"


def test_pack_reports_wildcard_policy_as_mandatory(pack: PolicyPackProcess) -> None:
    bad = resource("aws:iam/policy:Policy", "admin", {"policy": doc(allow("*", "*"))})
    found = [v for v in pack.analyze(bad) if v.policy == "iam-no-wildcard"]
    assert found and found[0].enforcement_level == "mandatory", f"{bad.urn}: {found}"
    assert found[0].urn == bad.urn, f"{bad.urn} violation carries urn {found[0].urn}"


def test_pack_reports_protected_rds_as_mandatory(pack: PolicyPackProcess) -> None:
    db = resource("aws:rds/instance:Instance", "db", DB_OK, protect=True)
    found = [v for v in pack.analyze_stack([db]) if v.policy == "rds-destroyable-protect"]
    assert found and all(v.enforcement_level == "mandatory" for v in found), f"{db.urn}: {found}"
    assert any("protect" in v.message for v in found), f"{db.urn} protect not named: {found}"


def test_pack_reports_ignore_changes_on_rds(pack: PolicyPackProcess) -> None:
    db = resource(
        "aws:rds/cluster:Cluster", "cluster", DB_OK, ignore_changes=("deletionProtection",)
    )
    found = [v for v in pack.analyze(db) if v.policy == "rds-destroyable"]
    assert found, f"{db.urn} ignore_changes not reported through the pack"


def test_pack_accepts_compliant_resources(pack: PolicyPackProcess) -> None:
    lambda_policy = doc(
        allow(
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*",
        ),
        allow(
            [
                "ec2:DescribeNetworkInterfaces",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "cloudwatch:PutMetricData",
                "cloudwatch:GetMetricData",
            ],
            "*",
            Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        ),
        allow(
            "ec2:CreateNetworkInterface",
            [
                "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
                "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1",
            ],
        ),
    )
    good = [
        resource("aws:iam/rolePolicy:RolePolicy", "fn-policy", {"policy": lambda_policy}),
        resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "apigw-push",
            {"policyArn": APIGW_PUSH_POLICY},
        ),
        resource("aws:rds/instance:Instance", "db", DB_OK),
    ]
    for item in good:
        found = pack.analyze(item)
        assert found == [], f"{item.urn} was reported: {found}"


def test_pack_analyze_stack_reports_vpc_without_flow_log(pack: PolicyPackProcess) -> None:
    vpc = resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    found = pack.analyze_stack([vpc])
    assert [v.policy for v in found] == ["vpc-flow-logs"], f"{vpc.urn}: {found}"
    assert found[0].urn == vpc.urn, f"{vpc.urn} stack violation has urn {found[0].urn}"


def test_pack_analyze_stack_accepts_vpc_with_flow_log(pack: PolicyPackProcess) -> None:
    vpc = resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    flow = resource(
        "aws:ec2/flowLog:FlowLog",
        "flow",
        {"vpcId": "vpc-123"},
        property_dependencies={"vpcId": (vpc.urn,)},
        dependencies=(vpc.urn,),
    )
    found = pack.analyze_stack([vpc, flow])
    assert found == [], f"{vpc.urn} with flow log {flow.urn} reported: {found}"


def test_pack_default_config_rejects_deletion_protection(pack: PolicyPackProcess) -> None:
    db = resource("aws:rds/instance:Instance", "db", PROD_DB)
    found = [v for v in pack.analyze(db) if v.policy == "rds-destroyable"]
    assert found, f"{db.urn} deletion protection accepted without the prod config"


def test_pack_prod_config_accepts_deletion_protection_with_snapshot(
    prod_pack: PolicyPackProcess,
) -> None:
    db = resource("aws:rds/instance:Instance", "db", PROD_DB)
    found = prod_pack.analyze(db)
    assert found == [], f"{db.urn} reported under prod config: {found}"


def test_pack_prod_config_requires_final_snapshot(prod_pack: PolicyPackProcess) -> None:
    db = resource("aws:rds/instance:Instance", "db", {**DB_OK, "deletionProtection": True})
    found = [v for v in prod_pack.analyze(db) if v.policy == "rds-destroyable"]
    assert found and "final snapshot" in found[0].message, f"{db.urn} under prod config: {found}"


def test_pack_config_all_level_changes_enforcement(relaxed_pack: PolicyPackProcess) -> None:
    key = resource("aws:kms/key:Key", "key", {"enableKeyRotation": False})
    bad = resource("aws:iam/policy:Policy", "p", {"policy": doc(allow("*", "*"))})
    levels = {v.enforcement_level for v in relaxed_pack.analyze(bad)}
    rotation = relaxed_pack.analyze(key)
    assert levels == {"advisory"}, f"{bad.urn} levels under all=advisory: {levels}"
    assert rotation == [], f"{key.urn} reported although kms-key-rotation is disabled: {rotation}"


def test_pack_enforcement_levels_are_pulumi_policy_levels() -> None:
    from pulumi_policy import EnforcementLevel

    from policies.rules.registry import ENFORCEMENT_LEVELS

    expected = {level.value for level in EnforcementLevel}
    assert set(ENFORCEMENT_LEVELS) == expected, f"pack levels {ENFORCEMENT_LEVELS} != {expected}"
    assert len(ENFORCEMENT_LEVELS) == len(expected), f"duplicates in {ENFORCEMENT_LEVELS}"


def test_pack_config_schema_declares_every_key_the_stack_configs_use(
    pack: PolicyPackProcess, pack_dir: Path
) -> None:
    import json

    schemas = {p.name: p.config_schema for p in pack.info().policies}
    for path in sorted((pack_dir / "config").glob("*.json")):
        for rule, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if not isinstance(entry, dict):
                continue
            declared = set((schemas.get(rule) or {}).get("properties", {}))
            unknown = set(entry) - declared - {"enforcementLevel"}
            assert unknown == set(), f"{path.name} {rule}: keys not in the schema {unknown}"


def test_pack_answers_many_first_analyses_at_once(pack_dir: Path) -> None:
    """The engine may send Analyze calls while the pack still warms its IAM data: every one of
    many first calls, sent together to a freshly started pack, gets its verdict."""
    bad = resource("aws:iam/policy:Policy", "admin", {"policy": doc(allow("s3:*", "*"))})
    for _ in range(3):
        with PolicyPackProcess(pack_dir) as process, ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(lambda _i: process.analyze(bad), range(24)))
        verdicts = {tuple(sorted(v.policy for v in found)) for found in results}
        assert verdicts == {("iam-no-wildcard",)}, f"first analyses disagreed: {verdicts}"


def test_pack_analyze_stack_reports_protect_inherited_from_component(
    pack: PolicyPackProcess,
) -> None:
    component = resource("cw-analytics:database:MonitoredDatabase", "db", {}, protect=True)
    db = resource("aws:rds/instance:Instance", "db-instance", DB_OK, parent=component.urn)
    found = [
        v for v in pack.analyze_stack([component, db]) if v.policy == "rds-destroyable-protect"
    ]
    assert [v.urn for v in found] == [db.urn], f"{db.urn}: {found}"
    assert component.urn in found[0].message, f"source not named: {found[0].message}"


def test_pack_analyze_stack_accepts_inherited_protect_when_config_allows(
    relaxed_pack: PolicyPackProcess,
) -> None:
    # Under "all: advisory" the rule would still report, as advisory: the empty answer is
    # allowProtect's doing.
    component = resource("cw-analytics:database:MonitoredDatabase", "db", {}, protect=True)
    db = resource("aws:rds/instance:Instance", "db-instance", DB_OK, parent=component.urn)
    assert relaxed_pack.analyze_stack([component, db]) == []


def test_pack_messages_and_descriptions_name_their_controls(pack: PolicyPackProcess) -> None:
    bad = resource("aws:iam/policy:Policy", "admin", {"policy": doc(allow("*", "*"))})
    [violation] = [v for v in pack.analyze(bad) if v.policy == "iam-no-wildcard"]
    assert violation.message.endswith("[IAM.1, CIS 1.22]"), violation.message
    described = {p.name: p.description for p in pack.info().policies}
    assert "IAM.1" in described["iam-no-wildcard"], described["iam-no-wildcard"]
    assert "Departs from" in described["rds-destroyable"], described["rds-destroyable"]
