"""Load a Pulumi project and one stack's config the way the Pulumi CLI hands them to a program.

Pulumi gives a program every config value as a string under a namespaced key
(``project:key``, ``aws:region``): booleans and numbers as their text, lists and objects as
compact JSON. Defaults come from the project file's ``config:`` block; a key declared there
without a default must be set by the stack. Encrypted (``secure:``) values cannot be decrypted
offline, so they are an error that names the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.preview.errors import StackConfigError
from tools.preview.project_file import validate_project

_TYPE_CHECKS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@dataclass(frozen=True)
class StackConfig:
    """A project, one of its stacks, and the config its program will read."""

    project: str
    stack: str
    program_dir: Path
    main: Path
    """The program's entry file (``__main__.py`` unless Pulumi.yaml sets ``main:``)."""
    config: dict[str, str]
    """Namespaced keys to string values, as ``pulumi.runtime.set_all_config`` takes them."""
    secret_keys: tuple[str, ...] = ()
    region: str | None = field(default=None)


@dataclass(frozen=True)
class _Declared:
    """One key declared in the project file's ``config:`` block."""

    key: str
    type: str | None
    default: Any
    has_default: bool
    secret: bool


def load_stack_config(program_dir: Path, stack: str) -> StackConfig:
    """Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` from ``program_dir``; validate config."""
    program_dir = program_dir.resolve()
    project_path = _find_file(program_dir, "Pulumi")
    project_doc = validate_project(_read_yaml(project_path, required=True), project_path)
    project = str(project_doc["name"])
    _check_runtime(project_doc, program_dir)
    stack_path = _find_file(program_dir, f"Pulumi.{stack}")
    if not stack_path.is_file():
        raise StackConfigError(
            f"stack {stack!r} has no config file: {stack_path.name} not found in {program_dir}"
        )
    stack_doc = _read_yaml(stack_path, required=False)
    declared = _declared_keys(project, project_doc.get("config") or {}, program_dir)
    given = _stack_values(project, stack_doc.get("config") or {}, stack_path)
    config = _merge(declared, given, stack, stack_path)
    return StackConfig(
        project=project,
        stack=stack,
        program_dir=program_dir,
        main=_entry_point(program_dir, project_doc.get("main")),
        config=config,
        secret_keys=tuple(sorted(d.key for d in declared.values() if d.secret)),
        region=config.get("aws:region"),
    )


PULL_REQUEST_STACK = re.compile(r"^pr-\d+(?:-(?P<base>[A-Za-z0-9_.-]+))?$")
"""Stacks CI creates for a pull request: ``pr-<number>-<stack>`` (previewed under that stack's
pack config, as CI's matrix does) or a bare ``pr-<number>`` (dev's shape)."""


def pack_config_path(pack_dir: Path, stack: str) -> Path | None:
    """The pack config a stack is checked with: ``<pack>/config/<stack>.json``, else, for a
    pull-request stack, the config of the stack it was made from (dev for a bare ``pr-<n>``),
    else none."""
    own = pack_dir / "config" / f"{stack}.json"
    if own.is_file():
        return own
    match = PULL_REQUEST_STACK.match(stack)
    if match is None:
        return None
    base = pack_dir / "config" / f"{match.group('base') or 'dev'}.json"
    return base if base.is_file() else None


def config_value_text(value: Any) -> str:
    """A config value as Pulumi hands it to a program: strings as-is, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def namespaced_key(project: str, key: str) -> str:
    """``key`` with the project as namespace when it has none (``environmentSuffix``)."""
    return key if ":" in key else f"{project}:{key}"


def _find_file(directory: Path, stem: str) -> Path:
    for suffix in (".yaml", ".yml"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return directory / f"{stem}.yaml"


def _read_yaml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise StackConfigError(f"{path.name} not found in {path.parent}: not a Pulumi project")
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path}: not valid YAML: {error}") from error
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackConfigError(f"{path}: expected a mapping at the top level")
    return document


def _check_runtime(project_doc: Mapping[str, Any], program_dir: Path) -> None:
    runtime = project_doc.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise StackConfigError(
            f"{program_dir / 'Pulumi.yaml'}: runtime {name!r} is not python; "
            "the offline preview runs Python programs only"
        )


def _entry_point(program_dir: Path, main: Any) -> Path:
    base = program_dir / str(main) if main else program_dir
    entry = base / "__main__.py" if base.is_dir() else base
    if not entry.is_file():
        raise StackConfigError(f"{program_dir}: program entry {entry} not found")
    return entry


def _declared_keys(project: str, block: Any, program_dir: Path) -> dict[str, _Declared]:
    if not isinstance(block, dict):
        raise StackConfigError(f"{program_dir / 'Pulumi.yaml'}: `config:` must be a mapping")
    declared: dict[str, _Declared] = {}
    for raw_key, spec in block.items():
        key = namespaced_key(project, str(raw_key))
        # validate_project has rewritten shorthand `key: value` into `default:`/`value:`.
        has_default = "default" in spec or "value" in spec
        default = spec.get("default", spec.get("value"))
        declared[key] = _Declared(
            key, spec.get("type"), default, has_default, bool(spec.get("secret"))
        )
    return declared


def _stack_values(project: str, block: Any, stack_path: Path) -> dict[str, Any]:
    if not isinstance(block, dict):
        raise StackConfigError(f"{stack_path}: `config:` must be a mapping")
    values: dict[str, Any] = {}
    for raw_key, value in block.items():
        key = namespaced_key(project, str(raw_key))
        if _holds_secure(value):
            raise StackConfigError(
                f"{stack_path.name}: config key {key!r} is an encrypted (secure) value; "
                "the offline preview cannot decrypt secrets. Set a plain test value for "
                "offline runs or run `pulumi preview` with access to the secrets provider."
            )
        values[key] = value
    return values


def _holds_secure(value: Any) -> bool:
    if isinstance(value, dict):
        is_secure = set(value) == {"secure"}
        return is_secure or any(_holds_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secure(v) for v in value)
    return False


def _merge(
    declared: Mapping[str, _Declared], given: Mapping[str, Any], stack: str, stack_path: Path
) -> dict[str, str]:
    missing = [key for key, d in declared.items() if not d.has_default and key not in given]
    if missing:
        keys = ", ".join(repr(key) for key in missing)
        raise StackConfigError(
            f"stack {stack!r} is missing required config {keys} (declared without a default "
            f"in Pulumi.yaml); set it in {stack_path.name}"
        )
    merged: dict[str, Any] = {k: d.default for k, d in declared.items() if d.has_default}
    merged.update(given)
    for key, value in merged.items():
        spec = declared.get(key)
        if spec is not None and spec.type is not None:
            _check_type(key, spec.type, value, stack_path)
    return {key: config_value_text(value) for key, value in merged.items()}


def _check_type(key: str, type_name: str, value: Any, stack_path: Path) -> None:
    expected = _TYPE_CHECKS.get(type_name)
    if expected is None:
        return
    if type_name == "integer" and isinstance(value, str):
        ok = value.strip().lstrip("-").isdigit()
    elif type_name == "boolean" and isinstance(value, str):
        ok = value in ("true", "false")
    elif type_name == "string":
        ok = isinstance(value, str | int | float | bool)
    else:
        is_bool_as_int = type_name == "integer" and isinstance(value, bool)
        ok = isinstance(value, expected) and not is_bool_as_int
    if not ok:
        raise StackConfigError(
            f"{stack_path.name}: config key {key!r} must be of type {type_name}, got {value!r}"
        )
