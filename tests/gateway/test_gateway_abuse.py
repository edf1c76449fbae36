"""The gateway under abuse (issue 10): held connections, silent ones, framing errors, junk bytes.

Loopback only, bounded loops, every socket closed at the end.  Timeouts: gateway/framing.py.
"""

from __future__ import annotations

import re
import socket
import time

import pytest

from osc_shim.gateway import framing

HELD = 1000


def images(params, **kw):
    return {"Images": []}


@pytest.fixture
def gateway(start_gateway):
    return start_gateway(call=lambda op, params, **kw: images(params), supported={"DescribeImages"})


def address(gw):
    host, port = gw.server.addresses[0][:2]
    return host, port


def connect(gw, timeout=5.0) -> socket.socket:
    return socket.create_connection(address(gw), timeout=timeout)


def exchange(gw, raw: bytes, timeout=5.0) -> bytes:
    """Send ``raw``; everything answered until the gateway closes the connection."""
    with connect(gw, timeout) as sock:
        try:
            sock.sendall(raw)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


def closed_after(sock: socket.socket, most: float) -> float:
    """Seconds until the peer closes ``sock`` (fails past ``most``)."""
    started = time.monotonic()
    sock.settimeout(most)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_a_real_client_is_answered_within_a_second_with_1000_connections_held(gateway):
    held = []
    try:
        for i in range(HELD):
            sock = connect(gateway)
            if i % 2:  # half of them half-sent: a request line and part of the headers
                sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            held.append(sock)
        ec2 = gateway.client()
        ec2.describe_images(Owners=["self"])  # the client's own connection set up
        started = time.monotonic()
        answer = ec2.describe_images(Owners=["self"])
        elapsed = time.monotonic() - started
        assert answer["Images"] == [] and elapsed < 1.0, elapsed
        # a new client (new connection) too
        started = time.monotonic()
        gateway.client().describe_images(Owners=["self"])
        assert time.monotonic() - started < 1.0
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"], ids=["nothing", "half a header"])
def test_connections_that_do_not_send_their_headers_are_closed_after_the_header_timeout(gateway, sent):
    with connect(gateway) as sock:
        if sent:
            sock.sendall(sent)
        waited = closed_after(sock, framing.HEADER_TIMEOUT + 3)
    assert framing.HEADER_TIMEOUT - 0.5 <= waited <= framing.HEADER_TIMEOUT + framing.CHECK_EVERY + 1, waited


def test_a_kept_alive_connection_is_not_cut_by_the_header_timeout(gateway):
    ec2 = gateway.client()
    ec2.describe_images(Owners=["self"])
    time.sleep(framing.HEADER_TIMEOUT + framing.CHECK_EVERY + 0.5)
    ec2.describe_images(Owners=["self"])  # same pooled connection, idle less than IDLE_TIMEOUT


@pytest.mark.parametrize("junk", [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)),
                                  b"\x00\x00\x00\x00", "ünïcode\r\n\r\n".encode()], ids=["tls", "nul", "utf8"])
def test_bytes_no_http_request_starts_with_close_the_connection_at_once(gateway, junk):
    started = time.monotonic()
    answer = exchange(gateway, junk)
    assert answer == b"" and time.monotonic() - started < 1.0


def ec2_error(answer: bytes):
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    match = re.search(rb"<Code>([^<]+)</Code>", body)
    assert match and body.startswith(b"<?xml") and b"text/xml" in head, answer[:400]
    return status, match.group(1).decode()


HEAD = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"


@pytest.mark.parametrize("raw,status,code", [
    (HEAD + b"Content-Length: 3145728\r\n\r\n" + b"A" * 65536, 413, "RequestEntityTooLarge"),
    (HEAD + b"Content-Length: abc\r\n\r\nAction=DescribeImages", 400, "InvalidRequest"),
    (HEAD + b"Content-Length: 5\r\nContent-Length: 7\r\n\r\nAction=", 400, "InvalidRequest"),
    (HEAD + b"Content-Length: -5\r\n\r\n", 400, "InvalidRequest"),
    (HEAD + b"X-Junk: a\x00b\r\nContent-Length: 0\r\n\r\n", 400, "InvalidRequest"),
    (HEAD + b"Content-Length: 1\r\n" + b"X-Long: " + b"h" * 300_000 + b"\r\n\r\n", 431,
     "RequestHeaderFieldsTooLarge"),
], ids=["body over 2 MiB", "Content-Length not a number", "Content-Length twice", "negative Content-Length",
        "NUL in a header", "headers too large"])
def test_framing_errors_are_answered_in_ec2s_format_and_closed(gateway, raw, status, code):
    started = time.monotonic()
    answer = exchange(gateway, raw)
    assert time.monotonic() - started < 2.0
    assert ec2_error(answer) == (status, code)
