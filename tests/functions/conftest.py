"""Fixtures shared by the Lambda tests: a real PostgreSQL server and a neutral AWS environment.

Moto fixtures live next to the tests that use them (each function's test package owns its own).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import botocore.loaders
import botocore.session
import pg8000.native
import pytest
from pg8000.exceptions import InterfaceError

from tools.iam_proof import recorder
from tools.local.pg_server import PgServer, PostgresUnavailableError, start_server

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture(scope="session", autouse=True)
def record_aws_calls() -> Iterator[None]:
    """With ``CWA_AWS_CALL_LOG`` set, record the AWS calls the functions' own code makes (not the
    tests' set-up calls) for ``python -m tools.iam_proof --function-tests`` (docs/iam-proof.md)."""
    target = os.environ.get(recorder.ENV_VAR)
    if not target:
        yield
        return
    recorder.install(
        Path(target),
        recorder.frames_under(
            {
                "api-handler": FUNCTIONS / "api_handler",
                "metrics-aggregator": FUNCTIONS / "metric_aggregator",
            }
        ),
    )
    try:
        yield
    finally:
        recorder.uninstall()


@pytest.fixture(scope="package", autouse=True)
def shared_botocore_loader() -> Iterator[None]:
    """One botocore data loader per data path while this package's tests run, instead of one
    per boto3 session (package scope: the tests of other packages a worker runs in between
    get botocore as it is).

    Each test starts a fresh "container", whose code makes a new boto3 session (as a cold start
    does); each new session would parse botocore's model and endpoint files again, which cost
    these tests about half their CPU. The loader holds only that parsed, read-only data, so the
    functions' sessions and clients are still built exactly as in Lambda.
    """
    loaders: dict[str | None, botocore.loaders.Loader] = {}
    original = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = original(search_path_string)
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", create_loader)
        yield


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server (TLS forced as on RDS, SCRAM over TCP) for the session, then stopped."""
    try:
        # In the suite's scratch space (memory where the machine has a tmpfs: tests/conftest.py):
        # every test copies the ~7.5 MB template database, about 0.5 s each on a busy disk.
        server = start_server(tls=True, force_ssl=True)
    except PostgresUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.destroy()


@dataclass(frozen=True)
class PgDatabase:
    """A fresh database on the session server, owned by its own login role."""

    server: PgServer
    name: str
    user: str
    password: str

    @property
    def host(self) -> str:
        """TCP host of the server."""
        return self.server.host

    @property
    def port(self) -> int:
        """TCP port of the server."""
        return self.server.port


class ServerAdmin:
    """One superuser session that makes and drops the tests' databases and roles.

    Opening a session per step cost every database test two SCRAM logins and two backends
    (about 7 ms of the test's CPU, more of the server's). The session is opened again when the
    server went away under it (a test that stops and restarts it).
    """

    def __init__(self, server: PgServer) -> None:
        self._server = server
        self._con: pg8000.native.Connection | None = None

    def run(self, statement: str) -> None:
        """Run one statement; on a session the server dropped, once more on a new session."""
        self.work(lambda con: con.run(statement))

    def create_database(self, db: PgDatabase) -> None:
        """``db``'s login role and database, made as the local system makes its own."""
        self.work(
            lambda con: self._server.create_database(db.name, db.user, db.password, connection=con)
        )

    def work(self, step: Callable[[pg8000.native.Connection], object]) -> None:
        """Run ``step`` on the session; on a session the server dropped, once more on a new
        one (the server was restarted between two tests: the step never reached it)."""
        for last_try in (False, True):
            if self._con is None:
                self._con = self._server.superuser_connection()
            try:
                step(self._con)
                return
            except InterfaceError:
                self.close()
                if last_try:
                    raise

    def close(self) -> None:
        """End the session, if any."""
        con, self._con = self._con, None
        if con is not None:
            try:
                con.close()
            except (InterfaceError, OSError):
                pass  # already gone


@pytest.fixture(scope="session")
def pg_admin(pg_server: PgServer) -> Iterator[ServerAdmin]:
    """The session's ``ServerAdmin`` for ``pg_server``."""
    admin = ServerAdmin(pg_server)
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture()
def pg_database(pg_server: PgServer, pg_admin: ServerAdmin) -> Iterator[PgDatabase]:
    """A new empty database and role per test (names are random; nothing is shared), dropped
    afterwards so the session's cluster stays the size of one test's data."""
    suffix = secrets.token_hex(6)
    db = PgDatabase(
        server=pg_server,
        name=f"test_{suffix}",
        user=f"app_{suffix}",
        password=secrets.token_urlsafe(16),
    )
    name, user = pg8000.native.identifier(db.name), pg8000.native.identifier(db.user)
    pg_admin.create_database(db)
    yield db
    # The handler may still hold a session: FORCE ends it.
    pg_admin.run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_admin.run(f"DROP ROLE IF EXISTS {user}")


TEST_REGION = "eu-west-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""What ``aws_env`` sets; clients made outside a test's environment take them as keywords."""


def set_neutral_aws_env(patch: pytest.MonkeyPatch) -> str:
    """Set fake credentials and a fixed region (no profile, no endpoint); return the region."""
    region = TEST_REGION
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        patch.delenv(key, raising=False)
    for key, value in FAKE_CREDENTIALS.items():
        patch.setenv(key, value)
    patch.setenv("AWS_REGION", region)
    patch.setenv("AWS_DEFAULT_REGION", region)
    patch.setenv("AWS_CONFIG_FILE", "/dev/null")
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return region


@pytest.fixture()
def aws_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake credentials and a fixed region, so no test can reach a real AWS account."""
    return set_neutral_aws_env(monkeypatch)
