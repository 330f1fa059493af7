"""Make an app stack forget the API Gateway account setting it used to own, without deleting it.

Stacks deployed before the ``account/`` project declared ``aws.apigateway.Account`` inside
``ApiWithHandler``, and the stage and method settings waited for it (``depends_on``). Pulumi
will not ``state delete`` a resource others depend on, ``--target-dependents`` would drop the
stage too, and ``pulumi up`` would delete the setting, which resets it for the whole account
and region. So the setting leaves the state by hand: export the stack, remove the resource and
every reference to its URN, import the result (docs/operations.md, "Moving an existing account
to the account project").

Usage: ``python -m tools.migrate_account_setting dev.json dev-migrated.json``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT_TYPE = "aws:apigateway/account:Account"
OLD_OWNER_TYPE = "cw-analytics:api:ApiWithHandler"
EXPORT_VERSION = 3


class MigrationError(ValueError):
    """The export cannot be migrated; the message says why and what to do."""


@dataclass(frozen=True)
class Migration:
    """The migrated export, the URN removed, and the resources that referred to it."""

    export: dict[str, Any]
    removed_urn: str
    unlinked: tuple[str, ...]


def _type_chain(urn: str) -> list[str]:
    """``urn:pulumi:stack::project::parent$child::name`` → ``[parent, child]``."""
    parts = urn.split("::")
    return parts[2].split("$") if len(parts) >= 4 else []


def _resources(export: object) -> list[dict[str, Any]]:
    if not isinstance(export, dict) or export.get("version") != EXPORT_VERSION:
        raise MigrationError(
            f"not a `pulumi stack export` file of version {EXPORT_VERSION} "
            "(expected {'version': 3, 'deployment': {'resources': [...]}})"
        )
    deployment = export.get("deployment")
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise MigrationError("the export has no deployment.resources list")
    return resources


def _old_setting_urn(resources: list[dict[str, Any]]) -> str:
    urns = sorted(
        {
            str(resource.get("urn"))
            for resource in resources
            if resource.get("type") == ACCOUNT_TYPE
            and OLD_OWNER_TYPE in _type_chain(str(resource.get("urn", "")))[:-1]
        }
    )
    if not urns:
        raise MigrationError(
            f"no {ACCOUNT_TYPE} under {OLD_OWNER_TYPE} in this stack: nothing to migrate "
            "(the stack never owned the setting, or it was migrated already); run `pulumi up`"
        )
    if len(urns) > 1:
        raise MigrationError(
            f"more than one {ACCOUNT_TYPE} under {OLD_OWNER_TYPE}: {', '.join(urns)}; "
            "expected exactly one"
        )
    return urns[0]


def _without(urn: str, resource: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The resource with every reference to ``urn`` removed, and whether it had one."""
    changed = dict(resource)
    linked = False
    dependencies = resource.get("dependencies")
    if isinstance(dependencies, list) and urn in dependencies:
        changed["dependencies"] = [dep for dep in dependencies if dep != urn]
        linked = True
    by_property = resource.get("propertyDependencies")
    if isinstance(by_property, dict) and any(urn in deps for deps in by_property.values()):
        kept = {key: [dep for dep in deps if dep != urn] for key, deps in by_property.items()}
        changed["propertyDependencies"] = {key: deps for key, deps in kept.items() if deps}
        linked = True
    if resource.get("deletedWith") == urn:
        del changed["deletedWith"]
        linked = True
    return changed, linked


def drop_account_setting(export: object) -> Migration:
    """Remove the old account setting and every reference to it from a stack export."""
    resources = _resources(export)
    urn = _old_setting_urn(resources)
    children = sorted(str(r.get("urn")) for r in resources if r.get("parent") == urn)
    if children:
        raise MigrationError(f"{', '.join(children)} is parented to {urn}; not migrating")
    assert isinstance(export, dict)
    deployment = export["deployment"]
    pending = [
        operation
        for operation in deployment.get("pending_operations") or []
        if isinstance(operation, dict) and (operation.get("resource") or {}).get("urn") == urn
    ]
    if pending:
        raise MigrationError(
            f"the stack has a pending operation on {urn}; run `pulumi refresh` and export again"
        )
    kept: list[dict[str, Any]] = []
    unlinked: list[str] = []
    for resource in resources:
        if resource.get("urn") == urn:
            continue
        changed, linked = _without(urn, resource)
        kept.append(changed)
        if linked:
            unlinked.append(str(resource.get("urn")))
    migrated = {**export, "deployment": {**deployment, "resources": kept}}
    return Migration(export=migrated, removed_urn=urn, unlinked=tuple(unlinked))


def main(argv: Sequence[str] | None = None) -> int:
    """Read the export, write the migrated copy; 0 on success, 1 with a message otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.migrate_account_setting",
        description="Remove the old API Gateway account setting from an exported app stack.",
    )
    parser.add_argument("input", type=Path, help="file written by `pulumi stack export --file`")
    parser.add_argument("output", type=Path, help="file to give `pulumi stack import --file`")
    args = parser.parse_args(argv)
    try:
        if args.input.resolve() == args.output.resolve():
            raise MigrationError("output must differ from input: the export is the backup")
        try:
            export = json.loads(args.input.read_text(encoding="utf-8"))
        except OSError as error:
            raise MigrationError(f"cannot read {args.input}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise MigrationError(f"{args.input} is not JSON: {error}") from error
        migration = drop_account_setting(export)
        args.output.write_text(json.dumps(migration.export, indent=4) + "\n", encoding="utf-8")
    except MigrationError as error:
        print(f"error: {args.input}: {error}", file=sys.stderr)
        return 1
    print(f"removed {migration.removed_urn}")
    for urn in migration.unlinked:
        print(f"  no longer depends on it: {urn}")
    print(f"wrote {args.output}; next: pulumi stack import --file {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
