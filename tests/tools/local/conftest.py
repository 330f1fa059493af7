"""Local systems (PostgreSQL, moto, both functions) for the tests, stopped afterwards.

``local_system`` is one system per test process, handed to every module that only adds data
of its own (names of its own, loosely matched answers): a start and stop cost about 2 s of CPU.
It is handed on only while the emulator still holds what the system was seeded with: moto keeps
its backends per process, and other tests in the same process reset them (moto's ``mock_aws``,
a second ``Emulator``); then a new system replaces it. ``own_local_system`` is a module's own,
for a module whose assertions count everything the system saw.

The aggregator gets a 1-second period: with the stack's 60 s, a run leaves out the minute in
progress, so requests made just before it would only show up a minute later.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tools.local.options import LocalOptions
from tools.local.pg_server import PostgresUnavailableError
from tools.local.system import LocalSystem

FAST_AGGREGATOR = {"PERIOD_SECONDS": "1", "LOOKBACK_MINUTES": "5"}


def _start_system() -> LocalSystem:
    """A started system on a free port, the aggregator run only when a test asks."""
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
    return system


def _still_seeded(system: LocalSystem) -> bool:
    """Whether the emulator still holds the metrics table and the database secret."""
    assert system.emulator is not None and system.stack is not None
    stack = system.stack
    try:
        system.emulator.client("dynamodb").describe_table(TableName=stack.table.name)
        system.emulator.client("secretsmanager").describe_secret(
            SecretId=f"{stack.api_handler.name}-db-credentials"
        )
    except ClientError:
        return False
    return True


class SharedSystems:
    """Hands out one system for as long as it stays seeded; stops each one it started."""

    def __init__(self) -> None:
        self._system: LocalSystem | None = None

    def get(self) -> LocalSystem:
        """The current system, or a new one if there is none or it lost its seed."""
        if self._system is not None and not _still_seeded(self._system):
            self.close()
        if self._system is None:
            self._system = _start_system()
        return self._system

    def close(self) -> None:
        """Stop the current system, if any."""
        system, self._system = self._system, None
        if system is not None:
            system.stop()


@pytest.fixture(scope="session")
def shared_local_systems() -> Iterator[SharedSystems]:
    """The test process's shared system (see the module's docstring)."""
    systems = SharedSystems()
    try:
        yield systems
    finally:
        systems.close()


@pytest.fixture(scope="module")
def local_system(shared_local_systems: SharedSystems) -> LocalSystem:
    """The shared system: a module leaves what it found as it was, and tells its own data
    apart from other modules' (names of its own) or matches answers loosely."""
    return shared_local_systems.get()


@pytest.fixture(scope="module")
def own_local_system() -> Iterator[LocalSystem]:
    """A system for this module alone, stopped after it."""
    system = _start_system()
    try:
        yield system
    finally:
        system.stop()
