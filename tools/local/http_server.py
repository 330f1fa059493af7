"""The API's HTTP/1.1 listener: what reaches the gateway is a whole request, or nothing.

``http.server`` as it comes would let a client through that API Gateway turns away: a listen
queue of 5 (connections reset under a burst), a ``Content-Length`` it cannot parse (a traceback
and no answer), a chunked body (read as empty, its rest taken for a second request), a body cut
off mid-upload (handed on short), Nagle's delay on every keep-alive response, ``//path`` quietly
made ``/path``, and HTML error pages with a ``Server: BaseHTTP`` header. Here the framing is
checked before anything is read or invoked, and every answer is API Gateway's JSON shape:

- ``Content-Length`` not a plain number, or given twice: 400, connection closed;
- ``Transfer-Encoding`` (chunked or any other): 411 Length Required, connection closed;
- a body above API Gateway's 10 MB payload limit: 413 without reading it, connection closed;
- a body that ends (or stalls past ``BODY_TIMEOUT_SECONDS``) before ``Content-Length`` bytes:
  400 (408 for the stall), connection closed, nothing invoked;
- a method ``http.server`` has no ``do_`` for: on to the gateway (403, like any unknown route);
- a request line without an HTTP version (HTTP/0.9): 400.
"""

from __future__ import annotations

import contextlib
import errno
import json
import re
import socket
import socketserver
import sys
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tools.local.gateway import HttpRequest, HttpResponse

LISTEN_BACKLOG = 128
"""Pending connections the kernel holds (``http.server``'s default is 5); the emulator's
server (werkzeug) uses 128 too."""
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit for REST APIs (10 MB)."""
BODY_TIMEOUT_SECONDS = 30.0
"""How long a connection may stay silent, mid-body or between keep-alive requests."""
DRAIN_SECONDS = 1.0
"""How long a refused request's remaining bytes are read and dropped before the close."""
_DIGITS = re.compile(r"[0-9]{1,19}")


class PortInUseError(RuntimeError):
    """The API's port is taken; the message names it."""


class FramingError(Exception):
    """The request's framing cannot be trusted: answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def body_length(headers: Any) -> int:
    """The body's length from the request headers, or ``FramingError`` saying why not."""
    if headers.get_all("Transfer-Encoding"):
        raise FramingError(
            HTTPStatus.LENGTH_REQUIRED,
            "Transfer-Encoding is not accepted; send the body with a Content-Length",
        )
    values = headers.get_all("Content-Length") or []
    if len(values) > 1:
        raise FramingError(HTTPStatus.BAD_REQUEST, "Content-Length is given more than once")
    if not values:
        return 0
    raw = values[0].strip()
    if not _DIGITS.fullmatch(raw):
        raise FramingError(
            HTTPStatus.BAD_REQUEST, f"Content-Length {raw[:40]!r} is not a number of bytes"
        )
    length = int(raw)
    if length > MAX_PAYLOAD_BYTES:
        raise FramingError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"Request body of {length} bytes exceeds the {MAX_PAYLOAD_BYTES} byte limit",
        )
    return length


