"""The emulator's EC2 (FCU) face: EC2's Query protocol over the same cloud as its OAPI face.

On OUTSCALE, FCU and OAPI share one backend; so here.  A request to ``/`` (what
EC2 clients send to an endpoint URL) goes through, in order: signature (the
emulator's accounts, AWS4-HMAC-SHA256; EC2's ``AuthFailure``), the Query
protocol read with botocore's EC2 model (``query_protocol``:
``MissingAction``, ``InvalidAction``, ``UnknownParameter``, ...), DryRun, then
the action's handler, which sees botocore-shaped params and the ``Cloud`` and
returns botocore's result dict.  An action the model knows but this face does
not implement answers ``UnsupportedOperation``; nothing answers a traceback.

Handlers live in ``fcu_instances`` (instances, regions, zones) and
``fcu_storage`` (volumes, snapshots, tags, images read back).
"""

from __future__ import annotations

import logging
import uuid

from . import fcu_instances, fcu_storage
from . import query_protocol as qp
from .errors import Ec2Error
from .signature import SignatureError, check_authorization
from .wsgi import request_headers, status_line

log = logging.getLogger("osc_emulator.fcu")

HANDLERS = {**fcu_instances.HANDLERS, **fcu_storage.HANDLERS}
FCU_PATHS = ("", "/")


def actions() -> list:
    """The EC2 actions this face answers (the closing note and the docs list them)."""
    return sorted(HANDLERS)


class FcuFace:
    """WSGI callable for the FCU face of ``app.cloud`` (``app``: the EmulatorApp, for its limits and log)."""

    def __init__(self, app):
        self.app = app
        self.cloud = app.cloud
        self.calls: list = []  # (action, error code or None), for `osc-shim rehearse`'s summary

    def __call__(self, environ, start_response):
        request_id = str(uuid.uuid4())
        action, account = "-", None
        try:
            method = environ.get("REQUEST_METHOD", "GET").upper()
            if method != "POST":
                raise Ec2Error("MethodNotAllowed", f"The FCU face takes POST requests, not {method[:10]}.", 405)
            body = self.app._read(environ)
            if body is None:
                raise Ec2Error("RequestEntityTooLarge", f"The request body is over {self.app.max_body} bytes.", 413)
            caller = self._authenticate(environ, body)
            account = caller.account_id
            action, params = qp.read_request(body)
            handler = HANDLERS.get(action)
            if handler is None:
                raise Ec2Error("UnsupportedOperation", f"The emulator's FCU face does not implement {action}; "
                                                       f"it answers: {', '.join(actions())}.")
            dry_run = params.pop("DryRun", False)
            with self.cloud.lock:
                if dry_run:  # the caller is known and the request well formed: that is all EC2 checks first
                    raise Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
                result = handler(self.cloud, caller, params)
            status, data, code = 200, qp.write_result(action, result, request_id), None
        except Ec2Error as err:
            status, data, code = err.status, qp.write_error(err, request_id), err.code
        except Exception as exc:  # never a traceback on the wire
            log.exception("FCU face failure on %s", action)
            err = Ec2Error("InternalError", f"The emulator failed: {type(exc).__name__}.", 500)
            status, data, code = 500, qp.write_error(err, request_id), err.code
        self.calls.append((action, code))
        log.info("FCU %s -> %d%s (account %s, request %s)", action, status, f" {code}" if code else "",
                 account or "-", request_id)
        start_response(status_line(status),
                       [("Content-Type", "text/xml;charset=UTF-8"), ("Content-Length", str(len(data))),
                        ("x-amzn-RequestId", request_id)])
        return [data]

    def _authenticate(self, environ, body: bytes):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") or "/"
        try:
            access_key = check_authorization("POST", path, request_headers(environ), body, self.cloud.secret_for)
        except SignatureError as exc:
            raise Ec2Error("AuthFailure", f"AWS was not able to validate the provided access credentials: "
                                          f"{exc.reason}.", 401) from None
        return self.cloud.account_by_key(access_key)
