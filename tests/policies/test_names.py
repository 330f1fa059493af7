"""physical-name-unique: collisions written on purpose in several AWS scopes, and passes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import PolicyProviderResource, PolicyResource, StackValidationArgs

from policies.rules.names import claim_of, name_inputs, validate_unique_physical_names
from tests import shared_runs
from tests.policies.helpers import UNKNOWN, engine_args
from tests.preview_in_process import judge_program, pack_process
from tools import physical_names

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
EU = {"region": "eu-west-1"}
US = {"region": "us-east-1"}


def provider(props: Mapping[str, Any]) -> PolicyProviderResource:
    """An explicit aws provider with these inputs."""
    args = engine_args("pulumi:providers:aws", props, name="p")
    return PolicyProviderResource("pulumi:providers:aws", args.props, args.urn, "p")


def res(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    *,
    provider_props: Mapping[str, Any] | None = EU,
    deps: Mapping[str, list[str]] | None = None,
) -> PolicyResource:
    """A resource as AnalyzeStack hands it to the pack."""
    args = engine_args(type_, props, name=name)
    dependencies = {
        key: [
            PolicyResource("aws:ec2/vpc:Vpc", {}, urn, "vpc", args.opts, None, None, [], {})
            for urn in urns
        ]
        for key, urns in (deps or {}).items()
    }
    return PolicyResource(
        type_,
        args.props,
        args.urn,
        name,
        args.opts,
        provider(provider_props) if provider_props is not None else None,
        None,
        [],
        dependencies,
    )


def violations(*resources: PolicyResource) -> list[tuple[str, str | None]]:
    """(message, urn) of every violation the stack rule reports."""
    found: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((message, urn))

    validate_unique_physical_names(StackValidationArgs(list(resources), None, {}), report)
    return found


def test_names_iam_role_names_collide_across_regions() -> None:
    a = res(ROLE, "a", {"name": "app-handler"}, provider_props=EU)
    b = res(ROLE, "b", {"name": "app-handler"}, provider_props=US)
    (found,) = violations(a, b)
    message, urn = found
    assert urn == b.urn
    assert a.urn in message and b.urn in message
    assert "'app-handler' in the account, across regions" in message


def test_names_iam_role_names_collide_regardless_of_case() -> None:
    assert violations(
        res(ROLE, "a", {"name": "App-Handler"}), res(ROLE, "b", {"name": "app-handler"})
    )


def test_names_iam_roles_in_two_accounts_do_not_collide() -> None:
    a = res(ROLE, "a", {"name": "x"}, provider_props={"assumeRoles": [{"roleArn": "arn:1"}]})
    b = res(ROLE, "b", {"name": "x"}, provider_props={"assumeRoles": [{"roleArn": "arn:2"}]})
    assert violations(a, b) == []


def test_names_log_group_names_collide_in_one_region() -> None:
    a = res(LOG_GROUP, "a", {"name": "/app/api"})
    b = res(LOG_GROUP, "b", {"name": "/app/api"})
    (found,) = violations(a, b)
    assert "in the account's region eu-west-1" in found[0]


def test_names_same_log_group_name_in_two_regions_is_allowed() -> None:
    a = res(LOG_GROUP, "a", {"name": "/app/api"}, provider_props=EU)
    b = res(LOG_GROUP, "b", {"name": "/app/api"}, provider_props=US)
    assert violations(a, b) == []


def test_names_resource_region_input_overrides_the_providers() -> None:
    a = res(LOG_GROUP, "a", {"name": "/app/api", "region": "us-east-1"}, provider_props=EU)
    b = res(LOG_GROUP, "b", {"name": "/app/api"}, provider_props=US)
    assert violations(a, b)


def test_names_log_group_names_are_case_sensitive() -> None:
    assert (
        violations(res(LOG_GROUP, "a", {"name": "/App"}), res(LOG_GROUP, "b", {"name": "/app"}))
        == []
    )


def test_names_security_group_names_collide_within_a_vpc() -> None:
    a = res(SG, "a", {"name": "db", "vpcId": "vpc-1"})
    b = res(SG, "b", {"name": "db", "vpcId": "vpc-1"})
    (found,) = violations(a, b)
    assert "vpcId vpc-1" in found[0]


def test_names_same_security_group_name_in_two_vpcs_is_allowed() -> None:
    a = res(SG, "a", {"name": "db", "vpcId": "vpc-1"})
    b = res(SG, "b", {"name": "db", "vpcId": "vpc-2"})
    assert violations(a, b) == []


def test_names_security_groups_on_one_vpc_output_collide_before_its_id_is_known() -> None:
    vpc = "urn:pulumi:dev::p::aws:ec2/vpc:Vpc::main"
    a = res(SG, "a", {"name": "db", "vpcId": UNKNOWN}, deps={"vpcId": [vpc]})
    b = res(SG, "b", {"name": "db", "vpcId": UNKNOWN}, deps={"vpcId": [vpc]})
    assert violations(a, b)


def test_names_security_groups_with_unknown_vpcs_are_not_judged() -> None:
    a = res(SG, "a", {"name": "db", "vpcId": UNKNOWN})
    b = res(SG, "b", {"name": "db", "vpcId": UNKNOWN})
    assert violations(a, b) == []


def test_names_security_groups_without_vpc_share_the_default_vpc() -> None:
    assert violations(res(SG, "a", {"name": "db"}), res(SG, "b", {"name": "db"}))


def test_names_inline_policies_collide_only_within_one_role() -> None:
    policy = "aws:iam/rolePolicy:RolePolicy"
    same_role = [res(policy, n, {"name": "logs", "role": "r1"}) for n in ("a", "b")]
    other_role = res(policy, "c", {"name": "logs", "role": "r2"})
    assert len(violations(*same_role)) == 1
    assert violations(same_role[0], other_role) == []


def test_names_rds_and_docdb_instance_identifiers_share_a_namespace() -> None:
    rds = res("aws:rds/instance:Instance", "a", {"identifier": "orders"})
    docdb = res("aws:docdb/clusterInstance:ClusterInstance", "b", {"identifier": "Orders"})
    (found,) = violations(rds, docdb)
    assert rds.urn in found[0] and docdb.urn in found[0]


def test_names_bucket_names_collide_across_accounts_and_regions() -> None:
    a = res("aws:s3/bucketV2:BucketV2", "a", {"bucket": "logs"}, provider_props=EU)
    b = res(
        "aws:s3/bucketV2:BucketV2",
        "b",
        {"bucket": "logs"},
        provider_props={"region": "us-east-1", "assumeRoles": [{"roleArn": "arn:other"}]},
    )
    (found,) = violations(a, b)
    assert "across every AWS account" in found[0]


def test_names_dashboard_names_are_account_wide() -> None:
    dashboard = "aws:cloudwatch/dashboard:Dashboard"
    a = res(dashboard, "a", {"dashboardName": "ops"}, provider_props=EU)
    b = res(dashboard, "b", {"dashboardName": "ops"}, provider_props=US)
    assert violations(a, b)


def test_names_three_claims_report_each_extra_resource_naming_all() -> None:
    roles = [res(ROLE, n, {"name": "x"}) for n in ("a", "b", "c")]
    found = violations(*roles)
    assert [urn for _, urn in found] == [roles[1].urn, roles[2].urn]
    assert all(all(r.urn in message for r in roles) for message, _ in found)


def test_names_generated_and_unknown_names_never_collide() -> None:
    generated = [res(ROLE, n, {"namePrefix": "app-"}) for n in ("a", "b")]
    unknown = [res(ROLE, n, {"name": UNKNOWN}) for n in ("c", "d")]
    assert violations(*generated, *unknown) == []


def test_names_distinct_names_pass() -> None:
    assert violations(res(ROLE, "a", {"name": "api"}), res(ROLE, "b", {"name": "aggregator"})) == []


def test_names_types_without_a_unique_name_are_not_judged() -> None:
    api = "aws:apigateway/restApi:RestApi"  # API Gateway allows two REST APIs one name
    assert violations(res(api, "a", {"name": "api"}), res(api, "b", {"name": "api"})) == []
    assert claim_of(res(api, "a", {"name": "api"})) is None


# The input AWS keys each type's name on, from the AWS API references (Create* request fields).
AWS_NAME_INPUTS = {
    "aws:iam/role:Role": "name",
    "aws:iam/rolePolicy:RolePolicy": "name",
    "aws:iam/policy:Policy": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:rds/instance:Instance": "identifier",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:rds/parameterGroup:ParameterGroup": "name",
    "aws:rds/subnetGroup:SubnetGroup": "name",
    "aws:docdb/cluster:Cluster": "clusterIdentifier",
    "aws:neptune/cluster:Cluster": "clusterIdentifier",
    "aws:dynamodb/table:Table": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "alarmName",
    "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "name",
    "aws:cloudwatch/eventRule:EventRule": "name",
    "aws:cloudwatch/eventTarget:EventTarget": "targetId",
    "aws:lambda/function:Function": "name",
    "aws:lambda/permission:Permission": "statementId",
    "aws:apigateway/stage:Stage": "stageName",
    "aws:kms/alias:Alias": "name",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:sqs/queue:Queue": "name",
    "aws:sns/topic:Topic": "name",
    "aws:secretsmanager/secret:Secret": "name",
    # No name AWS keeps unique (or no name at all).
    "aws:apigateway/restApi:RestApi": None,
    "aws:apigateway/apiKey:ApiKey": None,
    "aws:apigateway/usagePlan:UsagePlan": None,
    "aws:ec2/vpc:Vpc": None,
    "aws:ec2/subnet:Subnet": None,
    "aws:kms/key:Key": None,
    "aws:secretsmanager/secretVersion:SecretVersion": None,
    "aws:sns/topicSubscription:TopicSubscription": None,
    "aws:sns/topicPolicy:TopicPolicy": None,
    "aws:sqs/queuePolicy:QueuePolicy": None,
    "aws:apigateway/account:Account": None,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": None,
    "aws:apigateway/deployment:Deployment": None,
    "aws:apigateway/integration:Integration": None,
    "aws:apigateway/method:Method": None,
    "aws:apigateway/methodSettings:MethodSettings": None,
    "aws:apigateway/resource:Resource": None,
    "aws:apigateway/usagePlanKey:UsagePlanKey": None,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": None,
    "aws:ec2/flowLog:FlowLog": None,
    "aws:ec2/internetGateway:InternetGateway": None,
    "aws:ec2/routeTable:RouteTable": None,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": None,
    "aws:ec2/vpcEndpoint:VpcEndpoint": None,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": None,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": None,
}


@pytest.mark.parametrize(("type_token", "expected"), sorted(AWS_NAME_INPUTS.items()))
def test_names_name_input_derived_from_pulumi_aws_matches_aws(
    type_token: str, expected: str | None
) -> None:
    assert name_inputs().get(type_token) == expected


@pytest.fixture(scope="module")
def stack_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The offline preview's JSON report of dev and prod (the pack runs the rule in it)."""
    reports = {}
    for stack in ("dev", "prod"):
        run = shared_runs.stack_preview(tmp_path_factory, stack)
        assert run.returncode == 0 and run.report is not None, run.describe()
        reports[stack] = run.report
    return reports


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_names_repository_stacks_have_no_collision(
    stack_reports: dict[str, dict[str, Any]], stack: str
) -> None:
    report = stack_reports[stack]
    found = [v for v in report["policyViolations"] if v["policy"] == "physical-name-unique"]
    assert found == [], found
    claiming = [r for r in report["resources"] if r["type"] in name_inputs()]
    assert len(claiming) > 30, "the stack should hold many named resources for the rule to judge"


