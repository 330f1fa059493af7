"""Raw HTTP/1.1 over a socket, for requests no well-behaved client would send."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import time
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class RawResponse:
    """One response as it came off the wire."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def connect(port: int) -> socket.socket:
    """A connection to 127.0.0.1:``port`` that gives up after ``TIMEOUT_SECONDS`` of silence."""
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SECONDS)


def read_response(sock: socket.socket, buffered: bytearray) -> RawResponse | None:
    """The next response on ``sock`` (``buffered``: bytes read already), or None at EOF."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        if not chunk:
            if buffered:
                raise AssertionError(f"connection closed mid-response: {bytes(buffered)!r}")
            return None
        buffered.extend(chunk)
    head, _, rest = bytes(buffered).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
    length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
    body = bytearray(rest)
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body.extend(chunk)
    buffered[:] = body[length:]
    return RawResponse(int(status_line.split()[1]), headers, bytes(body[:length]))


def exchange(port: int, data: bytes, *, half_close: bool = False) -> list[RawResponse]:
    """Send ``data``, then read every response until the server closes the connection.

    ``half_close`` ends the client's side after ``data`` (a client that stopped sending).
    A server that keeps the connection open past ``TIMEOUT_SECONDS`` fails the test.
    """
    with connect(port) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        buffered = bytearray()
        responses = []
        while (response := read_response(sock, buffered)) is not None:
            responses.append(response)
        return responses


def header_body_gaps(port: int, request: bytes, count: int) -> list[float]:
    """For each of ``count`` requests on one keep-alive connection, the seconds between the
    response's headers arriving and its body arriving.

    The server writes headers and body separately; with Nagle's algorithm on, the body waits for
    the ACK of the headers, which the client delays (~40 ms on Linux). The server's own work
    happens before the headers, so it does not count here.
    """
    gaps = []
    with connect(port) as sock:
        for _ in range(count):
            sock.sendall(request)
            received = bytearray()
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)
                assert chunk, "the server closed a keep-alive connection"
                received.extend(chunk)
            headers_at = time.perf_counter()
            head, _, body = bytes(received).partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            assert length > 0, "a response without a body cannot show the delay"
            while len(body) < length:
                chunk = sock.recv(65536)
                assert chunk, "connection closed mid-body"
                body += chunk
            gaps.append(time.perf_counter() - headers_at)
    return gaps


def connect_burst(port: int, count: int) -> tuple[list[socket.socket], float]:
    """``count`` connections to 127.0.0.1:``port`` started at once (non-blocking, one thread);
    returns them, blocking again, and the seconds the slowest took to be established.

    The kernel completes a handshake only while the listen queue has room; past it the SYN is
    dropped and the client sends it again a second later, so a short queue shows as a slowest
    connect of about 1 s (or as resets, under load).
    """
    sockets = []
    started = time.perf_counter()
    selector = selectors.DefaultSelector()
    try:
        for _ in range(count):
            sock = socket.socket()
            sockets.append(sock)
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            selector.register(sock, selectors.EVENT_WRITE)
        slowest = 0.0
        pending = count
        while pending and time.perf_counter() - started < TIMEOUT_SECONDS:
            for key, _ in selector.select(0.05):
                error = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)  # type: ignore[union-attr]
                assert error == 0, f"connect failed: {os.strerror(error)}"
                slowest = time.perf_counter() - started
                selector.unregister(key.fileobj)
                pending -= 1
        assert pending == 0, f"{pending} of {count} connections never established"
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    finally:
        selector.close()
    for sock in sockets:
        sock.settimeout(TIMEOUT_SECONDS)
    return sockets, slowest
