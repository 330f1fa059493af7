"""The program's physical names are pinned: restructuring the library must not rename anything
of the dev and prod stacks (a renamed RDS identifier, table or secret replaces it: data lost).

The fixtures are the (URN, name input, value) rows of the offline preview of each stack made
before the library took its names from the component's instance; regenerate them only for a
rename the stack's owners have agreed to (``python -m tests.components.physical_names``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.components.physical_names import pairs
from tests.components.support import whole_stack

FIXTURES = Path(__file__).parent / "fixtures"


def _pinned(stack: str) -> list[tuple[str, str, str]]:
    lines = (FIXTURES / f"physical-names-{stack}.tsv").read_text().splitlines()
    return sorted(tuple(line.split("\t")) for line in lines)  # type: ignore[misc]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_physical_names_are_unchanged(stack: str) -> None:
    run = whole_stack(stack)
    now = pairs({"urn": r.urn, "inputs": r.inputs} for r in run.resources)
    pinned = _pinned(stack)
    gone = sorted(set(pinned) - set(now))
    new = sorted(set(now) - set(pinned))
    assert not gone and not new, f"{stack}: names gone {gone[:5]}, names new {new[:5]}"


def test_physical_names_pin_covers_the_stateful_resources() -> None:
    """The pin holds the names whose change loses data, so it cannot pass by being empty."""
    names = {(row[1], row[2]) for row in _pinned("prod")}
    assert ("identifier", "cw-analytics-prod-db") in names
    assert ("name", "cw-analytics-prod-metrics") in names
    assert ("namePrefix", "cw-analytics-prod-db-credentials-") in names
