"""The handler serves exactly the routes of the contract API Gateway is built from.

A route only in the handler answers 403 in AWS (API Gateway has no resource for it); a route
only in the contract reaches the function and answers 404. Either way the check must fail.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from analytics_contract.routes import (
    API_SERVICE,
    ROUTE_LABELS,
    ROUTE_METRIC_DIMENSIONS,
    ROUTES,
    STATUS_LABELS,
    UNMATCHED,
    Route,
    allowed_methods,
    route_label_slug,
    route_metric_dimensions,
    status_label,
)
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from tests.functions.api_handler.conftest import FakeContext, decode_response, make_event

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that do not change state (RFC 9110 safe methods)."""


def registered_routes(app: APIGatewayRestResolver) -> set[tuple[str, str]]:
    """(method, rule) of every route the resolver will dispatch to, as registered.

    Powertools keeps them in two lists (static and dynamic rules) without a public accessor.
    """
    return {
        (route.method.upper(), route.path)
        for route in (*app._static_routes, *app._dynamic_routes)  # noqa: SLF001
    }


def contract_mismatches(app: APIGatewayRestResolver, table: Iterable[Route]) -> list[str]:
    """Every route registered but not in the table, and in the table but not registered."""
    expected = {(route.method, route.resolver_rule) for route in table}
    actual = registered_routes(app)
    return [f"handler only: {m} {p}" for m, p in sorted(actual - expected)] + [
        f"contract only: {m} {p}" for m, p in sorted(expected - actual)
    ]


@pytest.fixture(scope="module")
def app(handler_module: object) -> APIGatewayRestResolver:
    """The function's resolver, with every router included as the Lambda imports it."""
    from api.app import app as function_app

    return function_app


def _app_with(extra: Route | None = None, without: Route | None = None) -> APIGatewayRestResolver:
    """A resolver registering the contract's routes, plus ``extra``, minus ``without``."""
    resolver = APIGatewayRestResolver()
    router = APIGatewayRouter()
    for route in (*ROUTES, *([extra] if extra else [])):
        if route != without:
            router.route(route.resolver_rule, route.method)(lambda **_: {})
    resolver.include_router(router)
    return resolver


def test_route_contract_matches_registered_routes(app: APIGatewayRestResolver) -> None:
    """Every registered route is in the contract and every contract route is registered."""
    assert contract_mismatches(app, ROUTES) == []


def test_route_contract_check_fails_on_handler_only_route() -> None:
    """A route added to the handler alone is reported."""
    app = _app_with(extra=Route("GET", "/status"))
    assert contract_mismatches(app, ROUTES) == ["handler only: GET /status"]


def test_route_contract_check_fails_on_contract_only_route() -> None:
    """A contract route the handler does not register is reported."""
    missing = ROUTES[2]
    app = _app_with(without=missing)
    assert contract_mismatches(app, ROUTES) == [f"contract only: GET {missing.resolver_rule}"]


def test_route_contract_check_fails_on_method_mismatch() -> None:
    """The same path under another method is two mismatches, not a match."""
    post = next(r for r in ROUTES if r.method == "POST")
    app = _app_with(extra=Route("PUT", post.path), without=post)
    assert contract_mismatches(app, ROUTES) == [
        f"handler only: PUT {post.resolver_rule}",
        f"contract only: POST {post.resolver_rule}",
    ]


def test_route_contract_paths_unique() -> None:
    """No (method, path) appears twice: API Gateway would reject the second method."""
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))


def test_route_contract_every_write_route_needs_a_key() -> None:
    """Writes need an API key (the usage plan throttles each caller); reads are open (throttled
    by the stage). A new write route without a key fails here."""
    writes = {(r.method, r.path) for r in ROUTES if r.method not in _READ_METHODS}
    keyed = {(r.method, r.path) for r in ROUTES if r.api_key_required}
    assert writes, "the contract has no write route"
    assert keyed == writes, f"keyed {sorted(keyed)} but writes are {sorted(writes)}"


