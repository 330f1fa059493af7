"""Whole Pulumi programs through the offline preview: every ``bad-*`` resource is rejected by a
mandatory rule, no ``ok-*`` resource is, and the exit status follows (1 rejected, 0 accepted).

Each class of the pack has a rejected and an accepted program in ``programs/``. The stack is
``test``, which has no policy config file, so the pack runs with its defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
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
_TIMEOUT = 240
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Preview:
    """One preview run: exit status, resource names, names with a mandatory finding, output."""

    returncode: int
    names: tuple[str, ...]
    rejected: frozenset[str]
    output: str


def _preview(program: Path, json_dir: Path) -> Preview:
    report_path = json_dir / f"{program.name}.json"
    done = subprocess.run(
        [sys.executable, "-m", "tools.preview", "--program", str(program), "--stack", "test"]
        + ["--json", str(report_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
    )
    output = f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    if not report_path.is_file():
        return Preview(done.returncode, (), frozenset(), output)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    names = tuple(r["name"] for r in report["resources"])
    rejected = frozenset(
        v["urn"].rsplit("::", 1)[-1]
        for v in report["policyViolations"]
        if v["enforcementLevel"] == "mandatory"
    )
    return Preview(done.returncode, names, rejected, output)


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Preview]]:
    """Every program previewed once, two at a time (the preview is mostly Pulumi's start-up)."""
    json_dir = tmp_path_factory.mktemp("reports")
    programs = [PROGRAMS / f"{c}_{side}" for c in CLASSES for side in ("rejected", "accepted")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(
            zip(
                (p.name for p in programs),
                pool.map(lambda p: _preview(p, json_dir), programs),
                strict=True,
            )
        )
    yield results


@pytest.mark.parametrize("klass", CLASSES)
def test_programs_rejected_program_has_every_bad_resource_rejected(
    previews: dict[str, Preview], klass: str
) -> None:
    run = previews[f"{klass}_rejected"]
    bad = [n for n in run.names if n.startswith("bad-")]
    missed = [n for n in bad if n not in run.rejected]
    assert bad and missed == [], f"{klass}_rejected: not rejected {missed}\n{run.output}"
    assert run.returncode == 1, f"{klass}_rejected exit status\n{run.output}"


@pytest.mark.parametrize("klass", CLASSES)
def test_programs_accepted_program_passes(previews: dict[str, Preview], klass: str) -> None:
    run = previews[f"{klass}_accepted"]
    ok = [n for n in run.names if n.startswith("ok-")]
    wrongly = [n for n in ok if n in run.rejected]
    assert ok and wrongly == [], f"{klass}_accepted: rejected {wrongly}\n{run.output}"
    assert run.returncode == 0, f"{klass}_accepted exit status\n{run.output}"
