"""The emulator's HTTP control endpoints ("hooks"), served only under ``/_emulator/`` (never under ``/api``).

    PUT  /_emulator/oos/<bucket>          create a bucket
    PUT  /_emulator/oos/<bucket>/<key>    store the body as an object; answers a pre-signed URL of it
    GET  /_emulator/oos/<bucket>/<key>    the object's bytes
    POST /_emulator/presign               {"Bucket", "Key", "ExpiresIn"?, "Style"? v2|v4} -> {"Url"}
    POST /_emulator/seed                  resources as JSON (seeding.SEED_FORMAT) -> the IDs made
    POST /_emulator/clock                 {"Advance": seconds} moves the emulated clock forward
    POST /_emulator/reset                 back to the initial state
    GET  /_emulator/state                 everything, as JSON (no secret keys)
    POST|GET|DELETE /_emulator/faults     injected faults (served by the app: fault_injection.py)

On loopback the hooks need no signature.  Bound to any other address they are off unless a control
token is given (``--control-token`` or ``OSC_EMULATOR_CONTROL_TOKEN``); with a token, every hook request
must carry it (``X-Emulator-Token: <token>`` or ``Authorization: Bearer <token>``) or it is refused
(401).  ``hooks=False`` (``--no-hooks``) turns them off everywhere.

Hostile values are refused with a 400 JSON error, never stored: numbers must be finite (no ``NaN``,
``Infinity`` or ``1e400``) and within range; what the hooks store is bounded (``LIMITS``).
"""

from __future__ import annotations

import hmac
import json
import math
from typing import Optional
from urllib.parse import unquote

from .store import Cloud

PREFIX = "/_emulator/"
TOKEN_ENV = "OSC_EMULATOR_CONTROL_TOKEN"
LOOPBACK = ("localhost",)
# What the hooks may store, at most (the body of one hook request is bounded by the app's MAX_BODY).
LIMITS = {"objects": 10_000, "stored_bytes": 256 * 1024 * 1024, "buckets": 1_000,
          "seeded_per_request": 10_000, "resources": 100_000}
MAX_ADVANCE = 100 * 365 * 86400.0   # seconds the clock may move in one call (a century)
MAX_EXPIRES = 10 * 365 * 86400      # a pre-signed URL's lifetime


class HookError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name, or 0.0.0.0 / :: (every address)


def hooks_allowed(host: str, token: Optional[str]) -> bool:
    """Serve the hooks bound to ``host``?  Beyond loopback only with a control token."""
    return bool(token) or is_loopback(host)


def refusal(headers: dict, token: Optional[str]) -> Optional[tuple]:
    """(status, answer) refusing a hook request without the control token; None when it may go on.

    ``headers``: lower-case names.  No token configured (loopback): every request may go on."""
    if not token:
        return None
    given = headers.get("x-emulator-token") or ""
    auth = headers.get("authorization") or ""
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if given and hmac.compare_digest(given.encode(), token.encode()):
        return None
    return 401, {"Error": "the emulator's hooks need its control token (X-Emulator-Token header)"}


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise HookError(400, f"the number {text[:32]} is out of range")
    return value


def _no_constant(name: str):
    raise HookError(400, f"{name} is not a number the hooks take: numbers must be finite")


