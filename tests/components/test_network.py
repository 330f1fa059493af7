"""MonitoredVpc: subnets, routes, security groups, endpoints, flow logs and their alarm."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.alerting import AlertingHub
from components.network import MonitoredVpc
from components.network.alarms import REJECTED_PACKETS_THRESHOLD
from components.network.subnets import plan_subnets
from stack_args import hub_args, vpc_args
from stack_settings import Settings
from tests.components.support import explicit_dependencies, key_admits_log_group
from tests.components.test_iam_least_privilege import wildcard_only_actions
from tests.harness import REGION, as_list, run_components, statements
from tools import pulumi_mocks
from tools.pulumi_mocks import ACCOUNT_ID, MockRun

SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"


def build_network(settings: Settings) -> None:
    hub = AlertingHub("alerting", hub_args(settings))
    network = MonitoredVpc("network", vpc_args(settings, hub))
    pulumi.export("widgets", network.dashboard_widgets)
    pulumi.export("alarmArns", network.alarm_arns)
    pulumi.export("pagingAlarmNames", network.paging_alarm_names)


@pytest.fixture(scope="module")
def run() -> MockRun:
    return run_components(build_network)


def out(run: MockRun, type_token: str, name: str, key: str = "id") -> str:
    return str(run.one(type_token, name).outputs[key])


def sg_id(run: MockRun, key: str) -> str:
    return out(run, SG, f"network-{key}")


def test_network_vpc_cidr_and_dns(run: MockRun) -> None:
    """VPC from settings, DNS on for the endpoint's private DNS."""
    vpc = run.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True, vpc.urn
    assert vpc.inputs["enableDnsHostnames"] is True, vpc.urn
    assert vpc.inputs["tags"]["Name"] == "cw-analytics-test-vpc"


def test_network_subnets_two_zones_per_tier(run: MockRun) -> None:
    """Public and private subnets in two availability zones."""
    subnets = {r.name: r for r in run.of_type(SUBNET)}
    assert sorted(subnets) == [f"network-{t}-{z}" for t in ("private", "public") for z in "ab"]
    for tier in ("public", "private"):
        zones = [subnets[f"network-{tier}-{z}"].inputs["availabilityZone"] for z in "ab"]
        assert zones == [f"{REGION}a", f"{REGION}b"], f"{tier} subnets are in {zones}"
    for subnet in subnets.values():
        assert subnet.inputs["mapPublicIpOnLaunch"] is False, subnet.urn


def test_network_subnet_cidrs_inside_vpc_and_disjoint(run: MockRun) -> None:
    """CIDRs carved from the VPC range without overlap."""
    vpc = ipaddress.IPv4Network("10.0.0.0/16")
    blocks = [ipaddress.IPv4Network(s.inputs["cidrBlock"]) for s in run.of_type(SUBNET)]
    assert all(block.subnet_of(vpc) for block in blocks), blocks
    assert all(not a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :]), blocks


@pytest.mark.parametrize(
    ("cidr", "public", "private"),
    [
        ("10.0.0.0/16", ("10.0.0.0/20", "10.0.16.0/20"), ("10.0.32.0/20", "10.0.48.0/20")),
        (
            "172.16.0.0/24",
            ("172.16.0.0/26", "172.16.0.64/26"),
            ("172.16.0.128/26", "172.16.0.192/26"),
        ),
        (
            "192.168.4.0/22",
            ("192.168.4.0/26", "192.168.4.64/26"),
            ("192.168.4.128/26", "192.168.4.192/26"),
        ),
    ],
)
def test_network_plan_subnets(cidr: str, public: tuple[str, ...], private: tuple[str, ...]) -> None:
    plan = plan_subnets(cidr)
    assert (plan.public, plan.private) == (public, private)


def test_network_subnets_follow_configured_cidr() -> None:
    run = run_components(build_network, vpcCidr="172.16.0.0/24")
    assert run.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "172.16.0.0/24"
    assert sorted(s.inputs["cidrBlock"] for s in run.of_type(SUBNET)) == [
        "172.16.0.0/26",
        "172.16.0.128/26",
        "172.16.0.192/26",
        "172.16.0.64/26",
    ]


