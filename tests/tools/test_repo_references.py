"""The repository stands alone: no file cites notes it does not hold, every doc link resolves."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Team notes that live outside the repository; citing them leaves a reader with a dead end.
FOREIGN_NOTES = re.compile(
    r"\b(?:FACTS|DESIGN|STYLE)\.md\b|\.\./shared\b|failure[ -]analysis", re.IGNORECASE
)
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def _tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *patterns],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [REPO / name for name in listed if (REPO / name).is_file()]


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def test_repo_cites_no_notes_it_does_not_hold() -> None:
    this_file = Path(__file__).resolve()
    hits = []
    for path in _tracked():
        text = _text(path)
        if path.resolve() == this_file or text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if FOREIGN_NOTES.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert not hits, "cites notes outside the repository:\n" + "\n".join(hits[:20])


@pytest.mark.parametrize("page", _tracked("*.md"), ids=lambda path: str(path.relative_to(REPO)))
def test_repo_markdown_links_resolve(page: Path) -> None:
    broken = []
    for match in MARKDOWN_LINK.finditer(page.read_text(encoding="utf-8")):
        target = match.group("target").split("#", 1)[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        if not (page.parent / target).exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(REPO)} links to missing files: {broken}"


def test_repo_design_notes_name_tests_that_exist() -> None:
    notes = (REPO / "docs" / "design-notes.md").read_text(encoding="utf-8")
    defined = {
        match.group(1)
        for path in (REPO / "tests").rglob("test_*.py")
        for match in re.finditer(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M)
    }
    named = set(re.findall(r"`(test_\w+)`", notes)) | set(re.findall(r"::(test_\w+)", notes))
    assert named, "docs/design-notes.md names no test"
    assert not named - defined, f"design notes name tests that do not exist: {named - defined}"
