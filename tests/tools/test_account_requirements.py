"""`account/` carries what the CLI installs for it, pinned like the main program."""

from __future__ import annotations

import re

from .helpers import REPO_ROOT


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)\s*$", text, re.MULTILINE))


def test_account_requirements_pin_what_its_program_imports_as_the_root_does() -> None:
    account = _pins((REPO_ROOT / "account" / "requirements.txt").read_text(encoding="utf-8"))
    root = _pins((REPO_ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert set(account) == {"pulumi", "pulumi-aws"}, account
    assert all(root[name] == version for name, version in account.items()), (account, root)


def test_account_program_imports_only_what_its_requirements_name() -> None:
    imported = set()
    for path in (REPO_ROOT / "account").glob("*.py"):
        imported |= set(re.findall(r"^\s*(?:import|from) (pulumi\w*)", path.read_text(), re.M))
    assert imported <= {"pulumi", "pulumi_aws"}, imported
