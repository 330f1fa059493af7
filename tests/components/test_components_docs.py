"""docs/components.md covers what the library offers: every Args field, every alarm, every path."""

from __future__ import annotations

import dataclasses
import importlib
import re
import typing
from pathlib import Path

import pytest

from components import COMPONENTS
from tests.components.support import ALARM, whole_stack

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = (REPO_ROOT / "docs" / "components.md").read_text(encoding="utf-8")
PREFIX = "cw-analytics-dev-"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_components_doc_names_every_args_field(component: type) -> None:
    args = typing.get_type_hints(component.__init__)["args"]
    missing = [f.name for f in dataclasses.fields(args) if f"`{f.name}`" not in DOC]
    assert not missing, f"docs/components.md does not describe {component.__name__}: {missing}"


def test_components_doc_names_every_alarm_of_the_stack() -> None:
    slugs = [a.inputs["name"].removeprefix(PREFIX) for a in whole_stack("dev").of_type(ALARM)]
    missing = [slug for slug in slugs if f"`{slug}`" not in DOC]
    assert slugs and not missing, f"alarms not in docs/components.md: {missing}"


def test_components_doc_paths_exist() -> None:
    found = re.findall(r"`((?:components|functions|examples|provider|tests)/[^`\s]*)`", DOC)
    paths = {p for p in found if "<" not in p}
    missing = sorted(p for p in paths if not (REPO_ROOT / p.rstrip("/")).exists())
    assert paths and not missing, f"docs/components.md names missing paths: {missing}"


PACKAGES = ("", ".alerting", ".api", ".dashboard", ".database", ".function", ".metrics", ".network")


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"components{p}")
def test_components_doc_names_every_public_name_of_each_package(package: str) -> None:
    """Every name a package exports is one docs/components.md describes: no undocumented
    re-export of a module's internals."""
    module = importlib.import_module(f"components{package}")
    missing = [name for name in module.__all__ if not re.search(rf"\b{name}\b", DOC)]
    assert not missing, f"components{package} exports names docs/components.md omits: {missing}"
