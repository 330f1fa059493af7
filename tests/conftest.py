"""Shared test set-up: the repository on sys.path and the stack configs tests start from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Test files holding a ``slow`` test first, the others after, each file's order kept.

    ``make pytest`` hands whole files to its workers in this order: a long file started last
    would leave one core idle while the other finishes it. The sort is stable and depends only
    on the collected items, so every worker sees the same order (xdist requires that).
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)
