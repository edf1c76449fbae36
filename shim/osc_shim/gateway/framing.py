"""HTTP framing under abuse: how the gateway's waitress server treats connections that are not requests.

=============================================  =====================================================
what a connection does                          what the gateway does
=============================================  =====================================================
sends nothing, or not a whole header block,     closed (no answer: nothing was asked) after
within ``HEADER_TIMEOUT`` s of opening or of    ``HEADER_TIMEOUT`` (5 s), checked every second
the previous answer
sends its headers, then not its body within     closed after ``BODY_TIMEOUT`` (30 s) from the start
``BODY_TIMEOUT`` s                              of the request
stays idle between requests (keep-alive)        closed after ``IDLE_TIMEOUT`` (60 s)
starts with bytes no HTTP request starts with   closed at once (TLS spoken to plain HTTP, binary junk)
(TLS ClientHello, NUL, non-ASCII)
body over the server's limit (2 MiB), bad or    answered in EC2's XML (``RequestEntityTooLarge`` 413,
doubled Content-Length, NUL or bad header       ``InvalidRequest`` 400/431/501...), then closed
=============================================  =====================================================

These are waitress hooks (a channel class and an error task), kept apart from the WSGI app.
"""

from __future__ import annotations

import time
import uuid

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

HEADER_TIMEOUT = 5.0
BODY_TIMEOUT = 30.0
IDLE_TIMEOUT = 60
CHECK_EVERY = 1
# The first byte of any HTTP/1.x request line is a method token's letter.
_METHOD_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# waitress's framing errors -> EC2's codes (the status stays waitress's).
CODES = {413: "RequestEntityTooLarge", 431: "RequestHeaderFieldsTooLarge", 501: "NotImplemented",
         500: "InternalError"}


def ec2_error_answer(status: int, reason: str, detail: str):
    """(status line, headers, body) of EC2's XML error for a request waitress could not frame."""
    from osc_shim.errors import Ec2Error, clip

    from .query_serialize import serialize_error

    code = CODES.get(status, "InvalidRequest")
    message = f"The HTTP request could not be read: {reason}" + (f" ({clip(detail, 120)})" if detail else "") + "."
    body = serialize_error(Ec2Error(code, message, status), str(uuid.uuid4()))
    return f"{status} {reason}", [("Content-Type", "text/xml;charset=UTF-8")], body


class Ec2ErrorTask(ErrorTask):
    """waitress's answer to a framing error, in EC2's XML instead of plain text."""

    def execute(self):
        error = self.request.error
        status, headers, body = ec2_error_answer(error.code, error.reason, str(error.body or ""))
        self.status = status
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class GatewayChannel(HTTPChannel):
    """A waitress channel that knows when its current request began (for the header and body timeouts)."""

    error_task_class = Ec2ErrorTask

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting_since = self.creation_time  # start of the request being read, or of the wait for one
        self.served = 0

    def received(self, data):
        if self.request is None and data and not self.requests:
            if data[0] not in _METHOD_START and data[:1] not in (b"\r", b"\n"):
                self.will_close = True  # not HTTP at all (TLS, binary): nothing to answer, close now
                return False
            if self.served:  # a kept-alive connection starts its next request
                self.waiting_since = time.time()
        return super().received(data)

    def service(self):
        try:
            return super().service()
        finally:
            self.served += 1
            self.waiting_since = time.time()


def overdue(channel: GatewayChannel, now: float) -> bool:
    """Should this channel be closed now (see the module's table)?"""
    if channel.requests or channel.total_outbufs_len:
        return False  # being served, or its answer going out
    request = channel.request
    if request is None:
        if channel.served:
            return now - channel.last_activity > IDLE_TIMEOUT
        return now - channel.creation_time > HEADER_TIMEOUT
    if not request.headers_finished:
        return now - channel.waiting_since > HEADER_TIMEOUT
    return now - channel.waiting_since > BODY_TIMEOUT


def maintenance(server, now: float) -> None:
    """Replaces waitress's own sweep (which only knows one inactivity timeout)."""
    for channel in list(server.active_channels.values()):
        if isinstance(channel, GatewayChannel) and overdue(channel, now):
            channel.will_close = True
