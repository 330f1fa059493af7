"""Alarms that always reach the hub's topic, for alarm and for recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from components.dashboard import DashboardSection

if TYPE_CHECKING:
    from components.alerting import AlertingHub


@dataclass
class AlarmGroup:
    """A component's alarms and the widgets drawing what they watch."""

    alarms: list[aws.cloudwatch.MetricAlarm]
    widgets: list[dict[str, Any]] = field(default_factory=list)

    def section(self, title: str, extra: list[dict[str, Any]]) -> DashboardSection:
        """The component's dashboard section: these widgets, then ``extra``."""
        return DashboardSection(title, [*self.widgets, *extra])


def metric_alarm(
    resource_name: str,
    *,
    hub: AlertingHub,
    parent: pulumi.Resource,
    slug: str,
    description: str,
    critical: bool = False,
    **alarm: Any,
) -> aws.cloudwatch.MetricAlarm:
    """A CloudWatch alarm named ``{project}-{suffix}-{slug}`` wired to the hub topic.

    ``alarm`` takes the remaining ``aws.cloudwatch.MetricAlarm`` arguments (metric or
    ``metric_queries``, threshold, comparison, periods, ``treat_missing_data``). Alarm and OK
    actions are always the hub topic; callers cannot pass their own. ``critical`` alarms also
    feed the hub's composite service-health alarm, the one meant to page.
    """
    for reserved in ("alarm_actions", "ok_actions", "name", "opts"):
        if reserved in alarm:
            raise TypeError(f"metric_alarm sets {reserved} itself")
    created = aws.cloudwatch.MetricAlarm(
        resource_name,
        name=hub.naming.alarm(slug),
        alarm_description=description,
        alarm_actions=[hub.topic_arn],
        ok_actions=[hub.topic_arn],
        opts=pulumi.ResourceOptions(
            parent=parent,
            # The topic policy lets CloudWatch publish; it is not an input of the alarm.
            depends_on=[hub.topic_policy],
        ),
        **alarm,
    )
    hub.track_alarm(created)
    if critical:
        hub.add_critical_alarm(created)
    return created
