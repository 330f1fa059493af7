"""The API key callers of ``POST /events`` need, and the usage plan that throttles them."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..lib.naming import Naming
from .stage import Throttle


def create_usage_plan(
    name: str,
    *,
    naming: Naming,
    rest_api: aws.apigateway.RestApi,
    stage: aws.apigateway.Stage,
    throttle: Throttle,
    parent: pulumi.Resource,
) -> aws.apigateway.ApiKey:
    """One API key in a usage plan on ``stage``, throttled like the stage; returns the key."""
    child = pulumi.ResourceOptions(parent=parent)
    api_key = aws.apigateway.ApiKey(
        f"{name}-key",
        name=naming.name("api-key"),
        description="Callers of POST /events",
        enabled=True,
        opts=child,
    )
    usage_plan = aws.apigateway.UsagePlan(
        f"{name}-usage-plan",
        name=naming.name("api-usage-plan"),
        description="Write access (POST /events) for holders of the API key",
        api_stages=[
            aws.apigateway.UsagePlanApiStageArgs(api_id=rest_api.id, stage=stage.stage_name)
        ],
        throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
            rate_limit=throttle.rate_limit, burst_limit=throttle.burst_limit
        ),
        opts=child,
    )
    aws.apigateway.UsagePlanKey(
        f"{name}-usage-plan-key",
        key_id=api_key.id,
        key_type="API_KEY",
        usage_plan_id=usage_plan.id,
        opts=child,
    )
    return api_key
