"""The pack runs from a copy of its own folder alone, as ``pulumi policy publish`` ships it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.policy_analyzer import AnalyzedResource, PolicyPackProcess

from .helpers import allow, doc


def _copy_pack(pack_dir: Path, target: Path) -> Path:
    copy = target / "guard"
    shutil.copytree(pack_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "venv"))
    return copy


@pytest.fixture(scope="module")
def standalone(
    pack_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PolicyPackProcess]:
    """The pack started from a copy of policies/ in an empty directory."""
    copy = _copy_pack(pack_dir, tmp_path_factory.mktemp("published"))
    with PolicyPackProcess(copy) as process:
        yield process


def test_standalone_pack_starts_and_lists_its_rules(standalone: PolicyPackProcess) -> None:
    names = {p.name for p in standalone.info().policies}
    assert {"iam-no-wildcard", "rds-destroyable"} <= names, f"copied pack lists {names}"


def test_standalone_pack_rejects_wildcard_policy(standalone: PolicyPackProcess) -> None:
    urn = "urn:pulumi:dev::p::aws:iam/policy:Policy::admin"
    bad = AnalyzedResource(urn, "aws:iam/policy:Policy", "admin", {"policy": doc(allow("*"))})
    found = [v.policy for v in standalone.analyze(bad)]
    assert "iam-no-wildcard" in found, f"{urn} not rejected by the copied pack: {found}"


def test_standalone_pack_carries_no_repository_import(pack_dir: Path) -> None:
    offenders = [
        str(path.relative_to(pack_dir))
        for path in pack_dir.rglob("*.py")
        if "from policies" in path.read_text() or "import policies" in path.read_text()
    ]
    assert offenders == [], f"pack files importing the repository package: {offenders}"
