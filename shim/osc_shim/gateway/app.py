"""The gateway's WSGI application: EC2 Query in, OUTSCALE API (or FCU) behind.

One request, start to end, and nothing kept afterwards:

1. method (GET or POST) and body size checked; the body read as raw bytes;
2. the SigV4 signature verified against the gateway's credentials
   (``auth.Verifier``) -- nothing is parsed, served or forwarded before that; the
   region the request is signed for (its credential scope) is the region it is
   served in: OAPI's and FCU's endpoints of that region (``osc_shim.routing``), so one
   gateway serves every OUTSCALE region; a region OUTSCALE does not have gets EC2's
   ``SignatureDoesNotMatch`` naming the regions that exist;
3. ``Action`` read; an action the shim translates (``osc_shim.routing.is_translated``)
   is parsed into botocore-shaped params (``query_parse``), handed to
   ``osc_shim.core.call`` and its result written as EC2's XML (``query_serialize``); any other
   action of the EC2 model is forwarded to FCU re-signed (``forward``), or
   refused with ``UnsupportedOperation`` when forwarding is off.  A request signed
   for ``sts`` may only be ``GetCallerIdentity``, answered through OAPI's
   ReadAccounts (``operations/identity.py``) in STS's XML: SDK code asking who it
   runs as works, and nothing goes to AWS;
4. errors are EC2's XML error document with the error's HTTP status;
5. one access-log line (logger ``osc_shim.gateway.access``): client, method,
   path, action, route, status, size, duration, a masked access key ID and the
   request ID -- never a secret, a signature, a token or a parameter value.

Run it under any WSGI server.  ``osc-shim serve`` embeds waitress; for several
processes or machines run it under gunicorn, configured from the environment::

    OSC_SHIM_PROFILE=myprofile OSC_SHIM_REGION=eu-west-2 \\
        gunicorn -w 4 -b 127.0.0.1:8788 'osc_shim.gateway.app:create_app()'

(``osc_shim.gateway.app:app`` is the same thing, built on first access.)
Environment read by ``create_app``: ``OSC_SHIM_PROFILE`` (else the default
credential chain, ``AWS_PROFILE`` included), ``OSC_SHIM_REGION`` (else the
profile's region, else eu-west-2; the region checked at start-up, requests are
served in the region they are signed for), ``OSC_ENDPOINT_FCU``,
``OSC_SHIM_NO_FORWARD`` (``1``/``true``), ``OSC_SHIM_MAX_BODY`` (bytes), and
``OSC_ENDPOINT_API``, the OUTSCALE API endpoint (both may contain ``{region}``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote, urlencode

from osc_shim import regions, routing
from osc_shim.errors import Ec2Error
from osc_shim.gateway import query_parse, query_serialize
from osc_shim.gateway import sts
from osc_shim.gateway.auth import Verifier, mismatch, resolve_credentials
from osc_shim.gateway.ec2_model import api_version, operation_names
from osc_shim.gateway.forward import Forwarder

log = logging.getLogger("osc_shim.gateway")
access_log = logging.getLogger("osc_shim.gateway.access")

DEFAULT_MAX_BODY = 1024 * 1024  # bytes; EC2 Query requests are small (UserData is <= 16 KiB)
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
_FORM = "application/x-www-form-urlencoded"


def _status_line(code: int) -> str:
    """``413 Request Entity Too Large``: the reason phrase is ``http.HTTPStatus``'s."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:  # a status FCU answered that Python does not name
        return f"{code} Status"


def mask_key(access_key: Optional[str]) -> str:
    """``AKIAIOSFODNN7EXAMPLE`` -> ``AKIA...MPLE`` (access key IDs are not secret, but need not be whole)."""
    if not access_key:
        return "-"
    return access_key[:4] + "..." + access_key[-4:] if len(access_key) > 10 else "***"


@dataclass
class GatewayConfig:
    region: str
    credentials: Any                      # botocore Credentials-like: get_frozen_credentials()
    forward: bool = True
    fcu_endpoint: Optional[str] = None    # None: OSC_ENDPOINT_FCU, else https://fcu.{region}.outscale.com
    max_body: int = DEFAULT_MAX_BODY
    call: Optional[Callable] = None       # None: osc_shim.core.call
    supported: Optional[Callable[[], frozenset]] = None  # None: routing.is_translated, asked per request


