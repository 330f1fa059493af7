"""Stopping the local servers: at once, not after the serving loop's next poll."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tools.local.http_server import stop_serving

POLL_SECONDS = 30.0
"""A serving loop that would only notice a plain ``shutdown()`` after this long."""


def _serving() -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server whose loop has answered one request, so it is back waiting in its select."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as client:
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := client.recv(4096):  # to its end: the server closes after HTTP/1.0
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 501"), answer
    return server, thread


def test_stop_serving_ends_the_loop_without_waiting_for_its_poll() -> None:
    server, thread = _serving()
    began = time.monotonic()
    stop_serving(server)
    thread.join(timeout=POLL_SECONDS)
    took = time.monotonic() - began
    server.server_close()
    assert not thread.is_alive()
    assert took < POLL_SECONDS / 10, f"stop took {took:.1f} s"


def test_stop_serving_frees_the_port_once_closed() -> None:
    server, thread = _serving()
    port = server.server_address[1]
    stop_serving(server)
    server.server_close()
    thread.join(timeout=POLL_SECONDS)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "something still accepts on the port"
    # A next server binds it (as the servers do, past connections in TIME_WAIT).
    ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler).server_close()


def test_stop_serving_a_server_stopped_already_returns() -> None:
    """A second stop (the system's ``stop`` is safe to call twice) does not hang."""
    server, thread = _serving()
    stop_serving(server)
    thread.join(timeout=POLL_SECONDS)
    began = time.monotonic()
    stop_serving(server)
    server.server_close()
    assert time.monotonic() - began < 1.0
