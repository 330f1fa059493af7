"""Unit tests of the pure request validation (no Lambda, no AWS, no database)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from api.validation import (
    MAX_BODY_BYTES,
    decode_body,
    parse_epoch_range,
    parse_idempotency_key,
    parse_instant,
    parse_json,
    parse_page,
    parse_summary_query,
    require_json,
    validate_event,
    validate_series_id,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=utf-8", "application/vnd.api+json"],
)
def test_require_json_accepts_json_media_types(content_type: str) -> None:
    """JSON media types (with parameters, any case, +json) pass."""
    require_json(content_type)


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/jsonx"])
def test_require_json_rejects_other_media_types(content_type: str | None) -> None:
    """Anything else is 415."""
    with pytest.raises(UnsupportedMediaType):
        require_json(content_type)


def test_decode_body_over_limit_is_413() -> None:
    """One byte over the limit is too large."""
    with pytest.raises(PayloadTooLarge):
        decode_body("a" * (MAX_BODY_BYTES + 1), False)


def test_decode_body_multibyte_counts_bytes() -> None:
    """The limit is in bytes: multi-byte characters count as such."""
    with pytest.raises(PayloadTooLarge):
        decode_body("é" * (MAX_BODY_BYTES // 2 + 1), False)


def test_decode_body_base64_over_limit_is_413() -> None:
    """Base64 bodies are measured decoded."""
    encoded = base64.b64encode(b"a" * (MAX_BODY_BYTES + 1)).decode()
    with pytest.raises(PayloadTooLarge):
        decode_body(encoded, True)


def test_decode_body_broken_base64_is_400() -> None:
    """A body flagged base64 that is not base64 is the caller's mistake."""
    with pytest.raises(BadRequest):
        decode_body("not*base64", True)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1, "a": 2}', b"\xff\xfe", b"[" * 5000],
)
def test_parse_json_rejects_malformed(raw: bytes) -> None:
    """Empty, broken, NaN/Infinity, duplicate keys, bad UTF-8, absurd nesting: 400."""
    with pytest.raises(BadRequest):
        parse_json(raw)


def test_validate_event_accepts_minimal() -> None:
    """name + value is enough; timestamp stays None (the server sets it)."""
    event = validate_event({"name": "signup", "value": 1}, NOW)
    assert (event.name, event.value, event.timestamp, event.dimensions) == ("signup", 1.0, None, {})


def test_validate_event_parses_iso_and_epoch_timestamps() -> None:
    """Timestamps as ISO 8601 with offset or epoch seconds are the same instant."""
    iso = validate_event({"name": "a", "value": 1, "timestamp": "2026-11-28T11:00:00+01:00"}, NOW)
    epoch = validate_event({"name": "a", "value": 1, "timestamp": iso.timestamp.timestamp()}, NOW)
    assert iso.timestamp == epoch.timestamp == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], "body"),
        ({"value": 1}, "name"),
        ({"name": "", "value": 1}, "name"),
        ({"name": "a" * 129, "value": 1}, "name"),
        ({"name": "bad name", "value": 1}, "name"),
        ({"name": "a"}, "value"),
        ({"name": "a", "value": True}, "value"),
        ({"name": "a", "value": "1"}, "value"),
        ({"name": "a", "value": 10**400}, "value"),
        ({"name": "a", "value": 1e300}, "value"),
        ({"name": "a", "value": 1, "timestamp": "2026-11-28T10:00:00"}, "timestamp"),
        (
            {"name": "a", "value": 1, "timestamp": (NOW - timedelta(days=400)).isoformat()},
            "timestamp",
        ),
        (
            {"name": "a", "value": 1, "timestamp": (NOW + timedelta(hours=1)).timestamp()},
            "timestamp",
        ),
        ({"name": "a", "value": 1, "timestamp": True}, "timestamp"),
        ({"name": "a", "value": 1, "dimensions": []}, "dimensions"),
        ({"name": "a", "value": 1, "dimensions": {f"k{i}": "v" for i in range(11)}}, "dimensions"),
        ({"name": "a", "value": 1, "dimensions": {"k": 1}}, "dimensions.k"),
        ({"name": "a", "value": 1, "dimensions": {"k": "x" * 257}}, "dimensions.k"),
        ({"name": "a", "value": 1, "dimensions": {"k": "a\x00b"}}, "dimensions.k"),
        ({"name": "a", "value": 1, "dimensions": {"k": "\ud800"}}, "dimensions.k"),
        ({"name": "a", "value": 1, "extra": 1}, "extra"),
    ],
)
def test_validate_event_names_the_bad_field(doc: object, field: str) -> None:
    """Every schema violation is a 422 naming its field."""
    with pytest.raises(ValidationFailed) as caught:
        validate_event(doc, NOW)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}:")


