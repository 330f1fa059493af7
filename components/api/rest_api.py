"""ApiWithHandler: the REST API, its stage and key, the api_handler Lambda, and their alarms."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib import iam
from ..lib.account import AccountContext, account_context
from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.lambda_function import (
    ExecutionRole,
    FunctionContext,
    FunctionSpec,
    VpcPlacement,
    monitored_function,
)
from ..lib.naming import API_GATEWAY_LOG_GROUP_PREFIX, NameRule, Naming, instance_naming
from ..lib.rules import LOG_RETENTION_DAYS, LOG_RETENTION_RULE
from .alarms import api_alarm_specs, api_widgets
from .iam import api_handler_statements
from .routes import ApiRoute, check_routes, create_permissions, create_routes
from .stage import Throttle, create_stage
from .usage_plan import create_usage_plan

API_STAGE_NAME = "v1"
# Below API Gateway's 29 s integration timeout, so the function reports its own failure.
HANDLER_TIMEOUT_SECONDS = 15
HANDLER_MEMORY_MB = 512
# Amazon's RDS CA bundle, when it is placed here, ships in the archive and the handler then
# verifies the server's certificate; without it the connection is still TLS (the parameter
# group forces it) but unverified. Lambda unpacks the archive in /var/task.
RDS_CA_BUNDLE = "rds-ca-bundle.pem"
HEALTH_PATH = "/health"
NAMES = {
    "api": NameRule(1024, "API Gateway REST API"),
    "api-handler": NameRule(64, "Lambda function"),
    "api-handler-role": NameRule(64, "IAM role"),
    "api-handler-access": NameRule(128, "IAM inline policy"),
    "api-access-logs": NameRule(512, "CloudWatch log group", prefix=API_GATEWAY_LOG_GROUP_PREFIX),
    "api-key": NameRule(1024, "API Gateway API key"),
    "api-usage-plan": NameRule(1024, "API Gateway usage plan"),
}
"""Suffixes of the API's physical names and their AWS limits."""
_DB_FIELDS = ("db_address", "db_port", "db_name", "db_secret_arn")
_TABLE_FIELDS = ("metrics_table_name", "metrics_table_arn")
_VPC_FIELDS = ("vpc_id", "subnet_ids", "security_group_id")


def api_naming(resource_name: str, *, name_prefix: str, instance_name: str | None = None) -> Naming:
    """The physical names an ``ApiWithHandler`` of this resource name and prefix gets: a
    program that must name its function or API before building it (to watch it) asks here."""
    return instance_naming(
        "ApiWithHandler",
        resource_name,
        name_prefix=name_prefix,
        instance_name=instance_name,
        rules=NAMES,
    )


def database_tls_environment(function_dir: Path) -> dict[str, str]:
    """``DB_CA_BUNDLE`` when the RDS CA bundle is in the function's directory, else nothing."""
    if (function_dir / RDS_CA_BUNDLE).is_file():
        return {"DB_CA_BUNDLE": f"/var/task/{RDS_CA_BUNDLE}"}
    return {}


