"""Across both functions: requests through the local API, one aggregator run, the series read back.

The series ids come from the aggregator's own catalogue and the handler's request metric from the
shared contract (both through ``tools.local.contract``), the expected values from the requests
this module makes: nothing else talks to this module's system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.tools.local.client import Reply, call
from tests.tools.local.periods import let_the_period_end
from tools.local import contract
from tools.local.functions import Invocation
from tools.local.system import LocalSystem

pytestmark = pytest.mark.slow

EVENT_NAME = "e2e.signup"
EVENT_VALUES = (1.0, 2.0, 3.0)
UNKNOWN_SERIES = "custom.nobody.Nothing.Sum"


@dataclass(frozen=True)
class Scenario:
    """What was sent and what came back before and after the aggregator ran."""

    system: LocalSystem
    posted: list[Reply]
    without_key: Reply
    wrong_key: Reply
    invalid: Reply
    unknown_path: Reply
    unknown_series: Reply
    summary: Reply
    run: Invocation
    aggregator_up_before_its_run: bool
    aggregator_up_after_its_run: bool
    handler_invocations: int
    gateway_requests: int
    client_errors: int
    handler_counts: dict[tuple[str, int], int]
    """(contract path, status) -> requests the handler answered so, as the requests imply."""

    def series(self, namespace: str, metric: str, stat: str, dimensions: dict[str, str]) -> str:
        """The aggregator's series id for a metric of this system's stack."""
        stack = self.system.stack
        assert stack is not None
        env = {**stack.aggregator.environment, **self.system.options.aggregator_environment}
        return contract.series_id(
            env["METRIC_SOURCES"],
            int(env["PERIOD_SECONDS"]),
            namespace=namespace,
            metric=metric,
            stat=stat,
            dimensions=dimensions,
        )

    def route_series(self, route: str, status: int | str) -> str:
        """The aggregator's series id of the handler's request count for a route and a status
        (code or label)."""
        return self.series(
            self.namespace,
            contract.ROUTE_METRIC,
            "Sum",
            contract.route_request_dimensions(route, status),
        )

    @property
    def namespace(self) -> str:
        """The namespace of the functions' own metrics, as the aggregator reads it."""
        stack = self.system.stack
        assert stack is not None
        return contract.custom_namespace(stack.aggregator.environment["METRIC_SOURCES"])

    def datapoints(self, series: str) -> list[dict[str, Any]]:
        """Every datapoint of ``series`` through GET /metrics/{series}."""
        reply = call(self.system.base_url, "GET", f"/metrics/{series}?limit=1000")
        assert reply.status == 200, f"GET /metrics/{series}: {reply.status} {reply.body}"
        return list(reply.body["datapoints"])


@pytest.fixture(scope="module")
def scenario(local_system: LocalSystem) -> Scenario:
    """Writes with and without the key, an invalid write, reads; then one aggregator run."""
    base, key = local_system.base_url, local_system.api_key
    posted = [
        call(
            base,
            "POST",
            "/events",
            json_body={"name": EVENT_NAME, "value": v},
            headers={"x-api-key": key},
        )
        for v in EVENT_VALUES
    ]
    without_key = call(base, "POST", "/events", json_body={"name": EVENT_NAME, "value": 100})
    wrong_key = call(
        base,
        "POST",
        "/events",
        json_body={"name": EVENT_NAME, "value": 100},
        headers={"x-api-key": key[::-1]},
    )
    invalid = call(
        base,
        "POST",
        "/events",
        json_body={"name": EVENT_NAME, "value": "many"},
        headers={"x-api-key": key},
    )
    unknown_path = call(base, "GET", "/nowhere")
    unknown_series = call(base, "GET", f"/metrics/{UNKNOWN_SERIES}")
    summary = call(base, "GET", f"/events/summary?name={EVENT_NAME}&bucket=day")
    # The aggregator reads complete periods only (1 s here): let the last one end.
    let_the_period_end(int(local_system.options.aggregator_environment["PERIOD_SECONDS"]))
    assert local_system.aggregator is not None
    up_before = local_system.aggregator.running
    run = local_system.run_aggregator()
    return Scenario(
        system=local_system,
        posted=posted,
        without_key=without_key,
        wrong_key=wrong_key,
        invalid=invalid,
        unknown_path=unknown_path,
        unknown_series=unknown_series,
        summary=summary,
        run=run,
        aggregator_up_before_its_run=up_before,
        aggregator_up_after_its_run=local_system.aggregator.running,
        # Reached the handler: three writes, the invalid write, the unknown series, the summary.
        handler_invocations=len(EVENT_VALUES) + 3,
        gateway_requests=len(EVENT_VALUES) + 6,
        # Two missing/wrong keys and the unknown path (API Gateway); the invalid write and the
        # unknown series (handler).
        client_errors=5,
        # The key-less, wrong-key and unknown-path requests never reach the handler.
        handler_counts={
            ("/events", 201): len(EVENT_VALUES),
            ("/events", 422): 1,
            ("/metrics/{series}", 404): 1,
            ("/events/summary", 200): 1,
        },
    )