def _json(body: bytes) -> dict:
    try:
        data = json.loads(body or b"{}", parse_float=_finite, parse_constant=_no_constant)
    except ValueError:
        raise HookError(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise HookError(400, "the body must be a JSON object")
    return data


def number(value, name: str, low: float, high: float) -> float:
    """``value`` as a finite float within [low, high], else a 400 naming ``name``."""
    if isinstance(value, bool):
        raise HookError(400, f"{name} must be a number")
    try:
        number_ = float(value)
    except (ValueError, TypeError, OverflowError):
        raise HookError(400, f"{name} must be a number") from None
    if not math.isfinite(number_) or not low <= number_ <= high:
        raise HookError(400, f"{name} must be a finite number from {low:g} to {high:g}")
    return number_


def _stored(cloud: Cloud) -> tuple:
    objects = sum(len(b) for b in cloud.buckets.values())
    size = sum(len(v) for b in cloud.buckets.values() for v in b.values())
    return objects, size


def _room_for_object(cloud: Cloud, bucket: str, key: str, size: int) -> None:
    objects, stored = _stored(cloud)
    old = len(cloud.buckets.get(bucket, {}).get(key) or b"")
    if key not in cloud.buckets.get(bucket, {}) and objects >= LIMITS["objects"]:
        raise HookError(413, f"the emulator holds {LIMITS['objects']} objects already (reset it)")
    if stored - old + size > LIMITS["stored_bytes"]:
        raise HookError(413, f"the emulator's objects would exceed {LIMITS['stored_bytes']} bytes (reset it)")


def _room_for_bucket(cloud: Cloud, bucket: str) -> None:
    if bucket not in cloud.buckets and len(cloud.buckets) >= LIMITS["buckets"]:
        raise HookError(413, f"the emulator holds {LIMITS['buckets']} buckets already (reset it)")


def _oos(cloud: Cloud, method: str, rest: str, body: bytes):
    bucket, _, key = rest.partition("/")
    bucket, key = unquote(bucket), unquote(key)
    if not bucket:
        raise HookError(400, "name a bucket: /_emulator/oos/<bucket>[/<key>]")
    if method == "PUT":
        _room_for_bucket(cloud, bucket)
        if not key:
            cloud.create_bucket(bucket)
            return 200, {"Bucket": bucket}
        _room_for_object(cloud, bucket, key, len(body))
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
    expires = int(number(req.get("ExpiresIn", 7 * 86400), "ExpiresIn", 1, MAX_EXPIRES))
    try:
        url = cloud.presign(req["Bucket"], req["Key"], expires, req.get("Style", "v2"))
    except (KeyError, ValueError, TypeError):
        raise HookError(400, 'give {"Bucket", "Key", "ExpiresIn"?, "Style"?}') from None
    return 200, {"Url": url}


def _clock(cloud: Cloud, body: bytes):
    req = _json(body)
    cloud.advance(number(req.get("Advance", 0), 'Advance (give {"Advance": seconds})', 0, MAX_ADVANCE))
    return 200, {"Now": cloud.now()}


SEEDED = ("buckets", "objects", "manifests", "vms", "snapshots", "images")


def _seed(cloud: Cloud, body: bytes):
    doc = _json(body)
    lists = [doc.get(kind) or () for kind in SEEDED]
    if not all(isinstance(items, (list, tuple)) for items in lists):
        raise HookError(400, f"bad seed document: {', '.join(SEEDED)} are lists")
    count = sum(len(items) for items in lists)
    if count > LIMITS["seeded_per_request"]:
        raise HookError(413, f"at most {LIMITS['seeded_per_request']} resources per seed request")
    held = len(cloud.images) + len(cloud.snapshots) + len(cloud.vms) + len(cloud.buckets)
    if held + count > LIMITS["resources"]:
        raise HookError(413, f"the emulator would hold more than {LIMITS['resources']} resources (reset it)")
    stored = _stored(cloud)[1] + sum(len(json.dumps(o)) for o in doc.get("objects") or ())
    if stored > LIMITS["stored_bytes"]:
        raise HookError(413, f"the emulator's objects would exceed {LIMITS['stored_bytes']} bytes (reset it)")
    try:
        return 200, cloud.seed(doc)
    except (KeyError, ValueError, TypeError) as exc:
        raise HookError(400, f"bad seed document ({type(exc).__name__}: {exc})") from None


def _reset(cloud: Cloud, body: bytes):
    cloud.reset()  # the clock too: store.Cloud.reset
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
            raise HookError(404, f"no hook {method} {path}; see osc_emulator.control")
        return route(cloud, body)
    except HookError as exc:
        return exc.status, {"Error": str(exc)}
