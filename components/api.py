"""ApiWithHandler: the REST API, its stage and key, the api_handler Lambda, and their alarms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam
from components.alerting import AccountContext, AlertingHub
from components.api_alarms import create_api_alarms
from components.api_logging import ACCESS_LOG_FORMAT
from components.api_routes import create_permissions, create_routes
from components.lambda_function import (
    FUNCTIONS_DIR,
    FunctionSpec,
    VpcPlacement,
    monitored_function,
)
from components.naming import API_EXECUTION_LOG_GROUP_PREFIX
from components.settings import Settings

TOKEN = "cw-analytics:api:ApiWithHandler"
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
    """What the API needs from the rest of the stack."""

    settings: Settings
    """Naming, throttling, reserved concurrency, log retention."""
    hub: AlertingHub
    """Key for logs, topic for alarms, the dashboard."""
    vpc_id: pulumi.Input[str]
    """The VPC the handler runs in."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets for the handler's network interfaces."""
    security_group_id: pulumi.Input[str]
    """The Lambda security group (egress to the database and endpoints)."""
    db_address: pulumi.Input[str]
    db_port: pulumi.Input[int]
    db_name: pulumi.Input[str]
    db_secret_arn: pulumi.Input[str]
    """Secrets Manager secret with ``username`` and ``password``."""
    metrics_table_name: pulumi.Input[str]
    metrics_table_arn: pulumi.Input[str]


class ApiWithHandler(pulumi.ComponentResource):
    """Regional REST API ``v1`` in front of the api_handler Lambda, monitored."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    rest_api: aws.apigateway.RestApi
    deployment: aws.apigateway.Deployment
    stage: aws.apigateway.Stage
    api_key: aws.apigateway.ApiKey
    usage_plan: aws.apigateway.UsagePlan
    api_url: pulumi.Output[str]
    health_url: pulumi.Output[str]
    api_key_id: pulumi.Output[str]
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: ApiWithHandlerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name, self._settings, self._hub = name, args.settings, args.hub
        naming = args.settings.naming
        child = pulumi.ResourceOptions(parent=self)

        handler = monitored_function(
            f"{name}-handler",
            self._function_spec(args),
            hub=args.hub,
            parent=self,
            statements=self._handler_statements(args),
        )
        self.function, self.role, self.log_group = handler.function, handler.role, handler.log_group
        self.role_policy = handler.role_policy

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
        self._create_stage()
        self.permissions = create_permissions(
            name,
            rest_api=self.rest_api,
            function=self.function,
            stage_name=API_STAGE_NAME,
            parent=self,
        )
        self._create_key()

        self.api_url = self.stage.invoke_url
        self.health_url = self.stage.invoke_url.apply(lambda url: f"{url}/health")
        self.api_key_id = self.api_key.id
        api_alarms = create_api_alarms(
            name,
            hub=args.hub,
            parent=self,
            api_name=self.rest_api.name,
            stage_name=self.stage.stage_name,
        )
        self.alarms = [*api_alarms.alarms, *handler.alarms]
        args.hub.add_dashboard_section(api_alarms.section("API", handler.widgets))
        self.register_outputs(
            {"apiUrl": self.api_url, "healthUrl": self.health_url, "apiKeyId": self.api_key_id}
        )

    def _function_spec(self, args: ApiWithHandlerArgs) -> FunctionSpec:
        naming = args.settings.naming
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
                "POWERTOOLS_METRICS_NAMESPACE": naming.metrics_namespace,
                "LOG_LEVEL": "INFO",
                **database_tls_environment(FUNCTIONS_DIR / "api_handler"),
            },
            reserved_concurrency=args.settings.api_reserved_concurrency,
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
                *iam.api_handler_statements(
                    where=where, secret_arn=secret, table_arn=table, key_arn=key
                ),
                *iam.vpc_network_interface_statements(where, values[5:], security_group),
            ]

        return pulumi.Output.all(
            self._hub.account,
            args.security_group_id,
            args.db_secret_arn,
            args.metrics_table_arn,
            self._hub.key_arn,
            *args.subnet_ids,
        ).apply(build)

    def _create_stage(self) -> None:
        settings, naming, hub = self._settings, self._settings.naming, self._hub
        child = pulumi.ResourceOptions(parent=self)
        # Stage logging needs the account's API Gateway CloudWatch role, one setting per account
        # and region that no app stack owns: the account/ project sets it once, before any
        # stack (docs/operations.md).
        self.access_log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-access-logs",
            name=naming.full_name("api-access-logs"),
            retention_in_days=settings.log_retention_days,
            kms_key_id=hub.key_arn,
            opts=child,
        )
        # API Gateway would create this group itself on the first INFO log line: unencrypted,
        # kept forever, and left behind by `pulumi destroy`.
        self.execution_log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-execution-logs",
            name=pulumi.Output.concat(
                API_EXECUTION_LOG_GROUP_PREFIX, self.rest_api.id, "/", API_STAGE_NAME
            ),
            retention_in_days=settings.log_retention_days,
            kms_key_id=hub.key_arn,
            opts=child,
        )
        self.stage = aws.apigateway.Stage(
            f"{self._name}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=API_STAGE_NAME,
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_log_group.arn,
                format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            ),
            opts=child,
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{self._name}-method-settings",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                metrics_enabled=True,
                logging_level="INFO",
                # Full request/response bodies would put callers' data in the logs.
                data_trace_enabled=False,
                throttling_rate_limit=settings.api_throttle_rate_limit,
                throttling_burst_limit=settings.api_throttle_burst_limit,
            ),
            # Execution logging (logging_level) needs the account's CloudWatch role too, and
            # writes to its log group by name, not through an input.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.execution_log_group]),
        )

    def _create_key(self) -> None:
        settings, naming = self._settings, self._settings.naming
        child = pulumi.ResourceOptions(parent=self)
        self.api_key = aws.apigateway.ApiKey(
            f"{self._name}-key",
            name=naming.name("api-key"),
            description="Callers of POST /events",
            enabled=True,
            opts=child,
        )
        self.usage_plan = aws.apigateway.UsagePlan(
            f"{self._name}-usage-plan",
            name=naming.name("api-usage-plan"),
            description="Write access (POST /events) for holders of the API key",
            api_stages=[
                aws.apigateway.UsagePlanApiStageArgs(
                    api_id=self.rest_api.id, stage=self.stage.stage_name
                )
            ],
            throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
                rate_limit=settings.api_throttle_rate_limit,
                burst_limit=settings.api_throttle_burst_limit,
            ),
            opts=child,
        )
        self.usage_plan_key = aws.apigateway.UsagePlanKey(
            f"{self._name}-usage-plan-key",
            key_id=self.api_key.id,
            key_type="API_KEY",
            usage_plan_id=self.usage_plan.id,
            opts=child,
        )
