"""The (URN, physical name) pairs of a preview: what must not change when the library is
restructured (a renamed RDS identifier, table or secret is a replacement: data lost).

``python -m tests.components.physical_names PREVIEW_JSON [OTHER_PREVIEW_JSON]`` prints the pairs
of one preview (``python -m tools.preview --json FILE``), or the differences between two.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Inputs that hold a name AWS stores (or a start the provider completes).
NAME_INPUTS = (
    "name",
    "namePrefix",
    "identifier",
    "alarmName",
    "dashboardName",
    "stageName",
    "dbName",
    "finalSnapshotIdentifier",
)


def physical_names(urn: str, inputs: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(urn, input, value)`` for every name-bearing input of one resource."""
    found = [(urn, key, str(inputs[key])) for key in NAME_INPUTS if inputs.get(key) is not None]
    tags = inputs.get("tags")
    if isinstance(tags, Mapping) and tags.get("Name") is not None:
        found.append((urn, "tags.Name", str(tags["Name"])))
    return found


def pairs(resources: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """Every resource's URN (components included, with no name) and its names, sorted."""
    rows: list[tuple[str, str, str]] = []
    for resource in resources:
        names = physical_names(resource["urn"], resource.get("inputs") or {})
        rows.extend(names or [(resource["urn"], "", "")])
    return sorted(rows)


def from_preview(path: Path) -> list[tuple[str, str, str]]:
    """The pairs of an offline preview's ``--json`` file."""
    return pairs(json.loads(path.read_text())["resources"])


def main(argv: list[str]) -> int:
    """Print one preview's pairs, or the differences between two previews (exit 1 if any)."""
    if len(argv) == 1:
        for row in from_preview(Path(argv[0])):
            print("\t".join(row))
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = set(from_preview(Path(argv[0]))), set(from_preview(Path(argv[1])))
    for row in sorted(before - after):
        print("-", "\t".join(row))
    for row in sorted(after - before):
        print("+", "\t".join(row))
    print(f"{len(before)} before, {len(after)} after, {len(before ^ after)} differ")
    return 1 if before != after else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
