"""One PostgreSQL connection per container: timeouts, TLS, credential re-fetch, one reconnect."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

from api import deadline, sql
from api.aws import AWS_CALL_WORST_S
from api.errors import DependencyUnavailable

T = TypeVar("T")

AUTH_FAILED = frozenset({"28P01", "28000"})
"""invalid_password, invalid_authorization_specification: the secret may have rotated."""
CONNECTION_GONE = frozenset({"57P01", "57P02", "57P03", "08000", "08003", "08006"})
"""admin_shutdown, crash_shutdown, cannot_connect_now and connection exceptions."""
QUERY_CANCELED = "57014"
"""statement_timeout fired (or a cancel request)."""


@dataclass(frozen=True)
class Credentials:
    """Database login from the Secrets Manager secret."""

    username: str
    password: str


CredentialsProvider = Callable[[bool], Credentials]
"""Called with ``refresh=True`` after an authentication failure to bypass its cache."""


@dataclass(frozen=True)
class ConnectParams:
    """Everything needed to open a connection except the credentials."""

    host: str
    port: int
    database: str
    connect_timeout_s: float
    statement_timeout_ms: int
    ca_bundle: str | None = None


class _ConnectionLost(Exception):
    """Internal: the connection broke while in use (or could not be made)."""


def _timed_out(exc: BaseException) -> bool:
    """Whether a socket read timed out (pg8000 wraps it in ``InterfaceError("network error")``)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__
    return False


def _set_read_timeout(con: Any, seconds: float) -> None:
    # pg8000 exposes no setter; its socket (TLS-wrapped) is ``_usock``.
    sock = getattr(con, "_usock", None)
    if sock is not None:
        sock.settimeout(seconds)


