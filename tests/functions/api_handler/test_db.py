"""The database layer: connection handling (with fakes) and SQL against the real PostgreSQL."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pg8000.native
import pytest
from api import sql
from api.db import ConnectParams, Credentials, Database, connect, sqlstate, ssl_context_for
from api.errors import DependencyUnavailable, IdempotencyKeyReused
from api.validation import NewEvent, SummaryQuery
from pg8000.exceptions import DatabaseError, InterfaceError

from tests.functions.conftest import PgDatabase
from tools.local.pg_server import PgServer, make_ca_and_server_cert

PARAMS = ConnectParams(
    host="db", port=5432, database="d", connect_timeout_s=1, statement_timeout_ms=1000
)


class FakeConnection:
    """Answers ``run`` until told to break like a dropped pg8000 connection."""

    def __init__(self) -> None:
        self.broken = False
        self.closed = False

    def run(self, statement: str, **_: Any) -> list[list[Any]]:
        """Raise InterfaceError once broken, else answer 1."""
        if self.broken:
            raise InterfaceError("network error")
        return [[1]]

    def close(self) -> None:
        """Remember it was closed."""
        self.closed = True


class FakeConnector:
    """Records connection attempts; fails authentication for passwords it does not accept."""

    def __init__(self, accepted_password: str) -> None:
        self.accepted_password = accepted_password
        self.connections: list[FakeConnection] = []
        self.refused = False

    def __call__(self, params: ConnectParams, credentials: Credentials) -> FakeConnection:
        """Open a fake connection or raise like PostgreSQL would."""
        if self.refused:
            raise InterfaceError("Can't create a connection")
        if credentials.password != self.accepted_password:
            raise DatabaseError({"C": "28P01", "M": "password authentication failed"})
        self.connections.append(FakeConnection())
        return self.connections[-1]


class FakeSecret:
    """A credentials provider whose secret can be rotated; counts fetches."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.cached: Credentials | None = None
        self.fetches = 0

    def __call__(self, refresh: bool) -> Credentials:
        """Serve the cached value unless asked to refresh."""
        if self.cached is None or refresh:
            self.fetches += 1
            self.cached = Credentials("app", self.password)
        return self.cached


def test_database_reuses_one_connection() -> None:
    """Several calls share the container's one connection."""
    connector, secret = FakeConnector("pw"), FakeSecret("pw")
    db = Database(PARAMS, secret, connector)
    for _ in range(3):
        db.run(sql.ping)
    assert len(connector.connections) == 1


def test_database_reconnects_once_after_drop() -> None:
    """A dropped connection is replaced once and the call succeeds."""
    connector, secret = FakeConnector("pw"), FakeSecret("pw")
    db = Database(PARAMS, secret, connector)
    db.run(sql.ping)
    connector.connections[0].broken = True
    db.run(sql.ping)
    assert len(connector.connections) == 2
    assert connector.connections[0].closed


def test_database_refused_reconnect_is_unavailable() -> None:
    """Dropped and the server unreachable: DependencyUnavailable, not InterfaceError."""
    connector, secret = FakeConnector("pw"), FakeSecret("pw")
    db = Database(PARAMS, secret, connector)
    db.run(sql.ping)
    connector.connections[0].broken = True
    connector.refused = True
    with pytest.raises(DependencyUnavailable):
        db.run(sql.ping)
    assert db.connection is None


def test_database_refetches_secret_after_auth_failure() -> None:
    """Cached password rotated away: one failure, one re-fetch, connected."""
    connector, secret = FakeConnector("old"), FakeSecret("old")
    db = Database(PARAMS, secret, connector)
    db.run(sql.ping)
    db.close()
    connector.accepted_password = secret.password = "new"
    db.run(sql.ping)
    assert secret.fetches == 2


def test_database_auth_failure_after_refetch_is_unavailable() -> None:
    """The secret is wrong even after re-fetching: 503, only one re-fetch."""
    connector, secret = FakeConnector("right"), FakeSecret("wrong")
    db = Database(PARAMS, secret, connector)
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert "authentication failed" in caught.value.reason
    assert secret.fetches == 2


