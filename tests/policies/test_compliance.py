"""Control ids on every rule: one table, the pack's descriptions and messages, and the docs."""

from __future__ import annotations

import re
from pathlib import Path

from policies.rules import compliance
from policies.rules.registry import POLICIES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy-pack.md"
# Security Hub FSBP ids are Service.N; CIS v1.2.0 ids are section.N.
FSBP_ID = re.compile(r"^[A-Z][A-Za-z0-9]*\.\d+$")
CIS_ID = re.compile(r"^\d\.\d+$")


def _doc_rows() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Compliance controls", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"^\| `([a-z0-9-]+)` \|(.*)$", line)
        if found:
            rows[found.group(1)] = found.group(2)
    return rows


def test_compliance_ids_have_the_published_shape() -> None:
    controls = [c for cs in compliance.CONTROLS.values() for c in cs] + [
        c for cs, _ in compliance.DEPARTURES.values() for c in cs
    ]
    for control in controls:
        shape = FSBP_ID if control.standard == "FSBP" else CIS_ID
        assert shape.match(control.control_id), f"{control} id does not look like {shape.pattern}"
        assert len(control.title) > 20, f"{control} has no real title"


def test_compliance_names_only_registered_rules() -> None:
    names = {p.name for p in POLICIES}
    unknown = (set(compliance.CONTROLS) | set(compliance.DEPARTURES)) - names
    assert unknown == set(), f"controls for rules the pack does not have: {unknown}"


def test_compliance_does_not_claim_the_retired_sns_control() -> None:
    ids = {c.control_id for cs in compliance.CONTROLS.values() for c in cs}
    assert "SNS.1" not in ids, "SNS.1 was retired from FSBP in April 2024"


def test_compliance_descriptions_name_every_control_of_their_rule() -> None:
    for policy in POLICIES:
        controls = (
            compliance.CONTROLS.get(policy.name)
            or (compliance.DEPARTURES.get(policy.name, ((), ""))[0])
        )
        missing = [c.short() for c in controls if c.short() not in policy.description]
        assert missing == [], f"{policy.name} description lacks {missing}"


def test_compliance_docs_table_matches_the_pack_table() -> None:
    rows = _doc_rows()
    assert set(rows) == {p.name for p in POLICIES}, f"docs rows {sorted(rows)}"
    for name, row in rows.items():
        enforced = compliance.CONTROLS.get(name, ())
        departed = compliance.DEPARTURES.get(name, ((), ""))[0]
        expected = {c.control_id for c in (*enforced, *departed)}
        shown = set(re.findall(r"(?:^|<br>|\| )((?:[A-Z][A-Za-z0-9]*|\d)\.\d+) \(", row))
        assert shown == expected, f"docs row for {name} shows {shown}, pack says {expected}"
        if departed:
            assert "departs from" in row and "config" in row, f"{name}: departure not explained"
