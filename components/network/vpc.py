"""MonitoredVpc: two-AZ VPC without NAT, its security groups, endpoints and flow-log alarm."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.naming import VPC_LOG_GROUP_PREFIX, NameRule, instance_naming
from ..lib.rules import LOG_RETENTION_DAYS, LOG_RETENTION_RULE, cidr_problem
from .alarms import network_alarm_specs, network_widgets
from .flow_logs import create_flow_logs
from .subnets import pick_zone, plan_subnets

POSTGRES_PORT, HTTPS_PORT = 5432, 443
# Deleting a group or subnet that Lambda's network interfaces used waits for Lambda to release
# them: the provider waits at least 45 minutes (Lambda's p99 is ~35), whatever this says. The
# same figure here states the wait in the resource options a reviewer sees.
LAMBDA_INTERFACE_RELEASE = pulumi.CustomTimeouts(delete="45m")
_TAG = NameRule(255, "Name tag")
NAMES = {
    **{
        suffix: _TAG
        for suffix in (
            "vpc",
            "igw",
            "public-a",
            "public-b",
            "private-a",
            "private-b",
            "public-rt",
            "private-rt",
            "dynamodb-endpoint",
            "secrets-endpoint",
            "default-sg",
        )
    },
    "lambda-sg": NameRule(255, "security group"),
    "db-sg": NameRule(255, "security group"),
    "endpoints-sg": NameRule(255, "security group"),
    "db-subnets": NameRule(255, "DB subnet group"),
    "flow-logs": NameRule(512, "CloudWatch log group", prefix=VPC_LOG_GROUP_PREFIX),
    "flow-logs-role": NameRule(64, "IAM role"),
    "flow-logs-policy": NameRule(128, "IAM inline policy"),
    "rejected-packets": NameRule(512, "CloudWatch Logs metric filter"),
}
"""Suffixes of the network's physical names (and Name tags) and their AWS limits."""


@dataclass(frozen=True)
class MonitoredVpcArgs:
    """Inputs of the network: plain values only."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region of the VPC (endpoint service names, the dashboard)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key that encrypts the flow-log group."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the rejected-packets alarm notifies (alarm and recovery)."""
    vpc_cidr: Defaulted[str] = "10.0.0.0/16"
    """Private IPv4 range of the VPC, /16 to /24; four subnets are carved from it."""
    log_retention_days: Defaulted[int] = 14
    """Days the flow-log group keeps records (a value CloudWatch Logs accepts)."""
    protect_data: Defaulted[bool] = False
    """Pulumi's ``protect`` on the flow-log group (the record of rejected traffic)
    (`pulumi destroy` then fails before deleting anything)."""
    instance_name: Defaulted[str | None] = None
    """This network's part of its physical names, after ``name_prefix``; by default its
    resource name. ``""`` leaves it out (one network per prefix)."""
    metrics_namespace: Defaulted[str | None] = None
    """Namespace of the rejected-packets metric; by default the network's base name."""
    hub_name_prefixes: Defaulted[Sequence[str] | None] = None
    """The alerting hub's ``served_name_prefixes``: checked to cover this network's names."""


class MonitoredVpc(pulumi.ComponentResource):
    """VPC over two AZs with public and private subnets, no NAT, endpoints and flow logs.

    Lambdas in the private subnets reach DynamoDB through a gateway endpoint and Secrets
    Manager through an interface endpoint; nothing else leaves the VPC from there.
    """

    TYPE_TOKEN = "cw-analytics:network:MonitoredVpc"

    vpc_id: pulumi.Output[str]
    """Id of the VPC."""
    public_subnet_ids: list[pulumi.Output[str]]
    """The two public subnets (no workload runs there; room for a load balancer)."""
    private_subnet_ids: list[pulumi.Output[str]]
    """The two private subnets, one per zone: Lambda interfaces, the database, endpoints."""
    lambda_security_group_id: pulumi.Output[str]
    """Group for Lambda functions: egress to PostgreSQL, the endpoints and DynamoDB only."""
    database_security_group_id: pulumi.Output[str]
    """Group for the database: PostgreSQL from the Lambda group only."""
    endpoints_security_group_id: pulumi.Output[str]
    """Group of the Secrets Manager interface endpoint: HTTPS from the Lambda group only."""
    db_subnet_group_name: pulumi.Output[str]
    """DB subnet group over the private subnets."""
    alarms: list[aws.cloudwatch.MetricAlarm]
    """The network's alarms, one per row of its alarm table."""
    alarm_arns: pulumi.Output[list[str]]
    """ARNs of those alarms, for the dashboard's alarm overview."""
    paging_alarm_names: pulumi.Output[list[str]]
    """Names of the alarms that page, for the service-health alarm."""
    dashboard_widgets: pulumi.Output[list[dict[str, Any]]]
    """CloudWatch dashboard widgets drawing what the alarms watch."""

    def __init__(
        self, name: str, args: MonitoredVpcArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(MonitoredVpcArgs, args)
        self._name, self._args = name, args
        self._naming = instance_naming(
            "MonitoredVpc",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
            metrics_namespace=args.metrics_namespace,
            hub_name_prefixes=args.hub_name_prefixes,
        )
        check = ArgsCheck("MonitoredVpc", name)
        check.require(
            (problem := cidr_problem(args.vpc_cidr)) is None,
            "vpc_cidr",
            args.vpc_cidr,
            str(problem),
        )
        check.require(
            args.log_retention_days in LOG_RETENTION_DAYS,
            "log_retention_days",
            args.log_retention_days,
            LOG_RETENTION_RULE,
        )
        check.done()
        self._child = pulumi.ResourceOptions(parent=self)
        # The private subnets and the Lambda group hold the API function's interfaces.
        self._lambda_interface_owner = pulumi.ResourceOptions(
            parent=self, custom_timeouts=LAMBDA_INTERFACE_RELEASE
        )
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
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
        self.flow_logs = create_flow_logs(
            name,
            naming=self._naming,
            vpc_id=self.vpc.id,
            region=args.region,
            kms_key_arn=args.kms_key_arn,
            log_retention_days=args.log_retention_days,
            protect=args.protect_data,
            parent=self,
        )
        """The flow log, its encrypted log group, delivery role and rejected-packets filter."""
        namespace = self._naming.metrics_namespace
        rendered = render_alarms(
            name,
            network_alarm_specs(namespace),
            name_prefix=self._naming.base,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )
        self.alarms = [r.alarm for r in rendered]
        self.alarm_arns = alarm_arns(rendered)
        self.paging_alarm_names = paging_alarm_names(rendered)
        self.dashboard_widgets = pulumi.Output.from_input(network_widgets(namespace, args.region))
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "lambdaSecurityGroupId": self.lambda_security_group_id,
                "databaseSecurityGroupId": self.database_security_group_id,
                "endpointsSecurityGroupId": self.endpoints_security_group_id,
                "dbSubnetGroupName": self.db_subnet_group_name,
                "alarms": self.alarms,
                "alarmArns": self.alarm_arns,
                "pagingAlarmNames": self.paging_alarm_names,
                "dashboardWidgets": self.dashboard_widgets,
            }
        )

    def _tag(self, resource_type: str) -> dict[str, str]:
        return {"Name": self._naming.name(resource_type)}

    def _create_subnets(self) -> None:
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOptions(parent=self)
        )
        plan = plan_subnets(self._args.vpc_cidr)
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
        region = self._args.region
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