def _connect(db: PgDatabase, statement_timeout_ms: int = 5000) -> pg8000.native.Connection:
    params = ConnectParams(
        host=db.host,
        port=db.port,
        database=db.name,
        connect_timeout_s=2,
        statement_timeout_ms=statement_timeout_ms,
    )
    return connect(params, Credentials(db.user, db.password))


def _race_ensure_schema(
    pg_database: PgDatabase, *, sessions: int
) -> tuple[list[BaseException], list[bool]]:
    """Run ``ensure_schema`` from ``sessions`` connections at once; its errors and results."""
    connections = [_connect(pg_database) for _ in range(sessions)]
    barrier = threading.Barrier(len(connections))
    results: list[bool] = []
    errors: list[BaseException] = []

    def race(con: pg8000.native.Connection) -> None:
        barrier.wait()
        try:
            results.append(sql.ensure_schema(con))
        except BaseException as exc:  # noqa: BLE001 - collected and returned
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(con,)) for con in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for con in connections:
        con.close()
    return errors, results


@pytest.mark.postgres
def test_connect_without_ca_bundle_is_tls_where_plaintext_is_refused(
    pg_database: PgDatabase,
) -> None:
    """No DB_CA_BUNDLE against a server that rejects plaintext (rds.force_ssl=1): TLS session."""
    with pytest.raises(DatabaseError) as refused:
        pg8000.native.Connection(
            pg_database.user,
            host=pg_database.host,
            port=pg_database.port,
            database=pg_database.name,
            password=pg_database.password,
            ssl_context=False,
        )
    assert sqlstate(refused.value) == "28000", "the test server must refuse plaintext"
    con = _connect(pg_database)
    try:
        assert con.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [[True]]
    finally:
        con.close()


