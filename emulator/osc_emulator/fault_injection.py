"""Faults the emulator injects on purpose: slow, failing, throttled, cut or silent answers.

(``errors.py`` is the table of OAPI *error codes*; this module makes the
network and the server misbehave, to test what clients do about it.)

A fault is a ``Rule``: which action it hits (``*`` for every API action), what
happens (``kind``), how often (``times``, ``skip``, ``every``, ``probability``
with a seed), or a ``sequence`` of kinds for consecutive calls (a schedule;
``None`` lets a call through).  Rules are tried in the order they were added;
the first that fires decides.  Test hooks (``/_emulator/...``) are never hit.

===============  =============================================================  ===========
kind              what the client sees                                           processed?
===============  =============================================================  ===========
latency           the normal answer, ``delay`` seconds late (default 0.5)        yes
http-500          HTTP 500, OAPI body, code 2000 InternalError                   no (after:
                                                                                 yes)
http-503          HTTP 503 with a load balancer's HTML page                      no (after:
                                                                                 yes)
throttle-503      HTTP 503, code 6 ErrorOperationThrottledWholePlatform          no
throttle-429      HTTP 429, code 24 ErrorOperationThrottledPerAccount            no
                  (``code: 25``: ErrorOperationThrottledPerCall)
reset-before      the connection closes without an answer                       no
reset-after       the connection closes without an answer                       yes
timeout           the answer is held ``delay`` seconds (default 5), past the     yes
                  client's read timeout
stall             the request is held ``delay`` seconds, then processed and      yes, late
                  answered (a client that timed out may already have re-sent)
truncated         the answer breaks off after ``keep`` bytes (default: half)     yes
not-json          HTTP ``status`` (default 200) with an HTML body                yes (after:
                                                                                 false: no)
===============  =============================================================  ===========

Python: ``emu.inject(action="CreateImage", kind="reset-after", times=1)``,
``emu.schedule("CreateImage", ["throttle-429", None, "reset-after"])``,
``emu.clear_faults()``, ``emu.faults.applied`` (what fired).
HTTP: ``POST /_emulator/faults`` with one rule or ``{"Faults": [rules]}`` (keys
as above, any case: ``{"Action": "CreateImage", "Kind": "timeout", "Delay": 3}``),
``GET /_emulator/faults`` (rules and counters), ``DELETE /_emulator/faults``.
Command line: ``osc-shim emulator --fault kind=reset-after,action=CreateImage,times=1``.
"""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import struct
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional, Sequence

log = logging.getLogger("osc_emulator.fault_injection")

HOOK = "/_emulator/faults"
_ACTION_RE = re.compile(r"^/api/(?:v1|latest)/(?P<action>[A-Za-z0-9]+)/?$")

# kind -> processed by default (before the fault shows), when the kind allows a choice
KINDS = {
    "latency": True,
    "http-500": False,
    "http-503": False,
    "throttle-503": False,
    "throttle-429": False,
    "reset-before": False,
    "reset-after": True,
    "timeout": True,
    "stall": True,
    "truncated": True,
    "not-json": True,
}
THROTTLES = {"6": (503, "ErrorOperationThrottledWholePlatform"),
             "24": (429, "ErrorOperationThrottledPerAccount"),
             "25": (429, "ErrorOperationThrottledPerCall")}
DEFAULT_DELAY = {"latency": 0.5, "timeout": 5.0, "stall": 5.0}
LB_PAGE = (b"<html><head><title>503 Service Unavailable</title></head>\n"
           b"<body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>\n")
PROXY_PAGE = b"<html><body><h1>Bad answer</h1><p>An intermediate proxy mangled this answer.</p></body></html>\n"


class FaultSpecError(ValueError):
    pass


