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
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
)
from components.dashboard.service_dashboard import MonitoredComponent
from stack_args import names
from stack_settings import Settings, settings_from_config
from tools.pulumi_mocks import MockRun, RecordedResource, run_in_mocks

__all__ = [
    "REGION",
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
