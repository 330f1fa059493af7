"""Whole Pulumi programs through the offline preview: every ``bad-*`` resource is rejected by a
mandatory rule, no ``ok-*`` resource is, and the verdict's exit status follows (1 rejected,
0 accepted).

Each class of the pack has a rejected and an accepted program in ``programs/``. The stack is
``test``, which has no policy config file, so the pack runs with its defaults. Every program
runs in this process and one pack judges them all, the way ``python -m tools.preview`` judges
one (tests/tools/test_preview_cli.py proves the two report the same and the exit statuses).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.preview_in_process import judge_program, mandatory_names, pack_process
from tools.preview.judgement import Judgement

PROGRAMS = Path(__file__).resolve().parent / "programs"
CLASSES = (
    "iam_actions",
    "iam_resources",
    "resource_policies",
    "families",
    "address_space",
    "lambda_source",
    "context",
)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def previews() -> Iterator[dict[str, Judgement]]:
    """Every program judged once by the repository's pack."""
    programs = [f"{c}_{side}" for c in CLASSES for side in ("rejected", "accepted")]
    with pack_process() as pack:
        yield {name: judge_program(pack, PROGRAMS / name) for name in programs}


def test_programs_every_program_directory_is_judged() -> None:
    on_disk = {p.name for p in PROGRAMS.iterdir() if (p / "__main__.py").is_file()}
    judged = {f"{c}_{side}" for c in CLASSES for side in ("rejected", "accepted")}
    assert on_disk == judged, f"programs nobody judges: {sorted(on_disk - judged)}"


@pytest.mark.parametrize("klass", CLASSES)
def test_programs_rejected_program_has_every_bad_resource_rejected(
    previews: dict[str, Judgement], klass: str
) -> None:
    run = previews[f"{klass}_rejected"]
    names = [r.name for r in run.resources]
    bad = [n for n in names if n.startswith("bad-")]
    missed = [n for n in bad if n not in mandatory_names(run)]
    assert bad and missed == [], f"{klass}_rejected: not rejected {missed}\n{run.console()}"
    assert run.exit_status == 1, f"{klass}_rejected exit status\n{run.console()}"


@pytest.mark.parametrize("klass", CLASSES)
def test_programs_accepted_program_passes(previews: dict[str, Judgement], klass: str) -> None:
    run = previews[f"{klass}_accepted"]
    ok = [r.name for r in run.resources if r.name.startswith("ok-")]
    wrongly = [n for n in ok if n in mandatory_names(run)]
    assert ok and wrongly == [], f"{klass}_accepted: rejected {wrongly}\n{run.console()}"
    assert run.exit_status == 0, f"{klass}_accepted exit status\n{run.console()}"
