"""Pure request parsing and validation: bodies, headers, query parameters, times.

No AWS, no database: every function takes values and returns values or raises a domain error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics_contract.series import SERIES_ID_PATTERN, SERIES_ID_RE

from api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

ANONYMOUS_CALLER = "anonymous"
"""The caller of a request with no API key (and of rows stored before keys were per caller)."""
MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 16
"""An event is two levels deep; anything far deeper is rejected before the parser recurses."""
MAX_ABS_VALUE = 1e15
MAX_DIMENSIONS = 10
MAX_DIMENSION_VALUE_CHARS = 256
MAX_PAST = timedelta(days=366)
MAX_FUTURE = timedelta(minutes=5)
EVENT_FIELDS = frozenset({"name", "value", "timestamp", "dimensions"})
BUCKETS = ("minute", "hour", "day")
BUCKET_MAX_RANGE = {
    "minute": timedelta(days=2),
    "hour": timedelta(days=93),
    "day": timedelta(days=3660),
}
DEFAULT_SUMMARY_RANGE = timedelta(hours=24)

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
DIMENSION_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")
_JSON_MEDIA_RE = re.compile(r"application/(?:[\w.+-]+\+)?json", re.IGNORECASE | re.ASCII)
# ``\d`` without re.ASCII also matches other scripts' digits, which int() and float() accept.
_EPOCH_RE = re.compile(r"\d{1,11}(\.\d{1,9})?", re.ASCII)
_LIMIT_RE = re.compile(r"\d{1,7}", re.ASCII)


@dataclass(frozen=True)
class NewEvent:
    """A validated event to store."""

    name: str
    value: float
    timestamp: datetime | None
    dimensions: dict[str, str]

    def fingerprint(self) -> str:
        """A stable hash of the request as sent, to tell a retry from a different request."""
        canonical = json.dumps(
            {
                "name": self.name,
                "value": self.value,
                "timestamp": self.timestamp.isoformat() if self.timestamp else None,
                "dimensions": self.dimensions,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class SummaryQuery:
    """Validated parameters of GET /events/summary."""

    name: str
    start: datetime
    end: datetime
    bucket: str


@dataclass(frozen=True)
class Page:
    """Validated paging parameters."""

    limit: int
    next_token: str | None


def require_json(content_type: str | None) -> None:
    """Raise 415 unless the media type is JSON (``application/json`` or ``application/*+json``)."""
    media = (content_type or "").split(";", 1)[0].strip()
    if not _JSON_MEDIA_RE.fullmatch(media):
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {media[:100]!r}")


def decode_body(body: str | None, is_base64: bool, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw request body bytes; 413 over ``limit`` bytes, 400 on broken base64."""
    if body is None:
        return b""
    if is_base64:
        if len(body) > (limit + 2) // 3 * 4 + 4:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("request body is not valid base64") from exc
    else:
        if len(body) > limit:  # characters <= bytes, so this check is a cheap lower bound
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    return raw


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:50]!r}")
        result[key] = value
    return result


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects in a JSON text nest deeper than ``limit`` (brackets inside
    strings do not count). Stops at the first level past the limit."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json(raw: bytes) -> Any:
    """Parse strict JSON (UTF-8, no NaN/Infinity, no duplicate keys, bounded nesting); 400
    otherwise, with a message about the body, never the parser's internals."""
    if not raw.strip():
        raise BadRequest("request body is empty; expected a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"request body is not UTF-8 (at byte offset {exc.start})") from exc
    # Counting brackets is C-speed; only a body that could be too deep is scanned in Python.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and nests_deeper_than(
        text, MAX_JSON_DEPTH
    ):
        raise BadRequest(f"JSON body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"malformed JSON body: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except ValueError as exc:
        if "digits" in str(exc):  # int() refuses > sys.get_int_max_str_digits() digits
            raise BadRequest("malformed JSON body: a number has too many digits") from exc
        raise BadRequest(f"malformed JSON body: {str(exc)[:200]}") from exc
    except RecursionError as exc:  # the depth check above makes this unreachable; belt and braces
        raise BadRequest(f"JSON body nests deeper than {MAX_JSON_DEPTH} levels") from exc


def _check_text(field: str, value: str) -> None:
    if not value.isprintable():
        raise ValidationFailed(field, "must contain printable characters only")


def parse_instant(value: Any, field: str, error: type[Exception] = ValidationFailed) -> datetime:
    """An instant from epoch seconds (number) or an ISO 8601 string with a UTC offset."""

    def fail(message: str) -> Exception:
        if error is ValidationFailed:
            return ValidationFailed(field, message)
        return error(f"{field}: {message}")

    if isinstance(value, bool):
        raise fail("must be epoch seconds or an ISO 8601 time with offset")
    if isinstance(value, int | float):
        seconds = float(value) if not isinstance(value, int) or abs(value) < 10**12 else math.inf
        if not math.isfinite(seconds) or not 0 <= seconds < 32503680000:
            raise fail("epoch seconds out of range")
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        if len(value) > 64:
            raise fail("too long for a time")
        if _EPOCH_RE.fullmatch(value):
            return parse_instant(float(value), field, error)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise fail("must be epoch seconds or an ISO 8601 time with offset") from exc
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise fail("ISO 8601 time needs a UTC offset (e.g. Z or +00:00)")
        # The range is in UTC, as for epoch seconds: 1970-01-01T00:30+01:00 is still 1969.
        try:
            instant = parsed.astimezone(UTC)
        except OverflowError as exc:  # year 1 or 9999 pushed past datetime's range
            raise fail("must be between years 1970 and 2999 (UTC)") from exc
        if not 1970 <= instant.year < 3000:
            raise fail("must be between years 1970 and 2999 (UTC)")
        return instant
    raise fail("must be epoch seconds or an ISO 8601 time with offset")


def validate_event(doc: Any, now: datetime) -> NewEvent:
    """Validate a POST /events body strictly; 422 naming the field on any violation."""
    if not isinstance(doc, dict):
        raise ValidationFailed("body", "must be a JSON object")
    unknown = sorted(set(doc) - EVENT_FIELDS)
    if unknown:
        raise ValidationFailed(unknown[0][:64], "unknown field")
    timestamp = None
    if doc.get("timestamp") is not None:
        timestamp = _validate_timestamp(doc["timestamp"], now)
    return NewEvent(
        name=_validate_name(doc.get("name")),
        value=_validate_value(doc),
        timestamp=timestamp,
        dimensions=_validate_dimensions(doc.get("dimensions")),
    )


def _validate_name(name: Any) -> str:
    if not isinstance(name, str):
        raise ValidationFailed("name", "is required and must be a string")
    if not NAME_RE.fullmatch(name):
        raise ValidationFailed(
            "name", "must be 1-128 characters of A-Z a-z 0-9 . _ : / - starting alphanumeric"
        )
    return name


def _validate_value(doc: dict[str, Any]) -> float:
    if "value" not in doc:
        raise ValidationFailed("value", "is required")
    raw = doc["value"]
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValidationFailed("value", "must be a number")
    try:
        value = float(raw)
    except OverflowError as exc:
        raise ValidationFailed("value", "must be a finite number") from exc
    if not math.isfinite(value):
        raise ValidationFailed("value", "must be a finite number")
    if abs(value) > MAX_ABS_VALUE:
        raise ValidationFailed("value", f"must be between -{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}")
    # -0 and 0 are the same value: one stored form, one fingerprint for an idempotent retry.
    return 0.0 if value == 0 else value


def _validate_timestamp(raw: Any, now: datetime) -> datetime:
    timestamp = parse_instant(raw, "timestamp")
    if timestamp < now - MAX_PAST:
        raise ValidationFailed("timestamp", f"must not be older than {MAX_PAST.days} days")
    if timestamp > now + MAX_FUTURE:
        raise ValidationFailed("timestamp", "must not be more than 5 minutes in the future")
    return timestamp


def _validate_dimensions(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed("dimensions", "must be an object of string values")
    if len(raw) > MAX_DIMENSIONS:
        raise ValidationFailed("dimensions", f"at most {MAX_DIMENSIONS} entries")
    dimensions: dict[str, str] = {}
    for key, value in raw.items():
        if not DIMENSION_KEY_RE.fullmatch(key):
            raise ValidationFailed(
                "dimensions", "keys must be 1-64 characters of A-Z a-z 0-9 _ . : -"
            )
        field = f"dimensions.{key}"
        if not isinstance(value, str):
            raise ValidationFailed(field, "must be a string")
        if not 1 <= len(value) <= MAX_DIMENSION_VALUE_CHARS:
            raise ValidationFailed(field, f"must be 1-{MAX_DIMENSION_VALUE_CHARS} characters")
        _check_text(field, value)
        dimensions[key] = value
    return dimensions


def parse_idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key header: absent, or 1-255 visible ASCII characters (400 otherwise)."""
    if value is None:
        return None
    if not IDEMPOTENCY_KEY_RE.fullmatch(value):
        raise BadRequest("Idempotency-Key must be 1-255 visible ASCII characters")
    return value


def caller_of(api_key_id: str | None, api_key: str | None) -> str:
    """Who sent a request, to scope its Idempotency-Key: the API key's id API Gateway puts in
    the request context; a hash of the key itself when only the key is there (never the key:
    it is a credential); ``anonymous`` without either (local runs, an unkeyed route)."""
    if api_key_id:
        return f"key-id:{api_key_id}"
    if api_key:
        return "key-sha256:" + hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()
    return ANONYMOUS_CALLER


def validate_series_id(series: str) -> str:
    """A series id path parameter; 400 unless it is a series id of the shared contract."""
    if not SERIES_ID_RE.fullmatch(series):
        raise BadRequest(f"series must match ^{SERIES_ID_PATTERN}$")
    return series


def parse_page(params: Mapping[str, str], default: int = 100, maximum: int = 1000) -> Page:
    """``limit`` (1..maximum) and ``next_token`` query parameters."""
    raw = params.get("limit")
    limit = default
    if raw is not None:
        if not _LIMIT_RE.fullmatch(raw) or not 1 <= int(raw) <= maximum:
            raise BadRequest(f"limit must be an integer from 1 to {maximum}")
        limit = int(raw)
    token = params.get("next_token")
    if token is not None and not token:
        token = None
    return Page(limit=limit, next_token=token)


def parse_epoch_range(params: Mapping[str, str], now: datetime) -> tuple[int, int]:
    """``start``/``end`` query parameters as epoch seconds; default: everything up to now."""
    start = 0
    end = int(now.timestamp())
    if params.get("start") is not None:
        start = int(parse_instant(params["start"], "start", BadRequest).timestamp())
    if params.get("end") is not None:
        end = int(parse_instant(params["end"], "end", BadRequest).timestamp())
    if start > end:
        raise BadRequest("start must not be after end")
    return start, end


def parse_summary_query(params: Mapping[str, str], now: datetime) -> SummaryQuery:
    """Validate GET /events/summary parameters; the range is capped per bucket size."""
    name = params.get("name")
    if name is None or not NAME_RE.fullmatch(name):
        raise BadRequest("name is required: 1-128 characters of A-Z a-z 0-9 . _ : / -")
    # Absent means the default; present but empty (``bucket=``) is a mistake to name.
    bucket = params.get("bucket", "hour")
    if bucket not in BUCKETS:
        raise BadRequest(f"bucket must be one of {', '.join(BUCKETS)}, got {bucket[:20]!r}")
    end = parse_instant(params["end"], "end", BadRequest) if "end" in params else now
    start = (
        parse_instant(params["start"], "start", BadRequest)
        if "start" in params
        else end - DEFAULT_SUMMARY_RANGE
    )
    if start >= end:
        raise BadRequest("start must be before end")
    if end - start > BUCKET_MAX_RANGE[bucket]:
        raise BadRequest(
            f"range too long for bucket={bucket}: at most {BUCKET_MAX_RANGE[bucket].days} days"
        )
    return SummaryQuery(name=name, start=start, end=end, bucket=bucket)
