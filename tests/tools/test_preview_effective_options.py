"""Effective options: what a resource sets itself, else what its ancestors set."""

from __future__ import annotations

import pytest

from tests.tools.builders import STACK_URN, resource, stack
from tools.preview.analysis import analyzed_resource
from tools.preview.model import PreviewResource, UnresolvedOptionsError
from tools.preview.options import resolve_options
from tools.preview.report_json import build_report

DB = "aws:rds/instance:Instance"


def _component(name: str, parent: str = STACK_URN, **options: object) -> PreviewResource:
    built = resource("test:index:Group", name, parent=parent, **options)
    return PreviewResource(
        built.urn, built.type, name, parent, False, built.inputs, built.outputs, built.options
    )


def test_resolve_options_inherits_retain_and_deleted_with_from_a_grandparent() -> None:
    outer = _component("outer", retain_on_delete=True, deleted_with="urn:x")
    inner = _component("inner", parent=outer.urn)
    db = resource(DB, "db", parent=inner.urn)
    effective = resolve_options([stack(), outer, inner, db])[-1].lifecycle
    assert effective.retain_on_delete and effective.deleted_with == "urn:x"
    assert effective.inherited(db.urn) == {"retainOnDelete": outer.urn, "deletedWith": outer.urn}


def test_resolve_options_lets_a_child_s_own_false_override_its_parent() -> None:
    outer = _component("outer", retain_on_delete=True)
    db = resource(DB, "db", parent=outer.urn, retain_on_delete=False)
    effective = resolve_options([stack(), outer, db])[-1].lifecycle
    assert not effective.retain_on_delete and "retainOnDelete" not in effective.sources


def test_resolve_options_reports_own_options_as_not_inherited() -> None:
    db = resource(DB, "db", protect=True, retain_on_delete=True)
    effective = resolve_options([stack(), db])[-1].lifecycle
    assert effective.protect and effective.retain_on_delete
    assert effective.inherited(db.urn) == {}


def test_resolve_options_counts_protect_the_sdk_copied_as_inherited() -> None:
    outer = _component("outer", protect=True)
    db = resource(DB, "db", parent=outer.urn, protect=True)
    assert resolve_options([stack(), outer, db])[-1].lifecycle.inherited(db.urn) == {
        "protect": outer.urn
    }


def test_report_json_gives_effective_options_and_where_they_came_from() -> None:
    outer = _component("outer", retain_on_delete=True)
    db = resource(DB, "db", parent=outer.urn)
    report = build_report("test", resolve_options([stack(), outer, db]), [])
    [entry] = [e for e in report["resources"] if e["urn"] == db.urn]
    assert entry["options"]["retainOnDelete"] is False, "as registered"
    assert entry["effectiveOptions"]["retainOnDelete"] is True
    assert entry["effectiveOptions"]["inheritedFrom"] == {"retainOnDelete": outer.urn}
    [step] = [s for s in report["destroy"]["order"] if s["urn"] == db.urn]
    assert step["action"] == "retain", step


def test_analyzed_resource_hands_the_pack_the_inherited_protect() -> None:
    outer = _component("outer", protect=True)
    db = resource(DB, "db", parent=outer.urn)
    resolved = resolve_options([stack(), outer, db])[-1]
    assert analyzed_resource(resolved, for_stack=False).options.protect is True


def test_effective_options_of_an_unresolved_resource_are_refused_not_guessed() -> None:
    # Its own options alone would hide the retain it inherits: a caller that skipped
    # resolve_options is told so instead of getting a wrong answer.
    outer = _component("outer", retain_on_delete=True)
    db = resource(DB, "db", parent=outer.urn)
    with pytest.raises(UnresolvedOptionsError, match=r"db: effective options not resolved"):
        _ = db.lifecycle
    assert resolve_options([stack(), outer, db])[-1].lifecycle.retain_on_delete