def test_route_contract_allowed_methods_agree_with_405(api_env_free_handler: object) -> None:
    """For each contract path, another method is 405 with the contract's methods in Allow."""
    handler = api_env_free_handler
    for route in ROUTES:
        path = route.path.replace("{series}", "some.series")
        answer = decode_response(handler(make_event("PATCH", path), FakeContext()))  # type: ignore[operator]
        assert answer.status == 405, f"PATCH {path}: {answer.body}"
        assert answer.headers["Allow"] == ", ".join(allowed_methods(path)), path


@pytest.fixture()
def api_env_free_handler(handler_module: object) -> object:
    """The Lambda handler; 405s are answered before any dependency is touched."""
    return handler_module.handler  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("codes", "label"),
    [
        ((200, 201, 204, 299), "2xx"),
        ((400, 403, 404, 405, 413, 415, 422, 429, 499), "4xx"),
        ((500,), "500"),
        ((503,), "503"),
        ((501, 502, 504, 599), "5xx"),
        ((0, 100, 199, 301, 304, 399, 600, -1), "other"),
    ],
)
def test_status_label_groups_codes(codes: tuple[int, ...], label: str) -> None:
    """Success and client errors are classes; 500 (a bug) and 503 (a dependency) stay apart."""
    assert {code: status_label(code) for code in codes} == dict.fromkeys(codes, label)


def test_status_label_is_always_one_of_the_labels_the_aggregator_lists() -> None:
    """Any code at all gets a label from the closed set: no series the aggregator cannot ask for."""
    unlisted = {code for code in range(-10, 1100) if status_label(code) not in STATUS_LABELS}
    assert unlisted == set()


def test_status_labels_are_unique_series_id_parts() -> None:
    """A label ends a series id's metric part: letters and digits only, each once."""
    assert len(set(STATUS_LABELS)) == len(STATUS_LABELS)
    assert all(label.isalnum() and label.isascii() for label in STATUS_LABELS), STATUS_LABELS


def test_route_labels_are_every_contract_path_once_then_unmatched() -> None:
    """The aggregator asks for each of these: a path missing here is a route never counted."""
    assert set(ROUTE_LABELS) == {route.path for route in ROUTES} | {UNMATCHED}
    assert len(set(ROUTE_LABELS)) == len(ROUTE_LABELS)
    assert ROUTE_LABELS[-1] == UNMATCHED


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("/health", "health"),
        ("/metrics/{series}", "metrics-series"),
        ("/events/summary", "events-summary"),
        ("/a/{b}/c_d", "a-b-c_d"),
        (UNMATCHED, "unmatched"),
    ],
)
def test_route_label_slug_joins_segments_without_braces(label: str, slug: str) -> None:
    """Slugs are what series ids carry: the path's segments joined by hyphens, braces dropped."""
    assert route_label_slug(label) == slug


def test_route_label_slug_of_every_route_label_keeps_its_segments() -> None:
    """Every label of the contract has a slug, and the slug still names each path segment."""
    for label in ROUTE_LABELS:
        segments = [part.strip("{}") for part in label.strip("/").split("/")]
        assert route_label_slug(label) == "-".join(segments), label


def test_route_label_slugs_are_unique() -> None:
    """Two labels with one slug would write one series for two routes."""
    slugs = [route_label_slug(label) for label in ROUTE_LABELS]
    assert len(set(slugs)) == len(slugs), slugs


@pytest.mark.parametrize("path", ["/", "", "/v1.0/events", "/a b", "/a//b", "/café"])
def test_route_label_slug_rejects_what_a_series_id_cannot_carry(path: str) -> None:
    """Empty, dotted (a dot splits series id parts), spaced or non-ASCII slugs are refused."""
    with pytest.raises(ValueError, match="becomes part of series ids"):
        route_label_slug(path)


def test_route_metric_dimensions_are_the_contracts_names_in_order() -> None:
    """service, route, status: the names CloudWatch matches, the service fixed by the contract."""
    assert route_metric_dimensions("/events", "2xx") == (
        (ROUTE_METRIC_DIMENSIONS[0], API_SERVICE),
        (ROUTE_METRIC_DIMENSIONS[1], "/events"),
        (ROUTE_METRIC_DIMENSIONS[2], "2xx"),
    )
    assert ROUTE_METRIC_DIMENSIONS == ("service", "route", "status")
