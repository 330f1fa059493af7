"""Reusable helpers for component tests: stack config, settings and runs under mocks.

The mocks themselves live in ``tools.pulumi_mocks`` so the offline preview and the tests
answer identically (deterministic ids, ARNs, endpoints, availability zones, account).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from components import (
    AlertingHub,
    AlertingHubArgs,
    ApiWithHandlerArgs,
    MetricAggregatorArgs,
    MonitoredDatabaseArgs,
    MonitoredVpcArgs,
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
    WatchedResources,
)
from components.dashboard import MonitoredComponent
from stack_settings import Settings, settings_from_config
from tools.pulumi_mocks import ACCOUNT_ID, MockRun, RecordedResource, run_in_mocks

__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "MockRun",
    "RecordedResource",
    "base_config",
    "is_secret",
    "make_settings",
    "namespaced",
    "parse_document",
    "run_components",
]

REGION = "eu-west-1"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"


def base_config(suffix: str = "test", **overrides: str) -> dict[str, str]:
    """Stack config (keys without namespace) for a small valid stack."""
    config = {"environmentSuffix": suffix, "alarmEmails": "oncall@example.com"}
    config.update(overrides)
    return config


def make_settings(suffix: str = "test", **overrides: str) -> Settings:
    """Validated settings for a stack with the given suffix and config overrides."""
    return settings_from_config(base_config(suffix, **overrides), REGION)


def namespaced(config: dict[str, str], region: str = REGION) -> dict[str, str]:
    """The config map Pulumi would hand the program: namespaced keys plus aws:region."""
    return {**{f"cw-analytics:{k}": v for k, v in config.items()}, "aws:region": region}


def run_components(
    build: Callable[[Settings], Any], suffix: str = "test", **overrides: str
) -> MockRun:
    """Build components for a stack under mocks and return every registered resource."""
    settings = make_settings(suffix, **overrides)
    return run_in_mocks(
        lambda: build(settings),
        config=namespaced(base_config(suffix, **overrides)),
        stack=suffix,
        region=REGION,
    )


def is_secret(value: Any) -> bool:
    """Whether a recorded input value was marked secret on the wire."""
    return isinstance(value, dict) and value.get(_SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270"


def parse_document(value: Any) -> dict[str, Any]:
    """A policy or dashboard document as recorded: JSON text or an object."""
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of an IAM-style policy document, always as a list."""
    body = parse_document(document)
    found = body.get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def as_list(value: Any) -> list[Any]:
    """A string-or-list IAM field as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def names_of(resources: Iterable[RecordedResource]) -> list[str]:
    """Logical names, for assertion messages."""
    return [r.name for r in resources]


def names(settings: Settings) -> dict[str, str]:
    """The name parts every component's Args starts with."""
    return {
        "project_name": settings.project_name,
        "environment_suffix": settings.environment_suffix,
    }


def hub_args(settings: Settings) -> AlertingHubArgs:
    """The hub's Args for a stack, mapped as ``__main__.py`` maps them."""
    return AlertingHubArgs(
        **names(settings),
        region=settings.region,
        alarm_emails=settings.alarm_emails,
        key_deletion_window_days=settings.key_deletion_window_days,
        retain_key_on_delete=settings.key_outlives_stack,
    )


def wired(settings: Settings, hub: AlertingHub) -> dict[str, Any]:
    """Names, region, the hub's key and topic: what every monitored component takes."""
    return {
        **names(settings),
        "region": settings.region,
        "kms_key_arn": hub.key_arn,
        "alert_topic_arn": hub.topic_arn,
    }


def vpc_args(settings: Settings, hub: AlertingHub) -> MonitoredVpcArgs:
    """The network's Args for a stack, mapped as ``__main__.py`` maps them."""
    return MonitoredVpcArgs(
        **wired(settings, hub),
        vpc_cidr=settings.vpc_cidr,
        log_retention_days=settings.log_retention_days,
    )


def database_args(
    settings: Settings, hub: AlertingHub, subnet_group_name: Any, security_group_ids: list[Any]
) -> MonitoredDatabaseArgs:
    """The database's Args for a stack, mapped as ``__main__.py`` maps them."""
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
    """The aggregator's Args for a stack, mapped as ``__main__.py`` maps them."""
    return MetricAggregatorArgs(
        **wired(settings, hub),
        watched=watched,
        schedule=settings.aggregator_schedule,
        metrics_retention_days=settings.metrics_retention_days,
        log_retention_days=settings.log_retention_days,
        table_deletion_protection=settings.metrics_table_deletion_protection,
        reserved_concurrency=settings.aggregator_reserved_concurrency,
    )


def api_args(settings: Settings, hub: AlertingHub, **wiring: Any) -> ApiWithHandlerArgs:
    """The API's Args for a stack, mapped as ``__main__.py`` maps them; ``wiring`` gives the
    network, database and table inputs."""
    return ApiWithHandlerArgs(
        **wired(settings, hub),
        **wiring,
        throttle_rate_limit=settings.api_throttle_rate_limit,
        throttle_burst_limit=settings.api_throttle_burst_limit,
        reserved_concurrency=settings.api_reserved_concurrency,
        log_retention_days=settings.log_retention_days,
    )


def service_dashboard(
    settings: Settings, hub: AlertingHub, **components: MonitoredComponent
) -> ServiceDashboard:
    """The dashboard over ``components`` (title: component), built last as in the program."""
    return ServiceDashboard(
        "service",
        ServiceDashboardArgs(
            **names(settings),
            region=settings.region,
            alert_topic_arn=hub.topic_arn,
            sections=[MonitoringSection.of(t, c) for t, c in components.items()],
        ),
    )