@pytest.mark.slow
def test_names_rule_covers_every_type_the_components_create_and_the_pack_families(
    stack_reports: dict[str, dict[str, Any]],
) -> None:
    created = {
        r["type"]
        for report in stack_reports.values()
        for r in report["resources"]
        if r["type"].startswith("aws:")
    }
    families = {
        token
        for path in (REPO_ROOT / "policies" / "rules").glob("*.py")
        for token in re.findall(r'"(aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)"', path.read_text())
    }
    derived_from = physical_names.resource_types()
    assert not (created | families) - derived_from, "types the derivation never saw"
    assert not created - set(AWS_NAME_INPUTS), "component types without an expectation here"


@pytest.mark.slow
def test_names_data_file_is_what_the_installed_pulumi_aws_gives() -> None:
    assert physical_names.main(["--check"]) == 0


@pytest.mark.slow
def test_names_collision_fails_the_offline_preview(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: names-fixture\nruntime:\n  name: python\n", encoding="utf-8"
    )
    (tmp_path / "Pulumi.test.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n", encoding="utf-8"
    )
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent(
            """
            import json

            import pulumi
            import pulumi_aws as aws

            trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
            for region in ("eu-west-1", "us-east-1"):
                provider = aws.Provider(f"aws-{region}", region=region)
                aws.iam.Role(f"handler-{region}", name="shared-handler",
                    assume_role_policy=trust, opts=pulumi.ResourceOptions(provider=provider))
            """
        ),
        encoding="utf-8",
    )
    with pack_process() as pack:
        judgement = judge_program(pack, tmp_path)
    console = judgement.console()
    assert judgement.exit_status == 1, console
    assert "physical-name-unique" in console
    assert "'shared-handler' in the account, across regions" in console