def test_network_public_route_to_internet_gateway(run: MockRun) -> None:
    igw = out(run, "aws:ec2/internetGateway:InternetGateway", "network-igw")
    table = run.one(ROUTE_TABLE, "network-public-rt")
    assert table.inputs["routes"] == [{"cidrBlock": "0.0.0.0/0", "gatewayId": igw}], table.urn


def test_network_private_route_table_has_no_default_route(run: MockRun) -> None:
    table = run.one(ROUTE_TABLE, "network-private-rt")
    assert not table.inputs.get("routes"), f"{table.urn} routes {table.inputs.get('routes')}"


def test_network_subnets_associated_with_their_tier_table(run: MockRun) -> None:
    associations = run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    pairs = {(a.inputs["subnetId"], a.inputs["routeTableId"]) for a in associations}
    for tier in ("public", "private"):
        table = out(run, ROUTE_TABLE, f"network-{tier}-rt")
        for zone in "ab":
            assert (out(run, SUBNET, f"network-{tier}-{zone}"), table) in pairs, (tier, zone)
    assert len(associations) == 4


def test_network_no_nat_gateway(run: MockRun) -> None:
    """No NAT by default: ~$32/month per AZ; endpoints cover what the Lambdas call."""
    types = {r.type for r in run.resources}
    assert "aws:ec2/natGateway:NatGateway" not in types
    assert "aws:ec2/eip:Eip" not in types


def test_network_security_groups_have_no_inline_rules(run: MockRun) -> None:
    """No inline rule, so AWS's default allow-all egress is revoked
    by the provider on create and only the standalone rules remain."""
    groups = run.of_type(SG)
    assert sorted(g.inputs["name"] for g in groups) == [
        "cw-analytics-test-db-sg",
        "cw-analytics-test-endpoints-sg",
        "cw-analytics-test-lambda-sg",
    ]
    for group in groups:
        assert not group.inputs.get("egress"), f"{group.urn} has inline egress"
        assert not group.inputs.get("ingress"), f"{group.urn} has inline ingress"


def test_network_default_security_group_stripped(run: MockRun) -> None:
    group = run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not group.inputs.get("ingress") and not group.inputs.get("egress"), group.urn


def test_network_no_rule_opens_to_the_internet(run: MockRun) -> None:
    """No 0.0.0.0/0 or ::/0, no all-protocol rule."""
    for rule in [*run.of_type(EGRESS), *run.of_type(INGRESS)]:
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.urn
        assert rule.inputs["ipProtocol"] == "tcp", rule.urn
        assert rule.inputs["fromPort"] == rule.inputs["toPort"], rule.urn


def test_network_lambda_egress_only_to_what_it_needs(run: MockRun) -> None:
    """5432 to the DB group, 443 to endpoints and DynamoDB."""
    prefix_list = out(run, ENDPOINT, "network-dynamodb-endpoint", "prefixListId")
    egress = {
        (
            r.inputs.get("referencedSecurityGroupId") or r.inputs.get("prefixListId"),
            r.inputs["fromPort"],
        )
        for r in run.of_type(EGRESS)
        if r.inputs["securityGroupId"] == sg_id(run, "lambda-sg")
    }
    assert egress == {
        (sg_id(run, "db-sg"), 5432),
        (sg_id(run, "endpoints-sg"), 443),
        (prefix_list, 443),
    }
    assert len(run.of_type(EGRESS)) == 3, "only the Lambda group has egress rules"


