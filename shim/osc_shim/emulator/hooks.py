"""Test and seed hooks, served only under ``/_emulator/`` (never under ``/api``).

    PUT  /_emulator/oos/<bucket>          create a bucket
    PUT  /_emulator/oos/<bucket>/<key>    store the body as an object; answers a pre-signed URL of it
    GET  /_emulator/oos/<bucket>/<key>    the object's bytes
    POST /_emulator/presign               {"Bucket", "Key", "ExpiresIn"?, "Style"? v2|v4} -> {"Url"}
    POST /_emulator/seed                  resources as JSON (state.SEED_FORMAT) -> the IDs made
    POST /_emulator/clock                 {"Advance": seconds} moves the emulated clock forward
    POST /_emulator/reset                 back to the initial state
    GET  /_emulator/state                 everything, as JSON (no secret keys)
    POST|GET|DELETE /_emulator/faults     injected faults (served by the app: fault_injection.py)

Hooks need no signature: the emulator binds 127.0.0.1 by default, and
``hooks=False`` (``--no-hooks``) turns them off.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from .state import Cloud

PREFIX = "/_emulator/"


class HookError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise HookError(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise HookError(400, "the body must be a JSON object")
    return data


def _oos(cloud: Cloud, method: str, rest: str, body: bytes):
    bucket, _, key = rest.partition("/")
    bucket, key = unquote(bucket), unquote(key)
    if not bucket:
        raise HookError(400, "name a bucket: /_emulator/oos/<bucket>[/<key>]")
    if method == "PUT":
        if not key:
            cloud.create_bucket(bucket)
            return 200, {"Bucket": bucket}
        cloud.put_object(bucket, key, body)
        return 200, {"Bucket": bucket, "Key": key, "Size": len(body), "PresignedUrl": cloud.presign(bucket, key)}
    if method == "GET" and key:
        data = cloud.get_object(bucket, key)
        if data is None:
            raise HookError(404, f"no object {bucket}/{key}")
        return 200, data
    raise HookError(405, "use PUT to store, GET to read")


def _presign(cloud: Cloud, body: bytes):
    req = _json(body)
    try:
        url = cloud.presign(req["Bucket"], req["Key"], int(req.get("ExpiresIn", 7 * 86400)), req.get("Style", "v2"))
    except (KeyError, ValueError, TypeError):
        raise HookError(400, 'give {"Bucket", "Key", "ExpiresIn"?, "Style"?}') from None
    return 200, {"Url": url}


def _clock(cloud: Cloud, body: bytes):
    req = _json(body)
    try:
        cloud.advance(float(req.get("Advance", 0)))
    except (ValueError, TypeError):
        raise HookError(400, 'give {"Advance": seconds}') from None
    return 200, {"Now": cloud.now()}


def _seed(cloud: Cloud, body: bytes):
    try:
        return 200, cloud.seed(_json(body))
    except (KeyError, ValueError, TypeError) as exc:
        raise HookError(400, f"bad seed document ({type(exc).__name__}: {exc})") from None


def _reset(cloud: Cloud, body: bytes):
    cloud.reset()
    cloud.clock_offset = 0.0
    return 200, {"Reset": True}


# (method, name) -> handler(cloud, body)
ROUTES = {
    ("POST", "presign"): _presign,
    ("POST", "clock"): _clock,
    ("POST", "seed"): _seed,
    ("POST", "reset"): _reset,
    ("GET", "state"): lambda cloud, body: (200, cloud.dump()),
}


def handle(cloud: Cloud, method: str, path: str, body: bytes):
    """(status, dict or bytes) for a hook request."""
    rest = path[len(PREFIX):]
    with cloud.lock:
        return _dispatch(cloud, method, path, rest, body)


def _dispatch(cloud: Cloud, method: str, path: str, rest: str, body: bytes):
    try:
        if rest.startswith("oos/"):
            return _oos(cloud, method, rest[4:], body)
        route = ROUTES.get((method, rest.strip("/")))
        if route is None:
            raise HookError(404, f"no hook {method} {path}; see osc_shim.emulator.hooks")
        return route(cloud, body)
    except HookError as exc:
        return exc.status, {"Error": str(exc)}
