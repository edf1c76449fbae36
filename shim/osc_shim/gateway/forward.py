"""Actions the shim does not translate go to FCU, OUTSCALE's EC2-compatible API.

The client's form body is sent unchanged, re-signed with the gateway's
credentials (botocore ``SigV4Auth``, service ``ec2``, the gateway's region), and
FCU's answer -- status, body and content headers -- is passed back untouched.
HTTP goes through botocore's own ``URLLib3Session``: proxies from the
environment (``HTTPS_PROXY``/``NO_PROXY``) and the CA bundle
(``AWS_CA_BUNDLE``) are honoured as the AWS SDKs honour them.
"""

from __future__ import annotations

import os
import socket
from typing import List, Optional, Tuple

from osc_shim.errors import Ec2Error

# Headers a WSGI application must not set (PEP 3333) or that the server sets itself.
_DROP_FROM_ANSWER = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "content-length", "date", "server",
})


class Forwarder:
    """Sends EC2 Query requests to FCU, re-signed; thread-safe (a pooled HTTP session)."""

    def __init__(self, endpoint: str, region: str, credentials, timeout: Tuple[float, float] = (10.0, 120.0),
                 verify=None, max_pool_connections: int = 32):
        from botocore.httpsession import URLLib3Session
        from botocore.utils import get_environ_proxies

        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self._credentials = credentials
        if verify is None:
            verify = os.environ.get("AWS_CA_BUNDLE") or True
        # TCP_NODELAY as botocore's clients set it: urllib3 writes headers and body separately, and
        # without it Nagle's algorithm plus the peer's delayed ACK costs ~40 ms per kept-alive request.
        self._http = URLLib3Session(verify=verify, proxies=get_environ_proxies(self.endpoint), timeout=timeout,
                                    max_pool_connections=max_pool_connections,
                                    socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])

    def forward(self, body: bytes, content_type: Optional[str] = None,
                user_agent: Optional[str] = None) -> Tuple[int, List[Tuple[str, str]], bytes]:
        """POST ``body`` to FCU; return (status, headers, body) of its answer."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError

        headers = {"Content-Type": content_type or "application/x-www-form-urlencoded; charset=utf-8"}
        headers["User-Agent"] = (user_agent + " " if user_agent else "") + "osc-shim-gateway"
        request = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials(), "ec2", self.region).add_auth(request)
        try:
            response = self._http.send(request.prepare())
            content = response.content
        except (HTTPClientError, BotoConnectionError) as exc:
            raise Ec2Error("Unavailable", f"The gateway could not reach FCU at {self.endpoint}: "
                                          f"{type(exc).__name__}.", 503) from None
        answer = [(k, v) for k, v in response.headers.items() if k.lower() not in _DROP_FROM_ANSWER]
        return response.status_code, answer, content

    def close(self) -> None:
        self._http.close()
