"""A resource's options as the program registered them: one model for the mocks, the preview and
the analyzer host.

The mocks record them off each ``RegisterResource`` request, the preview carries them from the
program's child process as JSON (``to_json``/``from_json``) and the analyzer host hands them to a
policy pack after the conversions the engine applies on the way (timeouts in seconds, the
provider reference reduced to its URN).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TIMEOUT_OPERATIONS = ("create", "update", "delete")
"""The operations a ``customTimeouts`` option can time (``pulumi.CustomTimeouts``)."""

_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek mu; Go accepts both spellings
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_MAX_NANOSECONDS = (1 << 63) - 1
"""Go's ``time.Duration`` is an int64 count of nanoseconds."""
_DURATION_HINT = "a number and a unit (ns, us, ms, s, m, h), e.g. '30m' or '1h30m'"


def duration_seconds(text: str) -> float:
    """A Go duration (``"1h30m"``, ``"45s"``, ``"2.5m"``, ``"-1.5h"``, ``"0"``) in seconds.

    Reads ``text`` the way Go's ``time.ParseDuration`` does, which is how the engine reads a
    custom timeout (``generateTimeoutInSeconds``); raises ``ValueError`` for any text Go rejects
    (no unit, an unknown unit, trailing text, an empty string, more than an int64 of ns).
    """
    body = text[1:] if text[:1] in ("+", "-") else text
    negative = text.startswith("-")
    if body == "0":
        return 0.0
    if not body:
        raise ValueError(f"invalid duration {text!r}: expected {_DURATION_HINT}")
    nanoseconds, position = 0, 0
    while position < len(body):
        part = _DURATION_PART.match(body, position)
        if part is None or not (part[1] or part[2]):
            raise ValueError(f"invalid duration {text!r}: expected {_DURATION_HINT}")
        whole, fraction, unit = part.groups()
        scale = _NANOSECONDS[unit]
        nanoseconds += int(whole or 0) * scale
        if fraction:
            # Go adds the fraction as float64(f) * (float64(unit) / 10^digits), truncated.
            nanoseconds += int(int(fraction) * (scale / 10 ** len(fraction)))
        position = part.end()
    if nanoseconds > _MAX_NANOSECONDS + negative:
        raise ValueError(f"invalid duration {text!r}: more than Go's int64 of nanoseconds")
    return (-nanoseconds if negative else nanoseconds) / 1e9