# Kept-alive OAPI connections shared by the gateway's worker threads.
CLIENT_POOL_SIZE = 32


class Gateway:
    """The WSGI callable.  Holds configuration only; no state between requests."""

    def __init__(self, config: GatewayConfig):
        self.config = config
        self.verifier = Verifier(config.credentials, config.region)
        _guard_logs(config.credentials)
        # FCU of the default region (shown at start-up); each request goes to its own region's.
        self.fcu_url = routing.fcu_endpoint(config.region, os.environ, config.fcu_endpoint) if config.forward else None
        self._forwarders = {}  # region -> Forwarder (FCU of the region the request is signed for)
        self._make_client = None
        if config.call is None:
            from osc_shim import core

            self._call = core.call
            self._make_client = core.make_client
        else:
            self._call = config.call
        if config.supported is None:
            self._is_translated = routing.is_translated
        else:
            self._is_translated = lambda action: action in config.supported()
        self._clients = {}  # region -> one OAPI client (a connection pool) shared by the worker threads
        operation_names()  # load (the part it reads of) botocore's model now, not on the first request
        self._lock = threading.Lock()
        self.in_flight = 0  # requests inside the app (read by the server for graceful shutdown)

    # -- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        started = time.perf_counter()
        with self._lock:
            self.in_flight += 1
        info = {"action": "-", "route": "-", "ak": None, "code": None}
        request_id = str(uuid.uuid4())
        try:
            status, headers, body = self._handle(environ, request_id, info)
        except Exception:  # a bug, never the client's fault: log it, answer EC2's InternalError
            log.exception("request %s (%s) failed", request_id, info["action"])
            err = Ec2Error("InternalError", "An internal error has occurred.", 500)
            info["code"] = err.code
            status, headers, body = err.status, [], query_serialize.serialize_error(err, request_id)
        finally:
            with self._lock:
                self.in_flight -= 1
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", XML_CONTENT_TYPE))
        headers.append(("Content-Length", str(len(body))))
        if not any(k.lower() in ("x-amzn-requestid", "x-amz-request-id") for k, _ in headers):
            headers.append(("x-amzn-RequestId", request_id))
        start_response(_status_line(status), headers)
        environ["osc_shim.gateway.route"] = info["route"]  # for middleware: shim / fcu / -
        self._log(environ, status, len(body), time.perf_counter() - started, request_id, info)
        return _ReleasedWhenSent([body], info)

    # -- one request -------------------------------------------------------------------------
    def _handle(self, environ, request_id: str, info: dict):
        try:
            return self._dispatch(environ, request_id, info)
        except Ec2Error as err:
            info["code"] = err.code
            headers = [("Allow", "GET, POST")] if err.status == 405 else []
            serialize = sts.serialize_error if info.get("api") == "sts" else query_serialize.serialize_error
            return err.status, headers, serialize(err, request_id)

    def _dispatch(self, environ, request_id: str, info: dict):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "POST"):
            raise Ec2Error("MethodNotAllowed", f"The HTTP method {method[:10]} is not allowed; "
                                               "the EC2 Query protocol uses POST (or GET).", 405)
        body = self._read_body(environ)
        headers = _headers(environ)
        path, query = _raw_target(environ)
        info["ak"], region, signed_for = self.verifier.verify_scope(method, path, query, headers, body)
        info["api"] = signed_for

        content_type = headers.get("content-type", "")
        if body and content_type and not content_type.lower().startswith(_FORM):
            raise Ec2Error("InvalidParameterValue", f"Content-Type {content_type[:60]!r} is not supported: "
                                                    f"EC2 Query requests are {_FORM}.")
        pairs = query_parse.decode_form(query) + query_parse.decode_form(body) if query else query_parse.decode_form(body)
        if signed_for in routing.LOCALLY_ANSWERED:  # not EC2's model: only the action matters
            action = info["action"] = next((v for k, v in pairs if k == "Action"), "-")[:80]
            if not routing.is_translated(action, signed_for):
                raise mismatch(f"Credential should be scoped to correct service: 'ec2'. Of {signed_for}, the "
                               f"gateway answers only {', '.join(sorted(routing.LOCALLY_ANSWERED[signed_for]))}.")
            info["route"] = "shim"
            result = self._call(action, {}, region=region, credentials=self.config.credentials,
                                api=signed_for, **self._client_for(region, headers))
            return 200, [], sts.serialize_result(action, result, request_id)

        action, rest = query_parse.split_action(pairs)
        info["action"] = action

        if self._is_translated(action):
            info["route"] = "shim"
            log.debug("%s %s: route shim (translated to OAPI calls)", request_id, action)
            params = query_parse.parse_params(action, rest)
            warnings = []
            result = info["held"] = self._call(action, params, region=region, credentials=self.config.credentials,
                                               warn=warnings.append, **self._client_for(region, headers))
            for message in warnings:
                log.warning("%s %s: %s", request_id, action, message)
            return 200, [], query_serialize.serialize_result(action, result, request_id)

        if not self.config.forward:
            raise Ec2Error("UnsupportedOperation",
                           f"The action {action} is not translated by the OUTSCALE shim, and this gateway does not "
                           f"forward to FCU (it was started with --no-forward).", 400)
        info["route"] = "fcu"
        log.debug("%s %s: route fcu (forwarded to %s)", request_id, action, self.fcu_url)
        if method == "POST" and not query:
            payload = body
        else:  # GET, or parameters split between query and body: send them all as a form body
            version = next((v for k, v in pairs if k == "Version"), api_version())
            payload = urlencode([("Action", action), ("Version", version)] + rest).encode()
        status, answer_headers, answer = self._forwarder(region).forward(payload, content_type or None,
                                                                           headers.get("user-agent"))
        return status, answer_headers, answer

    def _client_for(self, region: str, headers: dict) -> dict:
        """Extra arguments of ``core.call``: the region's shared OAPI client, whether the SDK retries, and
        that ``query_serialize`` writes EC2's items from OAPI's itself (``deferred``)."""
        if not self._make_client:
            return {}
        # An SDK retry (amz-sdk-request: attempt=2...) may repeat a create that already happened; the
        # invocation ID, the same on its retries, lets the retry be judged by its first attempt's look.
        return {"client": self._oapi_client(region), "retried": _sdk_retry(headers),
                "invocation": headers.get("amz-sdk-invocation-id", "")[:64] or None, "deferred": True}

    def _oapi_client(self, region: str):
        """The region's shared OAPI client: kept-alive connections instead of a new client (and TLS context)
        per call."""
        client = self._clients.get(region)
        if client is None:
            with self._lock:
                if region not in self._clients:
                    self._clients[region] = self._make_client(region, self.config.credentials,
                                                              pool_size=CLIENT_POOL_SIZE)
                client = self._clients[region]
        return client

    def _forwarder(self, region: str) -> Forwarder:
        """The FCU of the region the request is signed for (re-signed for that region)."""
        forwarder = self._forwarders.get(region)
        if forwarder is None:
            route = routing.route_signed_request(region, os.environ, self.config.fcu_endpoint)
            with self._lock:
                if region not in self._forwarders:
                    self._forwarders[region] = Forwarder(route.fcu_endpoint, region, self.config.credentials)
                forwarder = self._forwarders[region]
        return forwarder

    def _read_body(self, environ) -> bytes:
        limit = self.config.max_body
        stream = environ.get("wsgi.input")
        length = environ.get("CONTENT_LENGTH") or ""
        too_large = Ec2Error("RequestEntityTooLarge",
                             f"The request body exceeds the gateway's limit of {limit} bytes.", 413)
        if length.strip():
            try:
                size = int(length)
            except ValueError:
                raise Ec2Error("InvalidRequest", "Content-Length is not a number.", 400) from None
            if size > limit:
                raise too_large
            return stream.read(size) if (stream is not None and size > 0) else b""
        if stream is None or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return b""
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise too_large
        return data

    def _log(self, environ, status: int, size: int, elapsed: float, request_id: str, info: dict) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        path = environ.get("PATH_INFO", "/") or "/"
        access_log.info(
            '%s "%s %s" %s %s %d %d %.1fms ak=%s rid=%s%s',
            environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD", "-"), path[:200],
            info["action"][:80], info["route"], status, size, elapsed * 1000, mask_key(info["ak"]),
            request_id, f" error={info['code']}" if info["code"] else "",
        )

    def close(self) -> None:
        for forwarder in list(self._forwarders.values()):
            forwarder.close()


