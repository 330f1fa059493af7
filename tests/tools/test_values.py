"""Wire values made printable: secrets redacted, special values described."""

from __future__ import annotations

from tests.tools.builders import secret, struct
from tools.preview.values import (
    ARCHIVE_SIG,
    RESOURCE_SIG,
    SIG_KEY,
    UNKNOWN,
    plain_properties,
    scrub,
    secret_strings,
)


def test_plain_properties_redacts_top_level_secret() -> None:
    assert plain_properties(struct({"password": secret("hunter2!")})) == {"password": "[secret]"}


def test_plain_properties_redacts_secret_nested_in_list() -> None:
    wire = struct({"env": {"vars": [{"k": secret("s3cr3t")}]}})
    assert plain_properties(wire) == {"env": {"vars": [{"k": "[secret]"}]}}


def test_plain_properties_turns_whole_numbers_into_ints() -> None:
    assert plain_properties(struct({"port": 5432, "ratio": 0.5})) == {"port": 5432, "ratio": 0.5}


def test_plain_properties_shows_unknown_as_computed() -> None:
    assert plain_properties(struct({"arn": UNKNOWN})) == {"arn": "[computed]"}


def test_plain_properties_describes_archive_by_path() -> None:
    wire = struct({"code": {SIG_KEY: ARCHIVE_SIG, "path": "functions/api"}})
    assert plain_properties(wire) == {"code": "[archive path=functions/api]"}


def test_plain_properties_shows_resource_reference_as_urn() -> None:
    wire = struct({"role": {SIG_KEY: RESOURCE_SIG, "urn": "urn:pulumi:a::b::c::d", "id": "x"}})
    assert plain_properties(wire) == {"role": "urn:pulumi:a::b::c::d"}


def test_secret_strings_finds_strings_inside_secrets_only() -> None:
    wire = struct({"a": secret({"user": "app", "password": "pa55word"}), "b": "visible"})
    assert secret_strings(wire) == {"pa55word"}


def test_scrub_replaces_every_occurrence() -> None:
    assert scrub("x=pa55word; y=pa55word", {"pa55word"}) == "x=[secret]; y=[secret]"
