"""The local system attacked from outside, over real sockets on 127.0.0.1: a burst of connections,
broken HTTP framing, paths API Gateway refuses, Nagle's delay, and other users on the machine
going for PostgreSQL. Each attack is bounded in count and time."""

from __future__ import annotations

import json
import os
import shlex
import statistics
import subprocess
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.tools.local.raw_http import (
    connect,
    connect_burst,
    exchange,
    header_body_gaps,
    read_response,
)
from tools.local import contract
from tools.local.__main__ import banner
from tools.local.http_server import MAX_PAYLOAD_BYTES, ApiRequestHandler
from tools.local.system import LocalSystem

pytestmark = pytest.mark.slow

BURST = 64
"""Simultaneous connections: above the 50 that got resets with a listen queue of 5."""
MISSING_TOKEN = {"message": "Missing Authentication Token"}


def _port(system: LocalSystem) -> int:
    return int(urlsplit(system.base_url).port or 0)


def _emulator_port(system: LocalSystem) -> int:
    assert system.emulator is not None
    return int(urlsplit(system.emulator.endpoint).port or 0)


def _post_events(system: LocalSystem, body: bytes, *, length: int | str | None = None) -> bytes:
    """POST /events with the key, as bytes; ``length`` overrides the Content-Length sent."""
    head = (
        "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"x-api-key: {system.api_key}\r\nContent-Length: {len(body) if length is None else length}"
        "\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _stored(system: LocalSystem, name: str) -> int:
    """Events called ``name`` in the API's database."""
    assert system.pg is not None and system.stack is not None
    con = system.pg.superuser_connection(system.stack.db_name)
    try:
        exists = con.run("SELECT to_regclass('events') IS NOT NULL")[0][0]
        if not exists:
            return 0
        return int(con.run("SELECT count(*) FROM events WHERE name = :n", n=name)[0][0])
    finally:
        con.close()


def _event(name: str) -> bytes:
    return json.dumps({"name": name, "value": 1}).encode()


def _listen_queue(port: int) -> int:
    """The listen queue the kernel reports for 127.0.0.1:``port`` (``ss``'s Send-Q)."""
    out = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.split()
    assert out, f"nothing listens on port {port}"
    return int(out[2])


def _burst(port: int, request: bytes) -> tuple[list[int], float]:
    """``BURST`` connections at once, then ``request`` on each: the statuses, and how long
    the slowest connection took to be established."""
    sockets, slowest = connect_burst(port, BURST)
    statuses = []
    try:
        for sock in sockets:
            sock.sendall(request)
        for sock in sockets:
            response = read_response(sock, bytearray())
            statuses.append(response.status if response else 0)
    finally:
        for sock in sockets:
            sock.close()
    return statuses, slowest


# --- the listen queue ---------------------------------------------------------------------


def test_local_api_listen_queue_holds_at_least_128(local_system: LocalSystem) -> None:
    assert _listen_queue(_port(local_system)) >= 128


def test_local_emulator_listen_queue_holds_at_least_128(local_system: LocalSystem) -> None:
    assert _listen_queue(_emulator_port(local_system)) >= 128


def test_local_api_takes_a_burst_of_simultaneous_posts_at_once(local_system: LocalSystem) -> None:
    """64 POSTs at once, no key: all connect without a SYN retransmit (~1 s), none is reset,
    every one is answered by the gateway (403)."""
    request = (
        b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    statuses, slowest = _burst(_port(local_system), request)
    assert slowest < 0.5, f"slowest connect took {slowest:.2f} s: the listen queue overflowed"
    assert statuses == [403] * BURST


def test_local_emulator_takes_a_burst_of_simultaneous_connections_at_once(
    local_system: LocalSystem,
) -> None:
    request = b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    statuses, slowest = _burst(_emulator_port(local_system), request)
    assert slowest < 0.5, f"slowest connect took {slowest:.2f} s: the listen queue overflowed"
    assert len(statuses) == BURST and all(100 <= s < 600 for s in statuses), statuses


# --- HTTP framing -------------------------------------------------------------------------


def test_local_api_non_numeric_content_length_is_400_and_closed(
    local_system: LocalSystem, capfd: pytest.CaptureFixture[str]
) -> None:
    [response] = exchange(_port(local_system), _post_events(local_system, b"{}", length="abc"))
    assert response.status == 400
    assert "Content-Length 'abc'" in response.json()["message"]
    assert response.header("Connection") == "close"
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("value", ["-1", "1e3", "0x10", " 5 5", "１２"])
def test_local_api_content_length_that_is_not_plain_digits_is_400(
    local_system: LocalSystem, value: str
) -> None:
    request = _post_events(local_system, b"{}").replace(
        b"Content-Length: 2", b"Content-Length: " + value.encode()
    )
    [response] = exchange(_port(local_system), request)
    assert response.status == 400, response.body


def test_local_api_two_content_lengths_are_400(local_system: LocalSystem) -> None:
    request = _post_events(local_system, b"{}").replace(
        b"Content-Length: 2\r\n", b"Content-Length: 2\r\nContent-Length: 40\r\n"
    )
    [response] = exchange(_port(local_system), request)
    assert response.status == 400
    assert "more than once" in response.json()["message"]


def test_local_api_chunked_body_is_411_and_its_rest_is_never_a_second_request(
    local_system: LocalSystem,
) -> None:
    """A body hidden in chunks that holds a whole second request: one answer, then the close."""
    name = f"smuggled-{uuid.uuid4().hex[:8]}"
    inner = _post_events(local_system, _event(name))
    chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
    request = (
        b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"x-api-key: {local_system.api_key}\r\n".encode()
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + chunk
        + inner
    )
    responses = exchange(_port(local_system), request)
    assert [r.status for r in responses] == [411]
    assert "Transfer-Encoding" in responses[0].json()["message"]
    assert _stored(local_system, name) == 0


def test_local_api_body_cut_off_mid_upload_is_400_and_never_stored(
    local_system: LocalSystem, capfd: pytest.CaptureFixture[str]
) -> None:
    name = f"cut-{uuid.uuid4().hex[:8]}"
    body = _event(name)
    half = _post_events(local_system, body)[: -len(body) // 2]
    [response] = exchange(_port(local_system), half, half_close=True)
    assert response.status == 400
    assert f"of {len(body)} bytes" in response.json()["message"]
    assert _stored(local_system, name) == 0
    # The same request sent whole is stored: the check above could have seen it.
    [whole] = exchange(_port(local_system), _post_events(local_system, body))
    assert whole.status == 201, whole.body
    assert _stored(local_system, name) == 1
    assert "Traceback" not in capfd.readouterr().err


def test_local_api_body_that_stalls_mid_upload_is_408_and_never_stored(
    local_system: LocalSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that stops sending but keeps the connection open (30 s here, 1 s in the test)."""
    monkeypatch.setattr(ApiRequestHandler, "timeout", 1.0)
    name = f"stalled-{uuid.uuid4().hex[:8]}"
    body = _event(name)
    with connect(_port(local_system)) as sock:
        sock.sendall(_post_events(local_system, body)[: -len(body) // 2])
        response = read_response(sock, bytearray())
    assert response is not None and response.status == 408
    assert "stalled" in response.json()["message"]
    assert _stored(local_system, name) == 0


def test_local_api_body_over_the_payload_limit_is_413_before_it_is_sent(
    local_system: LocalSystem,
) -> None:
    request = _post_events(local_system, b"", length=MAX_PAYLOAD_BYTES + 1)
    [response] = exchange(_port(local_system), request)
    assert response.status == 413
    assert str(MAX_PAYLOAD_BYTES) in response.json()["message"]


def test_local_api_refuses_an_oversized_body_instead_of_sending_100_continue(
    local_system: LocalSystem,
) -> None:
    request = _post_events(local_system, b"", length=MAX_PAYLOAD_BYTES + 1).replace(
        b"Connection: close\r\n", b"Expect: 100-continue\r\n"
    )
    responses = exchange(_port(local_system), request)
    assert [r.status for r in responses] == [413]


# --- paths, errors and headers as API Gateway answers them ------------------------------------


@pytest.mark.parametrize("target", ["//metrics", "/health/", "/metrics//x", "//health", "/nowhere"])
def test_local_api_path_api_gateway_has_no_resource_for_is_403_missing_token(
    local_system: LocalSystem, target: str
) -> None:
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    [response] = exchange(_port(local_system), request)
    assert (response.status, response.json()) == (403, MISSING_TOKEN)
    assert response.header("Content-Type") == "application/json"


def test_local_api_unknown_method_is_403_missing_token(local_system: LocalSystem) -> None:
    request = b"BREW /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    [response] = exchange(_port(local_system), request)
    assert (response.status, response.json()) == (403, MISSING_TOKEN)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /health\r\n\r\n",
        b"GET /health HTTP/9.9\r\n\r\n",
        b"GET /health HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    ],
    ids=["request-line", "http-0.9", "version", "header-too-long"],
)
def test_local_api_malformed_request_gets_json_not_an_html_page(
    local_system: LocalSystem, request_bytes: bytes
) -> None:
    [response] = exchange(_port(local_system), request_bytes)
    assert 400 <= response.status < 600
    assert response.header("Content-Type") == "application/json"
    assert set(response.json()) == {"message"}


def test_local_api_sends_no_server_header(local_system: LocalSystem) -> None:
    for request in (
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GET //metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ):
        [response] = exchange(_port(local_system), request)
        assert response.header("Server") is None, (request, response.headers)


def test_local_api_keep_alive_response_body_does_not_wait_for_nagle(
    local_system: LocalSystem,
) -> None:
    """Over 25 keep-alive requests, the body follows its headers at once, not after the
    client's delayed ACK (~40 ms each with Nagle on)."""
    request = b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    gaps = header_body_gaps(_port(local_system), request, 25)
    assert statistics.median(gaps) < 0.02, [round(g * 1000, 1) for g in gaps]


# --- PostgreSQL ---------------------------------------------------------------------------


def _psql(
    *args: str, user: str | None = None, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = ["psql", "-w", "-X", "-tA", *args]
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"}
    if password is not None:
        env["PGPASSWORD"] = password
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )


def test_local_postgres_socket_directory_is_private_to_its_user(local_system: LocalSystem) -> None:
    assert local_system.pg is not None
    directory = local_system.pg.socket_path.parent
    mode = directory.stat().st_mode & 0o777
    assert mode == 0o700, f"{directory} is {mode:o}"
    assert local_system.pg.socket_path.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="acting as another user needs root (runuser)")
def test_local_postgres_socket_refuses_another_local_user(local_system: LocalSystem) -> None:
    assert local_system.pg is not None
    result = _psql(
        "-h",
        str(local_system.pg.base_dir),
        "-p",
        str(local_system.pg.port),
        "-U",
        "postgres",
        "-c",
        "SELECT 1",
        user="nobody",
    )
    assert result.returncode != 0
    assert "Permission denied" in result.stderr, result.stderr


@pytest.mark.parametrize("over", ["socket", "tcp"])
def test_local_postgres_superuser_needs_the_random_password(
    local_system: LocalSystem, over: str
) -> None:
    """The server's own user (root can enter the directory) still needs the password."""
    pg = local_system.pg
    assert pg is not None
    host = str(pg.base_dir) if over == "socket" else "127.0.0.1"
    target = ["-h", host, "-p", str(pg.port), "-U", "postgres", "-d", "postgres", "-c", "SELECT 1"]
    refused = _psql(*target, password="postgres")
    assert refused.returncode != 0 and "password" in refused.stderr, refused.stderr
    allowed = _psql(*target, password=pg.superuser_password)
    assert allowed.stdout.strip() == "1", allowed.stderr


# --- the banner ---------------------------------------------------------------------------


def _run_banner_line(line: str) -> str:
    result = subprocess.run(
        ["sh", "-c", line],
        cwd=contract.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{line}\n{result.stderr[-2000:]}"
    return result.stdout


def test_local_banner_commands_read_the_metrics_table(local_system: LocalSystem) -> None:
    """The AWS CLI and boto3 lines the banner prints, run as printed, see an item put now."""
    assert local_system.emulator is not None and local_system.stack is not None
    table = local_system.stack.table
    marker = f"banner-{uuid.uuid4().hex[:8]}"
    item: dict[str, Any] = {table.hash_key: {"S": marker}}
    if table.range_key:
        item[table.range_key] = {"S": marker}
    local_system.emulator.client("dynamodb").put_item(TableName=table.name, Item=item)
    lines = [line.strip() for line in banner(local_system, 1.0).splitlines()]
    assert any(local_system.emulator.endpoint in line and "emulator" in line for line in lines)
    cli = next(line for line in lines if " aws " in f" {line} ")
    assert shlex.split(cli)[-2:] == ["--table-name", table.name]
    assert marker in _run_banner_line(cli)
    python = next(line for line in lines if "venv/bin/python -c" in line)
    assert marker in _run_banner_line(python)