class _ReleasedWhenSent(list):
    """The answer's body; what it was written from (``info["held"]``: a DescribeImages holds 1,000 OAPI
    images) is released when the server closes it, once the body is handed over: freeing ~100,000
    objects then does not delay the answer."""

    __slots__ = ("info",)

    def __init__(self, chunks: list, info: dict):
        super().__init__(chunks)
        self.info = info

    def close(self) -> None:
        self.info.pop("held", None)


def _sdk_retry(headers: dict) -> bool:
    """True when the client says this request is a retry (botocore's ``amz-sdk-request: attempt=N; max=M``)."""
    for part in headers.get("amz-sdk-request", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == "attempt":
            return value.strip().isdigit() and int(value) > 1
    return False


def _guard_logs(credentials) -> None:
    """No secret in the gateway's log lines, whatever a message or a traceback carries (osc_shim.redaction)."""
    from osc_shim import redaction

    try:
        frozen = credentials.get_frozen_credentials()
        redaction.remember(frozen.secret_key, getattr(frozen, "token", None))
    except Exception:  # credentials are checked where they are used
        pass
    redaction.guard_loggers("osc_shim.gateway", "osc_shim.gateway.access", "osc_shim.oapi")


def _headers(environ) -> dict:
    """Request headers, lower-case names, values as received."""
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        out["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        out["content-length"] = environ["CONTENT_LENGTH"]
    return out


def _raw_target(environ):
    """(raw path, raw query string) as the client sent them, for signature checking."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if "://" in raw:  # absolute-form request target
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        path, _, query = raw.partition("?")
        return path or "/", query
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    path = quote(path.encode("latin-1").decode("utf-8", "replace"), safe="/~!$&'()*+,;=:@")
    return path or "/", environ.get("QUERY_STRING", "")


# -- configuration from the environment ---------------------------------------------------

def _truthy(value: Optional[str]) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def default_region(profile: Optional[str] = None) -> str:
    import botocore.session

    session = botocore.session.Session(profile=profile) if profile else botocore.session.Session()
    return session.get_config_variable("region") or regions.DEFAULT_REGION


def create_app(profile: Optional[str] = None, region: Optional[str] = None, *, access_key: Optional[str] = None,
               secret_key: Optional[str] = None, session_token: Optional[str] = None,
               fcu_endpoint: Optional[str] = None, forward: Optional[bool] = None,
               max_body: Optional[int] = None, credentials=None, environ: Mapping[str, str] = os.environ,
               **extra) -> Gateway:
    """Build the gateway; arguments left out are read from the environment (see the module doc)."""
    profile = profile or environ.get("OSC_SHIM_PROFILE") or None
    if credentials is None:
        credentials = resolve_credentials(profile, access_key, secret_key, session_token, environ)
    region = region or environ.get("OSC_SHIM_REGION") or default_region(profile)
    fcu = fcu_endpoint or environ.get(routing.OSC_ENDPOINT_FCU) or None
    if forward is None:
        forward = not _truthy(environ.get("OSC_SHIM_NO_FORWARD"))
    if region not in regions.REGIONS and (forward and not fcu):
        raise regions.UnknownRegion(region)
    if max_body is None:
        max_body = int(environ.get("OSC_SHIM_MAX_BODY") or DEFAULT_MAX_BODY)
    return Gateway(GatewayConfig(region=region, credentials=credentials, forward=forward, fcu_endpoint=fcu,
                                 max_body=max_body, **extra))


_app = None
_app_lock = threading.Lock()


def __getattr__(name):
    """``osc_shim.gateway.app:app`` -- the gateway configured from the environment, built on first use."""
    global _app
    if name == "app":
        with _app_lock:
            if _app is None:
                _app = create_app()
        return _app
    raise AttributeError(name)
