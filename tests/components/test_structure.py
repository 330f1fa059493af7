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


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _declared_outputs(component: type) -> set[str]:
    """The public attributes the class annotates: what the component package schema and Python
    callers see as its outputs."""
    return {name for name in vars(component).get("__annotations__", {}) if not name.startswith("_")}


def _registered_outputs(component: type) -> dict[str, str]:
    """``register_outputs``' dict literal as {key: the ``self`` attribute it passes}."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(component.__init__)))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register_outputs"
    ]
    assert len(calls) == 1, f"{component.__name__} calls register_outputs {len(calls)} times"
    [outputs] = calls[0].args
    assert isinstance(outputs, ast.Dict), f"{component.__name__} registers {ast.unparse(outputs)}"
    registered = {}
    for key, value in zip(outputs.keys, outputs.values, strict=True):
        assert isinstance(key, ast.Constant), f"{component.__name__}: computed output key"
        is_self = isinstance(value, ast.Attribute) and ast.unparse(value.value) == "self"
        registered[key.value] = value.attr if is_self else ast.unparse(value)  # type: ignore[union-attr]
    return registered


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_structure_register_outputs_covers_every_declared_output(component: type) -> None:
    """Each annotated output is registered under its camelCase name: what the engine records as
    the component's outputs (and a stack reference or another language reads) is all of them."""
    declared = _declared_outputs(component)
    assert declared, f"{component.__name__} declares no outputs"
    registered = _registered_outputs(component)
    expected = {_camel(name): name for name in declared}
    missing = sorted(key for key in expected if registered.get(key) != expected[key])
    assert missing == [], f"{component.__name__} does not register {missing}"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_structure_register_outputs_registers_only_declared_outputs(component: type) -> None:
    """An output registered but not annotated is invisible to the package schema."""
    declared = _declared_outputs(component)
    undeclared = sorted(v for v in _registered_outputs(component).values() if v not in declared)
    assert undeclared == [], f"{component.__name__} registers undeclared {undeclared}"


def test_structure_register_outputs_check_reports_a_missing_output() -> None:
    """The check itself: a component that forgets an annotated output is caught."""

    class Forgetful(pulumi.ComponentResource):
        kept: pulumi.Output[str]
        forgotten: pulumi.Output[str]

        def __init__(self) -> None:
            self.register_outputs({"kept": self.kept})

    registered = _registered_outputs(Forgetful)
    assert _declared_outputs(Forgetful) - set(registered.values()) == {"forgotten"}
