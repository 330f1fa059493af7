"""POST /events and GET /events/summary: events stored in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from api import deps, sql
from api.validation import (
    caller_of,
    decode_body,
    parse_idempotency_key,
    parse_json,
    parse_summary_query,
    require_json,
    validate_event,
)

router = APIGatewayRouter()


def _api_key(event: dict[str, Any]) -> tuple[str | None, str | None]:
    """The API key id and key API Gateway put in the request's identity (either may be absent:
    an event without an identity at all is answered too, as the anonymous caller's)."""
    context = event.get("requestContext")
    identity = context.get("identity") if isinstance(context, dict) else None
    if not isinstance(identity, dict):
        return None, None
    key_id, key = identity.get("apiKeyId"), identity.get("apiKey")
    return (
        key_id if isinstance(key_id, str) else None,
        key if isinstance(key, str) else None,
    )


@router.post("/events")
def post_event() -> Response:
    """Validate and store one event; an Idempotency-Key makes retries return the first result.

    Checks run cheapest first: 415 (Content-Type), 413 (size), 400 (base64/JSON/header), 422
    (schema). Reusing a key with a different body is 422 ``idempotency_key_reused``. Keys are
    the caller's own: another API key's request under the same key is a request of its own.
    """
    request = router.current_event
    require_json(request.headers.get("content-type"))
    raw = decode_body(request.body, bool(request.is_base64_encoded))
    doc = parse_json(raw)
    key = parse_idempotency_key(request.headers.get("idempotency-key"))
    new_event = validate_event(doc, datetime.now(UTC))
    caller = caller_of(*_api_key(request.raw_event))
    stored, replayed = deps.container().database.run(
        lambda con: sql.insert_event(con, new_event, key, caller), needs_schema=True
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=stored.to_json(),
        headers=headers,
    )


@router.get("/events/summary")
def get_summary() -> dict[str, Any]:
    """count, sum, avg, p95 per minute/hour/day bucket for one event name."""
    query = parse_summary_query(router.current_event.query_string_parameters, datetime.now(UTC))
    buckets = deps.container().database.run(
        lambda con: sql.summarise(con, query), needs_schema=True
    )
    return {
        "name": query.name,
        "bucket": query.bucket,
        "start": query.start.isoformat(),
        "end": query.end.isoformat(),
        "buckets": [b.to_json() for b in buckets],
    }
