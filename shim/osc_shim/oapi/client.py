"""OAPI client: signs (OSC4), posts JSON, parses answers and errors, retries safely.

It uses botocore's HTTP session, so proxies, CA bundles and timeouts behave as
in the AWS tools; botocore is imported lazily because inside the ``aws``
process it is the CLI's own copy.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from ..errors import Ec2Error, OapiError
from ..signing import OSC4, sign_headers

THROTTLING_CODES = {"6", "24", "25"}
USER_AGENT = "awscli-plugin-outscale/0.1"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter (AWS standard mode's shape)."""

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    max_total: float = 20.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))


class TransportError(Exception):
    """The OAPI endpoint could not be reached or did not answer in time."""

    def __init__(self, message: str, sent: bool):
        super().__init__(message)
        self.sent = sent  # True when the request may have reached the server


class OapiClient:
    def __init__(self, endpoint: str, region: str, credentials, *, timeout=(5.0, 60.0),
                 retry: RetryPolicy = RetryPolicy(), scheme=OSC4, sleep=time.sleep):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.timeout = timeout
        self.retry = retry
        self.scheme = scheme
        self._sleep = sleep
        self._http = None
        parts = urlsplit(self.endpoint)
        self._host = parts.netloc
        self._path = parts.path

    def _session(self):
        if self._http is None:
            from botocore.httpsession import URLLib3Session
            from botocore.utils import get_environ_proxies

            self._http = URLLib3Session(proxies=get_environ_proxies(self.endpoint), timeout=self.timeout)
        return self._http

    def _send_once(self, action: str, body: bytes):
        from botocore.awsrequest import AWSRequest
        from botocore import exceptions as bexc

        creds = self.credentials.get_frozen_credentials() if hasattr(self.credentials, "get_frozen_credentials") \
            else self.credentials
        path = f"{self._path}/{action}"
        headers = sign_headers(creds.access_key, creds.secret_key, self.region, self._host, path, body,
                               scheme=self.scheme, session_token=getattr(creds, "token", None))
        headers["User-Agent"] = USER_AGENT
        request = AWSRequest("POST", self.endpoint + "/" + action, data=body, headers=headers).prepare()
        try:
            return self._session().send(request)
        except (bexc.ConnectTimeoutError, bexc.EndpointConnectionError) as exc:
            raise TransportError(f"could not connect to the OUTSCALE API at {self.endpoint} ({type(exc).__name__})",
                                 sent=False) from None
        except (bexc.ReadTimeoutError, bexc.ConnectionClosedError, bexc.HTTPClientError) as exc:
            raise TransportError(f"no complete answer from the OUTSCALE API at {self.endpoint} ({type(exc).__name__})",
                                 sent=True) from None

    def _parse(self, response) -> dict:
        try:
            data = json.loads(response.content or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OapiError(response.status_code, "", "InvalidResponse",
                            f"the OUTSCALE API answered HTTP {response.status_code} with a body that is not JSON")
        if response.status_code >= 300 or data.get("Errors"):
            raise OapiError.from_body(response.status_code, data)
        return data

    def call(self, action: str, body: dict, *, idempotent: bool = False) -> dict:
        """POST ``body`` to ``action``; retry only what cannot create a duplicate."""
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                return self._parse(self._send_once(action, payload))
            except TransportError as exc:
                retryable = idempotent or not exc.sent
                final = Ec2Error("Unavailable", f"{action}: {exc}" + (
                    "" if retryable else "; the request may have been processed: check before re-running it"), 503)
            except OapiError as exc:
                throttled = exc.code in THROTTLING_CODES or exc.status in (429, 503)
                retryable = throttled or (idempotent and exc.status >= 500)
                final = exc
            attempt += 1
            if not retryable or attempt >= self.retry.max_attempts:
                raise final
            pause = self.retry.delay(attempt)
            if time.monotonic() - started + pause > self.retry.max_total:
                raise final
            self._sleep(pause)
