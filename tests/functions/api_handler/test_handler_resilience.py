"""Failure modes end to end: dropped connections, a dead server, rotation, TLS, timeouts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.functions.api_handler.conftest import ApiEnv, LogReader
from tools.local.pg_server import make_ca_and_server_cert

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _backend_pids(api_env: ApiEnv) -> list[int]:
    con = api_env.db.server.superuser_connection()
    try:
        rows = con.run(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND usename = :u",
            d=api_env.db.name,
            u=api_env.db.user,
        )
    finally:
        con.close()
    return [r[0] for r in rows]


def test_handler_reconnects_after_backend_terminated(api_env: ApiEnv) -> None:
    """pg_terminate_backend on the handler's session: the next request reconnects and succeeds."""

    assert api_env.call("GET", "/health").status == 200
    before = _backend_pids(api_env)
    assert api_env.db.server.terminate_backends(api_env.db.name) == 1
    answer = api_env.call(
        "POST",
        "/events",
        body='{"name": "a", "value": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 201, answer.body
    assert _backend_pids(api_env) != before
    assert len(api_env.secret_fetches) == 1, "a dropped connection must not re-read the secret"


def test_handler_database_down_is_503_then_recovers(api_env: ApiEnv) -> None:
    """Server stopped: /health and POST /events answer 503 quickly; after restart, 200/201."""
    assert api_env.call("GET", "/health").status == 200
    server = api_env.db.server
    server.stop()
    try:
        started = time.monotonic()
        health = api_env.call("GET", "/health")
        post = api_env.post_event({"name": "during-outage", "value": 1})
        elapsed = time.monotonic() - started
    finally:
        server.start()
    assert health.status == 503
    assert health.body["checks"]["database"]["status"] == "unavailable"
    assert health.body["checks"]["metrics_table"]["status"] == "ok"
    assert post.status == 503
    assert post.body["error"]["code"] == "dependency_unavailable"
    assert elapsed < 5, f"outage answers took {elapsed:.1f}s"
    assert api_env.call("GET", "/health").status == 200
    assert api_env.post_event({"name": "after-outage", "value": 1}).status == 201


def test_handler_credential_rotation_refetches_secret_once(api_env: ApiEnv) -> None:
    """Password rotated in PG and the secret: one auth failure, one re-fetch, then success."""
    assert api_env.call("GET", "/health").status == 200
    api_env.rotate_password("rotated-" + "x" * 12)
    api_env.db.server.terminate_backends(api_env.db.name)
    answer = api_env.post_event({"name": "after-rotation", "value": 3})
    assert answer.status == 201, answer.body
    assert len(api_env.secret_fetches) == 2, "the cached secret must be bypassed exactly once"


def test_handler_wrong_password_everywhere_is_503(api_env: ApiEnv, api_logs: LogReader) -> None:
    """PG password changed but the secret not updated: 503, no crash, no loop; the reason is
    logged, the client reads only which dependency is unavailable."""
    api_env.db.server.set_password(api_env.db.user, "not-in-the-secret")
    answer = api_env.call("GET", "/health")
    assert answer.status == 503
    assert answer.body["checks"]["database"]["message"] == "database unavailable"
    assert len(api_env.secret_fetches) == 2
    reasons = [line.get("reason", "") for line in api_logs()]
    assert any("authentication failed" in reason for reason in reasons), reasons


def test_handler_tls_verified_with_ca_bundle(api_env: ApiEnv) -> None:
    """DB_CA_BUNDLE set: the session is TLS, verified against the CA made for this server."""
    from api import deps

    tls = api_env.db.server.tls
    assert tls is not None
    api_env.monkeypatch.setenv("DB_CA_BUNDLE", str(tls.ca_cert))
    deps.reset()
    assert api_env.call("GET", "/health").status == 200
    con = api_env.db.server.superuser_connection()
    try:
        rows = con.run(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
            "WHERE a.datname = :d AND a.usename = :u",
            d=api_env.db.name,
            u=api_env.db.user,
        )
    finally:
        con.close()
    assert rows == [[True]]


def test_handler_tls_wrong_ca_is_503(api_env: ApiEnv, tmp_path: Path, api_logs: LogReader) -> None:
    """A CA bundle that did not sign the server's certificate: 503; TLS named in the log only."""
    from api import deps

    other = make_ca_and_server_cert(tmp_path, common_name="some other CA")
    api_env.monkeypatch.setenv("DB_CA_BUNDLE", str(other.ca_cert))
    deps.reset()
    answer = api_env.call("GET", "/health")
    assert answer.status == 503
    assert answer.body["checks"]["database"]["message"] == "database unavailable"
    assert any("TLS" in line.get("reason", "") for line in api_logs()), api_logs()
    post = api_env.post_event({"name": "x", "value": 1})
    assert post.status == 503


def test_handler_hung_database_answers_within_timeout(api_env: ApiEnv, silent_server: int) -> None:
    """A server that never answers: /health is 503 after about DB_CONNECT_TIMEOUT, not later."""
    from api import deps

    api_env.monkeypatch.setenv("DB_PORT", str(silent_server))
    api_env.monkeypatch.setenv("DB_CONNECT_TIMEOUT", "0.5")
    deps.reset()
    started = time.monotonic()
    answer = api_env.call("GET", "/health")
    elapsed = time.monotonic() - started
    assert answer.status == 503
    assert answer.body["checks"]["database"]["message"] == "database unavailable"
    assert elapsed < 2.5, f"health took {elapsed:.2f}s"


@contextlib.contextmanager
def frozen(api_env: ApiEnv) -> Iterator[None]:
    """SIGSTOP the server (postmaster and this database's backends): alive, never answering."""
    postmaster = int((api_env.db.server.data_dir / "postmaster.pid").read_text().split()[0])
    pids = [postmaster, *_backend_pids(api_env)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def _short_timeouts(api_env: ApiEnv) -> None:
    from api import deps

    api_env.monkeypatch.setenv("DB_CONNECT_TIMEOUT", "0.5")
    api_env.monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "1000")
    deps.reset()


def test_handler_frozen_database_health_fails_within_connect_timeout(api_env: ApiEnv) -> None:
    """A warm connection to a frozen server: /health is 503 after the connect timeout (0.5 s),
    not the statement timeout plus a reconnect; once the server thaws, a new connection works."""
    _short_timeouts(api_env)
    assert api_env.call("GET", "/health").status == 200
    with frozen(api_env):
        started = time.monotonic()
        answer = api_env.call("GET", "/health")
        elapsed = time.monotonic() - started
    assert answer.status == 503
    assert answer.body["checks"]["database"] == {
        "status": "unavailable",
        "message": "database unavailable",
        "latency_ms": answer.body["checks"]["database"]["latency_ms"],
    }
    assert 0.4 < elapsed < 1.2, f"frozen /health took {elapsed:.2f}s"
    assert api_env.call("GET", "/health").status == 200


def test_handler_frozen_database_write_fails_within_statement_bound(api_env: ApiEnv) -> None:
    """A warm connection to a frozen server: POST /events is 503 after statement timeout plus
    connect timeout (1.5 s), with no second wait on a reconnect."""
    _short_timeouts(api_env)
    assert api_env.post_event({"name": "warm", "value": 1}).status == 201
    with frozen(api_env):
        started = time.monotonic()
        answer = api_env.post_event({"name": "frozen", "value": 1})
        elapsed = time.monotonic() - started
    assert answer.status == 503
    assert answer.body == {
        "error": {"code": "dependency_unavailable", "message": "database unavailable"}
    }
    assert 1.4 < elapsed < 1.9, f"frozen POST took {elapsed:.2f}s (a reconnect adds 0.5 s)"
    assert api_env.post_event({"name": "thawed", "value": 1}).status == 201


def test_handler_unreachable_aws_endpoint_503_names_no_exception(
    api_env: ApiEnv, api_logs: LogReader
) -> None:
    """DynamoDB and Secrets Manager unreachable (EndpointConnectionError): the client reads which
    dependency is unavailable, never botocore's exception names; the log has the reason."""
    from api import deps

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    api_env.monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    deps.reset()
    health = api_env.call("GET", "/health")
    post = api_env.post_event({"name": "x", "value": 1})
    listing = api_env.call("GET", "/metrics")
    assert health.status == post.status == listing.status == 503
    assert health.body["checks"]["metrics_table"]["message"] == "metrics_table unavailable"
    assert health.body["checks"]["database"]["message"] == "secret unavailable"
    assert post.body["error"] == {"code": "dependency_unavailable", "message": "secret unavailable"}
    assert listing.body["error"]["message"] == "metrics_table unavailable"
    for answer in (health, post, listing):
        assert "Error" not in answer.raw["body"], answer.raw["body"]
    reasons = " ".join(line.get("reason", "") for line in api_logs())
    assert "EndpointConnectionError" in reasons, reasons
