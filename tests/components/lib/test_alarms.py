"""Alarm specs rendered into CloudWatch alarms: names, actions, statistics, descriptions, checks."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import pulumi
import pytest

from components.lib.alarms import (
    AlarmSpec,
    AlarmSpecError,
    Comparison,
    Expression,
    Metric,
    MissingData,
    Severity,
    Unit,
    describe,
    format_duration,
    format_quantity,
    render_alarms,
)
from tools.pulumi_mocks import MockRun, run_in_mocks

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:cw-analytics-test-alerts"
PREFIX = "cw-analytics-test"

CPU = AlarmSpec(
    key="db-cpu",
    slug="db-cpu",
    subject="PostgreSQL cw-analytics-test-db",
    signal=Metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "cw-analytics-test-db"}),
    statistic="Average",
    period_seconds=300,
    evaluation_periods=3,
    comparison=Comparison.GREATER,
    threshold=80,
    unit=Unit.PERCENT,
    missing_data=MissingData.MISSING,
    severity=Severity.PAGE,
    meaning="queries queue behind the processor; look at Performance Insights.",
)
LATENCY = AlarmSpec(
    key="latency-p99",
    slug="api-latency-p99",
    subject="API",
    signal=Metric("AWS/ApiGateway", "Latency", {"ApiName": "api", "Stage": "v1"}),
    statistic="p99",
    period_seconds=300,
    evaluation_periods=3,
    datapoints_to_alarm=2,
    comparison=Comparison.GREATER,
    threshold=3000,
    unit=Unit.MILLISECONDS,
    missing_data=MissingData.NOT_BREACHING,
    severity=Severity.TICKET,
    meaning="slow answers; the handler's duration graph shows whether it is the function.",
)
RATE = AlarmSpec(
    key="5xx-rate",
    slug="api-5xx-rate",
    subject="API",
    signal=Expression(
        id="rate",
        expression="IF(FILL(requests, 0) > 0, FILL(errors, 0) / requests, 0)",
        label="5XXError rate",
        metrics={
            "errors": Metric("AWS/ApiGateway", "5XXError", {"ApiName": "api", "Stage": "v1"}),
            "requests": Metric("AWS/ApiGateway", "Count", {"ApiName": "api", "Stage": "v1"}),
        },
    ),
    statistic="Sum",
    period_seconds=60,
    evaluation_periods=5,
    datapoints_to_alarm=3,
    comparison=Comparison.GREATER,
    threshold=0.05,
    unit=Unit.RATIO,
    missing_data=MissingData.NOT_BREACHING,
    severity=Severity.PAGE,
    meaning="handler failures or a dependency down.",
)


def render(specs: Sequence[AlarmSpec], name_prefix: str = PREFIX) -> MockRun:
    def body() -> None:
        owner = pulumi.ComponentResource("test:index:Owner", "owner")
        render_alarms("owner", specs, name_prefix=name_prefix, topic_arn=TOPIC_ARN, parent=owner)

    return run_in_mocks(body, config={}, stack="test")


@pytest.fixture(scope="module")
def run() -> MockRun:
    return render([CPU, LATENCY, RATE])


def test_render_alarms_one_alarm_per_spec_named_by_key_and_slug(run: MockRun) -> None:
    alarms = {a.name: a.inputs["name"] for a in run.of_type(ALARM)}
    assert alarms == {
        "owner-db-cpu": "cw-analytics-test-db-cpu",
        "owner-latency-p99": "cw-analytics-test-api-latency-p99",
        "owner-5xx-rate": "cw-analytics-test-api-5xx-rate",
    }


def test_render_alarms_alarm_and_recovery_reach_the_topic(run: MockRun) -> None:
    for alarm in run.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [TOPIC_ARN], f"{alarm.name} alarm actions"
        assert alarm.inputs["okActions"] == [TOPIC_ARN], f"{alarm.name} OK actions"


def test_render_alarms_children_of_the_given_parent(run: MockRun) -> None:
    owner = run.one("test:index:Owner")
    for alarm in run.of_type(ALARM):
        assert alarm.parent == owner.urn, f"{alarm.name} is not a child of its component"


def test_render_alarms_severity_tag_follows_spec(run: MockRun) -> None:
    tags = {a.name: a.inputs["tags"]["Severity"] for a in run.of_type(ALARM)}
    assert tags == {"owner-db-cpu": "page", "owner-latency-p99": "ticket", "owner-5xx-rate": "page"}


def test_render_alarms_plain_statistic_for_average(run: MockRun) -> None:
    cpu = run.one(ALARM, "owner-db-cpu").inputs
    assert cpu["statistic"] == "Average"
    assert "extendedStatistic" not in cpu
    assert (cpu["period"], cpu["evaluationPeriods"], cpu["datapointsToAlarm"]) == (300, 3, 3)
    assert cpu["comparisonOperator"] == "GreaterThanThreshold"
    assert cpu["treatMissingData"] == "missing"
    assert cpu["dimensions"] == {"DBInstanceIdentifier": "cw-analytics-test-db"}


def test_render_alarms_percentile_goes_to_extended_statistic(run: MockRun) -> None:
    latency = run.one(ALARM, "owner-latency-p99").inputs
    # CloudWatch rejects a percentile in Statistic; it must be ExtendedStatistic.
    assert latency["extendedStatistic"] == "p99"
    assert "statistic" not in latency


def test_render_alarms_expression_returns_only_its_result(run: MockRun) -> None:
    queries = run.one(ALARM, "owner-5xx-rate").inputs["metricQueries"]
    returned = [q["id"] for q in queries if q.get("returnData")]
    assert returned == ["rate"], f"queries returning data: {returned}"
    metrics = {q["id"]: q["metric"] for q in queries if q.get("metric")}
    assert set(metrics) == {"errors", "requests"}
    for query_id, metric in metrics.items():
        assert (metric["stat"], metric["period"]) == ("Sum", 60), f"query {query_id}"


def test_render_alarms_expression_sets_no_top_level_metric(run: MockRun) -> None:
    rate = run.one(ALARM, "owner-5xx-rate").inputs
    # CloudWatch refuses MetricName/Namespace/Statistic next to Metrics.
    for key in ("metricName", "namespace", "statistic", "period"):
        assert key not in rate, f"5xx-rate alarm sets {key} next to its metric queries"


def test_render_alarms_description_is_generated_from_the_spec(run: MockRun) -> None:
    for alarm in run.of_type(ALARM):
        spec = {"owner-db-cpu": CPU, "owner-latency-p99": LATENCY, "owner-5xx-rate": RATE}[
            alarm.name
        ]
        assert alarm.inputs["alarmDescription"] == describe(spec), alarm.name


def test_describe_states_threshold_periods_and_datapoints() -> None:
    text = describe(RATE)
    assert "5XXError rate > 5 %" in text
    assert "in 3 of 5 periods of 1 minute" in text
    assert "missing data counts as fine" in text
    assert text.endswith("Pages: handler failures or a dependency down.")


def test_describe_follows_a_changed_threshold() -> None:
    lowered = dataclasses.replace(CPU, threshold=65, evaluation_periods=4)
    text = describe(lowered)
    assert "> 65 %" in text and "in 4 of 4 periods" in text, text
    assert "80" not in text, f"old threshold left in the description: {text}"


def test_describe_ticket_alarm_does_not_claim_to_page() -> None:
    assert "Pages" not in describe(LATENCY)
    assert "Ticket:" in describe(LATENCY)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.05, Unit.RATIO, "5 %"),
        (0.25, Unit.RATIO, "25 %"),
        (80, Unit.PERCENT, "80 %"),
        (0.02, Unit.SECONDS, "20 ms"),
        (12, Unit.SECONDS, "12 s"),
        (3000, Unit.MILLISECONDS, "3000 ms"),
        (2 * 1024**3, Unit.BYTES, "2 GiB"),
        (214748364.8, Unit.BYTES, "205 MiB"),
        (512, Unit.BYTES, "512 bytes"),
        (136, Unit.COUNT, "136"),
    ],
)
def test_format_quantity_reads_in_the_unit(value: float, unit: Unit, expected: str) -> None:
    assert format_quantity(value, unit) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (60, "1 minute"),
        (300, "5 minutes"),
        (3600, "1 hour"),
        (30, "30 seconds"),
        (90, "90 seconds"),
    ],
)
def test_format_duration_names_the_largest_whole_unit(seconds: int, expected: str) -> None:
    assert format_duration(seconds) == expected


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"statistic": "Mean"}, "statistic 'Mean'"),
        ({"statistic": "p999"}, "statistic 'p999'"),
        ({"period_seconds": 45}, "period_seconds 45"),
        ({"period_seconds": 90}, "period_seconds 90"),
        ({"evaluation_periods": 0}, "evaluation_periods 0"),
        ({"period_seconds": 3600, "evaluation_periods": 25}, "exceed the one day"),
        ({"datapoints_to_alarm": 4}, "datapoints_to_alarm 4"),
        ({"datapoints_to_alarm": 0}, "datapoints_to_alarm 0"),
        ({"meaning": "CPU above 80 % for 15 minutes"}, "repeats a number"),
    ],
)
def test_render_alarms_rejects_a_spec_cloudwatch_would_refuse(
    change: dict[str, object], rule: str
) -> None:
    bad = dataclasses.replace(CPU, **change)  # type: ignore[arg-type]
    with pytest.raises(AlarmSpecError, match=re.escape(rule)) as raised:
        render([bad])
    assert "alarm 'db-cpu'" in str(raised.value)


def test_render_alarms_rejects_percentile_inside_an_expression() -> None:
    with pytest.raises(AlarmSpecError, match="not a percentile"):
        render([dataclasses.replace(RATE, statistic="p99")])


def test_render_alarms_rejects_expression_metric_it_does_not_use() -> None:
    signal = dataclasses.replace(
        RATE.signal,  # type: ignore[type-var]
        metrics={**RATE.signal.metrics, "spare": Metric("AWS/ApiGateway", "Count")},  # type: ignore[union-attr]
    )
    with pytest.raises(AlarmSpecError, match=r"\['spare'\] are not named"):
        render([dataclasses.replace(RATE, signal=signal)])


def test_render_alarms_rejects_uppercase_query_id() -> None:
    signal = dataclasses.replace(RATE.signal, id="Rate")  # type: ignore[type-var]
    with pytest.raises(AlarmSpecError, match="lowercase"):
        render([dataclasses.replace(RATE, signal=signal)])


def test_render_alarms_bad_table_declares_no_alarm() -> None:
    declared: list[str] = []

    def body() -> None:
        owner = pulumi.ComponentResource("test:index:Owner", "owner")
        try:
            render_alarms(
                "owner",
                [CPU, dataclasses.replace(LATENCY, statistic="Median")],
                name_prefix=PREFIX,
                topic_arn=TOPIC_ARN,
                parent=owner,
            )
        except AlarmSpecError as error:
            declared.append(str(error))

    run = run_in_mocks(body, config={}, stack="test")
    assert declared, "the bad spec was accepted"
    assert run.of_type(ALARM) == [], "alarms were declared before the table was checked"


def test_render_alarms_rejects_duplicate_keys() -> None:
    with pytest.raises(AlarmSpecError, match=r"keys \['db-cpu'\] appear twice"):
        render([CPU, dataclasses.replace(CPU, slug="db-cpu-2")])


def test_render_alarms_rejects_name_over_cloudwatch_limit() -> None:
    with pytest.raises(AlarmSpecError, match="255"):
        render([CPU], name_prefix="x" * 250)
