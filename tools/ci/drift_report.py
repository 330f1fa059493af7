"""``python -m tools.ci.drift_report REFRESH.json``: what changed outside Pulumi, as Markdown.

Reads what ``pulumi refresh --preview-only --json`` writes (the CLI's preview digest: ``steps``
with ``op``, ``urn``, ``oldState``/``newState`` and, where the engine computed it,
``detailedDiff``/``diffReasons``). A resource drifted when its step is not ``same``: an update
(properties changed outside Pulumi), a delete (the resource is gone) or a refresh whose outputs
differ. Prints a Markdown summary; exit 0 no drift, 1 drift, 2 unreadable input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_UNCHANGED = {"same", "read"}


def drifted(document: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """``(urn, what happened, changed properties)`` for each drifted resource."""
    found = []
    for step in document.get("steps") or []:
        op = str(step.get("op", ""))
        if op in _UNCHANGED:
            continue
        old = step.get("oldState") or {}
        new = step.get("newState") or {}
        properties = _changed_properties(step, old, new)
        if op == "refresh" and not properties:
            continue
        what = "deleted outside Pulumi" if op == "delete" or not new else "changed outside Pulumi"
        found.append((str(step.get("urn", "?")), what, properties))
    return found


def _changed_properties(
    step: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[str]:
    detailed = step.get("detailedDiff")
    if isinstance(detailed, Mapping) and detailed:
        return sorted(detailed)
    reasons = step.get("diffReasons")
    if isinstance(reasons, Sequence) and not isinstance(reasons, str) and reasons:
        return sorted(str(r) for r in reasons)
    before, after = old.get("outputs") or {}, new.get("outputs") or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def render(stack: str, found: list[tuple[str, str, list[str]]]) -> str:
    """The job summary for one stack."""
    if not found:
        return f"### Drift in `{stack}`: none\n\nEvery resource matches the state.\n"
    lines = [
        f"### Drift in `{stack}`: {len(found)} resource(s)\n",
        "| resource | what | properties |",
        "| --- | --- | --- |",
    ]
    for urn, what, properties in found:
        shown = ", ".join(f"`{p}`" for p in properties) or "—"
        lines.append(f"| `{urn}` | {what} | {shown} |")
    lines.append(
        "\nNothing was changed: `pulumi refresh` (without `--preview-only`) would write this "
        "to the state."
    )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary; 0 no drift, 1 drift, 2 bad input."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (1, 2):
        sys.stderr.write("usage: python -m tools.ci.drift_report REFRESH.json [STACK]\n")
        return 2
    path = Path(args[0])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.stderr.write(f"error: {path}: {error}\n")
        return 2
    if not isinstance(document, Mapping) or "steps" not in document:
        sys.stderr.write(
            f"error: {path}: not the JSON `pulumi refresh --preview-only --json` writes\n"
        )
        return 2
    found = drifted(document)
    sys.stdout.write(render(args[1] if len(args) == 2 else path.stem, found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
