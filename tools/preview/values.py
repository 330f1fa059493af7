"""Turn wire property values into plain, printable JSON values, secrets redacted.

The SDK marks special values inside a ``Struct`` with a signature key: secrets, assets,
archives, resource references and output values. A preview must show what a resource is
given without ever showing a secret, so every secret becomes ``"[secret]"`` here, the only
place that reads wire values for display.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf import struct_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

REDACTED = "[secret]"
COMPUTED = "[computed]"
# Shorter strings are too likely to occur by chance in unrelated text to be scrubbed.
_MIN_SCRUBBED_SECRET = 4

JsonValue = Any


def plain_properties(struct: struct_pb2.Struct) -> dict[str, JsonValue]:
    """A property map as JSON values: secrets redacted, assets and references described."""
    return {key: _plain(value) for key, value in sorted(struct.fields.items())}


def _plain(value: struct_pb2.Value) -> JsonValue:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _plain_struct(value.struct_value)
    if kind == "list_value":
        return [_plain(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return COMPUTED if value.string_value == UNKNOWN else value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def _plain_struct(struct: struct_pb2.Struct) -> JsonValue:
    fields = struct.fields
    if SIG_KEY not in fields:
        return {key: _plain(item) for key, item in sorted(fields.items())}
    sig = fields[SIG_KEY].string_value
    if _is_secret_marker(fields):
        return REDACTED
    if sig == OUTPUT_SIG:
        return _plain(fields["value"]) if "value" in fields else COMPUTED
    if sig == RESOURCE_SIG:
        return fields["urn"].string_value if "urn" in fields else COMPUTED
    if sig in (ASSET_SIG, ARCHIVE_SIG):
        return _describe_asset(sig, fields)
    return {key: _plain(item) for key, item in sorted(fields.items()) if key != SIG_KEY}


def _describe_asset(sig: str, fields: Any) -> str:
    kind = "asset" if sig == ASSET_SIG else "archive"
    for source in ("path", "uri"):
        if source in fields:
            return f"[{kind} {source}={fields[source].string_value}]"
    if "text" in fields:
        return f"[{kind} text, {len(fields['text'].string_value)} chars]"
    if "assets" in fields:
        return f"[{kind} of {len(fields['assets'].struct_value.fields)} entries]"
    return f"[{kind}]"


def secret_strings(struct: struct_pb2.Struct) -> set[str]:
    """Every string held inside a secret in a property map, to scrub from free text."""
    found: set[str] = set()
    for value in struct.fields.values():
        found.update(_secrets_in(value, inside_secret=False))
    return found


def _secrets_in(value: struct_pb2.Value, *, inside_secret: bool) -> Iterator[str]:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        if inside_secret and len(value.string_value) >= _MIN_SCRUBBED_SECRET:
            yield value.string_value
    elif kind == "list_value":
        for item in value.list_value.values:
            yield from _secrets_in(item, inside_secret=inside_secret)
    elif kind == "struct_value":
        fields = value.struct_value.fields
        secret = inside_secret or _is_secret_marker(fields)
        for key, item in fields.items():
            if key != SIG_KEY:
                yield from _secrets_in(item, inside_secret=secret)


def _is_secret_marker(fields: Any) -> bool:
    if SIG_KEY not in fields:
        return False
    sig = fields[SIG_KEY].string_value
    return sig == SECRET_SIG or (
        sig == OUTPUT_SIG and "secret" in fields and fields["secret"].bool_value
    )


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every known secret value replaced by ``[secret]`` (longest first)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