@dataclass
class Rule:
    kind: Optional[str] = None             # one kind for every hit...
    sequence: Optional[List[Optional[str]]] = None  # ...or one per matching call (a schedule; None: no fault)
    action: str = "*"                      # OAPI action name, or * for any
    times: Optional[int] = 1               # hits before the rule retires (None: no limit)
    skip: int = 0                          # matching calls let through first
    every: int = 1                         # then hit one matching call in ``every``
    probability: float = 1.0               # chance that an eligible call is hit (seeded: reproducible)
    seed: Optional[int] = None
    delay: Optional[float] = None          # seconds, for latency / timeout / stall
    code: Optional[str] = None             # throttles: 6, 24 or 25
    status: Optional[int] = None           # not-json: the HTTP status
    keep: Optional[int] = None             # truncated: bytes kept (default: half of the answer)
    after: Optional[bool] = None           # the request is processed before the fault shows
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    seen: int = 0                          # matching calls so far
    hits: int = 0                          # faults injected so far

    def __post_init__(self):
        if (self.kind is None) == (self.sequence is None):
            raise FaultSpecError("give a kind or a sequence of kinds")
        for kind in ([self.kind] if self.sequence is None else self.sequence):
            if kind is not None and kind not in KINDS:
                raise FaultSpecError(f"unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
        if self.sequence is not None:
            self.sequence = list(self.sequence)
            if self.times == 1:
                self.times = None  # a schedule runs to its end
        if self.times is not None and self.times < 1 or self.skip < 0 or self.every < 1:
            raise FaultSpecError("times must be >= 1 (or null), skip >= 0, every >= 1")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultSpecError("probability must be between 0 and 1")
        if self.code is not None:
            self.code = str(self.code)
            if self.code not in THROTTLES:
                raise FaultSpecError(f"throttling codes are {', '.join(THROTTLES)}")
        if self.delay is not None and not 0 <= float(self.delay) <= 3600:
            raise FaultSpecError("delay must be 0-3600 seconds")
        self._rng = random.Random(self.seed)

    def describe(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v is not None}
        return out

    def fire(self, action: str) -> Optional["Fault"]:
        """The fault for this call, or None (counters updated)."""
        if self.action not in ("*", action):
            return None
        if self.times is not None and self.hits >= self.times:
            return None
        self.seen += 1
        n = self.seen - self.skip
        if n <= 0:
            return None
        if self.sequence is not None:
            if n > len(self.sequence):
                return None
            kind = self.sequence[n - 1]
        else:
            if (n - 1) % self.every:
                return None
            kind = self.kind
        if kind is None or (self.probability < 1.0 and self._rng.random() >= self.probability):
            return None
        self.hits += 1
        return Fault(kind, action, self)


@dataclass
class Fault:
    kind: str
    action: str
    rule: Rule

    @property
    def after(self) -> bool:
        return KINDS[self.kind] if self.rule.after is None else bool(self.rule.after)

    @property
    def delay(self) -> float:
        return float(self.rule.delay if self.rule.delay is not None else DEFAULT_DELAY.get(self.kind, 0.0))


_KEYS = {"kind": "kind", "sequence": "sequence", "schedule": "sequence", "action": "action", "times": "times",
         "skip": "skip", "every": "every", "probability": "probability", "seed": "seed", "delay": "delay",
         "code": "code", "status": "status", "keep": "keep", "after": "after"}
_TYPES = {"times": int, "skip": int, "every": int, "probability": float, "seed": int, "delay": float,
          "status": int, "keep": int}


def rule_from(spec: dict) -> Rule:
    """A Rule from a JSON object (keys in any case: Kind, kind, KIND...)."""
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object")
    args = {}
    for key, value in spec.items():
        name = _KEYS.get(str(key).lower())
        if name is None:
            raise FaultSpecError(f"unknown fault field {key!r}; fields: {', '.join(sorted(set(_KEYS.values())))}")
        if value is not None and name in _TYPES:
            try:
                value = _TYPES[name](value)
            except (TypeError, ValueError):
                raise FaultSpecError(f"{key} must be a number") from None
        if name == "after" and isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes")
        args[name] = value
    if "action" in args and not isinstance(args["action"], str):
        raise FaultSpecError("action must be a string")
    if isinstance(args.get("sequence"), str):
        args["sequence"] = [None if k in ("", "none", "-") else k for k in args["sequence"].split("/")]
    return Rule(**args)


def rule_from_text(text: str) -> Rule:
    """``kind=reset-after,action=CreateImage,times=1`` (``sequence=throttle-429/-/reset-after``)."""
    spec = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            if "kind" in spec:
                raise FaultSpecError(f"{part!r}: expected key=value")
            key, value = "kind", part
        spec[key.strip()] = None if value.strip().lower() in ("null", "none") else value.strip()
    return rule_from(spec)


class FaultInjector:
    """The rules of one emulator, thread-safe."""

    def __init__(self):
        self.rules: List[Rule] = []
        self.applied: List[tuple] = []  # (action, kind) of every fault injected
        self._lock = threading.Lock()
        self.released = threading.Event()  # set at shutdown: held requests go at once

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def inject(self, kind: Optional[str] = None, action: str = "*", times: Optional[int] = 1, **options) -> Rule:
        return self.add(Rule(kind=kind, action=action, times=times, **options))

    def schedule(self, action: str, sequence: Sequence[Optional[str]], **options) -> Rule:
        return self.add(Rule(sequence=list(sequence), action=action, **options))

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.applied.clear()

    def pick(self, path: str) -> Optional[Fault]:
        if not self.rules:
            return None
        match = _ACTION_RE.match(path)
        if not match:
            return None
        with self._lock:
            for rule in self.rules:
                fault = rule.fire(match["action"])
                if fault is not None:
                    self.applied.append((fault.action, fault.kind))
                    return fault
        return None

    def state(self) -> dict:
        with self._lock:
            return {"Faults": [r.describe() for r in self.rules],
                    "Applied": [{"Action": a, "Kind": k} for a, k in self.applied]}

    # -- the /_emulator/faults hook -----------------------------------------------------------
    def hook(self, method: str, body: bytes):
        """(status, dict) for GET / POST / DELETE /_emulator/faults."""
        if method == "GET":
            return 200, self.state()
        if method == "DELETE":
            self.clear()
            return 200, {"Faults": []}
        if method != "POST":
            return 405, {"Error": "use GET, POST or DELETE"}
        try:
            data = json.loads(body or b"{}")
            specs = data.get("Faults", [data]) if isinstance(data, dict) else data
            if not isinstance(specs, list):
                raise FaultSpecError("give a fault object, or {\"Faults\": [...]}")
            rules = [rule_from(spec) for spec in specs]
        except ValueError as exc:  # FaultSpecError and JSON errors
            return 400, {"Error": f"bad fault: {exc}"}
        for rule in rules:
            self.add(rule)
        return 200, {"Faults": [r.describe() for r in rules]}

    # -- serving a request that a fault hits ------------------------------------------------
    def serve(self, fault: Fault, environ, start_response, answer: Callable[[], tuple]):
        """The WSGI answer under ``fault``; ``answer()`` processes the request -> (status line, headers, body)."""
        kind = fault.kind
        log.info("fault %s on %s", kind, fault.action)
        if kind == "latency" or kind == "stall":
            self.released.wait(fault.delay)
            return _send(start_response, *answer())
        if kind in ("reset-before", "reset-after"):
            if kind == "reset-after":
                answer()
            return _reset(environ, start_response)
        if kind == "timeout":
            done = answer()
            self.released.wait(fault.delay)
            return _send(start_response, *done)
        if kind == "truncated":
            status, headers, data = answer()
            keep = fault.rule.keep if fault.rule.keep is not None else len(data) // 2
            keep = max(0, min(keep, len(data) - 1))
            # The full Content-Length is declared and fewer bytes sent: waitress then closes the
            # connection, and the client is left with a body that breaks off.
            start_response(status, headers)
            return [data[:keep]]
        if fault.after:
            answer()
        if kind == "http-500":
            body = _oapi_error("2000", "InternalError", "Internal error (injected fault).")
            return _send(start_response, "500 Internal Server Error", _json_headers(body), body)
        if kind == "http-503":
            return _send(start_response, "503 Service Unavailable", _html_headers(LB_PAGE), LB_PAGE)
        if kind in ("throttle-503", "throttle-429"):
            code = fault.rule.code or ("6" if kind == "throttle-503" else "24")
            status, type_ = THROTTLES[code]
            body = _oapi_error(code, type_, "Request rate exceeded.")
            reason = "Service Unavailable" if status == 503 else "Too Many Requests"
            return _send(start_response, f"{status} {reason}", _json_headers(body), body)
        if kind == "not-json":
            status = fault.rule.status or 200
            return _send(start_response, f"{status} Fault", _html_headers(PROXY_PAGE), PROXY_PAGE)
        raise AssertionError(kind)


def _oapi_error(code: str, type_: str, details: str) -> bytes:
    return json.dumps({"Errors": [{"Code": code, "Type": type_, "Details": details}],
                       "ResponseContext": {"RequestId": str(uuid.uuid4())}}).encode()


def _json_headers(body: bytes) -> list:
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]


def _html_headers(body: bytes) -> list:
    return [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]


def _send(start_response, status: str, headers: list, body: bytes):
    start_response(status, headers)
    return [body]


def _reset(environ, start_response):
    """Close the client's connection without a byte of answer (waitress: its socket, shut down)."""
    check = environ.get("waitress.client_disconnected")
    sock = getattr(getattr(check, "__self__", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    else:  # not under waitress: the nearest thing is an empty answer that claims a body
        log.warning("reset fault outside waitress: answering an empty body instead")
    start_response("502 Bad Gateway", [("Content-Length", "0")])
    return [b""]
