"""Pulumi property paths as ``ignoreChanges`` and ``replaceOnChanges`` take them.

The syntax is Pulumi's (``resource.ParsePropertyPath``): dotted names, ``[N]`` indices,
``["key"]`` for a key holding dots or brackets, ``*`` / ``[*]`` for every key or element.
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.preview.property_paths import (
    WILDCARD,
    PropertyPathError,
    changed_paths,
    contains,
    parse_path,
    reset,
)
from tools.preview.values import SECRET_SIG, SIG_KEY


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("engine", ("engine",)),
        ("tags.Name", ("tags", "Name")),
        ('tags["Name"]', ("tags", "Name")),
        ('tags["kubernetes.io/cluster"]', ("tags", "kubernetes.io/cluster")),
        ('tags["a\\"b"]', ("tags", 'a"b')),
        ("ingress[0].cidrBlocks", ("ingress", 0, "cidrBlocks")),
        ("ingress[*].cidrBlocks", ("ingress", WILDCARD, "cidrBlocks")),
        ("tags.*", ("tags", WILDCARD)),
        ("*", (WILDCARD,)),
        ("a[1][2]", ("a", 1, 2)),
    ],
)
def test_parse_path_reads_pulumi_property_path_syntax(text: str, segments: tuple[Any, ...]) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize("text", ["", ".tags", "tags[", "tags[x]", 'tags["open', "tags]"])
def test_parse_path_rejects_what_is_not_a_path_naming_it(text: str) -> None:
    with pytest.raises(PropertyPathError, match="property path"):
        parse_path(text)


def test_contains_holds_the_path_itself_and_what_lies_under_it() -> None:
    tags = parse_path("tags")
    assert contains(tags, parse_path("tags"))
    assert contains(tags, parse_path("tags.Name"))
    assert not contains(parse_path("tags.Name"), parse_path("tags"))
    assert not contains(parse_path("tags.Name"), parse_path("tags.Owner"))
    assert not contains(tags, parse_path("tagsAll"))


def test_contains_matches_any_one_segment_with_a_wildcard() -> None:
    rule = parse_path("ingress[*].cidrBlocks")
    assert contains(rule, ("ingress", 3, "cidrBlocks", 0))
    assert not contains(rule, ("ingress", 3, "fromPort"))


def test_changed_paths_are_the_leaves_that_differ() -> None:
    old = {"tags": {"Name": "a", "Owner": "x"}, "size": 1, "list": [1, 2]}
    new = {"tags": {"Name": "b", "Owner": "x"}, "size": 1, "list": [1, 3, 4], "extra": True}
    assert changed_paths(old, new) == {
        ("tags", "Name"),
        ("list", 1),
        ("list", 2),
        ("extra",),
    }


def test_changed_paths_count_a_value_made_secret_as_a_change() -> None:
    secret = {SIG_KEY: SECRET_SIG, "value": "p"}
    assert changed_paths({"password": "p"}, {"password": secret}) == {("password",)}
    assert changed_paths({"password": secret}, {"password": dict(secret)}) == set()


def test_reset_takes_the_old_value_at_the_path_and_keeps_the_rest_new() -> None:
    old = {"tags": {"Name": "a", "Owner": "x"}}
    new = {"tags": {"Name": "b", "Owner": "y"}}
    assert reset(old, new, parse_path("tags.Name")) == {"tags": {"Name": "a", "Owner": "y"}}
    assert new == {"tags": {"Name": "b", "Owner": "y"}}, "the new inputs are not changed"


def test_reset_removes_what_the_old_inputs_lack() -> None:
    """The engine removes an ignored value the state does not have: no diff appears."""
    assert reset({"tags": {}}, {"tags": {"Name": "b"}}, parse_path("tags.Name")) == {"tags": {}}


def test_reset_with_a_wildcard_covers_every_element() -> None:
    old = {"ingress": [{"cidr": "10.0.0.0/8", "port": 443}, {"cidr": "10.1.0.0/16", "port": 80}]}
    new = {"ingress": [{"cidr": "0.0.0.0/0", "port": 443}, {"cidr": "0.0.0.0/0", "port": 8080}]}
    kept = reset(old, new, parse_path("ingress[*].cidr"))
    assert changed_paths(old, kept) == {("ingress", 1, "port")}


def test_reset_passes_through_a_secret_and_keeps_it_secret() -> None:
    old = {"settings": {SIG_KEY: SECRET_SIG, "value": {"a": 1, "b": 1}}}
    new = {"settings": {SIG_KEY: SECRET_SIG, "value": {"a": 2, "b": 2}}}
    kept = reset(old, new, parse_path("settings.a"))
    assert kept == {"settings": {SIG_KEY: SECRET_SIG, "value": {"a": 1, "b": 2}}}


def test_reset_of_a_path_that_leads_nowhere_changes_nothing() -> None:
    new = {"size": 2}
    assert reset({"size": 1}, new, parse_path("size.inner")) == new
    assert reset({}, new, parse_path("tags.Name")) == new
