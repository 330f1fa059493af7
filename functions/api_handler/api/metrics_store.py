"""Reads of the DynamoDB metrics table the aggregator writes (low-level client, injected).

Item shapes and keys come from the shared contract (``analytics_contract.series``) the aggregator
writes with: datapoints ``pk="series#<id>"``, ``sk`` = 10-digit epoch seconds; catalogue
``pk="catalogue"``, ``sk=<id>``. Both carry ``expires_at`` (TTL); DynamoDB
deletes expired items lazily, so reads filter them out.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from analytics_contract.series import CATALOGUE_PK, SERIES_ID_RE, epoch_sk, series_pk

from api import deadline
from api.aws import AWS_CALL_WORST_S, aws_errors, error_code
from api.errors import BadRequest, DependencyUnavailable

__all__ = [
    "check_table",
    "decode_token",
    "encode_token",
    "get_datapoints",
    "list_series",
    "series_known",
]
MAX_TOKEN_CHARS = 1024
MAX_PAGES_PER_REQUEST = 10
_SK_RE = re.compile(r"\d{10}", re.ASCII)
_NOT_EXPIRED = "attribute_not_exists(expires_at) OR expires_at > :now"


def encode_token(key: dict[str, Any]) -> str:
    """An opaque page token: base64url (unpadded) of the LastEvaluatedKey."""
    plain = {"pk": key["pk"]["S"], "sk": key["sk"]["S"]}
    raw = json.dumps(plain, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, expected_pk: str) -> dict[str, Any]:
    """The ExclusiveStartKey a token stands for; 400 if it was tampered with or is foreign."""
    invalid = BadRequest("next_token is invalid")
    if len(token) > MAX_TOKEN_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not isinstance(doc, dict) or set(doc) != {"pk", "sk"}:
        raise invalid
    pk, sk = doc["pk"], doc["sk"]
    if pk != expected_pk or not isinstance(sk, str):
        raise invalid
    valid_sk = SERIES_ID_RE.fullmatch(sk) if pk == CATALOGUE_PK else _SK_RE.fullmatch(sk)
    if not valid_sk:
        raise invalid
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _number(attr: dict[str, Any] | None) -> float | int | None:
    if not attr or "N" not in attr:
        return None
    text = attr["N"]
    if re.fullmatch(r"-?\d+", text, re.ASCII):
        return int(text)
    return float(text)


def _string(attr: dict[str, Any] | None) -> str | None:
    return attr.get("S") if attr else None


def _unavailable(exc: Exception) -> DependencyUnavailable:
    return DependencyUnavailable("metrics_table", error_code(exc))


def _query_pages(
    client: Any, request: dict[str, Any], limit: int, start_key: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Collect up to ``limit`` unexpired items over a few pages; return them and the next key.

    A page only starts while a whole call (retry included) still fits before the request's
    deadline; otherwise the items so far go back with a token for the rest, as a short page.
    """
    items: list[dict[str, Any]] = []
    key = start_key
    until = deadline.current()
    for page_number in range(MAX_PAGES_PER_REQUEST):
        if page_number > 0 and not until.allows(AWS_CALL_WORST_S):
            break
        call = dict(request, Limit=limit - len(items))
        if key is not None:
            call["ExclusiveStartKey"] = key
        try:
            page = client.query(**call)
        except aws_errors() as exc:
            if start_key is not None and error_code(exc) == "ValidationException":
                raise BadRequest("next_token is invalid") from exc
            raise _unavailable(exc) from exc
        items.extend(page.get("Items", []))
        key = page.get("LastEvaluatedKey")
        if key is None or len(items) >= limit:
            break
    return items, key


def list_series(
    client: Any, table: str, *, limit: int, token: str | None, now: int
) -> dict[str, Any]:
    """The catalogue: every series with its latest datapoint, paginated."""
    start_key = decode_token(token, CATALOGUE_PK) if token else None
    items, key = _query_pages(
        client,
        {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": _NOT_EXPIRED,
            "ExpressionAttributeValues": {":pk": {"S": CATALOGUE_PK}, ":now": {"N": str(now)}},
        },
        limit,
        start_key,
    )
    series = [
        {
            "series": item["sk"]["S"],
            "stat": _string(item.get("stat")),
            "unit": _string(item.get("unit")),
            "latest": {
                "ts": _number(item.get("latest_ts")),
                "value": _number(item.get("latest_value")),
            },
        }
        for item in items
    ]
    return {"series": series, "next_token": encode_token(key) if key else None}


def series_known(client: Any, table: str, series: str, now: int) -> bool:
    """Whether the catalogue lists ``series`` (and its entry has not expired)."""
    try:
        item = client.get_item(
            TableName=table, Key={"pk": {"S": CATALOGUE_PK}, "sk": {"S": series}}
        ).get("Item")
    except aws_errors() as exc:
        raise _unavailable(exc) from exc
    if item is None:
        return False
    expires = _number(item.get("expires_at"))
    return expires is None or expires > now


def get_datapoints(
    client: Any,
    table: str,
    series: str,
    *,
    start: int,
    end: int,
    limit: int,
    token: str | None,
    now: int,
) -> dict[str, Any] | None:
    """Datapoints of ``series`` in [start, end], newest first; None if the series is unknown."""
    pk = series_pk(series)
    start_key = decode_token(token, pk) if token else None
    items, key = _query_pages(
        client,
        {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
            "FilterExpression": _NOT_EXPIRED,
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                ":lo": {"S": epoch_sk(start)},
                ":hi": {"S": epoch_sk(end)},
                ":now": {"N": str(now)},
            },
            "ScanIndexForward": False,
        },
        limit,
        start_key,
    )
    if (
        not items
        and start_key is None
        and key is None
        and not series_known(client, table, series, now)
    ):
        return None
    datapoints = [
        {
            "ts": _number(item.get("ts")),
            "value": _number(item.get("value")),
            "stat": _string(item.get("stat")),
            "unit": _string(item.get("unit")),
        }
        for item in items
    ]
    return {
        "series": series,
        "datapoints": datapoints,
        "next_token": encode_token(key) if key else None,
    }


def check_table(client: Any, table: str) -> None:
    """Health probe: one tiny read of the table; 503 error if it does not answer."""
    try:
        client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": CATALOGUE_PK}},
            Limit=1,
        )
    except aws_errors() as exc:
        raise _unavailable(exc) from exc
