"""Check ``Pulumi.yaml`` the way the Pulumi CLI does before it runs anything.

The CLI loads a project file in three steps (``sdk/go/common/workspace``: ``loaders.go``,
``project.go``, the JSON schema ``project.json``): a string ``config:`` is the old spelling of
``stackConfigDir``; shorthand entries (``key: value``) become ``default:`` for the project's own
keys and ``value:`` for another namespace's; then the schema and ``Project.Validate`` run. What
they refuse is refused here with the CLI's wording, so a project file that the CLI would reject
never previews clean offline — for example a misspelt ``defualt:``, which the schema's
``additionalProperties: false`` refuses, instead of becoming the key's default.

Top-level attributes the schema does not know are allowed (its ``additionalProperties`` is true).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tools.preview.errors import StackConfigError

CONFIG_ATTRIBUTES = ("default", "description", "items", "secret", "type", "value")
CONFIG_TYPES = ("string", "integer", "boolean", "array")
_STRING_OR_NULL = ("description", "author", "website", "license", "main", "stackConfigDir")
# The CLI suggests an attribute within this Levenshtein distance (maxValidationAttributeDistance).
_MAX_SUGGESTION_DISTANCE = 2


def validate_project(document: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The project with shorthand config rewritten as the CLI does; ``StackConfigError`` if invalid.

    Every problem is reported at once, each prefixed with the attribute's JSON pointer as the CLI
    prints it (``#/config/cw-analytics:x``).
    """
    problems = _name_and_runtime(document)
    if problems:
        raise _error(path, problems)
    project = _rewrite_config_dir(dict(document), path)
    project["config"] = _rewrite_shorthand(str(project["name"]), project.get("config"))
    problems += _schema_problems(project)
    problems += _validate_declarations(str(project["name"]), project["config"] or {})
    if problems:
        raise _error(path, problems)
    return project


def is_project_key(project: str, key: str) -> bool:
    """True for a key the project owns: no namespace, or the project's own."""
    return ":" not in key or key.startswith(f"{project}:")


def nearest(needle: str, candidates: Iterable[str], max_distance: int) -> str | None:
    """The candidate closest to ``needle`` (case-insensitive edit distance), if close enough.

    Ties go to the alphabetically first, as in the CLI's ``findClosestKey``.
    """
    best: tuple[int, str] | None = None
    for candidate in sorted(candidates):
        distance = _levenshtein(needle.lower(), candidate.lower())
        if distance <= max_distance and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def _error(path: Path, problems: list[str]) -> StackConfigError:
    return StackConfigError(
        f"{path}: invalid project file (the Pulumi CLI refuses it):\n  - " + "\n  - ".join(problems)
    )


def _name_and_runtime(document: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for attribute in ("name", "runtime"):
        if attribute in document:
            continue
        closest = nearest(attribute, document, _MAX_SUGGESTION_DISTANCE)
        found = f"; found '{closest}' instead" if closest else ""
        problems.append(f"project is missing a '{attribute}' attribute{found}")
    name = document.get("name")
    if "name" in document and (not isinstance(name, str) or not name):
        problems.append("project is missing a non-empty string 'name' attribute")
    return problems


def _rewrite_config_dir(project: dict[str, Any], path: Path) -> dict[str, Any]:
    config = project.get("config")
    if isinstance(config, str):
        if "stackConfigDir" in project:
            raise _error(
                path,
                [
                    "Should not use both config and stackConfigDir to define the stack "
                    "directory. Use only stackConfigDir instead."
                ],
            )
        project["stackConfigDir"], project["config"] = config, None
    return project


def _rewrite_shorthand(project: str, config: Any) -> Any:
    if not isinstance(config, Mapping):
        return config
    rewritten: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, str | int | bool | list):
            attribute = "default" if is_project_key(project, str(key)) else "value"
            rewritten[str(key)] = {attribute: value}
        else:
            rewritten[str(key)] = value
    return rewritten


