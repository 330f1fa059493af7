"""GET /health: PostgreSQL and the metrics table, each with its own status."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from api import deps, metrics_store, sql
from api.errors import ApiError

router = APIGatewayRouter()
logger = Logger(child=True)


def check_health(checks: Mapping[str, Callable[[], None]]) -> tuple[int, dict[str, Any]]:
    """Run every check; 200 if all pass, else 503 with the same body shape."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"status": "ok"}
        except ApiError as exc:
            logger.warning("health check failed", extra={"check": name, "reason": exc.reason})
            results[name] = {"status": "unavailable", "message": exc.message}
        except Exception:  # noqa: BLE001 - a health check reports, it never fails the request
            logger.exception("health check %s raised", name)
            results[name] = {"status": "unavailable", "message": "unexpected error"}
        results[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    healthy = all(r["status"] == "ok" for r in results.values())
    return (200 if healthy else 503), {
        "status": "ok" if healthy else "unavailable",
        "checks": results,
    }


@router.get("/health")
def get_health() -> Response:
    """Probe both dependencies (bounded by their connect/read timeouts)."""
    c = deps.container()
    status, body = check_health(
        {
            "database": lambda: c.database.run(sql.ping, quick=True),
            "metrics_table": lambda: metrics_store.check_table(
                c.dynamodb, c.settings.metrics_table
            ),
        }
    )
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)
