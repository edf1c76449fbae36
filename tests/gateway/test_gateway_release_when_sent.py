"""What an answer was written from is released once the server has the body, not before.

A DescribeImages of 1,000 images holds ~100,000 OAPI objects; freeing them costs about a
millisecond and a half, which the client need not wait for.  The gateway's body keeps the result
until the server closes it; the server's middleware that notes freed memory hands the app's own
body on (so its close is the app's), and the pages go back to the system in the server's sweep,
when no request is in flight, not while a client waits.
"""

from __future__ import annotations

import io
import threading
import weakref

from botocore.awsrequest import AWSRequest
from botocore.auth import SigV4Auth
from botocore.credentials import Credentials

from osc_shim.gateway.app import Gateway, GatewayConfig
from osc_shim.gateway import server

from gateway_testlib import AK, REGION, SK


class Held(list):
    """A result member that can be watched (a plain list cannot be weakly referenced)."""


def _environ(body: bytes) -> dict:
    request = AWSRequest(method="POST", url="http://127.0.0.1:8788/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(AK, SK), "ec2", REGION).add_auth(request)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8788", "HTTP_HOST": "127.0.0.1:8788", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)), "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1"}
    for name, value in request.prepare().headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    return environ


def _gateway(results: list) -> Gateway:
    def call(operation, params, *, region, credentials, warn=None):
        images = Held([{"ImageId": "ami-12345678", "State": "available"}])
        results.append(weakref.ref(images))
        return {"Images": images}

    return Gateway(GatewayConfig(region=REGION, credentials=Credentials(AK, SK), forward=False, call=call,
                                 supported=lambda: frozenset({"DescribeImages"})))


def test_the_result_lives_until_the_server_closes_the_body():
    results = []
    body = _gateway(results)(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None)
    assert b"<imageId>ami-12345678</imageId>" in b"".join(body)
    assert results[0]() is not None  # the body is handed over: the result is still held
    body.close()
    assert results[0]() is None


class CountingLibc:
    def __init__(self):
        self.trims = 0

    def malloc_trim(self, pad):
        self.trims += 1


def test_the_memory_middleware_hands_the_apps_own_body_on():
    results = []
    app = server._ReturnFreedMemory(_gateway(results), CountingLibc())
    for _ in range(server.TRIM_EVERY + 1):  # every TRIM_EVERY-th answer is noted too, whatever its size
        body = app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None)
        assert b"<imageId>ami-12345678</imageId>" in b"".join(body)
        body.close()
        assert results[-1]() is None


def test_freed_memory_goes_back_in_the_sweep_when_no_request_is_in_flight():
    results, libc = [], CountingLibc()
    app = server._ReturnFreedMemory(_gateway(results), libc)
    app.return_freed(busy=0)
    assert libc.trims == 0  # nothing was freed yet
    for _ in range(server.TRIM_EVERY - 1):
        app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None).close()
    app.return_freed(busy=0)
    assert libc.trims == 0  # small answers: not each time
    app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None).close()
    app.return_freed(busy=1)
    assert libc.trims == 0  # a request in flight: not now
    app.return_freed(busy=0)
    app.return_freed(busy=0)
    assert libc.trims == 1  # once, then nothing more to give back


def test_a_large_answer_is_noted_at_once(monkeypatch):
    results, libc = [], CountingLibc()
    monkeypatch.setattr(server, "LARGE_ANSWER", 10)
    app = server._ReturnFreedMemory(_gateway(results), libc)
    app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None).close()
    app.return_freed(busy=0)
    assert libc.trims == 1


def test_the_servers_sweep_returns_freed_memory():
    """The server's periodic sweep (waitress's maintenance) reaches the middleware."""
    results, libc = [], CountingLibc()
    gateway_server = server.GatewayServer(_gateway(results), host="127.0.0.1", port=0, threads=1, grace=0.5)
    thread = threading.Thread(target=gateway_server.serve_forever, daemon=True)
    thread.start()
    try:
        assert isinstance(gateway_server.app, server._ReturnFreedMemory)  # glibc: the tests' machines run it
        gateway_server.app._libc = libc
        gateway_server.app.freed = True
        gateway_server._server.maintenance(0.0)
        assert libc.trims == 1 and not gateway_server.app.freed
    finally:
        gateway_server.shutdown()
        thread.join(10)
