"""ApiWithHandler: the REST API, its stage and key, the api_handler Lambda, and their alarms."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib import iam
from ..lib.account import AccountContext, account_context
from ..lib.alarms import alarm_arns, paging_alarm_names, render_alarms
from ..lib.args import Defaulted, from_inputs
from ..lib.lambda_function import (
    FUNCTIONS_DIR,
    ExecutionRole,
    FunctionContext,
    FunctionSpec,
    VpcPlacement,
    monitored_function,
)
from ..lib.naming import Naming
from .alarms import api_alarm_specs, api_widgets
from .iam import api_handler_statements
from .routes import create_permissions, create_routes
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


def database_tls_environment(function_dir: Path) -> dict[str, str]:
    """``DB_CA_BUNDLE`` when the RDS CA bundle is in the function's directory, else nothing."""
    if (function_dir / RDS_CA_BUNDLE).is_file():
        return {"DB_CA_BUNDLE": f"/var/task/{RDS_CA_BUNDLE}"}
    return {}


@dataclass(frozen=True)
class ApiWithHandlerArgs:
    """Inputs of the API: plain values only."""

    project_name: str
    """First part of every physical name (``cw-analytics``)."""
    environment_suffix: str
    """Second part of every physical name (``dev``, ``prod``, ``pr-123``)."""
    region: str
    """AWS region of the API (IAM conditions, the dashboard)."""
    kms_key_arn: pulumi.Input[str]
    """KMS key for the log groups; the handler may decrypt the secret and table with it."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the API's and the handler's alarms notify (alarm and recovery)."""
    vpc_id: pulumi.Input[str]
    """The VPC the handler runs in."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets for the handler's network interfaces."""
    security_group_id: pulumi.Input[str]
    """The handler's security group (egress to the database and the endpoints)."""
    execution_role_arn: pulumi.Input[str]
    """ARN of the handler's execution role, a ``FunctionRole`` built before the network (it
    must outlive the subnets and group: Lambda releases the interfaces with it)."""
    execution_role_name: pulumi.Input[str]
    """Name of that role; the handler's data-access policy is attached to it."""
    db_address: pulumi.Input[str]
    """PostgreSQL host name."""
    db_port: pulumi.Input[int]
    """PostgreSQL port."""
    db_name: pulumi.Input[str]
    """Database the handler stores events in."""
    db_secret_arn: pulumi.Input[str]
    """Secrets Manager secret with ``username`` and ``password``."""
    metrics_table_name: pulumi.Input[str]
    """DynamoDB table the metric routes read."""
    metrics_table_arn: pulumi.Input[str]
    """Its ARN (the handler may query and get items, nothing else)."""
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


class ApiWithHandler(pulumi.ComponentResource):
    """Regional REST API ``v1`` in front of the api_handler Lambda, monitored."""

    TYPE_TOKEN = "cw-analytics:api:ApiWithHandler"

    api_url: pulumi.Output[str]
    """Invoke URL of the ``v1`` stage."""
    health_url: pulumi.Output[str]
    """``GET /health`` of that stage."""
    api_key_id: pulumi.Output[str]
    """Id of the API key callers of ``POST /events`` need (its value stays in API Gateway)."""
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
        naming = self._naming = Naming(args.project_name, args.environment_suffix)
        self._where = account_context(self, args.region)
        child = pulumi.ResourceOptions(parent=self)

        handler = monitored_function(
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
            execution_role=ExecutionRole(args.execution_role_arn, args.execution_role_name),
        )
        self.function, self.log_group = handler.function, handler.log_group
        self.role_policy = handler.role_policy
        self.function_name = self.function.name

        self.rest_api = aws.apigateway.RestApi(
            name,
            name=naming.name("api"),
            description=f"{naming.base} analytics API",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            opts=child,
        )
        routes = create_routes(name, rest_api=self.rest_api, function=self.function, parent=self)
        self.methods, self.integrations = routes.methods, routes.integrations
        self.deployment = routes.deployment
        stage = create_stage(
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
        self.stage, self.method_settings = stage.stage, stage.method_settings
        self.access_log_group = stage.access_log_group
        self.execution_log_group = stage.execution_log_group
        self.permissions = create_permissions(
            name,
            rest_api=self.rest_api,
            function=self.function,
            stage_name=API_STAGE_NAME,
            parent=self,
        )
        plan = create_usage_plan(
            name,
            naming=naming,
            rest_api=self.rest_api,
            stage=self.stage,
            throttle=Throttle(args.throttle_rate_limit, args.throttle_burst_limit),
            parent=self,
        )
        self.api_key, self.usage_plan = plan.api_key, plan.usage_plan
        self.usage_plan_key = plan.usage_plan_key

        self.api_url = self.stage.invoke_url
        self.health_url = self.stage.invoke_url.apply(lambda url: f"{url}/health")
        self.api_key_id = self.api_key.id
        api_alarms = render_alarms(
            name,
            api_alarm_specs(api_name=self.rest_api.name, stage_name=self.stage.stage_name),
            name_prefix=naming.base,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )
        rendered = [*handler.alarms, *api_alarms]
        self.alarms = [r.alarm for r in rendered]
        self.alarm_arns = alarm_arns(rendered)
        self.paging_alarm_names = paging_alarm_names(rendered)
        widgets = api_widgets(
            api_name=self.rest_api.name,
            stage_name=self.stage.stage_name,
            namespace=naming.metrics_namespace,
            region=args.region,
        )
        self.dashboard_widgets = pulumi.Output.from_input([*widgets, *handler.widgets])
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
        return FunctionSpec(
            function_type="api-handler",
            role_type="api-handler-role",
            code_dir="api_handler",
            label="API handler",
            timeout_seconds=HANDLER_TIMEOUT_SECONDS,
            memory_mb=HANDLER_MEMORY_MB,
            environment={
                "DB_HOST": args.db_address,
                "DB_PORT": pulumi.Output.from_input(args.db_port).apply(str),
                "DB_NAME": args.db_name,
                "DB_SECRET_ARN": args.db_secret_arn,
                "METRICS_TABLE": args.metrics_table_name,
                "POWERTOOLS_SERVICE_NAME": "api",
                "POWERTOOLS_METRICS_NAMESPACE": self._naming.metrics_namespace,
                "LOG_LEVEL": "INFO",
                **database_tls_environment(FUNCTIONS_DIR / "api_handler"),
            },
            reserved_concurrency=args.reserved_concurrency,
            vpc=VpcPlacement(
                vpc_id=args.vpc_id,
                subnet_ids=args.subnet_ids,
                security_group_id=args.security_group_id,
            ),
            errors_are_critical=True,
        )

    def _handler_statements(self, args: ApiWithHandlerArgs) -> pulumi.Output[list[iam.Statement]]:
        def build(values: list[Any]) -> list[iam.Statement]:
            where: AccountContext = values[0]
            security_group, secret, table, key = values[1:5]
            return [
                *api_handler_statements(
                    where=where, secret_arn=secret, table_arn=table, key_arn=key
                ),
                # Creating interfaces names the subnets and group, so it goes with the function;
                # releasing them is the FunctionRole's grant, which outlives both.
                *iam.interface_create_statements(where, values[5:], security_group),
            ]

        return pulumi.Output.all(
            self._where,
            args.security_group_id,
            args.db_secret_arn,
            args.metrics_table_arn,
            args.kms_key_arn,
            *args.subnet_ids,
        ).apply(build)
