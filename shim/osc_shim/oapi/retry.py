"""When an OAPI call is tried again, how long the shim waits, and when it stops.

The shape is the AWS SDKs' *standard* retry mode, with botocore's token bucket for
the quota: at most ``max_attempts``
attempts (the first one included), exponential backoff with full jitter
(``random(0, min(max_delay, base_delay * 2**(n-1)))`` before retry ``n``), and
a retry quota (a token bucket shared by the calls of one client: 500 tokens, a
retry costs 5, one after a timeout 10, a success gives 1 back) so that a
struggling endpoint is not hammered by every thread of a gateway at once.

On top of it, one rule the SDKs do not need: a call that may have been
processed is never re-sent blindly.  Whether a failure allows a retry is
decided by ``classify`` below:

=====================  =====================================================  =================
failure                 examples                                               retried
=====================  =====================================================  =================
``THROTTLED``           OAPI code 6 (HTTP 503), 24 / 25 (HTTP 429), any 429    every call: the
                                                                               limiter refuses
                                                                               before processing
``UNSENT``              connection refused, connect timeout, DNS failure       every call
``TRANSIENT``           HTTP 500/502/503/504 without a throttling code,         idempotent calls
                        read timeout, connection reset, truncated or            only; a create
                        non-JSON answer                                         goes to
                                                                               reconciliation
``FINAL``               every other error answer (4xx)                          never
=====================  =====================================================  =================

Settings (environment, then defaults; the AWS CLI plugin also passes
``--cli-read-timeout``, ``--cli-connect-timeout`` and the profile's
``max_attempts`` / ``AWS_MAX_ATTEMPTS``): see ``SETTINGS``.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, fields, replace
from typing import Mapping, Optional

from ..errors import Ec2Error

# OAPI throttling: 6 ErrorOperationThrottledWholePlatform (HTTP 503), 24 ErrorOperationThrottledPerAccount
# and 25 ErrorOperationThrottledPerCall (HTTP 429) -- OUTSCALE's "API Throttling" page.
THROTTLING_CODES = frozenset({"6", "24", "25"})
THROTTLING_STATUS = 429
# What AWS's standard mode treats as transient server errors.
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})

THROTTLED, UNSENT, TRANSIENT, FINAL = "throttled", "unsent", "transient", "final"


@dataclass(frozen=True)
class RetryPolicy:
    """Limits of one EC2 call's OAPI traffic (every field has an environment variable, see ``SETTINGS``)."""

    max_attempts: int = 3          # attempts of one OAPI call, the first included (AWS standard mode: 3)
    base_delay: float = 1.0        # backoff before retry n: random(0, min(max_delay, base_delay * 2**(n-1)))
    max_delay: float = 20.0        # AWS standard mode's cap
    max_total: float = 50.0        # seconds for one EC2 call, retries, backoff and reconciliation included
    connect_timeout: float = 10.0  # seconds to open a connection
    read_timeout: Optional[float] = 30.0  # seconds to wait for an answer; None: up to the remaining budget

    def delay(self, retry: int, rng=random) -> float:
        """Full-jitter backoff before retry number ``retry`` (1 for the first retry), as the SDKs' standard
        mode specifies it.  Not botocore's ``ExponentialBackoff``: the plugin runs on whichever botocore
        the CLI carries, and that class's signature and scale differ between them (AWS CLI v2.9's has no
        throttling detector; newer ones scale other errors down to 50 ms)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2 ** max(0, retry - 1))))

    @property
    def reconcile_reserve(self) -> float:
        """Seconds of the budget a create leaves for finding out what happened after losing its answer."""
        return min(10.0, self.max_total / 4)

    def replace(self, **changes) -> "RetryPolicy":
        return replace(self, **changes)


# environment variable -> (RetryPolicy field, parser, what it means)
SETTINGS = {
    "OSC_SHIM_MAX_ATTEMPTS": ("max_attempts", int, "attempts of one OAPI call, the first included"),
    "OSC_SHIM_MAX_TOTAL": ("max_total", float, "seconds one EC2 call may take in all (retries, backoff, "
                                               "reconciliation)"),
    "OSC_SHIM_READ_TIMEOUT": ("read_timeout", float, "seconds to wait for an answer (0: up to the remaining "
                                                     "budget)"),
    "OSC_SHIM_CONNECT_TIMEOUT": ("connect_timeout", float, "seconds to open a connection"),
    "OSC_SHIM_BACKOFF_BASE": ("base_delay", float, "backoff base in seconds (full jitter, doubled per retry)"),
    "OSC_SHIM_BACKOFF_MAX": ("max_delay", float, "longest backoff in seconds"),
}
# AWS's own setting, honoured when the shim's is not set.
AWS_MAX_ATTEMPTS = "AWS_MAX_ATTEMPTS"


def _parse(name: str, raw, parser):
    try:
        value = parser(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or value < 0 or (parser is int and value < 1) or value != value or value in (float("inf"),):
        kind = "a whole number of at least 1" if parser is int else "a number of seconds (0 or more)"
        raise Ec2Error("InvalidParameterValue", f"{name}={str(raw)[:40]!r} is not valid: give {kind}.")
    return value


def policy_from(environ: Mapping[str, str] = os.environ, overrides: Optional[Mapping] = None,
                base: RetryPolicy = RetryPolicy()) -> RetryPolicy:
    """The policy for one call: ``overrides`` (the CLI's own flags) > ``OSC_SHIM_*`` > ``AWS_MAX_ATTEMPTS`` /
    the profile's ``max_attempts`` (passed in ``overrides`` as ``aws_max_attempts``) > defaults.

    A value that cannot be used is an ``InvalidParameterValue`` error naming the setting.
    """
    overrides = dict(overrides or {})
    changes = {}
    aws_attempts = overrides.pop("aws_max_attempts", None)
    if aws_attempts is None:
        aws_attempts = environ.get(AWS_MAX_ATTEMPTS) or None
    if aws_attempts is not None:
        changes["max_attempts"] = _parse("max_attempts (AWS_MAX_ATTEMPTS)", aws_attempts, int)
    for env, (field_name, parser, _) in SETTINGS.items():
        if environ.get(env, "").strip():
            changes[field_name] = _parse(env, environ[env], parser)
    known = {f.name for f in fields(RetryPolicy)}
    for key, value in overrides.items():
        if key in known and value is not None:
            parser = int if key == "max_attempts" else float
            changes[key] = _parse(key, value, parser)
    if changes.get("read_timeout") == 0:
        changes["read_timeout"] = None  # like --cli-read-timeout 0: no limit of its own
    if changes.get("max_total") == 0:
        raise Ec2Error("InvalidParameterValue", "OSC_SHIM_MAX_TOTAL=0 is not valid: give a number of seconds above 0.")
    return replace(base, **changes)


class RetryQuota:
    """AWS standard mode's retry quota, shared by one client's calls: botocore's token bucket
    (``botocore.retries.quota.RetryQuota``), with the costs of the SDKs' specification."""

    CAPACITY = 500
    RETRY_COST = 5
    TIMEOUT_RETRY_COST = 10
    SUCCESS_REFUND = 1

    def __init__(self, capacity: int = CAPACITY):
        from botocore.retries.quota import RetryQuota as TokenBucket

        self.capacity = capacity
        self._bucket = TokenBucket(capacity)

    @property
    def available(self) -> int:
        return self._bucket.available_capacity

    def acquire(self, timeout: bool) -> int:
        """Tokens taken for one retry (0: the quota is spent, do not retry)."""
        cost = self.TIMEOUT_RETRY_COST if timeout else self.RETRY_COST
        return cost if self._bucket.acquire(cost) else 0

    def release(self, taken: int) -> None:
        """A call succeeded: give back what its last retry took, or one token."""
        self._bucket.release(taken or self.SUCCESS_REFUND)


class Budget:
    """The time one EC2 call has left (monotonic clock)."""

    def __init__(self, policy: RetryPolicy, clock=time.monotonic):
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + policy.max_total

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self, reserve: float = 0.0) -> float:
        return self.deadline - reserve - self.clock()


def classify(status: Optional[int], code: str = "", *, sent: bool = True, answered: bool = True) -> str:
    """THROTTLED, UNSENT, TRANSIENT or FINAL for one failed attempt.

    ``status``/``code``: the HTTP status and OAPI error code of an error answer;
    ``answered`` False: no usable answer (timeout, reset, garbled body);
    ``sent`` False: the request never left (no connection).
    """
    if not sent:
        return UNSENT
    if code in THROTTLING_CODES or status == THROTTLING_STATUS:
        return THROTTLED
    if not answered or (status in TRANSIENT_STATUSES):
        return TRANSIENT
    return FINAL