@pytest.mark.parametrize(("group", "port"), [("db-sg", 5432), ("endpoints-sg", 443)])
def test_network_ingress_only_from_lambda(run: MockRun, group: str, port: int) -> None:
    """The database and endpoints accept only the Lambda group."""
    rules = [r for r in run.of_type(INGRESS) if r.inputs["securityGroupId"] == sg_id(run, group)]
    assert [(r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"]) for r in rules] == [
        (sg_id(run, "lambda-sg"), port)
    ]
    assert len(run.of_type(INGRESS)) == 2, "the Lambda group accepts nothing"


def test_network_dynamodb_gateway_endpoint_on_private_routes(run: MockRun) -> None:
    endpoint = run.one(ENDPOINT, "network-dynamodb-endpoint")
    assert endpoint.inputs["serviceName"] == f"com.amazonaws.{REGION}.dynamodb"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["routeTableIds"] == [out(run, ROUTE_TABLE, "network-private-rt")]


def test_network_secrets_interface_endpoint_private_dns(run: MockRun) -> None:
    endpoint = run.one(ENDPOINT, "network-secrets-endpoint")
    assert endpoint.inputs["serviceName"] == f"com.amazonaws.{REGION}.secretsmanager"
    assert endpoint.inputs["vpcEndpointType"] == "Interface"
    assert endpoint.inputs["privateDnsEnabled"] is True, endpoint.urn
    assert endpoint.inputs["securityGroupIds"] == [sg_id(run, "endpoints-sg")]
    assert endpoint.inputs["subnetIds"] == [out(run, SUBNET, f"network-private-{z}") for z in "ab"]


def test_network_db_subnet_group_over_private_subnets(run: MockRun) -> None:
    """RDS gets a subnet group spanning two AZs, private only."""
    group = run.one("aws:rds/subnetGroup:SubnetGroup")
    assert group.inputs["name"] == "cw-analytics-test-db-subnets"
    assert group.inputs["subnetIds"] == [out(run, SUBNET, f"network-private-{z}") for z in "ab"]


def test_network_flow_log_group_encrypted_with_retention(run: MockRun) -> None:
    """The group is encrypted with the key whose policy names it."""
    group = run.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    assert group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"], group.urn
    assert group.inputs["retentionInDays"] == 14
    assert key_admits_log_group(run, group.inputs["name"]), f"{group.urn}: the key refuses it"


def test_network_flow_logs_group_takes_a_program_s_own_subscription() -> None:
    """A program ships the flow-log records elsewhere through ``flow_logs.log_group``, and the
    graph links its filter to the network's group (created after it, deleted before it)."""

    def build(settings: Settings) -> None:
        hub = AlertingHub("alerting", hub_args(settings))
        network = MonitoredVpc("network", vpc_args(settings, hub))
        aws.cloudwatch.LogSubscriptionFilter(
            "ship-flow-logs",
            log_group=network.flow_logs.log_group.name,
            filter_pattern="",
            destination_arn=f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:destination:archive",
        )

    shipped = run_components(build)
    group = shipped.one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    shipper = shipped.one("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
    assert shipper.inputs["logGroup"] == group.inputs["name"], shipper.urn
    assert list(shipper.options.property_dependencies["logGroup"]) == [group.urn], shipper.urn


def test_network_flow_logs_role_trust_is_scoped(run: MockRun) -> None:
    """Confused-deputy conditions on the flow-logs trust policy."""
    [statement] = statements(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == (
        f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc-flow-log/*"
    )


# AWS's VPC flow logs guide: the permissions the delivery role needs for CloudWatch Logs.
FLOW_LOGS_GUIDE_ACTIONS = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
}


def _flow_logs_statements(run: MockRun) -> list[dict[str, Any]]:
    return statements(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])


def test_network_flow_logs_policy_grants_the_guide_set(run: MockRun) -> None:
    granted = {a for s in _flow_logs_statements(run) for a in as_list(s["Action"])}
    assert granted == FLOW_LOGS_GUIDE_ACTIONS, f"flow-logs role grants {sorted(granted)}"


def test_network_flow_logs_policy_scopes_every_scopable_action_to_its_group(
    run: MockRun,
) -> None:
    """Judged by AWS's IAM data: an action that accepts a resource names the flow-log group
    (and its streams); only a wildcard-only action gets "*", with a region condition."""
    wildcard_only = wildcard_only_actions()
    group_arn = out(run, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", "arn")
    for statement in _flow_logs_statements(run):
        resources = as_list(statement["Resource"])
        for action in as_list(statement["Action"]):
            if action.lower() in wildcard_only:
                assert resources == ["*"], f"flow-logs role: {action} on {resources}"
                assert statement["Condition"] == {
                    "StringEquals": {"aws:RequestedRegion": REGION}
                }, f"flow-logs role: {action} without a region condition"
            else:
                assert set(resources) <= {group_arn, f"{group_arn}:*"}, (
                    f"flow-logs role: {action} on {resources}"
                )


def test_network_flow_logs_describe_log_groups_is_wildcard_only_in_iam_data() -> None:
    """The one "*" the role holds is there because AWS offers nothing narrower."""
    assert "logs:describeloggroups" in wildcard_only_actions()
    assert "logs:createloggroup" not in wildcard_only_actions()


@pytest.fixture(scope="module")
def delete_timeouts() -> dict[str, str]:
    """Each resource's delete timeout (custom_timeouts), by logical name."""
    recorded: dict[str, str] = {}

    class TimeoutMonitor(pulumi_mocks.RecordingMonitor):
        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            recorded[request.name] = request.customTimeouts.delete
            return super().RegisterResource(request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi_mocks, "RecordingMonitor", TimeoutMonitor)
        run_components(build_network)
    return recorded


def _minutes(duration: str) -> float:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?", duration)
    assert match and duration, f"not a duration: {duration!r}"
    return int(match[1] or 0) * 60 + int(match[2] or 0)


@pytest.mark.parametrize("name", ["network-lambda-sg", "network-private-a", "network-private-b"])
def test_network_lambda_interface_holders_allow_for_lambda_release(
    delete_timeouts: dict[str, str], name: str
) -> None:
    """Deleting the group or a subnet the API function's interfaces used waits until Lambda
    releases them (the provider allows at least 45 minutes; Lambda's p99 is ~35)."""
    assert _minutes(delete_timeouts[name]) >= 45, f"{name} delete timeout {delete_timeouts[name]!r}"


def test_network_flow_log_rejected_traffic_to_the_group(run: MockRun) -> None:
    flow_log = run.one("aws:ec2/flowLog:FlowLog")
    assert flow_log.inputs["trafficType"] == "REJECT"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == out(
        run, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", "arn"
    )
    assert flow_log.inputs["vpcId"] == out(run, "aws:ec2/vpc:Vpc", "network-vpc")


def test_network_flow_log_depends_on_role_policy(run: MockRun) -> None:
    """The flow log waits for its role's permissions."""
    flow_log = run.one("aws:ec2/flowLog:FlowLog")
    policy = run.one("aws:iam/rolePolicy:RolePolicy").urn
    assert policy in explicit_dependencies(flow_log), f"{flow_log.urn} misses {policy}"


def test_network_rejected_packets_filter_and_alarm(run: MockRun) -> None:
    """The alarm watches the metric the filter produces."""
    metric_filter = run.one("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert 'action="REJECT"' in metric_filter.inputs["pattern"]
    assert metric_filter.inputs["logGroupName"] == "/aws/vpc/cw-analytics-test-flow-logs"
    transformation = metric_filter.inputs["metricTransformation"]
    assert transformation["namespace"] == "cw-analytics/test"
    [alarm] = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm.inputs["name"] == "cw-analytics-test-vpc-rejected-packets"
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == (
        transformation["namespace"],
        transformation["name"],
    )
    topic = run.one("aws:sns/topic:Topic").outputs["arn"]
    assert alarm.inputs["alarmActions"] == [topic] and alarm.inputs["okActions"] == [topic]


def test_network_alarm_outputs_name_its_alarms(run: MockRun) -> None:
    """The component publishes its alarms for the dashboard; rejected packets do not page."""
    [alarm] = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert run.outputs["alarmArns"] == [alarm.outputs["arn"]]
    assert run.outputs["pagingAlarmNames"] == []


def test_network_dashboard_widgets_output(run: MockRun) -> None:
    [graph] = [w for w in run.outputs["widgets"] if w["type"] == "metric"]
    assert graph["properties"]["metrics"] == [["cw-analytics/test", "VpcRejectedPackets"]]
    threshold = graph["properties"]["annotations"]["horizontal"][0]["value"]
    assert threshold == REJECTED_PACKETS_THRESHOLD


def test_network_children_parented_to_component(run: MockRun) -> None:
    component = run.one("cw-analytics:network:MonitoredVpc")
    children = run.children_of(component.urn)
    assert len(children) > 20
    for resource in run.resources:
        if "network-" in resource.name and resource.type != component.type:
            assert resource.parent == component.urn, f"{resource.urn} is not under the network"
