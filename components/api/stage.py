"""The API's stage: access and execution log groups it owns, the stage, its method settings."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.naming import API_EXECUTION_LOG_GROUP_PREFIX, Naming
from .access_logs import ACCESS_LOG_FORMAT


@dataclass(frozen=True)
class Throttle:
    """Requests per second and burst, for the stage and the usage plan alike."""

    rate_limit: float
    burst_limit: int


def create_stage(
    name: str,
    *,
    naming: Naming,
    rest_api: aws.apigateway.RestApi,
    deployment: aws.apigateway.Deployment,
    stage_name: str,
    throttle: Throttle,
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    protect_access_logs: bool = False,
) -> aws.apigateway.Stage:
    """Stage ``stage_name`` of ``deployment`` with X-Ray, JSON access logs and INFO execution
    logs into encrypted groups with retention, metrics and throttling on every method; the
    log groups and method settings are its siblings under ``parent``."""
    child = pulumi.ResourceOptions(parent=parent)
    # Stage logging needs the account's API Gateway CloudWatch role, one setting per account
    # and region that no app stack owns: the account/ project sets it once, before any
    # stack (docs/operations.md).
    access_log_group = aws.cloudwatch.LogGroup(
        f"{name}-access-logs",
        name=naming.full_name("api-access-logs"),
        retention_in_days=log_retention_days,
        kms_key_id=kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect_access_logs),
    )
    # API Gateway would create this group itself on the first INFO log line: unencrypted,
    # kept forever, and left behind by `pulumi destroy`.
    execution_log_group = aws.cloudwatch.LogGroup(
        f"{name}-execution-logs",
        name=pulumi.Output.concat(API_EXECUTION_LOG_GROUP_PREFIX, rest_api.id, "/", stage_name),
        retention_in_days=log_retention_days,
        kms_key_id=kms_key_arn,
        opts=child,
    )
    stage = aws.apigateway.Stage(
        f"{name}-stage",
        rest_api=rest_api.id,
        deployment=deployment.id,
        stage_name=stage_name,
        xray_tracing_enabled=True,
        access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
            destination_arn=access_log_group.arn,
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        ),
        opts=child,
    )
    aws.apigateway.MethodSettings(
        f"{name}-method-settings",
        rest_api=rest_api.id,
        stage_name=stage.stage_name,
        method_path="*/*",
        settings=aws.apigateway.MethodSettingsSettingsArgs(
            metrics_enabled=True,
            logging_level="INFO",
            # Full request/response bodies would put callers' data in the logs.
            data_trace_enabled=False,
            throttling_rate_limit=throttle.rate_limit,
            throttling_burst_limit=throttle.burst_limit,
        ),
        # Execution logging (logging_level) needs the account's CloudWatch role too, and
        # writes to its log group by name, not through an input.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[execution_log_group]),
    )
    return stage
