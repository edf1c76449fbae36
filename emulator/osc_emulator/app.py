"""The emulator as a plain WSGI application.

``POST /api/v1/<Action>`` (and ``/api/latest/<Action>``) with a JSON body, as
OAPI serves it.  One process serves every OUTSCALE region: ``/<region>/api/v1/<Action>``
is that region's API, with its own state (its ``Cloud``, made on first use, same accounts
and options); ``/api/v1`` is the default region's.  A request to ``/<region>/...`` must be
signed for that region (401 code 1 otherwise), as each OUTSCALE region checks.  So one
emulator stands for ``OSC_ENDPOINT_API=http://127.0.0.1:PORT/{region}/api/v1``.  The
``/_emulator/`` hooks act on the default region's state, or on ``?region=<region>``'s.  A request goes through, in order: route (404 12000 for an
action the spec does not know, 405 for another method), size limit (413),
signature (401 code 1), JSON (400 4110), schema (400 3001 / 7000 / 4110),
DryRun (200 with only ResponseContext), then the action's handler, which sees
dicts and never HTTP.  Every answer carries ``ResponseContext.RequestId``; with
``check_responses`` each success is held to the spec's response schema.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from typing import Optional

from urllib.parse import parse_qs

from .regions import REGIONS
from .signature import SignatureError, check_authorization
from . import accounts, control, exports, images, oos_api, schema, snapshots, tags
from .fault_injection import HOOK as FAULTS_HOOK
from .fault_injection import FaultInjector
from .errors import ApiError
from .store import Cloud
from .wsgi import request_headers, status_line

log = logging.getLogger("osc_emulator")

HANDLERS = {**images.HANDLERS, **snapshots.HANDLERS, **tags.HANDLERS, **exports.HANDLERS, **accounts.HANDLERS}

API_PATH_RE = re.compile(r"^(?:/(?P<region>[a-z0-9-]+))?/api/(?:v1|latest)/(?P<action>[A-Za-z0-9]+)/?$")
_SCOPE_REGION_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/,\s]+)/")
MAX_BODY = 1 << 20
class EmulatorApp:
    def __init__(self, cloud: Cloud, *, max_body: int = MAX_BODY, hooks_enabled: bool = True,
                 check_responses: bool = True, make_cloud=None, control_token: Optional[str] = None):
        self.cloud = cloud  # the default region's
        self.clouds = {cloud.region: cloud}  # region -> its state
        self._make_cloud = make_cloud  # region -> a new Cloud (None: only the default region is served)
        self._clouds_lock = threading.Lock()
        self.max_body = max_body
        self.hooks_enabled = hooks_enabled
        self.control_token = control_token  # control.refusal: required on every hook request when set
        self.check_responses = check_responses
        self.faults = FaultInjector()  # injected faults (fault_injection.py); none by default
        from .fcu import FcuFace

        self.fcu = FcuFace(self)  # EC2 Query requests to / : the FCU face over the same cloud
        self.calls: list = []  # (OAPI action, error code or None), for `osc-shim rehearse`'s summary

    # -- WSGI -----------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if self.hooks_enabled and path.startswith(control.PREFIX):
            refused = control.refusal(request_headers(environ), self.control_token)
            if refused is not None:
                log.info("%s %s -> %d (no control token)", method, path, refused[0])
                return self._send(start_response, *refused)
            body = self._read(environ)
            region = (parse_qs(environ.get("QUERY_STRING", "")).get("region") or [None])[0]
            cloud = self.cloud_for(region)
            if body is None:
                status, answer = 413, {"Error": "body too large"}
            elif cloud is None:
                status, answer = 404, {"Error": f"no region {region!r}; regions: {', '.join(REGIONS)}"}
            elif path.rstrip("/") == FAULTS_HOOK:
                status, answer = self.faults.hook(method, body)
            else:
                status, answer = control.handle(cloud, method, path, body)
                if path.rstrip("/") == control.PREFIX + "reset" and status == 200:
                    self.faults.clear()
            log.info("%s %s -> %d", method, path, status)
            return self._send(start_response, status, answer)
        if path.startswith(oos_api.PREFIX):
            body = self._read(environ) or b""
            status, data, ctype = oos_api.handle(self.cloud, method, path, environ.get("QUERY_STRING", ""),
                                                 request_headers(environ), body)
            log.info("OOS %s %s -> %d", method, path, status)
            start_response(status_line(status),
                           [("Content-Type", ctype), ("Content-Length", str(len(data)))])
            return [data]
        if path in ("", "/"):
            return self.fcu(environ, start_response)
        request_id = str(uuid.uuid4())

        def answer():
            status, answer, account = self._api(environ, method, path, request_id)
            errors = answer.get("Errors") if isinstance(answer, dict) else None
            self.calls.append((path.rstrip("/").rsplit("/", 1)[-1], errors[0]["Code"] if errors else None))
            log.info("%s %s -> %d (account %s, request %s)", method, path, status, account or "-", request_id)
            extra = [("Allow", "POST")] if status == 405 else []
            return self._render(status, answer, extra)

        fault = self.faults.pick(path)
        if fault is not None:
            return self.faults.serve(fault, environ, start_response, answer)
        line, headers, data = answer()
        start_response(line, headers)
        return [data]

    def cloud_for(self, region):
        """The state of ``region`` (None or the default: the default's), made on first use; None if not served."""
        if region is None or region == self.cloud.region:
            return self.cloud
        cloud = self.clouds.get(region)
        if cloud is None and region in REGIONS and self._make_cloud is not None:
            with self._clouds_lock:
                cloud = self.clouds.get(region)
                if cloud is None:
                    cloud = self.clouds[region] = self._make_cloud(region)
        return cloud

    def _read(self, environ):
        """The body, or None when it is over the limit."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > self.max_body:
            return None
        stream = environ["wsgi.input"]
        data = stream.read(length) if length >= 0 else stream.read(self.max_body + 1)
        return None if len(data) > self.max_body else data

    @classmethod
    def _send(cls, start_response, status: int, answer, extra=()):
        line, headers, data = cls._render(status, answer, extra)
        start_response(line, headers)
        return [data]

    @staticmethod
    def _render(status: int, answer, extra=()):
        """(status line, headers, body bytes) of an answer."""
        if isinstance(answer, (bytes, bytearray)):
            data, ctype = bytes(answer), "application/octet-stream"
        else:
            data, ctype = json.dumps(answer).encode("utf-8"), "application/json"
        return (status_line(status),
                [("Content-Type", ctype), ("Content-Length", str(len(data))), *extra], data)

    # -- the API ----------------------------------------------------------
    def _api(self, environ, method: str, path: str, request_id: str):
        """(status, body, account id or None)."""
        account = None
        try:
            match = API_PATH_RE.match(path)
            if not match or match["action"] not in schema.spec().actions:
                name = match["action"] if match else path
                raise ApiError("invalid-action", f"The action {name!r} is not valid for this web service.")
            action = match["action"]
            cloud = self.cloud_for(match["region"])
            if cloud is None:
                raise ApiError("invalid-action", f"This emulator serves no region {match['region']!r} "
                                                 f"(regions: {', '.join(REGIONS)}).")
            if method != "POST":
                raise ApiError("invalid-action", f"OAPI actions are called with POST, not {method}.", 405)
            body = self._read(environ)
            if body is None:
                raise ApiError("invalid-parameter-value-length", f"The request body is over {self.max_body} bytes.", 413)
            caller = self._authenticate(cloud, environ, method, path, body)
            scope = _SCOPE_REGION_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
            if match["region"] and scope and scope["region"] != cloud.region:
                raise ApiError("access-denied", f"Authentication failed: the request is signed for region "
                                                f"{scope['region']!r}, and this is {cloud.region}'s endpoint.")
            account = caller.account_id
            params = self._parse(body)
            if action not in HANDLERS:
                raise ApiError("invalid-action", f"{action} exists in OAPI {schema.spec().version} but this emulator "
                                                 "does not implement it.", 501)
            problem = schema.request_error(action, params)
            if problem:
                raise problem
            if params.get("DryRun") is True:
                return 200, {"ResponseContext": {"RequestId": request_id}}, account
            with cloud.lock:
                result = HANDLERS[action](cloud, caller, params)
            answer = dict(result, ResponseContext={"RequestId": request_id})
            if self.check_responses:
                wrong = schema.response_problems(action, answer)
                if wrong:
                    log.error("%s answer breaks the spec: %s", action, "; ".join(wrong))
                    raise ApiError("internal-error", f"The emulator built an answer the spec forbids: {'; '.join(wrong)}")
            return 200, answer, account
        except ApiError as err:
            return err.status, err.body(request_id), account
        except Exception as exc:  # never a traceback on the wire
            log.exception("emulator failure on %s", path)
            err = ApiError("internal-error", f"The emulator failed: {type(exc).__name__}.")
            return err.status, err.body(request_id), account

    @staticmethod
    def _authenticate(cloud, environ, method: str, path: str, body: bytes):
        try:
            access_key = check_authorization(method, path, request_headers(environ), body, cloud.secret_for)
        except SignatureError as exc:
            raise ApiError("access-denied", f"Authentication failed: {exc.reason}.") from None
        return cloud.account_by_key(access_key)

    @staticmethod
    def _parse(body: bytes) -> dict:
        if not body.strip():
            return {}
        try:
            params = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError("invalid-parameter-type", "The request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise ApiError("invalid-parameter-type", "The request body must be a JSON object.")
        return params
