"""This program's settings mapped onto each component's plain Args (not part of the library).

``__main__.py`` and the tests build the components from the same mapping, so a test of a
component built "as the program builds it" cannot drift from what ``pulumi up`` deploys.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import (
    AlertingHub,
    AlertingHubArgs,
    ApiWithHandlerArgs,
    FunctionRole,
    FunctionRoleArgs,
    MetricAggregatorArgs,
    MonitoredDatabaseArgs,
    MonitoredVpcArgs,
    WatchedResources,
)
from stack_settings import Settings


def names(settings: Settings) -> dict[str, str]:
    """The name parts every component's Args starts with."""
    return {
        "project_name": settings.project_name,
        "environment_suffix": settings.environment_suffix,
    }


def hub_args(settings: Settings) -> AlertingHubArgs:
    """The alerting hub: name parts, region, subscribers and the key's lifecycle."""
    return AlertingHubArgs(
        **names(settings),
        region=settings.region,
        alarm_emails=settings.alarm_emails,
        key_deletion_window_days=settings.key_deletion_window_days,
        retain_key_on_delete=settings.key_outlives_stack,
        protect_data=settings.protect_stateful_resources,
    )


def wired(settings: Settings, hub: AlertingHub) -> dict[str, Any]:
    """Names, region, the hub's key and topic: what every monitored component takes."""
    return {
        **names(settings),
        "region": settings.region,
        "kms_key_arn": hub.key_arn,
        "alert_topic_arn": hub.topic_arn,
        "protect_data": settings.protect_stateful_resources,
    }


def vpc_args(settings: Settings, hub: AlertingHub) -> MonitoredVpcArgs:
    """The network: address range and flow-log retention."""
    return MonitoredVpcArgs(
        **wired(settings, hub),
        vpc_cidr=settings.vpc_cidr,
        log_retention_days=settings.log_retention_days,
    )


def database_args(
    settings: Settings,
    hub: AlertingHub,
    subnet_group_name: pulumi.Input[str],
    security_group_ids: list[pulumi.Input[str]],
) -> MonitoredDatabaseArgs:
    """The database in the given subnet group and security groups, sized and kept by config."""
    return MonitoredDatabaseArgs(
        **wired(settings, hub),
        subnet_group_name=subnet_group_name,
        security_group_ids=security_group_ids,
        instance_class=settings.db_instance_class,
        engine_version=settings.db_engine_version,
        allocated_storage_gb=settings.db_allocated_storage_gb,
        multi_az=settings.db_multi_az,
        backup_retention_days=settings.db_backup_retention_days,
        deletion_protection=settings.db_deletion_protection,
        apply_immediately=settings.db_apply_immediately,
        final_snapshot=settings.db_final_snapshot,
        secret_recovery_window_days=settings.secret_recovery_window_days,
        log_retention_days=settings.log_retention_days,
    )


def aggregator_args(
    settings: Settings, hub: AlertingHub, watched: WatchedResources
) -> MetricAggregatorArgs:
    """The aggregator watching ``watched`` on the configured schedule."""
    return MetricAggregatorArgs(
        **wired(settings, hub),
        watched=watched,
        schedule=settings.aggregator_schedule,
        metrics_retention_days=settings.metrics_retention_days,
        log_retention_days=settings.log_retention_days,
        table_deletion_protection=settings.metrics_table_deletion_protection,
        reserved_concurrency=settings.aggregator_reserved_concurrency,
    )


def function_role_args(settings: Settings, label: str) -> FunctionRoleArgs:
    """The execution role of a VPC function (built before the network)."""
    return FunctionRoleArgs(
        project_name=settings.project_name,
        environment_suffix=settings.environment_suffix,
        region=settings.region,
        label=label,
    )


def api_args(
    settings: Settings, hub: AlertingHub, role: FunctionRole, **wiring: Any
) -> ApiWithHandlerArgs:
    """The API run by ``role``; ``wiring`` gives the network, database and table inputs."""
    return ApiWithHandlerArgs(
        **wired(settings, hub),
        execution_role_arn=role.role_arn,
        execution_role_name=role.role_name,
        **wiring,
        throttle_rate_limit=settings.api_throttle_rate_limit,
        throttle_burst_limit=settings.api_throttle_burst_limit,
        reserved_concurrency=settings.api_reserved_concurrency,
        log_retention_days=settings.log_retention_days,
    )
