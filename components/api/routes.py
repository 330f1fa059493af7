"""The REST API's routes: resources, methods, Lambda proxy integrations, the deployment that
is replaced whenever any of them changes, and the Lambda permissions scoped to each route.

The routes come from the caller (the component's ``routes`` Arg): the contract its handler
serves. This program passes the contract its api_handler is checked against
(``functions/shared/analytics_contract/routes.py``).
"""

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..lib.args import ArgsCheck, Defaulted
from ..lib.contract import routes as contract

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# API Gateway path parts: letters, digits and ._- or one {parameter} (no greedy {proxy+}).
_PATH_PART = re.compile(r"^(?:[A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\})$")

__all__ = ["ApiRoute", "create_permissions", "create_routes", "routes_of_contract"]


@dataclass(frozen=True)
class ApiRoute:
    """One route of the API's contract: what API Gateway exposes and the handler serves."""

    method: str
    """HTTP method, upper case (``GET``)."""
    path: str
    """Resource path; ``{name}`` marks one path segment as a parameter (``/items/{id}``)."""
    api_key_required: Defaulted[bool] = False
    """Whether callers need the API's key (``x-api-key``); the usage plan throttles them."""

    @property
    def path_parameters(self) -> list[str]:
        """Names of the ``{parameters}`` in the path, in order."""
        return re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", self.path)


def routes_of_contract(routes: Iterable[contract.Route]) -> list[ApiRoute]:
    """A handler contract's routes as the component takes them."""
    return [ApiRoute(r.method, r.path, r.api_key_required) for r in routes]


def check_routes(check: ArgsCheck, routes: Sequence[ApiRoute]) -> None:
    """Record every route API Gateway would refuse, and duplicates."""
    check.require(bool(routes), "routes", list(routes), "must hold at least one route")
    seen: set[tuple[str, str]] = set()
    for route in routes:
        check.require(
            route.method in METHODS, "routes.method", route.method, f"must be one of {METHODS}"
        )
        parts = route.path.strip("/").split("/")
        check.require(
            route.path.startswith("/") and all(_PATH_PART.match(p) for p in parts),
            "routes.path",
            route.path,
            "must start with '/' and hold segments of letters, digits and ._- or one "
            "{parameter} each",
        )
        key = (route.method, route.path.rstrip("/"))
        check.require(key not in seen, "routes", f"{route.method} {route.path}", "appears twice")
        seen.add(key)


def route_slug(route: ApiRoute) -> str:
    """A name part for the route's resources: ``get-metrics-series``."""
    return f"{route.method.lower()}-{contract.path_slug(route.path)}"


def source_arn_suffix(route: ApiRoute, stage: str) -> str:
    """The part of an execute-api ARN after the API id that matches this route only."""
    path = "/".join("*" if p.startswith("{") else p for p in route.path.strip("/").split("/"))
    return f"/{stage}/{route.method}/{path}"


INTEGRATION_TYPE = "AWS_PROXY"


def route_definitions(routes: Sequence[ApiRoute], integration_uri: str) -> list[dict[str, Any]]:
    """Everything about the routes that a deployment snapshots, in a stable order."""
    return [
        {
            "path": route.path,
            "method": route.method,
            "authorization": "NONE",
            "apiKeyRequired": route.api_key_required,
            "requestParameters": sorted(route.path_parameters),
            "integration": {"type": INTEGRATION_TYPE, "httpMethod": "POST", "uri": integration_uri},
        }
        for route in sorted(routes, key=lambda r: (r.path, r.method))
    ]


def definitions_hash(routes: Sequence[ApiRoute], integration_uri: str) -> str:
    """The deployment trigger: changes whenever a route, method or integration changes."""
    canonical = json.dumps(route_definitions(routes, integration_uri), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _path_resources(
    name: str, rest_api: aws.apigateway.RestApi, routes: Sequence[ApiRoute], child: Any
) -> dict[str, aws.apigateway.Resource]:
    """One API Gateway resource per path prefix, parents before children."""
    resources: dict[str, aws.apigateway.Resource] = {}
    for route in routes:
        parts = route.path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:depth])
            if prefix in resources:
                continue
            parent_prefix = "/" + "/".join(parts[: depth - 1])
            parent_id = resources[parent_prefix].id if depth > 1 else rest_api.root_resource_id
            resources[prefix] = aws.apigateway.Resource(
                f"{name}-{contract.path_slug(prefix)}",
                rest_api=rest_api.id,
                parent_id=parent_id,
                path_part=parts[depth - 1],
                opts=child,
            )
    return resources


def create_routes(
    name: str,
    *,
    rest_api: aws.apigateway.RestApi,
    function: aws.lambda_.Function,
    parent: pulumi.Resource,
    routes: Sequence[ApiRoute],
) -> aws.apigateway.Deployment:
    """Resources, methods and proxy integrations for ``routes``; returns the deployment that
    snapshots them (the stage's input)."""
    child = pulumi.ResourceOptions(parent=parent)
    resources = _path_resources(name, rest_api, routes, child)
    methods: list[aws.apigateway.Method] = []
    integrations: list[aws.apigateway.Integration] = []
    for route in routes:
        resource = resources[route.path]
        method = aws.apigateway.Method(
            f"{name}-{route_slug(route)}",
            rest_api=rest_api.id,
            resource_id=resource.id,
            http_method=route.method,
            authorization="NONE",
            api_key_required=route.api_key_required,
            request_parameters={f"method.request.path.{p}": True for p in route.path_parameters}
            or None,
            opts=child,
        )
        methods.append(method)
        integrations.append(
            aws.apigateway.Integration(
                f"{name}-{route_slug(route)}-integration",
                rest_api=rest_api.id,
                resource_id=resource.id,
                http_method=method.http_method,
                type=INTEGRATION_TYPE,
                # Lambda is always invoked with POST, whatever the client's method.
                integration_http_method="POST",
                uri=function.invoke_arn,
                opts=child,
            )
        )
    deployment = aws.apigateway.Deployment(
        f"{name}-deployment",
        rest_api=rest_api.id,
        description="Routes of the API handler; replaced whenever a route or integration changes",
        triggers={
            "routes": function.invoke_arn.apply(lambda uri: definitions_hash(routes, uri)),
        },
        opts=pulumi.ResourceOptions(
            parent=parent,
            # A deployment snapshots the methods and integrations that exist when it is made;
            # they are not inputs of it. Replacement creates the new one before deleting the
            # old, so the stage always points at a live deployment.
            depends_on=[*methods, *integrations],
            delete_before_replace=False,
        ),
    )
    return deployment


def create_permissions(
    name: str,
    *,
    rest_api: aws.apigateway.RestApi,
    function: aws.lambda_.Function,
    stage_name: str,
    parent: pulumi.Resource,
    routes: Sequence[ApiRoute],
) -> list[aws.lambda_.Permission]:
    """One invoke permission per route, each limited to that route of this API's stage."""
    return [
        aws.lambda_.Permission(
            f"{name}-invoke-{route_slug(route)}",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(
                rest_api.execution_arn, source_arn_suffix(route, stage_name)
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for route in routes
    ]
