"""One OAPI request: signed (OSC4), posted as JSON, its answer parsed.

It uses botocore's HTTP session, so proxies, CA bundles and timeouts behave as in
the AWS tools; botocore is imported lazily because inside the ``aws`` process it is
the CLI's own copy.  Retries, budgets and reconciliation are ``client``'s.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ..errors import OapiError
from ..signing import OSC4, sign_headers

try:  # 3x faster than json on large answers (a ReadImages of 1,000 images is ~750 KB); optional
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - the standard library does the same, slower
    _loads = json.loads

USER_AGENT = "awscli-plugin-outscale/0.1"


class TransportError(Exception):
    """The OAPI endpoint could not be reached or did not answer in time."""

    def __init__(self, message: str, sent: bool, timeout: bool = False, retry: bool = True):
        super().__init__(message)
        self.sent = sent  # True when the request may have reached the server
        self.timeout = timeout
        self.retry = retry  # False: trying again cannot help (e.g. a TLS certificate problem)


class Garbled(Exception):
    """An answer that is not OAPI's JSON (truncated, empty, HTML from a proxy...)."""

    def __init__(self, status: int, what: str, truncated: bool = False):
        super().__init__(what)
        self.status = status
        self.what = what
        self.truncated = truncated  # OAPI's JSON cut short (not another server's page)


class Transport:
    """Sends one signed request to one OAPI endpoint; keeps its pool of kept-alive connections."""

    def __init__(self, endpoint: str, region: str, credentials, timeout, *, scheme=OSC4, pool_size: int = 10):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.timeout = timeout  # (connect, read), the default of every attempt
        self.scheme = scheme
        self.pool_size = pool_size  # kept-alive connections (the gateway's threads share one client)
        self._http = None
        parts = urlsplit(self.endpoint)
        self._host = parts.netloc
        self._path = parts.path

    def new_session(self, timeout, pool_size: int = 1):
        import socket

        from botocore.httpsession import URLLib3Session
        from botocore.utils import get_environ_proxies

        # TCP_NODELAY as botocore's own clients set it: urllib3 writes headers and body separately, and
        # on a kept-alive connection Nagle's algorithm and a delayed ACK would add ~40 ms per call.
        return URLLib3Session(proxies=get_environ_proxies(self.endpoint), timeout=timeout,
                              max_pool_connections=pool_size,
                              socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])

    def _session(self):
        if self._http is None:
            self._http = self.new_session(self.timeout, self.pool_size)
        return self._http

    def send(self, action: str, body: bytes, timeout=None):
        from botocore import exceptions as bexc
        from botocore.awsrequest import AWSRequest

        creds = self.credentials.get_frozen_credentials() if hasattr(self.credentials, "get_frozen_credentials") \
            else self.credentials
        path = f"{self._path}/{action}"
        headers = sign_headers(creds.access_key, creds.secret_key, self.region, self._host, path, body,
                               scheme=self.scheme, session_token=getattr(creds, "token", None))
        headers["User-Agent"] = USER_AGENT
        request = AWSRequest("POST", self.endpoint + "/" + action, data=body, headers=headers).prepare()
        # Near the end of the budget an attempt gets a shorter timeout: a one-off session carries it
        # (botocore's sessions fix their timeouts when made).
        own = timeout is not None and (timeout[0] < self.timeout[0] - 0.25 or timeout[1] < self.timeout[1] - 0.25)
        session = self.new_session(timeout) if own else self._session()
        try:
            return session.send(request)
        except bexc.SSLError:
            raise TransportError(f"the TLS connection to {self.endpoint} failed (certificate or TLS problem)",
                                 sent=False, retry=False) from None
        except (bexc.ConnectTimeoutError, bexc.EndpointConnectionError, bexc.ProxyConnectionError) as exc:
            raise TransportError(f"could not connect to {self.endpoint} ({type(exc).__name__})", sent=False) from None
        except bexc.ReadTimeoutError:
            read = timeout[1] if timeout is not None else self.timeout[1]
            raise TransportError(f"no answer within {read:g} s", sent=True, timeout=True) from None
        except bexc.ConnectionClosedError:
            raise TransportError("the connection was closed or reset before an answer came", sent=True) from None
        except bexc.HTTPClientError as exc:
            raise TransportError(f"the connection failed before an answer came ({type(exc).__name__})",
                                 sent=True) from None
        finally:
            if own:
                session.close()

    @staticmethod
    def parse(response) -> dict:
        status = response.status_code
        try:
            raw = response.content
        except Exception:  # the body broke off while being read
            raise Garbled(status, "an answer that broke off", truncated=True) from None
        try:
            data = _loads(raw) if raw and raw.strip() else None
        except (ValueError, UnicodeDecodeError):
            cut = raw.lstrip()[:1] in (b"{", b"[")
            raise Garbled(status, "a truncated JSON body" if cut else "a body that is not JSON", truncated=cut) \
                from None
        if data is None:
            raise Garbled(status, "an empty body")
        if not isinstance(data, dict):
            raise Garbled(status, "a JSON body that is not an object")
        if status >= 300 or data.get("Errors"):
            return_error = OapiError.from_body(status, data)
            raise return_error
        return data


def encode(body) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")