def statement_read_timeout(params: ConnectParams) -> float:
    """How long a read waits for a statement's answer: the server cancels the statement at
    ``statement_timeout`` and says so at once; the connect timeout is the margin for that answer
    to arrive. Only a server that stopped answering (frozen, not dead) waits this long."""
    return params.statement_timeout_ms / 1000 + params.connect_timeout_s


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a pg8000 ``DatabaseError``, if it carries one."""
    if exc.args and isinstance(exc.args[0], dict):
        code = exc.args[0].get("C")
        return code if isinstance(code, str) else None
    return None


MINIMUM_TLS_VERSION = ssl.TLSVersion.TLSv1_2
"""The oldest protocol offered (RDS for PostgreSQL accepts 1.2 and 1.3)."""

_contexts: dict[str | None, tuple[tuple[int, ...], ssl.SSLContext]] = {}
_contexts_lock = threading.Lock()


def _new_context(ca_bundle: str | None) -> ssl.SSLContext:
    if ca_bundle is not None:
        # Python's default client context, which loads only the bundle given (and follows
        # whatever checks later Python versions add to it, such as strict X.509).
        context = ssl.create_default_context(cafile=ca_bundle)
    else:
        # PROTOCOL_TLS_CLIENT has the default context's options and ciphers; nothing is
        # verified here, so the system's CA store (about 50 ms of CPU) is not loaded at all.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = MINIMUM_TLS_VERSION
    return context


def _bundle_version(ca_bundle: str | None) -> tuple[int, ...]:
    if ca_bundle is None:
        return ()
    seen = os.stat(ca_bundle)
    return (seen.st_ino, seen.st_size, seen.st_mtime_ns)


def ssl_context_for(ca_bundle: str | None) -> ssl.SSLContext:
    """TLS is always required; the server's certificate is verified when a CA bundle is given.

    Never pass pg8000 ``ssl_context=None``: it then falls back to plaintext when the server (or
    anyone in the path) answers the SSLRequest with "N", and hands the password to whoever asks
    for it in clear text. With a context, pg8000 fails with "Server refuses SSL" instead.

    One context per bundle path serves every connection of the container (pg8000 only wraps
    sockets with it); a bundle file replaced in place is read again. A bundle that cannot be
    read raises ``OSError`` (or ``ssl.SSLError`` when it holds no certificate).
    """
    version = _bundle_version(ca_bundle)
    with _contexts_lock:
        known = _contexts.get(ca_bundle)
        if known is not None and known[0] == version:
            return known[1]
        context = _new_context(ca_bundle)
        _contexts[ca_bundle] = (version, context)
        return context


def open_socket(params: ConnectParams) -> socket.socket:
    """The TCP connection to the server, with Nagle's algorithm off and keep-alives on.

    pg8000 sends parts of the connection start-up in separate small writes; with Nagle's
    algorithm each such write waits for the server's delayed ACK (about 40 ms on Linux), on
    every connection: here it took a TLS connection from about 13 ms to 55 ms. Keep-alives are
    what pg8000 sets on the sockets it opens itself.
    """
    sock = socket.create_connection((params.host, params.port), params.connect_timeout_s)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    except OSError:
        sock.close()
        raise
    return sock


def connect(params: ConnectParams, credentials: Credentials) -> pg8000.native.Connection:
    """Open a connection with bounded connect time and a server-side statement timeout."""
    context = ssl_context_for(params.ca_bundle)
    sock = open_socket(params)
    try:
        con = pg8000.native.Connection(
            credentials.username,
            host=params.host,  # the name the server's certificate is checked against
            sock=sock,
            database=params.database,
            password=credentials.password,
            ssl_context=context,
            timeout=params.connect_timeout_s,
            application_name="cw-analytics-api",
            startup_params={
                "statement_timeout": str(params.statement_timeout_ms),
                "TimeZone": "UTC",
            },
        )
    except BaseException:
        # pg8000 leaves open a socket it was handed when the start-up fails before TLS (a
        # server that never answers the SSLRequest); closing one it closed is harmless. After
        # the handshake ``sock`` is detached into pg8000's TLS socket, which is closed when
        # the failed attempt is dropped (this close is then a no-op).
        sock.close()
        raise
    _set_read_timeout(con, statement_read_timeout(params))
    return con


class Database:
    """The container's connection, opened lazily, re-opened once when the server dropped it."""

    def __init__(
        self,
        params: ConnectParams,
        credentials: CredentialsProvider,
        connector: Callable[[ConnectParams, Credentials], Any] = connect,
    ) -> None:
        self._params = params
        self._credentials = credentials
        self._connector = connector
        self._con: Any = None
        self._schema_ready = False
        # A /health check left running past its request's deadline may still hold the
        # connection when the next request comes: pg8000 connections are not thread-safe.
        self._lock = threading.Lock()

    @property
    def connection(self) -> Any:
        """The open connection, or None (tests and the benchmark look at it)."""
        return self._con

    def close(self) -> None:
        """Close the connection if open."""
        con, self._con = self._con, None
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - closing a dead socket may fail; nothing to do
                pass

    def _open(self) -> Any:
        try:
            try:
                return self._connector(self._params, self._credentials(False))
            except DatabaseError as exc:
                if sqlstate(exc) not in AUTH_FAILED:
                    raise
                if not deadline.current().allows(AWS_CALL_WORST_S + self._params.connect_timeout_s):
                    raise DependencyUnavailable(
                        "database", "authentication failed; no time left to re-read the secret"
                    ) from exc
            # The password may have been rotated: fetch the secret again and retry once.
            return self._connector(self._params, self._credentials(True))
        except DatabaseError as exc:
            code = sqlstate(exc)
            reason = "authentication failed" if code in AUTH_FAILED else f"error {code}"
            raise DependencyUnavailable("database", reason) from exc
        except (InterfaceError, OSError) as exc:
            raise DependencyUnavailable("database", _describe(exc)) from exc

    def _attempt(self, fn: Callable[[Any], T], needs_schema: bool, quick: bool) -> T:
        if self._con is None:
            self._con = self._open()
        con = self._con
        try:
            if needs_schema and not self._schema_ready:
                sql.ensure_schema(con)
                self._schema_ready = True
            if not quick:
                return fn(con)
            _set_read_timeout(con, self._params.connect_timeout_s)
            try:
                return fn(con)
            finally:
                _set_read_timeout(con, statement_read_timeout(self._params))
        except (InterfaceError, OSError) as exc:
            self.close()
            if _timed_out(exc):
                # Alive but not answering (frozen, overloaded, a black-holed route): a new
                # connection would only wait out the connect timeout too.
                raise DependencyUnavailable("database", "timed out waiting for an answer") from exc
            self.close()
            raise _ConnectionLost(_describe(exc)) from exc
        except DatabaseError as exc:
            code = sqlstate(exc)
            if code in CONNECTION_GONE:
                self.close()
                raise _ConnectionLost(f"server closed the session ({code})") from exc
            if code == QUERY_CANCELED:
                raise DependencyUnavailable("database", "statement timed out") from exc
            raise

    def run(self, fn: Callable[[Any], T], *, needs_schema: bool = False, quick: bool = False) -> T:
        """Run ``fn(connection)``; 503 when PostgreSQL is unreachable, after one reconnect.

        A connection made earlier in the container may have been dropped by the server (pg8000
        then keeps raising ``InterfaceError``): reconnect and retry once. A connection made in
        this call that fails is not retried again, nor one that timed out. ``quick`` statements
        (a ping) wait only the connect timeout for their answer, not a statement's.
        """
        until = deadline.current()
        if not self._lock.acquire(timeout=until.remaining()):
            raise DependencyUnavailable("database", "connection busy until the deadline")
        try:
            reused = self._con is not None
            try:
                return self._attempt(fn, needs_schema, quick)
            except _ConnectionLost as first:
                if not reused:
                    raise DependencyUnavailable("database", str(first)) from first
                if not until.allows(self._params.connect_timeout_s):
                    raise DependencyUnavailable(
                        "database", f"{first}; no time left to reconnect"
                    ) from first
            try:
                return self._attempt(fn, needs_schema, quick)
            except _ConnectionLost as second:
                raise DependencyUnavailable("database", str(second)) from second
        finally:
            self._lock.release()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "TLS certificate verification failed"
    if isinstance(exc, ssl.SSLError):
        return "TLS error"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, InterfaceError) and "refuses SSL" in str(exc):
        return "server refused TLS"
    cause = exc.__cause__
    if isinstance(exc, InterfaceError) and cause is not None and cause is not exc:
        return _describe(cause)
    return "connection failed" if isinstance(exc, InterfaceError | OSError) else type(exc).__name__
