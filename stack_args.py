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
from components.api import api_naming, routes_of_contract
from components.lib.contract import routes as handler_contract
from components.lib.paths import FUNCTIONS_DIR
from stack_settings import Settings

API_HANDLER_DIR = FUNCTIONS_DIR / "api_handler"
"""This program's API handler; its routes are the contract it is checked against."""


def names(settings: Settings) -> dict[str, Any]:
    """How every component of this program is named: ``{project}-{suffix}-<suffix>``.

    The program has one instance of each component, so the prefix alone tells them apart and
    no instance part is added: these are the names the dev and prod stacks were created with
    (a renamed database, table or secret would be replaced, its data lost).
    """
    return {"name_prefix": settings.name_prefix, "instance_name": ""}


def metrics_namespace(settings: Settings) -> str:
    """The stack's one namespace of custom metrics: ``{project}/{suffix}``."""
    return f"{settings.project_name}/{settings.environment_suffix}"


def api_function_name(settings: Settings, resource_name: str) -> str:
    """The API handler's function name, known before the API is built (the aggregator
    watches it and the API reads the aggregator's table)."""
    naming = api_naming(resource_name, name_prefix=settings.name_prefix, instance_name="")
    return naming.name("api-handler")


def api_name(settings: Settings, resource_name: str) -> str:
    """The REST API's name, known before the API is built (see ``api_function_name``)."""
    return api_naming(resource_name, name_prefix=settings.name_prefix, instance_name="").name("api")


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
        "hub_name_prefixes": hub.served_name_prefixes,
    }


def vpc_args(settings: Settings, hub: AlertingHub) -> MonitoredVpcArgs:
    """The network: address range and flow-log retention."""
    return MonitoredVpcArgs(
        **wired(settings, hub),
        vpc_cidr=settings.vpc_cidr,
        log_retention_days=settings.log_retention_days,
        metrics_namespace=metrics_namespace(settings),
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
        metrics_namespace=metrics_namespace(settings),
    )


def function_role_args(settings: Settings, label: str) -> FunctionRoleArgs:
    """The execution role of a VPC function (built before the network)."""
    return FunctionRoleArgs(name_prefix=settings.name_prefix, region=settings.region, label=label)


def api_args(
    settings: Settings, hub: AlertingHub, role: FunctionRole, **wiring: Any
) -> ApiWithHandlerArgs:
    """The API with this program's handler and routes, run by ``role``; ``wiring`` gives the
    network, database and table inputs."""
    return ApiWithHandlerArgs(
        **wired(settings, hub),
        execution_role_arn=role.role_arn,
        execution_role_name=role.role_name,
        **wiring,
        code_dir=str(API_HANDLER_DIR),
        routes=routes_of_contract(handler_contract.ROUTES),
        metrics_namespace=metrics_namespace(settings),
        throttle_rate_limit=settings.api_throttle_rate_limit,
        throttle_burst_limit=settings.api_throttle_burst_limit,
        reserved_concurrency=settings.api_reserved_concurrency,
        log_retention_days=settings.log_retention_days,
    )
