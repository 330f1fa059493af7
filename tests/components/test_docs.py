"""The README carries the sections an operator needs (failure analysis point 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = (
    "Prerequisites",
    "Deploy",
    "Destroy",
    "Configuration",
    "Cost",
    "Security",
    "Troubleshooting",
)


def headings() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [m.group(1).strip() for m in re.finditer(r"^#{2,3}\s+(.+)$", text, re.MULTILINE)]


@pytest.mark.parametrize("section", SECTIONS)
def test_docs_readme_has_section(section: str) -> None:
    """Failure analysis point 13: README has a Prerequisites, Deploy, Destroy, Configuration,
    Cost, Security and Troubleshooting section (a heading starting with that word)."""
    found = headings()
    assert any(h.split()[0] == section for h in found if h), (
        f"README.md has no '{section}' heading; headings are {found}"
    )


def test_docs_readme_sections_are_not_empty() -> None:
    """Failure analysis point 13: each of those sections has content before the next heading."""
    text = README.read_text(encoding="utf-8")
    for section in SECTIONS:
        match = re.search(
            rf"^#{{2,3}}\s+{section}\b.*?$(.*?)(?=^#{{1,3}}\s|\Z)", text, re.MULTILINE | re.DOTALL
        )
        assert match and len(match.group(1).strip()) > 40, f"README section {section} is empty"
