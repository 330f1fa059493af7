"""Alarms as data: a component lists ``AlarmSpec`` s in one table; ``render_alarms`` builds them.

A spec holds every number of one CloudWatch alarm (threshold, period, periods, datapoints) and
the rule around it (comparison, missing data, severity). The alarm's description is generated
from those same numbers, so the text an on-call engineer reads cannot drift from what the alarm
evaluates; the spec's ``meaning`` says only why it matters and where to look, and may not carry
numbers of its own. Every rendered alarm sends both ALARM and OK to the one topic it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pulumi
import pulumi_aws as aws

from .naming import ALARM_NAME_LIMIT

# CloudWatch accepts these periods for metrics below one minute, and multiples of 60 above.
_SHORT_PERIODS = (10, 20, 30)
# One day: the longest span CloudWatch evaluates (period x evaluation periods).
MAX_EVALUATION_SECONDS = 86_400
_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")
_QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_DIGIT = re.compile(r"\d")


class Comparison(StrEnum):
    """How the statistic is compared with the threshold (CloudWatch's operator names)."""

    GREATER = "GreaterThanThreshold"
    GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    LESS = "LessThanThreshold"
    LESS_OR_EQUAL = "LessThanOrEqualToThreshold"

    @property
    def symbol(self) -> str:
        """The operator as it reads in a description."""
        return _SYMBOLS[self]


_SYMBOLS = {
    Comparison.GREATER: ">",
    Comparison.GREATER_OR_EQUAL: ">=",
    Comparison.LESS: "<",
    Comparison.LESS_OR_EQUAL: "<=",
}


class MissingData(StrEnum):
    """What a period without datapoints counts as (CloudWatch's ``TreatMissingData``)."""

    MISSING = "missing"
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"


class Severity(StrEnum):
    """Who is told: ``page`` alarms feed the service-health alarm; ``ticket`` alarms do not."""

    PAGE = "page"
    TICKET = "ticket"


class Unit(StrEnum):
    """The unit CloudWatch reports the watched value in; it decides how a threshold reads."""

    COUNT = "count"
    PERCENT = "percent"
    RATIO = "ratio"
    """A share between 0 and 1 (an error rate), read as a percentage."""
    BYTES = "bytes"
    SECONDS = "seconds"
    MILLISECONDS = "milliseconds"


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric: namespace, name and the dimensions naming one resource."""

    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Expression:
    """Metric math over named metrics; each is read with the spec's statistic and period."""

    id: str
    """Id of the expression's query (lowercase first letter, as CloudWatch requires)."""
    expression: str
    label: str
    """What the expression computes, as it reads in the description and on graphs."""
    metrics: Mapping[str, Metric]
    """The metrics the expression names, by query id."""


@dataclass(frozen=True)
class AlarmSpec:
    """Everything one alarm evaluates, and what it means."""

    key: str
    """Suffix of the logical name (``{component}-{key}``): part of the URN, so it stays put."""
    slug: str
    """Suffix of the alarm's physical name (``{project}-{suffix}-{slug}``)."""
    subject: str
    """What is watched, as the description starts (``PostgreSQL cw-analytics-dev-db``)."""
    signal: Metric | Expression
    statistic: str
    """``Sum``, ``Average``, ``Minimum``, ``Maximum``, ``SampleCount`` or a percentile (``p99``)."""
    period_seconds: int
    evaluation_periods: int
    comparison: Comparison
    threshold: float
    unit: Unit
    missing_data: MissingData
    severity: Severity
    meaning: str
    """Why it matters and where to look; no numbers (the description derives those)."""
    datapoints_to_alarm: int | None = None
    """Breaching periods among ``evaluation_periods`` that fire the alarm (all when ``None``)."""
    basis: str = ""
    """How the threshold was derived (``80 % of max_connections of db.t3.small``), if it was."""

    @property
    def datapoints(self) -> int:
        """Breaching periods needed to fire."""
        if self.datapoints_to_alarm is None:
            return self.evaluation_periods
        return self.datapoints_to_alarm

    @property
    def signal_label(self) -> str:
        """The watched value as it reads in the description: ``CPUUtilization (Average)``."""
        if isinstance(self.signal, Expression):
            return self.signal.label
        return f"{self.signal.name} ({self.statistic})"


class AlarmSpecError(ValueError):
    """An alarm spec CloudWatch would reject or that could never fire; names the spec."""


def validate(spec: AlarmSpec) -> None:
    """Raise ``AlarmSpecError`` naming the spec and the rule when CloudWatch would refuse it."""
    problems: list[str] = []
    if not (spec.statistic in _STATISTICS or _PERCENTILE.match(spec.statistic)):
        problems.append(
            f"statistic '{spec.statistic}' must be one of {', '.join(_STATISTICS)} "
            "or a percentile such as p99"
        )
    if isinstance(spec.signal, Expression) and _PERCENTILE.match(spec.statistic):
        problems.append("an expression's metrics are read with a plain statistic, not a percentile")
    period = spec.period_seconds
    if not (period in _SHORT_PERIODS or (period >= 60 and period % 60 == 0)):
        problems.append(f"period_seconds {period} must be 10, 20, 30 or a multiple of 60")
    if spec.evaluation_periods < 1:
        problems.append(f"evaluation_periods {spec.evaluation_periods} must be at least 1")
    elif period * spec.evaluation_periods > MAX_EVALUATION_SECONDS:
        problems.append(
            f"{spec.evaluation_periods} periods of {period} s exceed the one day "
            "CloudWatch evaluates"
        )
    if not 1 <= spec.datapoints <= max(spec.evaluation_periods, 1):
        problems.append(
            f"datapoints_to_alarm {spec.datapoints} must be between 1 and "
            f"evaluation_periods ({spec.evaluation_periods})"
        )
    if _DIGIT.search(spec.meaning):
        problems.append(
            f"meaning '{spec.meaning}' repeats a number: put it in the spec's fields "
            "(threshold, periods, basis) so the description derives it"
        )
    if isinstance(spec.signal, Expression):
        ids = [spec.signal.id, *spec.signal.metrics]
        bad = [i for i in ids if not _QUERY_ID.match(i)]
        if bad:
            problems.append(f"query ids {bad} must start with a lowercase letter")
        if len(set(ids)) != len(ids):
            problems.append(f"query ids {ids} must be unique")
        unused = [
            i for i in spec.signal.metrics if not re.search(rf"\b{i}\b", spec.signal.expression)
        ]
        if unused:
            problems.append(f"metrics {unused} are not named in '{spec.signal.expression}'")
    if problems:
        raise AlarmSpecError(f"alarm '{spec.slug}': " + "; ".join(problems))


def format_quantity(value: float, unit: Unit) -> str:
    """A threshold as a person reads it: ``80 %``, ``2 GiB``, ``20 ms``, ``5 %`` for 0.05."""
    if unit is Unit.BYTES:
        return _format_bytes(value)
    if unit is Unit.SECONDS and value < 1:
        return f"{value * 1000:g} ms"
    scaled = value * 100 if unit is Unit.RATIO else value
    suffix = {
        Unit.PERCENT: " %",
        Unit.RATIO: " %",
        Unit.SECONDS: " s",
        Unit.MILLISECONDS: " ms",
    }.get(unit, "")
    return f"{scaled:g}{suffix}"


def _format_bytes(value: float) -> str:
    for size, name in ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB")):
        if value >= size:
            return f"{value / size:.3g} {name}"
    return f"{value:g} bytes"


def format_duration(seconds: int) -> str:
    """``300`` → ``5 minutes``, ``60`` → ``1 minute``, ``30`` → ``30 seconds``."""
    for size, name in ((86_400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


_MISSING_DATA_TEXT = {
    MissingData.BREACHING: "missing data counts as breaching",
    MissingData.NOT_BREACHING: "missing data counts as fine",
    MissingData.IGNORE: "missing data keeps the current state",
    MissingData.MISSING: "missing data leaves the alarm waiting for data",
}


def describe(spec: AlarmSpec) -> str:
    """The alarm description, built from the spec's numbers only.

    ``<subject>: <metric> (<statistic>) <comparison> <threshold> (<basis>) in <datapoints> of
    <evaluation periods> periods of <period> (<what missing data counts as>). Pages: <meaning>``
    (``Ticket:`` for a ticket alarm; the basis only when the spec gives one).
    """
    basis = f" ({spec.basis})" if spec.basis else ""
    return (
        f"{spec.subject}: {spec.signal_label} {spec.comparison.symbol} "
        f"{format_quantity(spec.threshold, spec.unit)}{basis} in {spec.datapoints} of "
        f"{spec.evaluation_periods} periods of {format_duration(spec.period_seconds)} "
        f"({_MISSING_DATA_TEXT[spec.missing_data]}). "
        f"{'Pages' if spec.severity is Severity.PAGE else 'Ticket'}: {spec.meaning}"
    )


def _signal_arguments(spec: AlarmSpec) -> dict[str, Any]:
    signal = spec.signal
    if isinstance(signal, Metric):
        statistic = (
            {"extended_statistic": spec.statistic}
            if _PERCENTILE.match(spec.statistic)
            else {"statistic": spec.statistic}
        )
        return {
            "namespace": signal.namespace,
            "metric_name": signal.name,
            "dimensions": dict(signal.dimensions) or None,
            "period": spec.period_seconds,
            **statistic,
        }
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=metric.namespace,
                metric_name=metric.name,
                dimensions=dict(metric.dimensions) or None,
                period=spec.period_seconds,
                stat=spec.statistic,
            ),
            return_data=False,
        )
        for query_id, metric in signal.metrics.items()
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=signal.id, expression=signal.expression, label=signal.label, return_data=True
        )
    )
    return {"metric_queries": queries}