@dataclass(frozen=True)
class ResourceOptions:
    """The options one resource registered, exactly as its ``RegisterResource`` request said.

    Unset is not the same as false: ``protect``, ``delete_before_replace`` and
    ``retain_on_delete`` are ``None`` when the request left them unset (the engine then takes
    the parent's, or its default). Durations stay the program's text; ``timeout_seconds`` gives
    what the engine makes of them. Construction checks what the engine would refuse.
    """

    protect: bool | None = None
    """``None`` when not registered (the engine then takes the parent's)."""
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    """``None`` when not registered (``deleteBeforeReplaceDefined`` is false on the wire)."""
    retain_on_delete: bool | None = None
    """``None`` when not registered (the engine then takes the parent's)."""
    replace_on_changes: tuple[str, ...] = ()
    deleted_with: str = ""
    """The URN whose deletion stands in for this resource's own (the engine skips its delete)."""
    custom_timeouts: Mapping[str, str] = field(default_factory=dict)
    """Only the operations the program timed, as it wrote them (``{"delete": "30m"}``)."""
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per input, the URNs its value came from."""
    provider: str = ""
    """The provider reference ``<provider URN>::<provider id>``; empty when the program named no
    provider (the engine then picks its default one)."""
    aliases: tuple[str, ...] = ()
    """URNs the resource was known by before (its ``aliases`` option), resolved."""
    additional_secret_outputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for operation, text in self.custom_timeouts.items():
            if operation not in TIMEOUT_OPERATIONS:
                raise ValueError(
                    f"customTimeouts has {operation!r}; expected {', '.join(TIMEOUT_OPERATIONS)}"
                )
            try:
                duration_seconds(text)
            except ValueError as error:
                # The engine refuses the registration: "unable to parse customTimeout Value".
                raise ValueError(f"customTimeouts.{operation}: {error}") from error
        urn = self.provider_urn
        if self.provider and not (urn.startswith("urn:pulumi:") and urn.count("::") >= 3):
            raise ValueError(
                f"provider {self.provider!r} is not a reference '<urn>::<id>' "
                "(a URN reads 'urn:pulumi:<stack>::<project>::<type>::<name>')"
            )

    @property
    def provider_urn(self) -> str:
        """The provider resource's URN: the reference up to its last ``::`` (the engine's
        ``providers.ParseReference``); empty when the program named no provider."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    def timeout_seconds(self) -> dict[str, float]:
        """Every operation's timeout in seconds, 0 where none was set: what a pack receives."""
        return {
            operation: duration_seconds(self.custom_timeouts[operation])
            if operation in self.custom_timeouts
            else 0.0
            for operation in TIMEOUT_OPERATIONS
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON object of every option (camelCase, as on the wire); ``from_json`` reads it."""
        return {
            "protect": self.protect,
            "ignoreChanges": list(self.ignore_changes),
            "deleteBeforeReplace": self.delete_before_replace,
            "retainOnDelete": self.retain_on_delete,
            "replaceOnChanges": list(self.replace_on_changes),
            "deletedWith": self.deleted_with,
            "customTimeouts": dict(self.custom_timeouts),
            "dependencies": list(self.dependencies),
            "propertyDependencies": {
                key: list(urns) for key, urns in self.property_dependencies.items()
            },
            "provider": self.provider,
            "aliases": list(self.aliases),
            "additionalSecretOutputs": list(self.additional_secret_outputs),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceOptions:
        """The options ``to_json`` wrote; a missing key is an unset option, a wrong one an error."""
        if not isinstance(data, Mapping):
            raise ValueError(f"resource options must be a JSON object, got {type(data).__name__}")
        unknown = set(data) - _JSON_KEYS
        if unknown:
            raise ValueError(f"resource options have unknown keys: {', '.join(sorted(unknown))}")
        return cls(
            protect=_optional_bool(data, "protect"),
            ignore_changes=_strings(data.get("ignoreChanges", ()), "ignoreChanges"),
            delete_before_replace=_optional_bool(data, "deleteBeforeReplace"),
            retain_on_delete=_optional_bool(data, "retainOnDelete"),
            replace_on_changes=_strings(data.get("replaceOnChanges", ()), "replaceOnChanges"),
            deleted_with=_string(data, "deletedWith"),
            custom_timeouts=_string_map(data, "customTimeouts"),
            dependencies=_strings(data.get("dependencies", ()), "dependencies"),
            property_dependencies={
                key: _strings(urns, f"propertyDependencies.{key}")
                for key, urns in _mapping(data, "propertyDependencies").items()
            },
            provider=_string(data, "provider"),
            aliases=_strings(data.get("aliases", ()), "aliases"),
            additional_secret_outputs=_strings(
                data.get("additionalSecretOutputs", ()), "additionalSecretOutputs"
            ),
        )


_JSON_KEYS = frozenset(ResourceOptions().to_json())


def _optional_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"resource option {key} must be true, false or null, got {value!r}")
    return value


def _string(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"resource option {key} must be a string, got {value!r}")
    return value


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not all(isinstance(item, str) for item in value)
    ):
        raise ValueError(f"resource option {name} must be a list of strings, got {value!r}")
    return tuple(value)


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"resource option {key} must be an object, got {value!r}")
    return value


def _string_map(data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = _mapping(data, key)
    if not all(isinstance(item, str) for item in value.values()):
        raise ValueError(f"resource option {key} must map names to strings, got {value!r}")
    return dict(value)
