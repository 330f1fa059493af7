"""The library's shape: components take plain inputs, add nothing after their constructor,
and register their outputs last."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
import typing

import pulumi
import pytest

from components import COMPONENTS
from stack_settings import Settings

ARGS = {component: typing.get_type_hints(component.__init__)["args"] for component in COMPONENTS}


def _types_in(annotation: object) -> list[object]:
    """Every type an annotation names, through unions, Input, Sequence and the like."""
    found = [annotation]
    for argument in typing.get_args(annotation):
        found += _types_in(argument)
    return found


def _fields(cls: type) -> list[tuple[str, object]]:
    out = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        out.append((f"{cls.__name__}.{field.name}", field.type))
        for named in _types_in(field.type):
            if dataclasses.is_dataclass(named) and isinstance(named, type):
                out += _fields(named)
    return out


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_structure_args_hold_no_settings_and_no_resource(component: type) -> None:
    """Another program can build every Args from plain values and outputs."""
    for name, annotation in _fields(ARGS[component]):
        for named in _types_in(annotation):
            assert named is not Settings, f"{name} takes the stack settings"
            is_resource = isinstance(named, type) and issubclass(named, pulumi.Resource)
            assert not is_resource, f"{name} takes a resource object ({named})"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_structure_register_outputs_is_the_constructors_last_line(component: type) -> None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(component.__init__)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    last = body[-1]
    call = last.value if isinstance(last, ast.Expr) else None
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), (
        f"{component.__name__}.__init__ does not end with a call"
    )
    assert call.func.attr == "register_outputs", (
        f"{component.__name__}.__init__ ends with {ast.unparse(last)}"
    )


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_structure_components_offer_nothing_to_call_after_construction(component: type) -> None:
    """A public method could add children after register_outputs (as finish() once did)."""
    public = [
        name
        for name, value in vars(component).items()
        if callable(value) and not name.startswith("_")
    ]
    assert public == [], f"{component.__name__} has public methods {public}"
