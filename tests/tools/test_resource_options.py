"""The one model of a resource's options: JSON round trip, Go durations, provider references."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tools.resource_options import ResourceOptions, duration_seconds

PROVIDER_URN = "urn:pulumi:dev::cw-analytics::pulumi:providers:aws::eu"
UNKNOWN_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
QUEUE = "urn:pulumi:dev::cw-analytics::aws:sqs/queue:Queue::queue"
KEY = "urn:pulumi:dev::cw-analytics::aws:kms/key:Key::key"

EVERY_OPTION = ResourceOptions(
    protect=True,
    ignore_changes=("tags", "policy"),
    delete_before_replace=False,
    retain_on_delete=True,
    replace_on_changes=("name",),
    deleted_with=QUEUE,
    custom_timeouts={"create": "5m", "delete": "1h30m"},
    dependencies=(KEY, QUEUE),
    property_dependencies={"kmsMasterKeyId": (KEY,), "tags": ()},
    provider=f"{PROVIDER_URN}::{UNKNOWN_ID}",
    aliases=("urn:pulumi:dev::cw-analytics::aws:sqs/queue:Queue::old-queue",),
    additional_secret_outputs=("url",),
)


def _through_json(options: ResourceOptions) -> ResourceOptions:
    return ResourceOptions.from_json(json.loads(json.dumps(options.to_json())))


def test_resource_options_json_round_trip_keeps_every_field() -> None:
    unset = [
        f.name
        for f in dataclasses.fields(ResourceOptions)
        if getattr(EVERY_OPTION, f.name) == getattr(ResourceOptions(), f.name)
    ]
    assert unset == [], f"the sample leaves {unset} unset, so the round trip would not test them"
    assert _through_json(EVERY_OPTION) == EVERY_OPTION


@pytest.mark.parametrize("field", ["protect", "delete_before_replace", "retain_on_delete"])
@pytest.mark.parametrize("value", [None, False, True])
def test_resource_options_json_keeps_unset_apart_from_false(field: str, value: bool | None) -> None:
    options = ResourceOptions(**{field: value})
    assert getattr(_through_json(options), field) is value, options.to_json()


def test_resource_options_json_writes_unset_as_null() -> None:
    written = ResourceOptions(retain_on_delete=False).to_json()
    assert written["protect"] is None and written["retainOnDelete"] is False, written


def test_resource_options_from_json_reads_missing_keys_as_unset() -> None:
    assert ResourceOptions.from_json({}) == ResourceOptions()


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"protect": "yes"}, "protect"),
        ({"ignoreChanges": "tags"}, "ignoreChanges"),
        ({"dependencies": [1]}, "dependencies"),
        ({"propertyDependencies": {"vpcId": "urn"}}, "propertyDependencies.vpcId"),
        ({"customTimeouts": {"create": 300}}, "customTimeouts"),
        ({"deletedWith": None}, "deletedWith"),
        ({"retainOndelete": True}, "retainOndelete"),
    ],
)
def test_resource_options_from_json_names_the_bad_key(document: dict, named: str) -> None:
    with pytest.raises(ValueError, match=f"{named}"):
        ResourceOptions.from_json(document)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        # The examples of Go's time.ParseDuration documentation.
        ("300ms", 0.3),
        ("-1.5h", -5400.0),
        ("2h45m", 9900.0),
        ("1h30m", 5400.0),
        ("2.5m", 150.0),
        ("45s", 45.0),
        ("1500ms", 1.5),
        ("300us", 0.0003),
        ("300\u00b5s", 0.0003),
        ("300\u03bcs", 0.0003),
        ("10ns", 1e-8),
        ("+5m", 300.0),
        (".5s", 0.5),
        ("1.s", 1.0),
        ("0", 0.0),
        ("-0", 0.0),
        ("1h1m1s", 3661.0),
        ("0.1s", 0.1),
    ],
)
def test_duration_seconds_reads_what_go_reads(text: str, seconds: float) -> None:
    assert duration_seconds(text) == pytest.approx(seconds), text


@pytest.mark.parametrize(
    "text",
    ["bad", "5", "", "-", "5m soon", " 5m", "5 m", "1d", "1e3s", ".s", "5M", "9223372037s"],
)
def test_duration_seconds_refuses_what_go_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        duration_seconds(text)


def test_duration_seconds_takes_the_smallest_int64_duration() -> None:
    assert duration_seconds("-9223372036854775808ns") == pytest.approx(-9223372036.854775808)


def test_resource_options_refuse_a_timeout_the_engine_cannot_parse() -> None:
    with pytest.raises(ValueError, match=r"customTimeouts\.delete: invalid duration '45 minutes'"):
        ResourceOptions(custom_timeouts={"delete": "45 minutes"})


def test_resource_options_refuse_a_timeout_for_another_operation() -> None:
    with pytest.raises(ValueError, match="'read'; expected create, update, delete"):
        ResourceOptions(custom_timeouts={"read": "5m"})


def test_resource_options_timeout_seconds_gives_zero_for_untimed_operations() -> None:
    assert EVERY_OPTION.timeout_seconds() == {"create": 300.0, "update": 0.0, "delete": 5400.0}


def test_resource_options_provider_urn_drops_the_id_of_the_reference() -> None:
    assert EVERY_OPTION.provider_urn == PROVIDER_URN


def test_resource_options_provider_urn_is_empty_when_no_provider_is_named() -> None:
    assert ResourceOptions().provider_urn == ""


def test_resource_options_refuse_a_provider_urn_without_id() -> None:
    with pytest.raises(ValueError, match="is not a reference '<urn>::<id>'"):
        ResourceOptions(provider=PROVIDER_URN)
