"""MonitoredVpc: two-AZ VPC without NAT, its security groups, endpoints and flow-log alarm."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alerting import AccountContext, AlertingHub
from components.dashboard import DashboardSection, Threshold, metric_widget
from components.monitoring import metric_alarm
from components.settings import Settings

TOKEN = "cw-analytics:network:MonitoredVpc"
POSTGRES_PORT, HTTPS_PORT = 5432, 443
ZONE_COUNT = 2
# Deleting a group or subnet that Lambda's network interfaces used waits for Lambda to release
# them: the provider waits at least 45 minutes (Lambda's p99 is ~35), whatever this says. The
# same figure here states the wait in the resource options a reviewer sees.
LAMBDA_INTERFACE_RELEASE = pulumi.CustomTimeouts(delete="45m")
REJECTED_PACKETS_METRIC = "VpcRejectedPackets"
REJECTED_PACKETS_THRESHOLD = 100
# Default flow-log record format (version 2); the filter matches rejected records by position.
REJECT_PATTERN = (
    "[version, account, eni, source, destination, srcport, destport, protocol, packets, "
    'bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
)


@dataclass(frozen=True)
class SubnetPlan:
    """CIDR blocks of the public and private subnets, one per availability zone."""

    public: tuple[str, ...]
    private: tuple[str, ...]


def plan_subnets(vpc_cidr: str) -> SubnetPlan:
    """Carve four subnets from ``vpc_cidr``: public a/b, then private a/b, in address order.

    Subnets are 4 bits longer than the VPC (room for twelve more later) but never smaller than
    /26, so a /24 VPC still gets 59 usable addresses per subnet (Lambda ENIs, RDS, endpoints).
    """
    network = ipaddress.IPv4Network(vpc_cidr, strict=True)
    new_prefix = max(network.prefixlen + 2, min(network.prefixlen + 4, 26))
    blocks = [str(block) for block in network.subnets(new_prefix=new_prefix)][: 2 * ZONE_COUNT]
    return SubnetPlan(public=tuple(blocks[:ZONE_COUNT]), private=tuple(blocks[ZONE_COUNT:]))


def pick_zone(index: int) -> Callable[[list[str]], str]:
    """The ``index``-th available zone name; fails in a region with fewer than two."""

    def pick(names: list[str]) -> str:
        if len(names) < ZONE_COUNT:
            raise ValueError(f"the region has {len(names)} available zones; {ZONE_COUNT} needed")
        return names[index]

    return pick


def flow_logs_trust_policy(where: AccountContext) -> dict[str, Any]:
    """Only the flow-logs service, acting for this account's flow logs, may assume the role."""
    source_arn = f"arn:{where.partition}:ec2:{where.region}:{where.account_id}:vpc-flow-log/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": where.account_id},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ],
    }


# The permissions AWS's VPC flow logs guide lists for the delivery role.
FLOW_LOGS_GROUP_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
)
FLOW_LOGS_WILDCARD_ONLY_ACTIONS = ("logs:DescribeLogGroups",)


