"""Component arguments as the component package delivers them: plain dicts, turned into Args.

A Python program passes each component its frozen Args dataclass. Pulumi's component provider
(``components/provider.py``, serving TypeScript, Go or YAML programs) passes the same fields as a
plain dict keyed by the Python field names, nested types as nested dicts. ``from_inputs`` turns
either into the dataclass, so a component has one code path.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    Defaulted = Annotated[T, "optional in the package schema"]
else:

    class Defaulted:
        """``Defaulted[X]`` marks an Args field that has a default.

        Type checkers see ``X``: in Python the field always holds an ``X``. At run time the
        annotation is ``Optional[X]``, because Pulumi's schema analyzer infers "optional" only
        from ``Optional``; without it, every field with a default would be a required input
        in the TypeScript, Go and YAML SDKs. A ``None`` from the provider (an input left out)
        is replaced by the field's default in ``from_inputs``.
        """

        def __class_getitem__(cls, item: Any) -> Any:
            return Optional[item]  # noqa: UP045 - the analyzer recognises this spelling


class ArgsError(TypeError):
    """Component arguments missing a required field or naming an unknown one."""


class InvalidArgsError(ValueError):
    """Component arguments holding a value the component cannot build: the message names the
    component, its resource name, the field, the value and the rule."""


class ArgsCheck:
    """Collects every broken rule of one component's Args, then raises them together.

    A component runs its checks before it registers any resource, so a bad value fails the
    preview naming what is wrong instead of a deployment failing half way.
    """

    def __init__(self, component: str, resource_name: str) -> None:
        self.where = f"{component} '{resource_name}'"
        self.problems: list[str] = []

    def require(self, ok: bool, field: str, value: Any, rule: str) -> None:
        """Record ``field`` = ``value`` breaking ``rule`` unless ``ok``."""
        if not ok:
            self.problems.append(f"{field} {value!r} {rule}")

    def done(self) -> None:
        """Raise ``InvalidArgsError`` listing every recorded problem, if any."""
        if len(self.problems) == 1:
            raise InvalidArgsError(f"{self.where}: {self.problems[0]}")
        if self.problems:
            raise InvalidArgsError(f"{self.where}:\n  - " + "\n  - ".join(self.problems))


def default_of(cls: type, name: str) -> Any:
    """The default of one field of an Args dataclass (a program's settings take it from here,
    so each default is written once)."""
    for field in dataclasses.fields(cls):
        if field.name == name:
            if field.default is not dataclasses.MISSING:
                return field.default
            if field.default_factory is not dataclasses.MISSING:
                return field.default_factory()
            raise ArgsError(f"{cls.__name__}.{name} has no default")
    raise ArgsError(f"{cls.__name__} has no field '{name}'")


def from_inputs(cls: type[T], value: T | Mapping[str, Any]) -> T:
    """``value`` itself when it is a ``cls``; a ``cls`` built from it when it is a mapping."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise ArgsError(f"{cls.__name__}: expected {cls.__name__} or a mapping, got {value!r}")
    if not dataclasses.is_dataclass(cls):
        raise ArgsError(f"{cls.__name__} is not a dataclass")
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise ArgsError(f"{cls.__name__}: unknown fields {unknown} (known: {sorted(fields)})")
    built: dict[str, Any] = {}
    for name, field in fields.items():
        # An input the program left out arrives missing or as None: the field's default.
        if name not in value or value[name] is None:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                raise ArgsError(f"{cls.__name__}: required field '{name}' is missing")
            continue
        built[name] = _convert(field.type, value[name])
    return cls(**built)


def _convert(hint: Any, value: Any) -> Any:
    """Nested dataclasses (alone or in a list) built from their dicts; anything else as is."""
    target = _nested_dataclass(hint)
    if target is not None and isinstance(value, Mapping):
        return from_inputs(target, value)
    origin = typing.get_origin(hint)
    if origin in (list, Sequence, typing.Sequence) and isinstance(value, list | tuple):
        (item,) = typing.get_args(hint) or (Any,)
        if _nested_dataclass(item) is not None:
            return [_convert(item, element) for element in value]
    return value


def _nested_dataclass(hint: Any) -> type | None:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for member in typing.get_args(hint):
            if isinstance(member, type) and dataclasses.is_dataclass(member):
                return member
    return None
