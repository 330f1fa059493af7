"""tools.physical_names reads each type's name input from pulumi_aws's generated source."""

from __future__ import annotations

from pathlib import Path

import pulumi_aws

from tools.physical_names import DOCUMENTED_UNIQUE, derive

DASHBOARD = Path(pulumi_aws.__file__).parent / "cloudwatch" / "dashboard.py"
DASHBOARD_TOKEN = "aws:cloudwatch/dashboard:Dashboard"
ARGS_DOCSTRING = "        The set of arguments for constructing a Dashboard resource.\n"


def _package(root: Path, source: str) -> Path:
    """A package holding ``source`` as pulumi_aws holds the dashboard's module."""
    (root / "cloudwatch").mkdir(parents=True)
    (root / "cloudwatch" / "dashboard.py").write_text(source, encoding="utf-8")
    return root


def test_physical_names_derive_reads_the_generated_module(tmp_path: Path) -> None:
    source = DASHBOARD.read_text(encoding="utf-8")
    names = derive(_package(tmp_path, source))
    assert names == {DASHBOARD_TOKEN: "dashboardName", **DOCUMENTED_UNIQUE}


def test_physical_names_derive_reads_a_module_its_shortcut_cannot_parse(tmp_path: Path) -> None:
    """An ``__init__`` docstring line that looks like a decorator at class level cuts the body
    short where the setters and the body are left out; the module as written is read then."""
    source = DASHBOARD.read_text(encoding="utf-8")
    assert source.count(ARGS_DOCSTRING) == 1, "the generated Args docstring changed"
    odd = source.replace(ARGS_DOCSTRING, ARGS_DOCSTRING + "    @see the dashboard body\n")
    names = derive(_package(tmp_path, odd))
    assert names == {DASHBOARD_TOKEN: "dashboardName", **DOCUMENTED_UNIQUE}