def flow_logs_permissions(log_group_arn: str, region: str) -> dict[str, Any]:
    """What flow-log delivery needs: the one group and its streams, and listing groups.

    DescribeLogGroups has no resource type (it lists), so it takes ``*``, narrowed to the
    region. Without it delivery can fail with "Access error" while the rejected-packets alarm,
    which treats missing data as fine, stays green.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogGroup",
                "Effect": "Allow",
                "Action": list(FLOW_LOGS_GROUP_ACTIONS),
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            },
            {
                "Sid": "ListLogGroupsInRegion",
                "Effect": "Allow",
                "Action": list(FLOW_LOGS_WILDCARD_ONLY_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
        ],
    }


@dataclass(frozen=True)
class MonitoredVpcArgs:
    """What the network needs."""

    settings: Settings
    """VPC CIDR, region, naming and log retention."""
    hub: AlertingHub
    """Key for the flow-log group, topic for the rejected-traffic alarm, the dashboard."""


class MonitoredVpc(pulumi.ComponentResource):
    """VPC over two AZs with public and private subnets, no NAT, endpoints and flow logs.

    Lambdas in the private subnets reach DynamoDB through a gateway endpoint and Secrets
    Manager through an interface endpoint; nothing else leaves the VPC from there.
    """

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    lambda_security_group_id: pulumi.Output[str]
    database_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str]
    db_subnet_group_name: pulumi.Output[str]
    flow_log_group: aws.cloudwatch.LogGroup
    dynamodb_endpoint: aws.ec2.VpcEndpoint
    secrets_endpoint: aws.ec2.VpcEndpoint
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: MonitoredVpcArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name, self._settings, self._hub = name, args.settings, args.hub
        self._naming = args.settings.naming
        self._child = pulumi.ResourceOptions(parent=self)
        # The private subnets and the Lambda group hold the API function's interfaces.
        self._lambda_interface_owner = pulumi.ResourceOptions(
            parent=self, custom_timeouts=LAMBDA_INTERFACE_RELEASE
        )
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=self._settings.vpc_cidr,
            # The interface endpoint's private DNS needs both.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tag("vpc"),
            opts=self._child,
        )
        self.vpc_id = self.vpc.id
        # Adopting the default group strips its allow-all rules, so nothing can use it.
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            tags=self._tag("default-sg"),
            opts=self._child,
        )
        self._create_subnets()
        self._create_security_groups()
        self._create_endpoints()
        self.db_subnet_group = aws.rds.SubnetGroup(
            f"{name}-db-subnets",
            name=self._naming.name("db-subnets"),
            description=f"{self._naming.base}: private subnets of the database",
            subnet_ids=self.private_subnet_ids,
            opts=self._child,
        )
        self.db_subnet_group_name = self.db_subnet_group.name
        self._create_flow_logs()
        self.alarms = self._create_alarms()
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "dbSubnetGroupName": self.db_subnet_group_name,
            }
        )

    def _tag(self, resource_type: str) -> dict[str, str]:
        return {"Name": self._naming.name(resource_type)}

    def _create_subnets(self) -> None:
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self)
        )
        plan = plan_subnets(self._settings.vpc_cidr)
        self.internet_gateway = aws.ec2.InternetGateway(
            f"{self._name}-igw", vpc_id=self.vpc.id, tags=self._tag("igw"), opts=self._child
        )
        self.public_route_table = aws.ec2.RouteTable(
            f"{self._name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": self.internet_gateway.id}],
            tags=self._tag("public-rt"),
            opts=self._child,
        )
        # No default route: private subnets reach AWS only through the endpoints.
        self.private_route_table = aws.ec2.RouteTable(
            f"{self._name}-private-rt",
            vpc_id=self.vpc.id,
            tags=self._tag("private-rt"),
            opts=self._child,
        )
        subnets: dict[str, list[aws.ec2.Subnet]] = {"public": [], "private": []}
        for tier, blocks, table in (
            ("public", plan.public, self.public_route_table),
            ("private", plan.private, self.private_route_table),
        ):
            for index, (letter, block) in enumerate(zip("ab", blocks, strict=True)):
                subnet = aws.ec2.Subnet(
                    f"{self._name}-{tier}-{letter}",
                    vpc_id=self.vpc.id,
                    cidr_block=block,
                    availability_zone=zones.names.apply(pick_zone(index)),
                    map_public_ip_on_launch=False,
                    tags={**self._tag(f"{tier}-{letter}"), "Tier": tier},
                    opts=self._lambda_interface_owner if tier == "private" else self._child,
                )
                aws.ec2.RouteTableAssociation(
                    f"{self._name}-{tier}-{letter}-rt",
                    subnet_id=subnet.id,
                    route_table_id=table.id,
                    opts=self._child,
                )
                subnets[tier].append(subnet)
        self.public_subnets, self.private_subnets = subnets["public"], subnets["private"]
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.private_subnet_ids = [s.id for s in self.private_subnets]

    def _security_group(
        self, key: str, description: str, *, holds_lambda_interfaces: bool = False
    ) -> aws.ec2.SecurityGroup:
        # No inline rules: the provider revokes AWS's default allow-all egress when it creates
        # a group in a VPC, so the standalone rules below are the only ones.
        return aws.ec2.SecurityGroup(
            f"{self._name}-{key}",
            name=self._naming.name(key),
            description=description,
            vpc_id=self.vpc.id,
            tags=self._tag(key),
            opts=self._lambda_interface_owner if holds_lambda_interfaces else self._child,
        )

    def _create_security_groups(self) -> None:
        self.lambda_security_group = self._security_group(
            "lambda-sg", "API Lambda", holds_lambda_interfaces=True
        )
        self.database_security_group = self._security_group("db-sg", "PostgreSQL")
        self.endpoints_security_group = self._security_group("endpoints-sg", "VPC endpoints")
        lambda_sg = self.lambda_security_group_id = self.lambda_security_group.id
        db_sg = self.database_security_group_id = self.database_security_group.id
        ep_sg = self.endpoints_security_group_id = self.endpoints_security_group.id
        # Standalone rules: groups that reference each other inline would form a cycle.
        self.security_group_rules: list[pulumi.CustomResource] = []
        for key, direction, group, port, what, peer in (
            ("lambda-to-db", "egress", lambda_sg, POSTGRES_PORT, "PostgreSQL", db_sg),
            ("lambda-to-endpoints", "egress", lambda_sg, HTTPS_PORT, "Endpoints", ep_sg),
            ("db-from-lambda", "ingress", db_sg, POSTGRES_PORT, "API Lambda", lambda_sg),
            ("endpoints-from-lambda", "ingress", ep_sg, HTTPS_PORT, "API Lambda", lambda_sg),
        ):
            self._rule(key, direction, group, port=port, description=what, peer_group=peer)

    def _rule(
        self,
        key: str,
        direction: str,
        group_id: pulumi.Input[str],
        *,
        port: int,
        description: str,
        peer_group: pulumi.Input[str] | None = None,
        prefix_list: pulumi.Input[str] | None = None,
    ) -> None:
        """One TCP port to or from one peer: a security group or a prefix list."""
        kind = (
            aws.vpc.SecurityGroupEgressRule
            if direction == "egress"
            else aws.vpc.SecurityGroupIngressRule
        )
        self.security_group_rules.append(
            kind(
                f"{self._name}-{key}",
                security_group_id=group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
                referenced_security_group_id=peer_group,
                prefix_list_id=prefix_list,
                opts=self._child,
            )
        )

    def _create_endpoints(self) -> None:
        region = self._settings.region
        self.dynamodb_endpoint = aws.ec2.VpcEndpoint(
            f"{self._name}-dynamodb-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.dynamodb",
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.private_route_table.id],
            tags=self._tag("dynamodb-endpoint"),
            opts=self._child,
        )
        self.secrets_endpoint = aws.ec2.VpcEndpoint(
            f"{self._name}-secrets-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.secretsmanager",
            vpc_endpoint_type="Interface",
            subnet_ids=self.private_subnet_ids,
            security_group_ids=[self.endpoints_security_group.id],
            private_dns_enabled=True,
            tags=self._tag("secrets-endpoint"),
            opts=self._child,
        )
        self._rule(
            "lambda-to-dynamodb",
            "egress",
            self.lambda_security_group_id,
            port=HTTPS_PORT,
            description="DynamoDB",
            prefix_list=self.dynamodb_endpoint.prefix_list_id,
        )

    def _create_flow_logs(self) -> None:
        naming, hub = self._naming, self._hub
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            name=naming.full_name("flow-logs"),
            kms_key_id=hub.key_arn,
            retention_in_days=self._settings.log_retention_days,
            opts=self._child,
        )
        self.flow_logs_role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            name=naming.name("flow-logs-role"),
            assume_role_policy=hub.account.apply(lambda w: json.dumps(flow_logs_trust_policy(w))),
            opts=self._child,
        )
        self.flow_logs_role_policy = aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            name=naming.name("flow-logs-policy"),
            role=self.flow_logs_role.id,
            policy=self.flow_log_group.arn.apply(
                lambda arn: json.dumps(flow_logs_permissions(arn, self._settings.region))
            ),
            opts=self._child,
        )
        # REJECT only: it is what the alarm watches, and ALL would bill every accepted
        # connection's record at Logs ingestion prices.
        self.flow_log = aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="REJECT",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=self.flow_logs_role.arn,
            max_aggregation_interval=60,
            tags=self._tag("flow-logs"),
            # The role is an input, its permissions are not: without them delivery fails.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.flow_logs_role_policy]),
        )
        self.rejected_packets_filter = aws.cloudwatch.LogMetricFilter(
            f"{self._name}-rejected-packets",
            name=naming.name("rejected-packets"),
            log_group_name=self.flow_log_group.name,
            pattern=REJECT_PATTERN,
            metric_transformation={
                "name": REJECTED_PACKETS_METRIC,
                "namespace": naming.metrics_namespace,
                "value": "$packets",
                "default_value": "0",
                "unit": "Count",
            },
            opts=self._child,
        )

    def _create_alarms(self) -> list[aws.cloudwatch.MetricAlarm]:
        namespace = self._naming.metrics_namespace
        rejected = metric_alarm(
            f"{self._name}-rejected-packets-alarm",
            hub=self._hub,
            parent=self,
            slug="vpc-rejected-packets",
            description=(
                f"More than {REJECTED_PACKETS_THRESHOLD} packets rejected in the VPC per 5 "
                "minutes, twice in a row: a security group or endpoint is missing, or "
                "something is probing. The flow-log group shows source and destination."
            ),
            namespace=namespace,
            metric_name=REJECTED_PACKETS_METRIC,
            statistic="Sum",
            period=300,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            threshold=REJECTED_PACKETS_THRESHOLD,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        )
        graph = metric_widget(
            "Rejected packets (VPC flow logs)",
            [[namespace, REJECTED_PACKETS_METRIC]],
            region=self._settings.region,
            stat="Sum",
            thresholds=[Threshold("vpc-rejected-packets", REJECTED_PACKETS_THRESHOLD)],
        )
        self._hub.add_dashboard_section(DashboardSection("Network", [graph]))
        return [rejected]
