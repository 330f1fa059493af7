"""The ping API's handler: two routes of an API Gateway REST proxy integration."""

import json
from typing import Any


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """``GET /ping`` answers pong; ``GET /echo/{word}`` answers the word."""
    resource = event.get("resource")
    if resource == "/ping":
        return _answer(200, {"pong": True})
    if resource == "/echo/{word}":
        return _answer(200, {"word": (event.get("pathParameters") or {}).get("word")})
    return _answer(404, {"error": {"code": "not_found", "message": f"no route {resource}"}})