@contextlib.contextmanager
def _serving_one_connection(address: str, serve: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener on ``address`` whose first connection ``serve`` answers in a thread (an
    ``OSError``, such as the client hanging up, ends it); yields the port."""
    listener = socket.socket()
    listener.bind((address, 0))
    listener.listen(1)
    listener.settimeout(5)

    def accept() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                serve(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        thread.join(timeout=5)
        listener.close()


@pytest.fixture()
def tls_declining_server() -> Iterator[tuple[int, list[bytes]]]:
    """Answers the SSLRequest with "N", then asks for the password in clear text; records bytes.

    What a man in the middle (or a server without TLS) can do to a client that falls back.
    """
    received: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        received.append(conn.recv(8))  # SSLRequest
        conn.sendall(b"N")
        received.append(conn.recv(4096))  # StartupMessage, if the client goes on
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        received.append(conn.recv(4096))  # PasswordMessage

    with _serving_one_connection("127.0.0.1", serve) as port:
        yield port, received


def test_connect_refuses_a_server_that_declines_tls(
    tls_declining_server: tuple[int, list[bytes]],
) -> None:
    """TLS is required even without a CA bundle: no plaintext fallback, no password sent."""
    port, received = tls_declining_server
    params = ConnectParams(
        host="127.0.0.1", port=port, database="d", connect_timeout_s=2, statement_timeout_ms=1000
    )
    db = Database(params, lambda _: Credentials("app", "s3cret-password"))
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert "refused TLS" in caught.value.reason
    assert not any(b"s3cret-password" in chunk for chunk in received), received


def test_ssl_context_without_bundle_loads_no_ca_certificates() -> None:
    """No bundle means no verification, so no CA store is loaded (about 50 ms of CPU per load,
    on every cold start and, before, on every connection)."""
    context = ssl_context_for(None)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


def _offers_what_the_default_context_offers(context: ssl.SSLContext) -> None:
    reference = ssl.create_default_context()
    assert context.options == reference.options
    assert [c["name"] for c in context.get_ciphers()] == [
        c["name"] for c in reference.get_ciphers()
    ]
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT


def test_ssl_context_without_bundle_offers_what_the_default_context_offers_from_tls_1_2() -> None:
    """Protocol options and cipher suites are those of ``ssl.create_default_context()`` (no
    SSLv2/3, no compression, ...); nothing older than TLS 1.2 is offered."""
    _offers_what_the_default_context_offers(ssl_context_for(None))


@pytest.mark.postgres
def test_ssl_context_with_bundle_is_the_default_context_from_tls_1_2(pg_ca_bundle: str) -> None:
    """With a bundle it verifies as Python's default context does (its X.509 flags too),
    against that bundle's CA alone."""
    context = ssl_context_for(pg_ca_bundle)
    _offers_what_the_default_context_offers(context)
    assert context.verify_flags == ssl.create_default_context().verify_flags
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 1


@pytest.fixture()
def pg_ca_bundle(pg_server: PgServer) -> str:
    """The PEM of the CA that signed the session server's certificate."""
    assert pg_server.tls is not None
    return str(pg_server.tls.ca_cert)


def _params(
    db: PgDatabase, *, ca_bundle: str | None = None, host: str | None = None
) -> ConnectParams:
    return ConnectParams(
        host=host or db.host,
        port=db.port,
        database=db.name,
        connect_timeout_s=2,
        statement_timeout_ms=5000,
        ca_bundle=ca_bundle,
    )


def _tls_context_of(con: pg8000.native.Connection) -> ssl.SSLContext:
    sock = con._usock  # noqa: SLF001 - the socket pg8000 wrapped, to see which context did it
    assert isinstance(sock, ssl.SSLSocket)
    return sock.context


@pytest.mark.postgres
def test_connect_reuses_one_tls_context_per_ca_bundle(
    pg_database: PgDatabase, pg_ca_bundle: str
) -> None:
    """Connections of a container share the context of their bundle (none is one too)."""
    login = Credentials(pg_database.user, pg_database.password)
    cons = [
        connect(_params(pg_database, ca_bundle=bundle), login)
        for bundle in (None, None, pg_ca_bundle, pg_ca_bundle)
    ]
    try:
        plain_a, plain_b, verified_a, verified_b = (_tls_context_of(con) for con in cons)
    finally:
        for con in cons:
            con.close()
    assert plain_a is plain_b
    assert verified_a is verified_b
    assert plain_a is not verified_a


@pytest.mark.postgres
def test_connect_sends_without_nagle_delay_and_keeps_alive(pg_database: PgDatabase) -> None:
    """The connection's TCP socket has Nagle's algorithm off (no delayed-ACK stall in the
    start-up) and keep-alives on; it is still TLS."""
    con = connect(_params(pg_database), Credentials(pg_database.user, pg_database.password))
    try:
        sock = con._usock  # noqa: SLF001 - the socket pg8000 talks through
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0
    finally:
        con.close()


def test_connect_to_a_closed_port_is_unavailable() -> None:
    """Nothing listens: 503 "connection failed", as when pg8000 opened the socket."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    params = ConnectParams(
        host="127.0.0.1", port=port, database="d", connect_timeout_s=2, statement_timeout_ms=1000
    )
    db = Database(params, lambda _: Credentials("app", "pw"))
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert caught.value.reason == "database: connection failed"


def test_connect_hangs_up_on_a_server_that_never_answers_the_tls_request() -> None:
    """The SSLRequest is never answered: 503 after the connect timeout, and the server sees the
    connection closed then, not whenever the failed attempt happens to be collected."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(3)
            seen.append(conn.recv(8))  # the SSLRequest, left unanswered
            try:
                seen.append(conn.recv(1))  # b"" once the client hangs up
            except TimeoutError:
                seen.append(b"still open")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    params = ConnectParams(
        host="127.0.0.1",
        port=int(listener.getsockname()[1]),
        database="d",
        connect_timeout_s=0.3,
        statement_timeout_ms=1000,
    )
    try:
        with pytest.raises(DependencyUnavailable) as caught:
            Database(params, lambda _: Credentials("app", "pw")).run(sql.ping)
        thread.join(timeout=5)
    finally:
        listener.close()
    assert caught.value.reason == "database: timed out"
    assert seen == [struct.pack("!ii", 8, 80877103), b""]


@pytest.mark.postgres
def test_connect_with_ca_bundle_refuses_a_server_certificate_it_did_not_sign(
    pg_database: PgDatabase, tmp_path: Path
) -> None:
    """A bundle that did not sign the server's certificate: no connection, no credentials."""
    other = make_ca_and_server_cert(tmp_path, common_name="some other CA")
    db = Database(
        _params(pg_database, ca_bundle=str(other.ca_cert)),
        lambda _: Credentials(pg_database.user, pg_database.password),
    )
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert caught.value.reason == "database: TLS certificate verification failed"


@pytest.mark.postgres
def test_connect_reads_a_ca_bundle_replaced_in_place(
    pg_database: PgDatabase, pg_ca_bundle: str, tmp_path: Path
) -> None:
    """The bundle at one path replaced by another: the next connection verifies with the new
    one, not with a context kept from the old file."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(make_ca_and_server_cert(tmp_path / "other").ca_cert.read_bytes())
    login = Credentials(pg_database.user, pg_database.password)
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(_params(pg_database, ca_bundle=str(bundle)), login)
    bundle.write_bytes(Path(pg_ca_bundle).read_bytes() + b"\n")
    connect(_params(pg_database, ca_bundle=str(bundle)), login).close()


@pytest.fixture()
def tls_server_for_another_address(pg_server: PgServer) -> Iterator[tuple[str, int]]:
    """A PostgreSQL-like TLS endpoint on 127.0.0.2 presenting the session server's certificate
    (signed by the trusted CA, but issued for 127.0.0.1 and localhost only)."""
    assert pg_server.tls is not None
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pg_server.tls.server_cert, pg_server.tls.server_key)

    def serve(conn: socket.socket) -> None:
        conn.recv(8)  # SSLRequest
        conn.sendall(b"S")
        server_context.wrap_socket(conn, server_side=True).close()

    with _serving_one_connection("127.0.0.2", serve) as port:
        yield "127.0.0.2", port


@pytest.mark.postgres
def test_connect_with_ca_bundle_checks_the_host_name(
    tls_server_for_another_address: tuple[str, int], pg_ca_bundle: str
) -> None:
    """A certificate from the trusted CA but for another host: refused (a stolen certificate of
    one server does not let its holder pose as the database)."""
    host, port = tls_server_for_another_address
    params = ConnectParams(
        host=host,
        port=port,
        database="d",
        connect_timeout_s=2,
        statement_timeout_ms=1000,
        ca_bundle=pg_ca_bundle,
    )
    with pytest.raises(ssl.SSLCertVerificationError) as refused:
        connect(params, Credentials("app", "s3cret-password"))
    assert "mismatch" in str(refused.value), refused.value


@pytest.mark.postgres
def test_database_statement_timeout_is_unavailable(pg_database: PgDatabase) -> None:
    """A statement past DB_STATEMENT_TIMEOUT_MS is cancelled by the server: 503 error."""
    params = ConnectParams(
        host=pg_database.host,
        port=pg_database.port,
        database=pg_database.name,
        connect_timeout_s=2,
        statement_timeout_ms=200,
    )
    db = Database(params, lambda _: Credentials(pg_database.user, pg_database.password))
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(lambda con: con.run("SELECT pg_sleep(3)"))
    assert "timed out" in caught.value.reason
    db.run(sql.ping)


@pytest.mark.postgres
def test_ensure_schema_concurrent_creators_do_not_fail(pg_database: PgDatabase) -> None:
    """Eight sessions racing to create the schema: no error, exactly one creates it."""
    errors, results = _race_ensure_schema(pg_database, sessions=8)
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.postgres
def test_insert_event_concurrent_same_key_stores_once(pg_database: PgDatabase) -> None:
    """Two sessions posting the same key at once: one row, both get the same event."""
    setup = _connect(pg_database)
    sql.ensure_schema(setup)
    event = NewEvent(name="pay", value=5.0, timestamp=None, dimensions={"a": "b"})
    connections = [_connect(pg_database) for _ in range(4)]
    barrier = threading.Barrier(len(connections))
    stored: list[tuple[sql.StoredEvent, bool]] = []

    def post(con: pg8000.native.Connection) -> None:
        barrier.wait()
        stored.append(sql.insert_event(con, event, "same-key", "key-id:a"))

    threads = [threading.Thread(target=post, args=(con,)) for con in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({s[0].id for s in stored}) == 1
    assert all(s[0].to_json() == stored[0][0].to_json() for s in stored)
    assert sorted(s[1] for s in stored) == [False, True, True, True]
    assert setup.run("SELECT count(*) FROM events")[0][0] == 1
    for con in [setup, *connections]:
        con.close()


@pytest.mark.postgres
def test_insert_event_reused_key_raises(pg_database: PgDatabase) -> None:
    """Same key, different request: IdempotencyKeyReused."""
    con = _connect(pg_database)
    sql.ensure_schema(con)
    sql.insert_event(con, NewEvent("a", 1.0, None, {}), "k", "key-id:a")
    with pytest.raises(IdempotencyKeyReused):
        sql.insert_event(con, NewEvent("a", 2.0, None, {}), "k", "key-id:a")
    con.close()


@pytest.mark.postgres
@pytest.mark.parametrize("bucket", ["minute", "hour", "day"])
def test_summarise_buckets_align_to_utc(pg_database: PgDatabase, bucket: str) -> None:
    """Buckets start at UTC boundaries whatever the session time zone."""
    con = _connect(pg_database)
    sql.ensure_schema(con)
    con.run("SET TIME ZONE 'America/New_York'")
    ts = datetime(2026, 11, 27, 23, 30, 30, tzinfo=UTC)
    sql.insert_event(con, NewEvent("tz", 1.0, ts, {}), None, "anonymous")
    query = SummaryQuery(
        name="tz", start=ts - timedelta(days=1), end=ts + timedelta(days=1), bucket=bucket
    )
    (only,) = sql.summarise(con, query)
    expected = {
        "minute": datetime(2026, 11, 27, 23, 30, tzinfo=UTC),
        "hour": datetime(2026, 11, 27, 23, 0, tzinfo=UTC),
        "day": datetime(2026, 11, 27, tzinfo=UTC),
    }[bucket]
    assert only.start == expected
    con.close()


FIRST_SCHEMA = """
    CREATE TABLE events (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name            TEXT NOT NULL,
        value           DOUBLE PRECISION NOT NULL,
        ts              TIMESTAMPTZ NOT NULL,
        dimensions      JSONB NOT NULL DEFAULT '{}'::jsonb,
        idempotency_key TEXT UNIQUE,
        request_hash    TEXT,
        received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
    )
"""
"""The table as the first release created it: idempotency keys unique across all callers."""


def _first_schema_with_a_keyed_row(con: pg8000.native.Connection) -> sql.StoredEvent:
    con.run(FIRST_SCHEMA)
    con.run("CREATE INDEX events_name_ts_idx ON events (name, ts)")
    event = NewEvent("old", 1.0, None, {})
    rows = con.run(
        "INSERT INTO events (name, value, ts, idempotency_key, request_hash) "
        "VALUES ('old', 1.0, now(), 'k', :hash) RETURNING id",
        hash=event.fingerprint(),
    )
    return sql.StoredEvent(rows[0][0], "old", 1.0, datetime.now(UTC), {}, datetime.now(UTC))


@pytest.mark.postgres
def test_ensure_schema_upgrades_the_first_schema_in_place(pg_database: PgDatabase) -> None:
    """A table of the first schema: the upgrade keeps its rows (as the anonymous caller's),
    after which another caller can use a key already taken."""
    con = _connect(pg_database)
    old = _first_schema_with_a_keyed_row(con)
    assert sql.ensure_schema(con) is True
    replay, replayed = sql.insert_event(con, NewEvent("old", 1.0, None, {}), "k", "anonymous")
    assert (replay.id, replayed) == (old.id, True), "old rows must stay the anonymous caller's"
    mine, replayed = sql.insert_event(con, NewEvent("new", 2.0, None, {}), "k", "key-id:b")
    assert not replayed and mine.id != old.id
    con.close()


@pytest.mark.postgres
def test_ensure_schema_upgrade_drops_the_table_wide_key_constraint(
    pg_database: PgDatabase,
) -> None:
    """After the upgrade the only key constraint is per caller; a second run changes nothing."""
    con = _connect(pg_database)
    _first_schema_with_a_keyed_row(con)
    sql.ensure_schema(con)
    assert sql.ensure_schema(con) is False
    indexes = {
        row[0]: row[1]
        for row in con.run("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'")
    }
    assert "events_idempotency_key_key" not in indexes, indexes
    assert "(caller, idempotency_key)" in indexes[sql.CALLER_KEY_INDEX]
    con.close()


@pytest.mark.postgres
def test_ensure_schema_concurrent_upgraders_do_not_fail(pg_database: PgDatabase) -> None:
    """Eight sessions racing to upgrade a first-schema table: no error, exactly one does it."""
    setup = _connect(pg_database)
    _first_schema_with_a_keyed_row(setup)
    setup.close()
    errors, results = _race_ensure_schema(pg_database, sessions=8)
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.postgres
def test_insert_event_same_key_other_caller_is_a_new_row(pg_database: PgDatabase) -> None:
    """Keys are per caller: B's event under A's key is stored, and A's row is not returned."""
    con = _connect(pg_database)
    sql.ensure_schema(con)
    first, _ = sql.insert_event(con, NewEvent("a", 1.0, None, {}), "k", "key-id:a")
    second, replayed = sql.insert_event(con, NewEvent("a", 2.0, None, {}), "k", "key-id:b")
    assert not replayed and second.id != first.id and second.value == 2.0
    assert con.run("SELECT count(*) FROM events")[0][0] == 2
    con.close()


def _deadline_in(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    from api import deadline

    monkeypatch.setattr(deadline, "_current", deadline.Deadline.after(seconds))


def test_database_busy_past_the_deadline_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call still holding the connection (a health check left running past its own deadline)
    makes the next call wait only until that call's deadline, then 503: pg8000 connections are
    not shared between threads."""
    db = Database(PARAMS, FakeSecret("pw"), FakeConnector("pw"))
    release = threading.Event()
    holding = threading.Event()

    def hold(_con: Any) -> None:
        holding.set()
        release.wait(5)

    holder = threading.Thread(target=db.run, args=(hold,))
    holder.start()
    holding.wait(5)
    _deadline_in(monkeypatch, 0.2)
    started = time.monotonic()
    try:
        with pytest.raises(DependencyUnavailable) as caught:
            db.run(sql.ping)
    finally:
        release.set()
        holder.join()
    assert time.monotonic() - started < 1
    assert "busy" in caught.value.reason
    db.run(sql.ping)


def test_database_no_secret_refetch_without_time_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication failed with too little time left for a secret fetch and a connect: 503
    at once, no second fetch that would run the invocation into its timeout."""
    connector, secret = FakeConnector("new"), FakeSecret("old")
    db = Database(PARAMS, secret, connector)
    _deadline_in(monkeypatch, 1.0)
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert secret.fetches == 1
    assert "no time left" in caught.value.reason


def test_database_no_reconnect_without_time_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dropped connection with less time left than a connect may take: 503, no reconnect."""
    connector, secret = FakeConnector("pw"), FakeSecret("pw")
    db = Database(PARAMS, secret, connector)
    db.run(sql.ping)
    connector.connections[0].broken = True
    _deadline_in(monkeypatch, PARAMS.connect_timeout_s / 2)
    with pytest.raises(DependencyUnavailable) as caught:
        db.run(sql.ping)
    assert len(connector.connections) == 1
    assert "no time left" in caught.value.reason