def alarm_name(name_prefix: str, spec: AlarmSpec) -> str:
    """``{name_prefix}-{slug}``, checked against CloudWatch's 255-character limit."""
    name = f"{name_prefix}-{spec.slug}"
    if len(name) > ALARM_NAME_LIMIT:
        raise AlarmSpecError(
            f"alarm '{spec.slug}': name '{name}' is {len(name)} characters "
            f"(CloudWatch allows {ALARM_NAME_LIMIT})"
        )
    return name


@dataclass(frozen=True)
class RenderedAlarm:
    """A spec and the alarm built from it."""

    spec: AlarmSpec
    alarm: aws.cloudwatch.MetricAlarm


def render_alarms(
    resource_prefix: str,
    specs: Sequence[AlarmSpec],
    *,
    name_prefix: str,
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> list[RenderedAlarm]:
    """One ``aws.cloudwatch.MetricAlarm`` per spec, in table order.

    The logical name is ``{resource_prefix}-{spec.key}``, the alarm name
    ``{name_prefix}-{spec.slug}``. ALARM and OK both go to ``topic_arn``; pass the topic ARN as
    an output that also carries the topic policy, so no alarm exists before CloudWatch may
    publish. Every spec is validated first: a bad table declares no alarm at all.
    """
    keys = [spec.key for spec in specs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise AlarmSpecError(f"alarm keys {duplicates} appear twice in one table")
    for spec in specs:
        validate(spec)
    names = [alarm_name(name_prefix, spec) for spec in specs]
    return [
        RenderedAlarm(
            spec=spec,
            alarm=aws.cloudwatch.MetricAlarm(
                f"{resource_prefix}-{spec.key}",
                name=name,
                alarm_description=describe(spec),
                comparison_operator=spec.comparison.value,
                threshold=spec.threshold,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints,
                treat_missing_data=spec.missing_data.value,
                alarm_actions=[topic_arn],
                ok_actions=[topic_arn],
                tags={"Severity": spec.severity.value},
                opts=pulumi.ResourceOptions(parent=parent),
                **_signal_arguments(spec),
            ),
        )
        for spec, name in zip(specs, names, strict=True)
    ]


def alarm_arns(rendered: Sequence[RenderedAlarm]) -> pulumi.Output[list[str]]:
    """The ARNs of rendered alarms, in table order (the dashboard's alarm overview)."""
    return pulumi.Output.all(*[r.alarm.arn for r in rendered]).apply(list)


def paging_alarm_names(rendered: Sequence[RenderedAlarm]) -> pulumi.Output[list[str]]:
    """The names of the ``page`` alarms, in table order (the service-health alarm's rule)."""
    paging = [r.alarm.name for r in rendered if r.spec.severity is Severity.PAGE]
    return pulumi.Output.all(*paging).apply(list)