@dataclass(frozen=True)
class ApiWithHandlerArgs:
    """Inputs of the API: plain values only."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region of the API (IAM conditions, the dashboard)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for the log groups; the handler may decrypt the secret and table with it."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the API's and the handler's alarms notify (alarm and recovery)."""
    code_dir: str
    """Directory of the handler: ``handler.py`` with ``handler(event, context)`` for API
    Gateway REST proxy events, and optionally ``requirements.txt``, a lock whose every line is
    pinned with ``==`` and ``--hash`` (its packages go into the archive)."""
    routes: Sequence[ApiRoute]
    """The route contract the handler serves: one API Gateway method, proxy integration and
    invoke permission each."""
    vpc_id: Defaulted[pulumi.Input[str] | None] = None
    """The VPC the handler runs in; with ``subnet_ids`` and ``security_group_id``, or none."""
    subnet_ids: Defaulted[pulumi.Input[Sequence[pulumi.Input[str]]] | None] = None
    """Private subnets for the handler's network interfaces."""
    security_group_id: Defaulted[pulumi.Input[str] | None] = None
    """The handler's security group (egress to the database and the endpoints)."""
    execution_role_arn: Defaulted[pulumi.Input[str] | None] = None
    """ARN of the handler's execution role, a ``FunctionRole`` built before the network; needed
    with the VPC fields (it must outlive the subnets and group: Lambda releases the interfaces
    with it). Without a VPC the component builds the role itself."""
    execution_role_name: Defaulted[pulumi.Input[str] | None] = None
    """Name of that role; the handler's data-access policy is attached to it."""
    db_address: Defaulted[pulumi.Input[str] | None] = None
    """PostgreSQL host name (``DB_HOST``); the four ``db_`` fields come together or not at all."""
    db_port: Defaulted[pulumi.Input[int] | None] = None
    """PostgreSQL port (``DB_PORT``)."""
    db_name: Defaulted[pulumi.Input[str] | None] = None
    """Database the handler uses (``DB_NAME``)."""
    db_secret_arn: Defaulted[pulumi.Input[str] | None] = None
    """Secret with ``username`` and ``password`` (``DB_SECRET_ARN``); the handler may read it."""
    metrics_table_name: Defaulted[pulumi.Input[str] | None] = None
    """DynamoDB table the handler reads (``METRICS_TABLE``), with ``metrics_table_arn``."""
    metrics_table_arn: Defaulted[pulumi.Input[str] | None] = None
    """Its ARN (the handler may query and get items, nothing else)."""
    environment: Defaulted[Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    """More environment variables of the handler (Lambda's 4 KB limit counts them all)."""
    throttle_rate_limit: Defaulted[float] = 50.0
    """Steady requests per second the stage and the usage plan allow."""
    throttle_burst_limit: Defaulted[int] = 100
    """Burst of requests the stage and the usage plan allow."""
    reserved_concurrency: Defaulted[int] = -1
    """Reserved concurrent executions of the handler; -1 leaves it unreserved."""
    log_retention_days: Defaulted[int] = 14
    """Days the handler's, access and execution log groups keep records."""
    protect_data: Defaulted[bool] = False
    """Pulumi's ``protect`` on the access log group (who called the API)
    (`pulumi destroy` then fails before deleting anything)."""
    instance_name: Defaulted[str | None] = None
    """This API's part of its physical names, after ``name_prefix``; by default its resource
    name. ``""`` leaves it out (one API per prefix)."""
    metrics_namespace: Defaulted[str | None] = None
    """Namespace of the handler's custom metrics (``POWERTOOLS_METRICS_NAMESPACE``); by
    default the API's base name."""
    hub_name_prefixes: Defaulted[Sequence[str] | None] = None
    """The alerting hub's ``served_name_prefixes``: checked to cover this API's names."""


def _validate(name: str, args: ApiWithHandlerArgs) -> None:
    """Every rule of the API's Args, checked together before any resource."""
    check = ArgsCheck("ApiWithHandler", name)
    check.require(
        Path(args.code_dir, "handler.py").is_file(),
        "code_dir",
        args.code_dir,
        "must be a directory holding handler.py",
    )
    check_routes(check, list(args.routes))
    for group, what in ((_DB_FIELDS, "database"), (_TABLE_FIELDS, "table"), (_VPC_FIELDS, "VPC")):
        given = [f for f in group if getattr(args, f) is not None]
        missing = [f for f in group if f not in given]
        check.require(
            not given or not missing,
            given[0] if given else group[0],
            "set",
            f"needs {', '.join(missing)} too (the {what} fields come together or not at all)",
        )
    if all(getattr(args, f) is not None for f in _VPC_FIELDS):
        check.require(
            args.execution_role_arn is not None and args.execution_role_name is not None,
            "execution_role_arn",
            args.execution_role_arn,
            "must be given with execution_role_name for a handler in a VPC: a FunctionRole "
            "built before the network, so `pulumi destroy` deletes the role (which Lambda "
            "releases the interfaces with) after the subnets and group",
        )
    check.require(
        args.throttle_rate_limit > 0, "throttle_rate_limit", args.throttle_rate_limit, "must be > 0"
    )
    check.require(
        args.throttle_burst_limit >= 1,
        "throttle_burst_limit",
        args.throttle_burst_limit,
        "must be at least 1 (a burst of 0 throttles every request)",
    )
    check.require(
        args.reserved_concurrency == -1 or args.reserved_concurrency >= 1,
        "reserved_concurrency",
        args.reserved_concurrency,
        "must be -1 (no reservation) or at least 1 (0 would stop every request)",
    )
    check.require(
        args.log_retention_days in LOG_RETENTION_DAYS,
        "log_retention_days",
        args.log_retention_days,
        LOG_RETENTION_RULE,
    )
    check.done()


class ApiWithHandler(pulumi.ComponentResource):
    """Regional REST API ``v1`` in front of the api_handler Lambda, monitored."""

    TYPE_TOKEN = "cw-analytics:api:ApiWithHandler"

    api_url: pulumi.Output[str]
    """Invoke URL of the ``v1`` stage."""
    health_url: pulumi.Output[str]
    """``GET /health`` of that stage when the routes have it, else the stage's URL."""
    api_key_id: pulumi.Output[str]
    """Id of the API key callers of key-protected routes need (its value stays in API
    Gateway)."""
    function_name: pulumi.Output[str]
    """Name of the handler function."""
    alarms: list[aws.cloudwatch.MetricAlarm]
    """The API's and the handler's alarms, one per row of their alarm tables."""
    alarm_arns: pulumi.Output[list[str]]
    """ARNs of those alarms, for the dashboard's alarm overview."""
    paging_alarm_names: pulumi.Output[list[str]]
    """Names of the alarms that page, for the service-health alarm."""
    dashboard_widgets: pulumi.Output[list[dict[str, Any]]]
    """CloudWatch dashboard widgets drawing what the alarms watch."""

    def __init__(
        self, name: str, args: ApiWithHandlerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(ApiWithHandlerArgs, args)
        self._name, self._args = name, args
        naming = self._naming = instance_naming(
            "ApiWithHandler",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
            metrics_namespace=args.metrics_namespace,
            hub_name_prefixes=args.hub_name_prefixes,
        )
        _validate(name, args)
        routes = list(args.routes)
        self._where = account_context(self, args.region)
        child = pulumi.ResourceOptions(parent=self)

        self.handler = monitored_function(
            f"{name}-handler",
            self._function_spec(args),
            context=FunctionContext(
                naming=naming,
                region=args.region,
                log_retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
                alert_topic_arn=args.alert_topic_arn,
            ),
            parent=self,
            statements=self._handler_statements(args),
            execution_role=(
                None
                if args.execution_role_arn is None or args.execution_role_name is None
                else ExecutionRole(args.execution_role_arn, args.execution_role_name)
            ),
        )
        """The handler function, its log group, its data-access policy and its alarms."""
        self.function_name = self.handler.function.name

        self.rest_api = aws.apigateway.RestApi(
            name,
            name=naming.name("api"),
            description=f"{naming.base} analytics API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            opts=child,
        )
        self.deployment = create_routes(
            name, rest_api=self.rest_api, function=self.handler.function, parent=self, routes=routes
        )
        self.stage = create_stage(
            name,
            naming=naming,
            rest_api=self.rest_api,
            deployment=self.deployment,
            stage_name=API_STAGE_NAME,
            throttle=Throttle(args.throttle_rate_limit, args.throttle_burst_limit),
            log_retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            protect_access_logs=args.protect_data,
            parent=self,
        )
        self.permissions = create_permissions(
            name,
            rest_api=self.rest_api,
            function=self.handler.function,
            stage_name=API_STAGE_NAME,
            parent=self,
            routes=routes,
        )
        self.api_key = create_usage_plan(
            name,
            naming=naming,
            rest_api=self.rest_api,
            stage=self.stage,
            throttle=Throttle(args.throttle_rate_limit, args.throttle_burst_limit),
            parent=self,
        )
        self.api_url = self.stage.invoke_url
        has_health = any(r.method == "GET" and r.path == HEALTH_PATH for r in routes)
        self.health_url = self.stage.invoke_url.apply(
            lambda url: f"{url}{HEALTH_PATH}" if has_health else url
        )
        self.api_key_id = self.api_key.id
        api_alarms = render_alarms(
            name,
            api_alarm_specs(api_name=self.rest_api.name, stage_name=self.stage.stage_name),
            name_prefix=naming.base,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )
        rendered = [*self.handler.alarms, *api_alarms]
        self.alarms = [r.alarm for r in rendered]
        self.alarm_arns = alarm_arns(rendered)
        self.paging_alarm_names = paging_alarm_names(rendered)
        widgets = api_widgets(
            api_name=self.rest_api.name,
            stage_name=self.stage.stage_name,
            namespace=naming.metrics_namespace,
            region=args.region,
        )
        self.dashboard_widgets = pulumi.Output.from_input([*widgets, *self.handler.widgets])
        self.register_outputs(
            {
                "apiUrl": self.api_url,
                "healthUrl": self.health_url,
                "apiKeyId": self.api_key_id,
                "functionName": self.function_name,
                "alarms": self.alarms,
                "alarmArns": self.alarm_arns,
                "pagingAlarmNames": self.paging_alarm_names,
                "dashboardWidgets": self.dashboard_widgets,
            }
        )

    def _function_spec(self, args: ApiWithHandlerArgs) -> FunctionSpec:
        database: dict[str, pulumi.Input[str]] = {}
        if args.db_address is not None:
            database = {
                "DB_HOST": args.db_address,
                "DB_PORT": pulumi.Output.from_input(args.db_port).apply(str),
                "DB_NAME": pulumi.Output.from_input(args.db_name).apply(str),
                "DB_SECRET_ARN": pulumi.Output.from_input(args.db_secret_arn).apply(str),
                **database_tls_environment(Path(args.code_dir)),
            }
        table = (
            {} if args.metrics_table_name is None else {"METRICS_TABLE": args.metrics_table_name}
        )
        vpc = None
        if (
            args.vpc_id is not None
            and args.subnet_ids is not None
            and args.security_group_id is not None
        ):
            vpc = VpcPlacement(
                vpc_id=args.vpc_id,
                subnet_ids=args.subnet_ids,
                security_group_id=args.security_group_id,
            )
        return FunctionSpec(
            function_type="api-handler",
            role_type="api-handler-role",
            code_dir=Path(args.code_dir),
            label="API handler",
            timeout_seconds=HANDLER_TIMEOUT_SECONDS,
            memory_mb=HANDLER_MEMORY_MB,
            environment={
                **database,
                **table,
                "POWERTOOLS_SERVICE_NAME": "api",
                "POWERTOOLS_METRICS_NAMESPACE": self._naming.metrics_namespace,
                "LOG_LEVEL": "INFO",
                **args.environment,
            },
            reserved_concurrency=args.reserved_concurrency,
            vpc=vpc,
            errors_are_critical=True,
        )

    def _handler_statements(self, args: ApiWithHandlerArgs) -> pulumi.Output[list[iam.Statement]]:
        """Exactly what the handler is given: its secret, its table, its VPC placement."""

        def build(values: list[Any]) -> list[iam.Statement]:
            where: AccountContext = values[0]
            secret, table, key, security_group, subnets = values[1:6]
            statements = api_handler_statements(
                where=where, secret_arn=secret, table_arn=table, key_arn=key
            )
            if subnets is not None:
                # Creating interfaces names the subnets and group, so it goes with the function;
                # releasing them is the execution role's own grant (FunctionRole), which
                # outlives both.
                statements += iam.interface_create_statements(where, subnets, security_group)
            return statements

        return pulumi.Output.all(
            self._where,
            args.db_secret_arn,
            args.metrics_table_arn,
            args.kms_key_arn,
            args.security_group_id,
            args.subnet_ids,
        ).apply(build)
