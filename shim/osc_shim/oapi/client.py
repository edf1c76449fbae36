"""OAPI client: the attempts of one call, its time budget, and what happens when an answer is lost.

Sending one request is ``transport``'s; when to retry is ``retry``'s.  ``perform(call, plan)`` is
what the shim's engine uses for each ``Call`` a translator yields:

- every attempt is bounded (connect / read timeouts), every call too
  (``RetryPolicy.max_total``, retries, backoff and reconciliation included);
- throttled or unsent attempts are retried for every call, other transient
  failures (5xx, timeout, reset, garbled answer) only for idempotent calls
  (``retry.classify``), with AWS standard mode's backoff and retry quota;
- a create whose answer was lost is never re-sent blindly: the call's plan
  looks up what it made; the resource found is returned as if the answer had
  come, and the create is sent again only when nothing was made;
- when the shim gives up, the error says what failed, after how many attempts
  and how long, and what was (or was not) created -- never a traceback.

The plan is handed in by the caller (``osc_shim.core.Reconciliation``: the pure plans of
``operations.reconcile`` run by the engine); this module knows only what it offers:

- ``what(call)``, ``check_hint(call)``: words for messages;
- ``finds`` / ``looks_before``: whether it can look up what a create made, and needs a first look;
- ``before(call, read)`` -> what was there before sending (None: could not be read);
- ``find(call, since, before, read)`` -> a verdict: ``.found`` (with ``.answer``, ``.resource_id``),
  ``.unknown`` (with ``.reason``), neither: nothing was made;
- ``conflict_codes``, ``gone_codes``, ``resend``, ``settle``, ``retry_window`` (seconds back a
  client's own retry may have landed).

``read(step)`` is the client's: an idempotent read with retries, within the call's budget.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable, Optional

from ..errors import Ec2Error, OapiError, to_ec2
from ..signing import OSC4
from .retry import (FINAL, THROTTLED, THROTTLING_CODES, TRANSIENT, UNSENT, Budget, RetryPolicy, RetryQuota,
                    classify)
from .transport import Garbled, Transport, TransportError, encode

log = logging.getLogger("osc_shim.oapi")
# An attempt needs at least this much of the budget to be worth starting.
MIN_ATTEMPT = 0.5

__all__ = ["OapiClient", "RetryPolicy", "TransportError", "CallFailed", "THROTTLING_CODES"]


@dataclass(eq=False)
class CallFailed(OapiError):
    """The shim gave up on an OAPI call; ``ec2`` is the error the user sees (``errors.to_ec2`` returns it),
    ``details`` the last failure in a few words."""

    ec2: Optional[Ec2Error] = None

    def __str__(self) -> str:
        return self.details or (self.ec2.message if self.ec2 is not None else super().__str__())


class _Ambiguous(Exception):
    """A non-idempotent call may have been processed: its answer was lost."""


class _GaveUp(Exception):
    """No more attempts (count, time or retry quota): the last failure is in the state."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class CallState:
    """What the attempts of one call ran into."""

    __slots__ = ("attempts", "maybe_processed", "kind", "detail", "error", "timeout_used", "timed_out")

    def __init__(self):
        self.attempts = 0
        self.maybe_processed = False  # an attempt may have been carried out by the server
        self.kind = None              # classification of the last failure
        self.detail = ""              # the last failure, in words
        self.error: Optional[OapiError] = None
        self.timeout_used = 0.0
        self.timed_out = False        # the last failure was a read timeout (the server may still be at work)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class OapiClient:
    def __init__(self, endpoint: str, region: str, credentials, *, timeout=None,
                 retry: Optional[RetryPolicy] = None, scheme=OSC4, sleep=time.sleep, clock=time.monotonic,
                 wallclock=time.time, rng=None, quota: Optional[RetryQuota] = None, pool_size: int = 10,
                 first_looks=None):
        """``first_looks``: where the first look of each request is kept for the client's own retries of it
        (``get(key)`` / ``put(key, value)``; ``operations.reconcile.FirstLooks``); None: not kept."""
        retry = retry or RetryPolicy()
        if timeout is not None:  # (connect, read) as botocore takes it
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            retry = retry.replace(connect_timeout=connect, read_timeout=read)
        self.retry = retry
        self.transport = Transport(endpoint, region, credentials,
                                   (retry.connect_timeout or retry.max_total, retry.read_timeout or retry.max_total),
                                   scheme=scheme, pool_size=pool_size)
        self.endpoint = self.transport.endpoint
        self.region = region
        self.credentials = credentials
        self.timeout = self.transport.timeout
        self.quota = quota or RetryQuota()
        self._sleep = sleep
        self._clock = clock
        self._wallclock = wallclock
        self._rng = rng or random.Random()
        self.first_looks = first_looks if first_looks is not None else _NoMemory()

    def _send_once(self, action: str, body: bytes, timeout=None):
        """One attempt (the seam tests script)."""
        return self.transport.send(action, body, timeout)

    # -- one OAPI call, with retries --------------------------------------------------------------

    def _attempt_timeout(self, budget: Budget, reserve: float):
        remaining = budget.remaining(reserve)
        if remaining < MIN_ATTEMPT:
            return None
        read = self.retry.read_timeout or remaining  # 0 / None: no limit of its own, only the budget's
        connect = self.retry.connect_timeout or remaining
        return (min(connect, remaining), min(read, remaining))

    def _attempts(self, action: str, payload: bytes, idempotent: bool, budget: Budget, state: CallState,
                  reserve: float = 0.0) -> dict:
        """The answer; or OapiError (a final error answer), _Ambiguous (a non-idempotent call may have been
        processed) or _GaveUp (attempts, time or retry quota spent)."""
        taken = 0
        while True:
            timeout = self._attempt_timeout(budget, reserve)
            if timeout is None:
                raise _GaveUp("time")
            state.attempts += 1
            state.timeout_used = timeout[1]
            log.debug("OAPI call %s to %s: attempt %d of %d (read timeout %.1f s, %.1f s left)", action,
                      self.endpoint, state.attempts, self.retry.max_attempts, timeout[1], budget.remaining())
            try:
                answer = self.transport.parse(self._send_once(action, payload, timeout))
            except TransportError as exc:
                kind, timed_out = classify(None, sent=exc.sent, answered=False), exc.timeout
                state.detail = str(exc)
                state.error = None
                state.timed_out = exc.timeout
                if not exc.retry:
                    state.kind = FINAL
                    raise _GaveUp("final") from None
            except Garbled as exc:
                if exc.status == 413:  # refused for its size before OAPI read it: nothing was done
                    state.detail = f"HTTP 413 with {exc.what}"
                    raise _failed(state, "InvalidParameterValue", 400,
                                  f"The request to {action} is too large for the OUTSCALE API (HTTP 413): shorten "
                                  "the values given. Nothing was changed.") from None
                if 400 <= exc.status < 500 and exc.status != 429 and not exc.truncated:
                    state.detail = f"HTTP {exc.status} with {exc.what}"  # a proxy or firewall refused it
                    raise _failed(state, "Unavailable", 503,
                                  f"The OUTSCALE API could not be used for {action}: it answered HTTP {exc.status} "
                                  f"with {exc.what}, not OAPI's JSON (a proxy or firewall in the way?). Nothing "
                                  "was changed.") from None
                # A truncated or garbled answer: whether the call was carried out cannot be told from it, so
                # it counts as a lost answer (retried or reconciled; EC2's code comes from the outcome).
                kind, timed_out = classify(exc.status, answered=False), False
                state.detail = f"HTTP {exc.status} with {exc.what}"
                state.error = None
                state.timed_out = False
            except OapiError as exc:
                kind, timed_out = classify(exc.status, exc.code), False
                if kind == FINAL:
                    raise
                state.detail = _describe(exc)
                state.error = exc
                state.timed_out = False
            else:
                self.quota.release(taken)
                log.debug("OAPI call %s: answered (attempt %d)", action, state.attempts)
                return answer
            state.kind = kind
            log.debug("OAPI call %s: attempt %d failed: %s (%s)", action, state.attempts, state.detail, kind)
            if kind == TRANSIENT:
                state.maybe_processed = True
                if not idempotent:
                    raise _Ambiguous(state.detail)
            if state.attempts >= self.retry.max_attempts:
                raise _GaveUp("attempts")
            taken = self.quota.acquire(timed_out)
            if not taken:
                raise _GaveUp("quota")
            pause = self.retry.delay(state.attempts, self._rng)
            if budget.remaining(reserve) - pause < MIN_ATTEMPT:
                raise _GaveUp("time")
            log.debug("OAPI call %s: retrying in %.2f s", action, pause)
            self._sleep(pause)

    def call(self, action: str, body: dict, *, idempotent: bool = False) -> dict:
        """POST ``body`` to ``action``; retry only what cannot create a duplicate (no reconciliation)."""
        return self.perform(SimpleNamespace(action=action, body=body, idempotent=idempotent))

    # -- one Call of a translator: retries, then reconciliation -----------------------------------

    def perform(self, call, plan=None, *, warn: Optional[Callable[[str], None]] = None, retried: bool = False,
                budget: Optional[Budget] = None, invocation: Optional[str] = None) -> dict:
        """The answer to ``call`` (``.action``, ``.body``, ``.idempotent``), reconciled with ``plan``
        (see the module docstring; ``core.Reconciliation``) when an answer is lost.

        ``retried``: the client of a front end says this request repeats one it already sent (an SDK
        retry reaching the gateway): the create may already have happened.  ``invocation``: the front
        end's ID for the client's request, the same on its retries (``amz-sdk-invocation-id``): a retry
        is judged against what its first attempt saw before sending (``reconcile.FirstLooks``).
        Raises OapiError (an error answer; ``CallFailed`` when the shim gave up).
        """
        warn = warn or (lambda message: None)
        budget = budget or Budget(self.retry, self._clock)
        payload = encode(call.body)
        state = CallState()
        since = self._wallclock()
        finds = plan is not None and plan.finds and not call.idempotent
        reserve = self.retry.reconcile_reserve if finds else 0.0
        before = None
        if finds and plan.looks_before:
            key = self._look_key(call.action, payload, invocation)
            if retried:  # the first look of the first attempt, if this process made it; else nothing is proven
                before = self.first_looks.get(key)
                log.debug("%s: SDK retry, first look %s", call.action, "known" if before is not None else "unknown")
            else:
                # The look may use at most half the time left: the create and its reconciliation come first.
                before = plan.before(call, self._reads(budget, reserve=max(reserve, budget.remaining() / 2)))
                self.first_looks.put(key, before)
                log.debug("%s: looked before sending: %s", call.action,
                          "could not be read" if before is None else f"{len(before)} already there")
        maybe_done = retried
        if finds and retried and not plan.conflict_codes:
            # No natural key to stop a second resource: look before sending again.
            verdict = plan.find(call, since - plan.retry_window, before, self._reads(budget))
            if verdict.found:
                warn(f"{call.action} was already carried out by an earlier attempt: {verdict.resource_id} "
                     "is used.")
                return verdict.answer
            if verdict.unknown:  # sending again could make a second one
                raise _failed(state, "Unavailable", 503,
                              f"{call.action} repeats a request that may have been carried out, and whether the "
                              f"{plan.what(call)} was created could not be checked: {verdict.reason}. Check with "
                              f"`{plan.check_hint(call)}` before re-running the command.")
        sends = 0
        while True:
            sends += 1
            try:
                return self._attempts(call.action, payload, call.idempotent, budget, state, reserve)
            except _GaveUp as stop:
                log.debug("%s: giving up (%s) after %d attempt(s)", call.action, stop.why, state.attempts)
                checked = None
                if finds and maybe_done:  # an earlier attempt may have made it: say which, or return it
                    checked = self._earlier_attempt(plan, call, since, before, budget, retried, warn)
                    if checked.found:
                        return checked.answer
                raise self._gave_up(call, plan, state, budget, stop.why, maybe_done, checked) from None
            except _Ambiguous:
                log.debug("%s: the answer was lost (%s): reconciling", call.action, state.detail)
                maybe_done = True
                if not finds:
                    raise self._gave_up(call, plan, state, budget, "ambiguous", True) from None
                verdict = self._find(plan, call, since, before, budget)
                # A request that timed out may still be at work on the server: without a natural key to
                # refuse a second one, look again after a pause before sending it again.
                if not verdict.found and not verdict.unknown and plan.settle and state.timed_out and \
                        budget.remaining() > plan.settle + 1:
                    self._sleep(plan.settle)
                    verdict = self._find(plan, call, since, before, budget)
                lost = f"{call.action} got no usable answer ({state.detail})"
                what = plan.what(call)
                log.debug("%s: reconciliation verdict: %s", call.action, type(verdict).__name__)
                if verdict.found:
                    warn(f"{lost}; the {what} it made was found: {verdict.resource_id}.")
                    return verdict.answer
                if verdict.unknown:
                    raise _failed(state, "Unavailable", 503,
                                  f"{lost}, and whether the {what} was created could not be checked: "
                                  f"{verdict.reason}. {_tries(state, budget, sends)} Check with "
                                  f"`{plan.check_hint(call)}` before re-running the command.") from None
                pause = self.retry.delay(sends, self._rng)
                if not plan.resend or sends >= self.retry.max_attempts or \
                        budget.remaining(reserve) - pause < MIN_ATTEMPT or not self.quota.acquire(False):
                    raise _failed(state, "Unavailable", 503,
                                  f"{lost}, and no {what} had been created when the shim checked: nothing was "
                                  f"created. {_tries(state, budget, sends)} It is safe to re-run the command.") \
                        from None
                warn(f"{lost}; no {what} was made, so it is sent again.")
                self._sleep(pause)
            except OapiError as err:
                if (maybe_done or state.maybe_processed) and plan is not None:
                    if err.code in plan.gone_codes:
                        warn(f"{call.action}: an earlier attempt whose answer was lost already did it.")
                        return {"ResponseContext": {"RequestId": err.request_id}}
                    if plan.finds and err.code in plan.conflict_codes:
                        verdict = self._earlier_attempt(plan, call, since, before, budget, retried, warn)
                        if verdict.found:
                            return verdict.answer
                        if verdict.unknown:
                            raise _failed(state, "Unavailable", 503,
                                          f"{call.action} was refused ({_describe(err)}), probably because an "
                                          f"earlier attempt whose answer was lost made the {plan.what(call)}; "
                                          f"this could not be checked: {verdict.reason}. Check with "
                                          f"`{plan.check_hint(call)}` before re-running the command.") from None
                raise

    def _look_key(self, action: str, payload: bytes, invocation: Optional[str]):
        if not invocation:
            return None
        creds = self.credentials.get_frozen_credentials() if hasattr(self.credentials, "get_frozen_credentials") \
            else self.credentials
        return (getattr(creds, "access_key", None), invocation, action, hashlib.sha256(payload).hexdigest())

    def _find(self, plan, call, since, before, budget):
        log.debug("%s: reconciling: looking for the %s", call.action, plan.what(call))
        return plan.find(call, since, before, self._reads(budget))

    def _earlier_attempt(self, plan, call, since, before, budget: Budget, retried: bool, warn):
        """What an attempt whose answer was lost made (a verdict, see the module's docstring); a find is told.

        ``retried``: the front end's client re-sent the request, so its first try may predate ``since``.
        """
        window = plan.retry_window if retried else 0.0
        verdict = self._find(plan, call, since - window, before, budget)
        log.debug("%s: an earlier attempt may have done it; reconciliation verdict: %s", call.action,
                  type(verdict).__name__)
        if verdict.found:
            warn(f"{call.action}: the {plan.what(call)} was made by an earlier attempt whose answer "
                 f"was lost: {verdict.resource_id}.")
        return verdict

    def _reads(self, budget: Budget, reserve: float = 0.0) -> Callable:
        """The read a plan's lookups use: retried like any idempotent call; no usable answer in the attempts
        and time left is an OapiError too (``Unavailable``), which the engine throws into the plan."""
        def read(step) -> dict:
            state = CallState()
            try:
                return self._attempts(step.action, encode(step.body), True, budget, state, reserve)
            except (_GaveUp, _Ambiguous):
                detail = state.detail or "no time was left"
                raise _failed(state, "Unavailable", 503, f"{step.action} got no usable answer ({detail})") from None

        return read

    def _gave_up(self, call, plan, state: CallState, budget: Budget, why: str, maybe_done: bool,
                 checked=None) -> CallFailed:
        action = call.action
        what = plan.what(call) if plan is not None else None
        detail = state.detail or "no attempt could be made in the time left"
        if why == "final":
            head, code, status = f"{action} failed: {detail}.", "Unavailable", 503
        elif state.kind == THROTTLED:
            head, code, status = (f"Request limit exceeded: the OUTSCALE API throttled {action} ({detail}).",
                                  "RequestLimitExceeded", 503)
        elif state.kind == UNSENT:
            head, code, status = f"The OUTSCALE API could not be reached for {action}: {detail}.", "Unavailable", 503
        elif state.error is not None and state.error.status >= 500:
            mapped = to_ec2(state.error)
            head, code, status = f"The OUTSCALE API failed {action}: {mapped.message}.", mapped.code, mapped.status
        elif state.kind == TRANSIENT:
            head, code, status = f"The OUTSCALE API gave no usable answer to {action}: {detail}.", "Unavailable", 503
        else:
            head, code, status = f"{action} could not be sent in the time left.", "Unavailable", 503
        limit = {"attempts": "", "quota": " (the retry quota of this client is spent)",
                 "time": f" (the time limit, {self.retry.max_total:g} s, was reached)"}.get(why, "")
        tries = _tries(state, budget, suffix=limit)
        if call.action.startswith("Read"):
            tail = "Nothing was changed; it is safe to re-run the command."
        elif why == "ambiguous":
            tail = ("It may have been carried out: check before re-running the command."
                    if not call.idempotent else "It may have been carried out; repeating it is safe.")
        elif checked is not None and not checked.found and not checked.unknown:
            tail = f"Nothing was created: no {what} existed when the shim checked. It is safe to re-run the command."
        elif checked is not None and checked.unknown:
            tail = (f"An earlier attempt may have made the {what}, and this could not be checked: {checked.reason}. "
                    f"Check with `{plan.check_hint(call)}` before re-running the command.")
        elif maybe_done or state.maybe_processed:
            tail = "It may have been carried out; repeating it is safe." if call.idempotent else \
                "It may have been carried out: check before re-running the command."
        elif what and not call.idempotent:
            tail = f"It was not carried out: no {what} was created. It is safe to re-run the command."
        else:
            tail = "It was not carried out; it is safe to re-run the command."
        return _failed(state, code, status, f"{head} {tries} {tail}".replace("  ", " "))


class _NoMemory:
    """No first looks kept (a client made without ``first_looks``)."""

    def get(self, key):
        return None

    def put(self, key, value) -> None:
        pass


def _describe(err: OapiError) -> str:
    parts = [f"HTTP {err.status}"]
    if err.code:
        parts.append(f"code {err.code}" + (f" {err.type}" if err.type else ""))
    if err.details:
        parts.append(err.details[:200])
    return ", ".join(parts)


def _tries(state: CallState, budget: Budget, sends: int = 0, suffix: str = "") -> str:
    return f"Gave up after {_plural(max(state.attempts, sends), 'attempt')} in {budget.elapsed():.1f} s{suffix}."


def _failed(state: CallState, code: str, status: int, message: str) -> CallFailed:
    last = state.error
    return CallFailed(last.status if last is not None else status, last.code if last is not None else "",
                      last.type if last is not None else "", state.detail or message,
                      last.request_id if last is not None else "", ec2=Ec2Error(code, message, status))
