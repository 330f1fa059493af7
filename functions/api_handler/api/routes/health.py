"""GET /health: PostgreSQL and the metrics table, each with its own status, within a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from api import deadline, deps, metrics_store, sql
from api.errors import ApiError

router = APIGatewayRouter()
logger = Logger(child=True)


def _run_check(name: str, check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any]
    try:
        check()
        result = {"status": "ok"}
    except ApiError as exc:
        logger.warning("health check failed", extra={"check": name, "reason": exc.reason})
        result = {"status": "unavailable", "message": exc.message}
    except Exception:  # noqa: BLE001 - a health check reports, it never fails the request
        logger.exception("health check %s raised", name)
        result = {"status": "unavailable", "message": "unexpected error"}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def check_health(
    checks: Mapping[str, Callable[[], None]], until: deadline.Deadline
) -> tuple[int, dict[str, Any]]:
    """Run every check at once; 200 if all pass before ``until``, else 503, same body shape.

    The checks run side by side so the slowest, not their sum, sets the answer time; a check
    still blocked at the deadline is reported unavailable and left to finish on its own (its
    clients and the database bound every call, so it does not linger long).
    """
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    try:
        futures: dict[str, Future[dict[str, Any]]] = {
            name: pool.submit(_run_check, name, check) for name, check in checks.items()
        }
        wait_for(futures.values(), timeout=until.remaining())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    results: dict[str, dict[str, Any]] = {}
    for name, future in futures.items():
        if future.done() and not future.cancelled():
            results[name] = future.result()
            continue
        logger.warning(
            "health check failed", extra={"check": name, "reason": "no answer before deadline"}
        )
        results[name] = {
            "status": "unavailable",
            "message": f"{name} unavailable",
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    healthy = all(r["status"] == "ok" for r in results.values())
    return (200 if healthy else 503), {
        "status": "ok" if healthy else "unavailable",
        "checks": results,
    }


@router.get("/health")
def get_health() -> Response:
    """Probe both dependencies, side by side, until the request's deadline."""
    c = deps.container()
    status, body = check_health(
        {
            "database": lambda: c.database.run(sql.ping, quick=True),
            "metrics_table": lambda: metrics_store.check_table(
                c.dynamodb, c.settings.metrics_table
            ),
        },
        deadline.current(),
    )
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)
