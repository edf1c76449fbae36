"""What an answer was written from is released once the server has the body, not before.

A DescribeImages of 1,000 images holds ~100,000 OAPI objects; freeing them costs about a
millisecond and a half, which the client need not wait for.  The gateway's body keeps the result
until the server closes it, and the server wrapper that gives memory back after large answers
passes the close on (WSGI asks a middleware to).
"""

from __future__ import annotations

import io
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


def test_the_memory_wrapper_passes_the_close_on():
    results = []
    app = server._TrimAfterLargeAnswers(_gateway(results), server._libc())
    server_side = app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None)
    for _ in range(server.TRIM_EVERY):  # every TRIM_EVERY-th answer is wrapped, whatever its size
        if not isinstance(server_side, list):
            break
        server_side.close()
        server_side = app(_environ(b"Action=DescribeImages&Version=2016-11-15"), lambda status, headers: None)
    assert not isinstance(server_side, list), "no answer was wrapped"
    chunks = list(server_side)  # as the server sends them; the wrapper closes the app's body after the last
    assert b"<imageId>ami-12345678</imageId>" in b"".join(chunks)
    server_side.close()
    assert results[-1]() is None