def _total(points: list[dict[str, Any]]) -> float:
    return sum(float(p["value"]) for p in points)


def test_e2e_writes_with_key_are_stored(scenario: Scenario) -> None:
    assert [r.status for r in scenario.posted] == [201, 201, 201], scenario.posted


def test_e2e_write_without_key_is_forbidden_by_the_gateway(scenario: Scenario) -> None:
    assert (scenario.without_key.status, scenario.without_key.body) == (
        403,
        {"message": "Forbidden"},
    )


def test_e2e_write_with_wrong_key_is_forbidden_by_the_gateway(scenario: Scenario) -> None:
    assert (scenario.wrong_key.status, scenario.wrong_key.body) == (403, {"message": "Forbidden"})


def test_e2e_invalid_write_is_rejected_by_the_handler(scenario: Scenario) -> None:
    assert scenario.invalid.status == 422, scenario.invalid
    assert scenario.invalid.body["error"]["code"] == "validation_failed", scenario.invalid.body


def test_e2e_unknown_path_gets_the_gateway_answer(scenario: Scenario) -> None:
    assert (scenario.unknown_path.status, scenario.unknown_path.body) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_e2e_summary_reads_back_only_the_accepted_events(scenario: Scenario) -> None:
    assert scenario.summary.status == 200, scenario.summary
    buckets = scenario.summary.body["buckets"]
    assert sum(b["count"] for b in buckets) == len(EVENT_VALUES), buckets
    assert sum(b["sum"] for b in buckets) == pytest.approx(sum(EVENT_VALUES)), buckets


def test_e2e_aggregator_run_succeeds_without_query_errors(scenario: Scenario) -> None:
    assert scenario.run.error is None, scenario.run.error
    assert scenario.run.result["query_errors"] == 0, scenario.run.result
    assert scenario.run.result["items"] > 0, scenario.run.result


def test_e2e_unscheduled_aggregator_starts_cold_at_its_first_run(scenario: Scenario) -> None:
    """Not scheduled (the tests run it by hand), the aggregator has no process until its first
    run, as a Lambda function has no container until its first invocation; then it stays warm."""
    assert scenario.aggregator_up_before_its_run is False
    assert scenario.aggregator_up_after_its_run is True
    assert scenario.run.error is None, scenario.run.error


def test_e2e_alert_topic_the_aggregator_reads_exists_with_no_subscriber(
    scenario: Scenario,
) -> None:
    system = scenario.system
    assert system.stack is not None and system.emulator is not None
    arn = system.stack.aggregator.environment["ALERT_TOPIC_ARN"]
    sns = system.emulator.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["SubscriptionsConfirmed"] == "0", attributes


