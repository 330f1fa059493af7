"""Fixtures for the policy-pack tests: the pack directory and its config files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(scope="session")
def pack_dir() -> Path:
    """The policy pack directory."""
    return REPO_ROOT / "policies"
