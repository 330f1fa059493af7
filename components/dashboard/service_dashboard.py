"""ServiceDashboard: the composite service-health alarm and the dashboard, from the sections the
other components expose (their alarms and widgets). The last step of a program's composition."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from ..lib.args import Defaulted, from_inputs
from ..lib.naming import NameRule, instance_naming
from ..lib.widgets import alarm_status_widget, layout

# CloudWatch limits a composite alarm's rule to 10240 characters.
ALARM_RULE_LIMIT = 10240
OVERVIEW_TITLE = "Service health"
NAMES = {
    "dashboard": NameRule(255, "CloudWatch dashboard"),
    "service-health": NameRule(255, "CloudWatch composite alarm"),
}
"""Suffixes of the dashboard's physical names and their AWS limits."""


class MonitoredComponent(Protocol):
    """What every component of this library exposes for the dashboard."""

    alarm_arns: pulumi.Output[list[str]]
    paging_alarm_names: pulumi.Output[list[str]]
    dashboard_widgets: pulumi.Output[list[dict[str, Any]]]


@dataclass(frozen=True)
class MonitoringSection:
    """One component's part of the dashboard and of the service-health alarm."""

    title: str
    """Heading of the component's row of widgets (``Database``)."""
    widgets: Defaulted[pulumi.Input[Sequence[Mapping[str, Any]]]] = field(default_factory=list)
    """CloudWatch dashboard widgets (the component's ``dashboard_widgets`` output)."""
    alarm_arns: Defaulted[pulumi.Input[Sequence[str]]] = field(default_factory=list)
    """Alarms shown in the overview (the component's ``alarm_arns`` output)."""
    paging_alarm_names: Defaulted[pulumi.Input[Sequence[str]]] = field(default_factory=list)
    """Alarms that make the service unhealthy (the component's ``paging_alarm_names``)."""

    @classmethod
    def of(cls, title: str, component: MonitoredComponent) -> "MonitoringSection":
        """The section of one of this library's components, under ``title``."""
        return cls(
            title=title,
            widgets=component.dashboard_widgets,
            alarm_arns=component.alarm_arns,
            paging_alarm_names=component.paging_alarm_names,
        )


@dataclass(frozen=True)
class ServiceDashboardArgs:
    """Inputs of the service dashboard: plain values and the sections to compose."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region the widgets read metrics and alarms from."""
    alert_topic_arn: pulumi.Input[str]
    """SNS topic the service-health alarm notifies (alarm and recovery)."""
    sections: Sequence[MonitoringSection]
    """The components' sections, in the order the dashboard shows them."""
    instance_name: Defaulted[str | None] = None
    """This dashboard's part of its physical names, after ``name_prefix``; by default its
    resource name. ``""`` leaves it out (one dashboard per prefix)."""
    hub_name_prefixes: Defaulted[Sequence[str] | None] = None
    """The alerting hub's ``served_name_prefixes``: checked to cover the service-health alarm."""


def service_health_rule(names: Sequence[str]) -> str:
    """``ALARM("a") OR ALARM("b")``: unhealthy while any paging alarm fires."""
    if not names:
        raise ValueError(
            "ServiceDashboard: no section has a paging alarm; a service-health alarm over "
            "nothing would never fire (give at least one section paging_alarm_names)"
        )
    for name in names:
        if '"' in name:
            raise ValueError(f"ServiceDashboard: alarm name {name!r} contains a double quote")
    rule = " OR ".join(f'ALARM("{name}")' for name in names)
    if len(rule) > ALARM_RULE_LIMIT:
        raise ValueError(
            f"ServiceDashboard: the service-health rule over {len(names)} alarms is "
            f"{len(rule)} characters (CloudWatch allows {ALARM_RULE_LIMIT})"
        )
    return rule


class ServiceDashboard(pulumi.ComponentResource):
    """The service-health composite alarm (the one alarm meant to page) and the dashboard.

    Build it last, from the sections of the components it summarises; it adds nothing to them.
    """

    TYPE_TOKEN = "cw-analytics:monitoring:ServiceDashboard"

    dashboard_name: pulumi.Output[str]
    """Name of the CloudWatch dashboard (``<base>-dashboard``)."""
    service_health_alarm_arn: pulumi.Output[str]
    """ARN of the composite alarm: in ALARM while any section's paging alarm is."""

    def __init__(
        self,
        name: str,
        args: ServiceDashboardArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        moved_from: pulumi.Resource | None = None,
    ) -> None:
        """``moved_from``: the component that built the dashboard and the service-health alarm
        before this one existed (``AlertingHub`` up to version 0.1); their old names under it
        become aliases, so ``pulumi up`` moves them instead of replacing them."""
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(ServiceDashboardArgs, args)
        naming = instance_naming(
            "ServiceDashboard",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
            hub_name_prefixes=args.hub_name_prefixes,
        )
        sections = list(args.sections)
        paging = pulumi.Output.all(
            *[pulumi.Output.from_input(s.paging_alarm_names) for s in sections]
        ).apply(lambda lists: [name for names in lists for name in names])

        self.service_health_alarm = aws.cloudwatch.CompositeAlarm(
            f"{name}-health",
            alarm_name=naming.name("service-health"),
            alarm_description=(
                "Service health: one of the paging alarms is firing. This is the only alarm "
                "meant to page; the others are context for it."
            ),
            alarm_rule=paging.apply(service_health_rule),
            alarm_actions=[args.alert_topic_arn],
            ok_actions=[args.alert_topic_arn],
            tags={"Severity": "page"},
            opts=pulumi.ResourceOptions(parent=self, aliases=_moved(moved_from, "service-health")),
        )
        self.service_health_alarm_arn = self.service_health_alarm.arn
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=naming.name("dashboard"),
            dashboard_body=self._body(sections, args.region),
            opts=pulumi.ResourceOptions(parent=self, aliases=_moved(moved_from, "dashboard")),
        )
        self.dashboard_name = self.dashboard.dashboard_name
        self.register_outputs(
            {
                "dashboardName": self.dashboard_name,
                "serviceHealthAlarmArn": self.service_health_alarm_arn,
            }
        )

    def _body(self, sections: list[MonitoringSection], region: str) -> pulumi.Output[str]:
        """The overview (every alarm's state, service health first), then each section."""
        overview_arns = pulumi.Output.all(
            self.service_health_alarm.arn,
            *[pulumi.Output.from_input(s.alarm_arns) for s in sections],
        ).apply(lambda parts: [parts[0], *[arn for arns in parts[1:] for arn in arns]])
        widgets = pulumi.Output.all(*[pulumi.Output.from_input(s.widgets) for s in sections])

        def render(values: list[Any]) -> str:
            arns, per_section = values
            titled = [(OVERVIEW_TITLE, [alarm_status_widget("Alarms", arns, region=region)])]
            titled += [
                (section.title, [dict(widget) for widget in section_widgets])
                for section, section_widgets in zip(sections, per_section, strict=True)
            ]
            return json.dumps(layout(titled), sort_keys=True)

        return pulumi.Output.all(overview_arns, widgets).apply(render)


def _moved(former: pulumi.Resource | None, child: str) -> list[pulumi.Alias] | None:
    if former is None:
        return None
    return [pulumi.Alias(name=f"{former.pulumi_resource_name}-{child}", parent=former)]
