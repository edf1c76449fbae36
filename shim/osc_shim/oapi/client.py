"""OAPI client: signs (OSC4), posts JSON, parses answers and errors, retries safely, reconciles.

It uses botocore's HTTP session, so proxies, CA bundles and timeouts behave as
in the AWS tools; botocore is imported lazily because inside the ``aws``
process it is the CLI's own copy.

``perform(call, plan)`` is what the shim's engine uses for each ``Call`` a
translator yields:

- every attempt is bounded (connect / read timeouts), every call too
  (``RetryPolicy.max_total``, retries, backoff and reconciliation included);
- throttled or unsent attempts are retried for every call, other transient
  failures (5xx, timeout, reset, garbled answer) only for idempotent calls
  (``retry.classify``), with AWS standard mode's backoff and retry quota;
- a create whose answer was lost is never re-sent blindly: the call's plan
  (``operations.reconcile``) looks up what it made; the resource found is
  returned as if the answer had come, and the create is sent again only when
  nothing was made;
- when the shim gives up, the error says what failed, after how many attempts
  and how long, and what was (or was not) created -- never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable, Optional
from urllib.parse import urlsplit

from ..errors import Ec2Error, OapiError, to_ec2
from ..signing import OSC4, sign_headers
from .retry import (FINAL, THROTTLED, THROTTLING_CODES, TRANSIENT, UNSENT, Budget, RetryPolicy, RetryQuota,
                    classify)

try:  # 3x faster than json on large answers (a ReadImages of 1,000 images is ~750 KB); optional
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - the standard library does the same, slower
    _loads = json.loads

USER_AGENT = "awscli-plugin-outscale/0.1"
log = logging.getLogger("osc_shim.oapi")
# An attempt needs at least this much of the budget to be worth starting.
MIN_ATTEMPT = 0.5

__all__ = ["OapiClient", "RetryPolicy", "TransportError", "CallFailed", "THROTTLING_CODES"]


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
                 wallclock=time.time, rng=None, quota: Optional[RetryQuota] = None, pool_size: int = 10):
        retry = retry or RetryPolicy()
        if timeout is not None:  # (connect, read) as botocore takes it
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            retry = retry.replace(connect_timeout=connect, read_timeout=read)
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.retry = retry
        self.timeout = (retry.connect_timeout or retry.max_total, retry.read_timeout or retry.max_total)
        self.scheme = scheme
        self.quota = quota or RetryQuota()
        self.pool_size = pool_size  # kept-alive connections (the gateway's threads share one client)
        self._sleep = sleep
        self._clock = clock
        self._wallclock = wallclock
        self._rng = rng or random.Random()
        self._http = None
        self.first_looks = _first_looks()
        parts = urlsplit(self.endpoint)
        self._host = parts.netloc
        self._path = parts.path

    # -- HTTP ---------------------------------------------------------------------------------

    def _new_session(self, timeout, pool_size: int = 1):
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
            self._http = self._new_session(self.timeout, self.pool_size)
        return self._http

    def _send_once(self, action: str, body: bytes, timeout=None):
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
        session = self._new_session(timeout) if own else self._session()
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
    def _parse(response) -> dict:
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
                answer = self._parse(self._send_once(action, payload, timeout))
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
        (``operations.reconcile.Reconcile``) when an answer is lost.

        ``retried``: the client of a front end says this request repeats one it already sent (an SDK
        retry reaching the gateway): the create may already have happened.  ``invocation``: the front
        end's ID for the client's request, the same on its retries (``amz-sdk-invocation-id``): a retry
        is judged against what its first attempt saw before sending (``reconcile.FirstLooks``).
        Raises OapiError (an error answer; ``CallFailed`` when the shim gave up).
        """
        from ..operations import reconcile as rec

        warn = warn or (lambda message: None)
        budget = budget or Budget(self.retry, self._clock)
        payload = _encode(call.body)
        state = CallState()
        since = self._wallclock()
        finds = plan is not None and plan.find is not None and not call.idempotent
        reserve = self.retry.reconcile_reserve if finds else 0.0
        before = None
        if finds and plan.before is not None:
            key = self._look_key(call.action, payload, invocation)
            if retried:  # the first look of the first attempt, if this process made it; else nothing is proven
                before = self.first_looks.get(key)
                log.debug("%s: SDK retry, first look %s", call.action, "known" if before is not None else "unknown")
            else:
                # The look may use at most half the time left: the create and its reconciliation come first.
                before = self._lookup(plan.before(call), budget, None, reserve=max(reserve, budget.remaining() / 2))
                self.first_looks.put(key, before)
                log.debug("%s: looked before sending: %s", call.action,
                          "could not be read" if before is None else f"{len(before)} already there")
        maybe_done = retried
        if finds and retried and not plan.conflict_codes:
            # No natural key to stop a second resource: look before sending again.
            verdict = self._lookup(plan.find(call, since - rec.CLIENT_RETRY_WINDOW, before), budget, None)
            if isinstance(verdict, rec.Found):
                warn(f"{call.action} was already carried out by an earlier attempt: {verdict.resource_id} "
                     "is used.")
                return verdict.answer
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
                    if isinstance(checked, rec.Found):
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
                if isinstance(verdict, rec.NotFound) and plan.settle and state.timed_out and \
                        budget.remaining() > plan.settle + 1:
                    self._sleep(plan.settle)
                    verdict = self._find(plan, call, since, before, budget)
                lost = f"{call.action} got no usable answer ({state.detail})"
                what = plan.what(call)
                log.debug("%s: reconciliation verdict: %s", call.action, type(verdict).__name__)
                if isinstance(verdict, rec.Found):
                    warn(f"{lost}; the {what} it made was found: {verdict.resource_id}.")
                    return verdict.answer
                if isinstance(verdict, rec.Unknown):
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
                    if plan.find is not None and err.code in plan.conflict_codes:
                        verdict = self._earlier_attempt(plan, call, since, before, budget, retried, warn)
                        if isinstance(verdict, rec.Found):
                            return verdict.answer
                        if isinstance(verdict, rec.Unknown):
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
        from ..operations import reconcile as rec

        log.debug("%s: reconciling: looking for the %s", call.action, plan.what(call))
        return self._lookup(plan.find(call, since, before), budget,
                            rec.Unknown("the lookup got no answer in the time left"))

    def _earlier_attempt(self, plan, call, since, before, budget: Budget, retried: bool, warn):
        """What an attempt whose answer was lost made (rec.Found / NotFound / Unknown); a find is told.

        ``retried``: the front end's client re-sent the request, so its first try may predate ``since``.
        """
        from ..operations import reconcile as rec

        window = rec.CLIENT_RETRY_WINDOW if retried else 0.0
        verdict = self._find(plan, call, since - window, before, budget)
        log.debug("%s: an earlier attempt may have done it; reconciliation verdict: %s", call.action,
                  type(verdict).__name__)
        if isinstance(verdict, rec.Found):
            warn(f"{call.action}: the {plan.what(call)} was made by an earlier attempt whose answer "
                 f"was lost: {verdict.resource_id}.")
        return verdict

    def _lookup(self, steps, budget: Budget, on_failure, reserve: float = 0.0):
        """Run a plan's generator: its read calls get retries like any idempotent call; a read that fails
        (an error answer, or no usable answer in the attempts and time left) is thrown into the plan,
        which decides (``on_failure`` when it lets the error escape)."""
        try:
            step = next(steps)
            while True:
                state = CallState()
                try:
                    answer = self._attempts(step.action, _encode(step.body), True, budget, state, reserve)
                except OapiError as err:
                    step = steps.throw(err)
                except (_GaveUp, _Ambiguous):
                    detail = state.detail or "no time was left"
                    step = steps.throw(_failed(state, "Unavailable", 503,
                                               f"{step.action} got no usable answer ({detail})"))
                else:
                    step = steps.send(answer)
        except StopIteration as done:
            return done.value
        except OapiError:
            return on_failure

    def _gave_up(self, call, plan, state: CallState, budget: Budget, why: str, maybe_done: bool,
                 checked=None) -> CallFailed:
        from ..operations import reconcile as rec

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
        elif isinstance(checked, rec.NotFound):
            tail = f"Nothing was created: no {what} existed when the shim checked. It is safe to re-run the command."
        elif isinstance(checked, rec.Unknown):
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


def _first_looks():
    from ..operations.reconcile import FirstLooks

    return FirstLooks()


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


def _encode(body) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")