def test_fingerprint_ignores_number_spelling() -> None:
    """1 and 1.0 are the same request; another value is not."""
    a = validate_event({"name": "a", "value": 1}, NOW).fingerprint()
    b = validate_event({"name": "a", "value": 1.0}, NOW).fingerprint()
    c = validate_event({"name": "a", "value": 2}, NOW).fingerprint()
    assert a == b != c


@pytest.mark.parametrize("key", ["", "a b", "é", "x" * 256])
def test_parse_idempotency_key_rejects_bad_keys(key: str) -> None:
    """Keys must be 1-255 visible ASCII characters."""
    with pytest.raises(BadRequest):
        parse_idempotency_key(key)


@pytest.mark.parametrize("series", ["", "a/b", "a b", "x" * 201, "série"])
def test_validate_series_id_rejects_outside_pattern(series: str) -> None:
    """Series ids outside ^[A-Za-z0-9._:-]{1,200}$ are 400."""
    with pytest.raises(BadRequest):
        validate_series_id(series)


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "abc", "1.5", ""])
def test_parse_page_rejects_bad_limit(limit: str) -> None:
    """limit must be an integer from 1 to 1000."""
    with pytest.raises(BadRequest):
        parse_page({"limit": limit})


def test_parse_epoch_range_rejects_inverted_range() -> None:
    """start after end is a 400."""
    with pytest.raises(BadRequest):
        parse_epoch_range({"start": "200", "end": "100"}, NOW)


def test_parse_summary_query_defaults_to_last_day_hourly() -> None:
    """Without start/end/bucket: the last 24 hours in hour buckets."""
    query = parse_summary_query({"name": "x"}, NOW)
    assert (query.start, query.end, query.bucket) == (NOW - timedelta(days=1), NOW, "hour")


def test_parse_summary_query_caps_range_per_bucket() -> None:
    """Minute buckets over a long range would be huge: 400."""
    with pytest.raises(BadRequest, match="range too long"):
        parse_summary_query({"name": "x", "bucket": "minute", "start": "0"}, NOW)


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+01:00", "9999999999999", "yesterday"])
def test_parse_summary_query_rejects_unusable_start(start: str) -> None:
    """Out-of-range or unparseable times are 400, never an overflow."""
    with pytest.raises(BadRequest):
        parse_summary_query({"name": "x", "start": start}, NOW)


# Inputs a fuzzer finds: the answer must be a 400 about the body, never a parser's internals.
PYTHON_INTERNALS = ("recursion", "sys.", "codec", "Traceback", "Error", "int_max_str_digits")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 5000 + b"]" * 5000, "nests deeper than 16 levels"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "nests deeper than 16 levels"),
        (b'{"name":"a","value":' + b"9" * 5000 + b"}", "a number has too many digits"),
        ('{"name":"é","value":1}'.encode("latin-1"), "not UTF-8 (at byte offset 9)"),
        (b"\xef\xbb\xbf{}", "malformed JSON body: Unexpected UTF-8 BOM"),
        (b'{"name": "a",}', "malformed JSON body: Expecting property name"),
    ],
    ids=["deep-array", "deep-object", "5000-digit-int", "latin-1", "bom", "trailing-comma"],
)
def test_parse_json_fuzz_inputs_are_400_without_internals(raw: bytes, expected: str) -> None:
    """Deep nesting, huge integers, non-UTF-8 and broken JSON: a 400 that says what is wrong."""
    with pytest.raises(BadRequest) as caught:
        parse_json(raw)
    assert expected in caught.value.message
    assert not any(word in caught.value.message for word in PYTHON_INTERNALS), caught.value


def test_parse_json_brackets_inside_strings_do_not_count_as_nesting() -> None:
    """A string full of brackets is data, not depth."""
    doc = parse_json(b'{"name": "' + b"[{" * 200 + b'\\"]", "value": 1}')
    assert doc["value"] == 1


def test_parse_json_accepts_nesting_at_the_limit() -> None:
    """Sixteen levels parse; the limit rejects only what is deeper."""
    assert parse_json(b"[" * 16 + b"]" * 16) == [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]


@pytest.mark.parametrize(
    "value", ["١٧٠٠٠٠٠٠٠٠", "１７００００００００", "1700000000\n", "\n1700000000", "1700000000 "]
)
def test_parse_epoch_range_rejects_non_ascii_digits_and_whitespace(value: str) -> None:
    """Only ASCII digits are epoch seconds (int() would accept Arabic-Indic or full-width)."""
    with pytest.raises(BadRequest):
        parse_epoch_range({"start": value}, NOW)


