"""A local system per test module (PostgreSQL, moto, both functions), stopped afterwards.

The aggregator gets a 1-second period: with the stack's 60 s, a run leaves out the minute in
progress, so requests made just before it would only show up a minute later.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.local.options import LocalOptions
from tools.local.pg_server import PostgresUnavailableError
from tools.local.system import LocalSystem

FAST_AGGREGATOR = {"PERIOD_SECONDS": "1", "LOOKBACK_MINUTES": "5"}


@pytest.fixture(scope="module")
def local_system() -> Iterator[LocalSystem]:
    """The system on a free port, the aggregator run only when a test asks."""
    logs: list[str] = []
    system = LocalSystem(
        LocalOptions(
            port=0, aggregate_every=0, aggregator_environment=FAST_AGGREGATOR, log=logs.append
        )
    )
    try:
        system.start()
    except PostgresUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield system
    finally:
        system.stop()