def read_body(rfile: Any, length: int) -> bytes:
    """Exactly ``length`` bytes, or ``FramingError`` if the client stops before sending them."""
    chunks: list[bytes] = []
    received = 0
    try:
        while received < length:
            chunk = rfile.read1(min(length - received, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    except TimeoutError:
        raise FramingError(
            HTTPStatus.REQUEST_TIMEOUT,
            f"Request body stalled after {received} of {length} bytes",
        ) from None
    if received < length:
        raise FramingError(
            HTTPStatus.BAD_REQUEST, f"Request body ended after {received} of {length} bytes"
        )
    return b"".join(chunks)


def raw_target(request_line: str) -> str:
    """The request target as the client sent it (``http.server`` turns ``//x`` into ``/x``)."""
    words = request_line.split()
    return words[1] if len(words) >= 2 else "/"


class ApiRequestHandler(BaseHTTPRequestHandler):
    """One connection: framing checked, then each request handed to ``server.answer``."""

    server: ApiHttpServer
    protocol_version = "HTTP/1.1"
    # Error answers to a request line without a version still get a status line and headers;
    # http.server would answer HTTP/0.9-style, with the body alone.
    default_request_version = "HTTP/1.1"
    timeout = BODY_TIMEOUT_SECONDS
    # One JSON error shape for what http.server refuses itself (bad request line, long headers).
    error_content_type = "application/json"

    def setup(self) -> None:
        """Turn Nagle off: headers and body go out in two writes, and the second would wait
        for the client's delayed ACK (~40 ms a keep-alive request)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the gateway, which answers an unknown one as API Gateway does.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        try:
            if len(self.requestline.split()) != 3:
                raise FramingError(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not accepted")
            body = read_body(self.rfile, body_length(self.headers))
        except FramingError as exc:
            self._refuse(exc)
            return
        request = HttpRequest(
            method=self.command,
            target=raw_target(self.requestline),
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            response = self.server.answer(request)
        except Exception as exc:  # noqa: BLE001 - one bad request must not cost the connection a traceback
            self.server.log(f"http {self.command} {request.target}: {type(exc).__name__}: {exc}")
            response = self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")
        self._send(response, close=False)

    def handle_expect_100(self) -> bool:
        """Refuse a body before the client sends it (``Expect: 100-continue``)."""
        try:
            body_length(self.headers)
        except FramingError as exc:
            self._refuse(exc)
            return False
        return super().handle_expect_100()

    @staticmethod
    def _error(status: int, message: str) -> HttpResponse:
        return HttpResponse(
            status=status,
            headers=[
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", HTTPStatus(status).phrase.replace(" ", "") + "Exception"),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
            body=json.dumps({"message": message}).encode(),
        )

    def _refuse(self, exc: FramingError) -> None:
        """Answer a framing error, then close as a careful server does: stop writing, and read
        (and drop) what the client still sends for a moment, so the kernel does not reset the
        connection over unread bytes and take the answer with it."""
        self._send(self._error(exc.status, exc.message), close=True)
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(DRAIN_SECONDS)
            until = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < until and self.rfile.read1(65536):
                pass

    def _send(self, response: HttpResponse, *, close: bool) -> None:
        self.log_request(response.status)
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (bad request line, headers too long): JSON, no HTML."""
        phrase = message or HTTPStatus(code).phrase
        self.log_error("code %d, message %s", code, phrase)
        self._send(self._error(code, phrase), close=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Access lines go to the system's log."""
        self.server.log(f"http {self.address_string()} {format % args}")


class ApiHttpServer(ThreadingHTTPServer):
    """A thread per connection, a listen queue of ``LISTEN_BACKLOG``."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG
    answer: Callable[[HttpRequest], HttpResponse]
    log: Callable[[str], None]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is one log line, not a traceback."""
        error = sys.exc_info()[1]
        self.log(f"http {client_address[0]}: connection ended: {type(error).__name__}: {error}")


def stop_serving(server: socketserver.TCPServer) -> None:
    """``server.shutdown()`` without waiting out ``serve_forever``'s poll interval (0.5 s).

    ``shutdown`` sets a flag that the serving loop reads only when its ``select`` returns.
    Shutting down the reading side of the listening socket makes it readable at once and for
    good, so the loop wakes, sees the flag and ends (an accept it tries before the flag is set
    fails, which the loop ignores). The socket takes no new connection from then on.
    """
    with contextlib.suppress(OSError):
        server.socket.shutdown(socket.SHUT_RD)
    server.shutdown()


def bind_http(port: int) -> ApiHttpServer:
    """Bind the API's port first of all, so a taken port fails before anything starts."""
    try:
        return ApiHttpServer(("127.0.0.1", port), ApiRequestHandler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on 127.0.0.1 is already in use; stop what listens there or "
                "pass --port with a free one"
            ) from exc
        raise