@pytest.mark.parametrize("value", ["１０", "٣", "10\n", "+10", " 10"])
def test_parse_page_rejects_non_ascii_and_padded_limits(value: str) -> None:
    """``limit`` is plain ASCII digits."""
    with pytest.raises(BadRequest):
        parse_page({"limit": value})


@pytest.mark.parametrize(
    "series", ["abc\n", "abc\r\n", "\nabc", "ab c", "ａｂｃ", "a" * 201, "a/b", ""]
)
def test_validate_series_id_rejects_newlines_and_lookalikes(series: str) -> None:
    """A trailing newline is not a series id (``$`` would match before it; fullmatch does not)."""
    with pytest.raises(BadRequest):
        validate_series_id(series)


@pytest.mark.parametrize("name", ["signup\n", "signup\r", "ｓｉｇｎｕｐ", "sign up"])
def test_validate_event_name_rejects_newlines_and_lookalikes(name: str) -> None:
    """Event names are ASCII without a trailing newline."""
    with pytest.raises(ValidationFailed) as caught:
        validate_event({"name": name, "value": 1}, NOW)
    assert caught.value.field == "name"


@pytest.mark.parametrize("value", [10**400, -(10**400), 1e308 * 10])
def test_validate_event_huge_numbers_are_422(value: float) -> None:
    """Integers beyond a float and infinities are a 422 on ``value``, not an OverflowError."""
    with pytest.raises(ValidationFailed) as caught:
        validate_event({"name": "a", "value": value}, NOW)
    assert caught.value.field == "value"


@pytest.mark.parametrize(
    "body",
    ["not base64!", "e30", "e30===", "4pyT\n"],
)
def test_decode_body_rejects_broken_base64(body: str) -> None:
    """Broken or badly padded base64 is a 400, not a binascii error."""
    with pytest.raises(BadRequest, match="base64"):
        decode_body(body, True)


def test_decode_body_non_utf8_inside_base64_is_400_at_parse() -> None:
    """Valid base64 of bytes that are not UTF-8: the body is named as not UTF-8."""
    raw = decode_body(base64.b64encode(b'{"name":"\xff"}').decode(), True)
    with pytest.raises(BadRequest, match="not UTF-8"):
        parse_json(raw)


def test_decode_body_lone_surrogate_is_400_at_parse() -> None:
    """A text body with a lone surrogate (not encodable as UTF-8) is a 400 too."""
    with pytest.raises(BadRequest, match="not UTF-8"):
        parse_json(decode_body('{"name":"\ud800"}', False))


def test_validate_event_negative_zero_is_zero() -> None:
    """-0 and 0 are one value: the same stored number and the same request fingerprint, so a
    retry that spells it differently replays instead of failing with a reused key."""
    negative = validate_event({"name": "a", "value": -0.0}, NOW)
    positive = validate_event({"name": "a", "value": 0}, NOW)
    assert str(negative.value) == "0.0"
    assert negative.fingerprint() == positive.fingerprint()


@pytest.mark.parametrize("param", ["bucket", "start", "end"])
def test_parse_summary_query_empty_parameter_is_400_naming_it(param: str) -> None:
    """``bucket=`` (or ``start=``, ``end=``) present but empty is refused, not read as the
    default."""
    with pytest.raises(BadRequest, match=param):
        parse_summary_query({"name": "x", param: ""}, NOW)


@pytest.mark.parametrize(
    "value",
    [
        "1970-01-01T00:30:00+01:00",  # 1969-12-31T23:30Z
        "2999-12-31T23:59:59-23:59",  # 3000-01-01Z
        "0001-01-01T00:00:00+14:00",  # before datetime's range in UTC
        "9999-12-31T23:59:59-23:59",  # after datetime's range in UTC
    ],
)
def test_parse_instant_year_range_is_checked_in_utc(value: str) -> None:
    """The 1970-2999 range applies to the instant in UTC, as for epoch seconds; times that
    convert past datetime's range are a 400 too, not an OverflowError."""
    with pytest.raises(BadRequest, match="start"):
        parse_instant(value, "start", BadRequest)


def test_parse_instant_offset_inside_range_is_converted() -> None:
    """A local time whose UTC instant is inside the range is accepted and given in UTC."""
    assert parse_instant("1970-01-01T01:30:00+01:00", "t") == datetime(
        1970, 1, 1, 0, 30, tzinfo=UTC
    )