def test_e2e_catalogue_lists_the_handler_route_series(scenario: Scenario) -> None:
    expected = {scenario.route_series(route, status) for route, status in scenario.handler_counts}
    reply = call(scenario.system.base_url, "GET", "/metrics?limit=1000")
    assert reply.status == 200, reply
    listed = {entry["series"] for entry in reply.body["series"]}
    assert expected <= listed, f"{sorted(expected - listed)} not in GET /metrics: {sorted(listed)}"


def test_e2e_route_series_count_the_requests_of_their_route_and_status(
    scenario: Scenario,
) -> None:
    totals = {
        (route, status): _total(scenario.datapoints(scenario.route_series(route, status)))
        for route, status in scenario.handler_counts
    }
    assert totals == scenario.handler_counts


def test_e2e_write_series_is_the_events_2xx_series(scenario: Scenario) -> None:
    series = scenario.route_series("/events", 201)
    assert "events" in series and series.endswith("-2xx.Sum"), series
    assert _total(scenario.datapoints(series)) == len(EVENT_VALUES), series


def test_e2e_unknown_series_counts_under_its_route_4xx(scenario: Scenario) -> None:
    series = scenario.route_series("/metrics/{series}", 404)
    assert series == scenario.route_series("/metrics/{series}", 400), "4xx codes share a label"
    assert _total(scenario.datapoints(series)) == 1, series


def test_e2e_route_series_count_only_what_reached_the_handler(scenario: Scenario) -> None:
    """Every RouteRequests series in GET /metrics together: the handler's invocations, so the
    requests API Gateway refused (no key, wrong key, unknown path) are in none of them."""
    every = {
        scenario.route_series(route, label)
        for route in contract.ROUTE_LABELS
        for label in contract.STATUS_LABELS
    }
    reply = call(scenario.system.base_url, "GET", "/metrics?limit=1000")
    listed = {entry["series"] for entry in reply.body["series"]} & every
    assert sum(_total(scenario.datapoints(s)) for s in listed) == scenario.handler_invocations
    assert len(listed) == len(scenario.handler_counts), sorted(listed)


def test_e2e_gateway_count_series_counts_every_request(scenario: Scenario) -> None:
    stack = scenario.system.stack
    assert stack is not None
    dims = {"ApiName": stack.api_name, "Stage": stack.stage}
    series = scenario.series("AWS/ApiGateway", "Count", "Sum", dims)
    assert _total(scenario.datapoints(series)) == scenario.gateway_requests, series


def test_e2e_gateway_4xx_series_counts_client_errors(scenario: Scenario) -> None:
    stack = scenario.system.stack
    assert stack is not None
    dims = {"ApiName": stack.api_name, "Stage": stack.stage}
    series = scenario.series("AWS/ApiGateway", "4XXError", "Sum", dims)
    assert _total(scenario.datapoints(series)) == scenario.client_errors, series


def test_e2e_lambda_invocations_series_counts_handler_invocations(scenario: Scenario) -> None:
    stack = scenario.system.stack
    assert stack is not None
    dims = {"FunctionName": stack.api_handler.name}
    series = scenario.series("AWS/Lambda", "Invocations", "Sum", dims)
    assert _total(scenario.datapoints(series)) == scenario.handler_invocations, series


def test_e2e_lambda_duration_p99_is_at_least_the_average(scenario: Scenario) -> None:
    stack = scenario.system.stack
    assert stack is not None
    dims = {"FunctionName": stack.api_handler.name}
    p99 = scenario.datapoints(scenario.series("AWS/Lambda", "Duration", "p99", dims))
    average = scenario.datapoints(scenario.series("AWS/Lambda", "Duration", "Average", dims))
    assert p99 and average, "no Duration datapoints for the API handler"
    assert max(p["value"] for p in p99) >= max(p["value"] for p in average)


def test_e2e_unknown_series_is_not_found(scenario: Scenario) -> None:
    reply = scenario.unknown_series
    assert reply.status == 404, reply
    assert reply.body["error"]["code"] == "not_found", reply.body