def _schema_problems(project: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for attribute in _STRING_OR_NULL:
        value = project.get(attribute)
        if value is not None and not isinstance(value, str):
            problems.append(f"#/{attribute}: expected string or null, but got {_kind(value)}")
    problems += _runtime_problems(project["runtime"])
    problems += _closed_object(project.get("backend"), "#/backend", {"url": str})
    options = project.get("options")
    problems += _closed_object(options, "#/options", {"refresh": str})
    if isinstance(options, Mapping) and options.get("refresh", "always") != "always":
        problems.append("#/options/refresh: value must be 'always'")
    config = project.get("config")
    if config is not None and not isinstance(config, Mapping):
        problems.append(f"#/config: expected object, string or null, but got {_kind(config)}")
    elif isinstance(config, Mapping):
        for key, spec in config.items():
            problems += _declaration_problems(f"#/config/{key}", spec)
    return problems


def _runtime_problems(runtime: Any) -> list[str]:
    if isinstance(runtime, str):
        return [] if runtime else ["#/runtime: length must be >= 1"]
    if not isinstance(runtime, Mapping):
        return [f"#/runtime: expected string or object, but got {_kind(runtime)}"]
    problems = _closed_object(runtime, "#/runtime", {"name": str, "options": Mapping})
    if not runtime.get("name"):
        problems.append("project is missing a 'runtime' attribute")
    return problems


def _closed_object(value: Any, pointer: str, allowed: Mapping[str, type | Any]) -> list[str]:
    """Problems of an object the schema closes (``additionalProperties: false``)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"{pointer}: expected object or null, but got {_kind(value)}"]
    problems = [_not_allowed(pointer, str(key), allowed) for key in value if key not in allowed]
    for key, expected in allowed.items():
        if key in value and value[key] is not None and not isinstance(value[key], expected):
            problems.append(f"{pointer}/{key}: expected {_kind_name(expected)}")
    return problems


def _not_allowed(pointer: str, attribute: str, allowed: Iterable[str]) -> str:
    message = f"{pointer}: additionalProperties '{attribute}' not allowed"
    closest = nearest(attribute, allowed, _MAX_SUGGESTION_DISTANCE)
    if closest:
        return f"{message}; did you mean '{closest}'?"
    names = sorted(f"'{name}'" for name in allowed)
    if len(names) == 1:
        return f"{message}; the only allowed attribute is {names[0]}"
    return f"{message}; the allowed attributes are {', '.join(names[:-1])} and {names[-1]}"


def _declaration_problems(pointer: str, spec: Any) -> list[str]:
    if not isinstance(spec, Mapping):
        return [f"{pointer}: expected string, integer, boolean, array or object"]
    problems = [
        _not_allowed(pointer, str(key), CONFIG_ATTRIBUTES)
        for key in spec
        if key not in CONFIG_ATTRIBUTES
    ]
    if "type" in spec and spec["type"] not in CONFIG_TYPES:
        problems.append(f"{pointer}/type: value must be one of {', '.join(CONFIG_TYPES)}")
    if "description" in spec and not isinstance(spec["description"], str):
        problems.append(f"{pointer}/description: expected string")
    if "secret" in spec and not isinstance(spec["secret"], bool):
        problems.append(f"{pointer}/secret: expected boolean")
    if "items" in spec:
        problems += _items_problems(f"{pointer}/items", spec["items"])
    return problems


def _items_problems(pointer: str, items: Any) -> list[str]:
    if not isinstance(items, Mapping) or "type" not in items:
        return [f"{pointer}: missing properties: 'type'"]
    if items["type"] not in CONFIG_TYPES:
        return [f"{pointer}/type: value must be one of {', '.join(CONFIG_TYPES)}"]
    if items["type"] == "array":
        if "items" not in items:
            return [f"{pointer}: missing properties: 'items'"]
        return _items_problems(f"{pointer}/items", items["items"])
    return []


def _validate_declarations(project: str, config: Mapping[str, Any]) -> list[str]:
    """``Project.Validate`` on each config declaration."""
    problems: list[str] = []
    for key, spec in config.items():
        if not isinstance(spec, Mapping):
            continue
        typed = "type" in spec
        if "default" in spec and "value" in spec:
            problems.append(
                f"project config '{key}' cannot have both a 'default' and 'value' attribute"
            )
        elif is_project_key(project, key):
            if typed and spec["type"] == "array" and "items" not in spec:
                problems.append(
                    f"The configuration key '{key}' declares an array but does not specify the "
                    "underlying type via the 'items' attribute"
                )
            elif (
                typed
                and "default" in spec
                and not config_value_matches(spec["type"], spec.get("items"), spec["default"])
            ):
                problems.append(
                    f"The default value specified for configuration key '{key}' is not of the "
                    f"expected type '{full_type_name(spec['type'], spec.get('items'))}'"
                )
        elif typed:
            problems.append(
                f"Configuration key '{key}' is not namespaced by the project and should not "
                "define a type"
            )
        elif "default" in spec:
            problems.append(
                f"Configuration key '{key}' is not namespaced by the project and should not "
                "define a default value. Did you mean to use the 'value' attribute instead of "
                "'default'?"
            )
        elif "value" not in spec:
            problems.append(
                f"Configuration key '{key}' is namespaced and must provide an attribute 'value'"
            )
    return problems


def config_value_matches(type_name: str, items: Any, value: Any) -> bool:
    """The CLI's ``ValidateConfigValue``: does ``value`` fit the declared type?"""
    if type_name == "array":
        return (
            isinstance(value, list)
            and isinstance(items, Mapping)
            and all(config_value_matches(items["type"], items.get("items"), v) for v in value)
        )
    if type_name == "integer" and not isinstance(value, bool):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return whole or (isinstance(value, str) and _parses_as_int(value))
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    return type_name == "string" and isinstance(value, str)


def full_type_name(type_name: str, items: Any) -> str:
    """``array<string>`` for an array of strings, as the CLI names types in its errors."""
    if isinstance(items, Mapping):
        return f"array<{full_type_name(items['type'], items.get('items'))}>"
    return type_name


def _parses_as_int(text: str) -> bool:
    try:
        int(text, 10)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    return _kind_name(type(value))


def _kind_name(kind: type | Any) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array"}
    return names.get(kind, "object" if kind in (dict, Mapping) else getattr(kind, "__name__", "?"))


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
