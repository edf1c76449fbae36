"""What a translator is, and the one engine that runs it, for every front end.

A translator is a generator ``translate(params, ctx)``: it yields ``Call``s
(OAPI action + JSON body), receives each OAPI answer (or has the OAPI error
thrown into it), and returns the botocore-shaped EC2 result.  It performs no
I/O, so the same function serves the plugin, the gateway, ``osc-shim
translate`` and the unit tests; ``run`` drives it, with whatever performs the
calls (the OAPI client, ``placeholder_answers``, a test's fake).

Two concerns are the engine's, not the translators':

- **DryRun** (``DRY_RUN``): EC2 answers ``DryRunOperation`` once the request is
  validated and allowed.  The engine sends the first call that checks the request
  (any call not marked ``prepares``) with OAPI's ``DryRun``, and answers
  ``DryRunOperation`` once OUTSCALE accepted it; nothing after it is sent.  A
  translator only reads ``ctx.dry_run`` where a dry run must send a different first
  call (a read it can skip).
- **Placeholder answers** (``osc-shim translate``): ``placeholder_answers`` answers
  every call with a ``placeholders.Symbolic``; the few decisions taken from an
  answer's content go through ``placeholders``' helpers.

Reconciliation plans (``operations.reconcile``) are generators of the same kind:
``look`` runs them.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from typing import Callable, Generator, Optional

from ..errors import dry_run_error, unsupported_parameter


@dataclass(frozen=True)
class Call:
    action: str
    body: dict
    # True when re-sending the call cannot create a second resource.
    idempotent: bool = False
    # How to find out what the call did if its answer is lost (operations.reconcile.Reconcile);
    # None: the plan of operations.reconcile.PLANS for the action, if any.
    reconcile: Optional[object] = field(default=None, compare=False)
    # The region whose OAPI answers it; None: the operation's own (only the cross-region copy sets it).
    region: Optional[str] = None
    # A lookup that only prepares the request (the caller's account ID for ``self``): a dry run sends it
    # as it is, and checks the request with the next call.
    prepares: bool = False


@dataclass
class Context:
    region: str
    now: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    warn: Callable[[str], None] = lambda message: None
    # Images deregistered recently by this caller (osc_shim.deregistered.Scoped): answered as gone,
    # not unknown.  None: nothing remembered (unit tests, osc-shim translate).
    deregistered: Optional[object] = None
    # The request's DryRun (set by ``run``): read only where a dry run sends a different first call.
    dry_run: bool = False
    # The front end writes EC2's answer from OAPI items itself (the gateway's XML writer): a translator
    # may answer ``conversion.Unconverted`` items instead of converted ones.
    deferred: bool = False


Translator = Callable[[dict, Context], Generator[Call, dict, dict]]


@dataclass(frozen=True)
class Map:
    """The EC2 member maps onto this OAPI member, value unchanged."""

    target: str


@dataclass(frozen=True)
class Handled:
    """The translator deals with this member itself (the note says how)."""

    note: str


@dataclass(frozen=True)
class Refuse:
    """OUTSCALE has no equivalent: the member is refused by name."""

    reason: str


# The rule of EC2's DryRun member, whatever the operation: the engine handles it (see above).
DRY_RUN = Handled("DryRun; a successful dry run answers DryRunOperation")


def check_members(operation: str, table: dict, params: dict, prefix: str = "") -> None:
    """Refuse every given member that is marked Refuse or that the table does not know.

    A member absent from the table (one a newer botocore added) is refused too:
    nothing is ever dropped silently.
    """
    for name, value in params.items():
        if value is None:
            continue
        rule = table.get(name)
        if isinstance(rule, Refuse):
            raise unsupported_parameter(prefix + name, rule.reason)
        if rule is None:
            raise unsupported_parameter(prefix + name, f"the shim does not translate it for {operation}")


def require(params: dict, *names: str) -> None:
    """MissingParameter for the first of ``names`` that ``params`` lacks (or gives empty)."""
    from ..errors import missing_parameter

    for name in names:
        if not params.get(name):
            raise missing_parameter(name)


def mapped(table: dict, params: dict) -> dict:
    """The OAPI body members that map one to one from ``params``."""
    return {rule.target: params[name] for name, rule in table.items()
            if isinstance(rule, Map) and params.get(name) is not None}


def _run(steps, perform: Callable[[Call], dict], dry_run: bool = False):
    """The loop every generator of calls is run by: each Call goes to ``perform``, its answer is sent
    back, an ``OapiError`` it raises is thrown in (the generator may handle it).  Returns the
    generator's value; an OapiError it lets escape propagates.  ``dry_run``: the first call that
    checks the request goes with DryRun, and its success ends the run with ``DryRunOperation``."""
    from ..errors import OapiError

    try:
        call = next(steps)
        while True:
            checks = dry_run and isinstance(call, Call) and not call.prepares
            try:
                answer = perform(replace(call, body=dict(call.body, DryRun=True)) if checks else call)
            except OapiError as err:
                err.action = err.action or call.action
                call = steps.throw(err)
            else:
                if checks:
                    steps.close()
                    raise dry_run_error()
                call = steps.send(answer)
    except StopIteration as done:
        return done.value


def drive(steps, perform: Callable[[Call], dict], dry_run: bool = False) -> dict:
    """Run a generator of calls (a translator, the cross-region copy): hand each Call to ``perform`` and
    feed the answer back.

    An OAPI error raised by ``perform`` is thrown into the translator (which may
    handle it); one it lets escape becomes the matching EC2 error.
    """
    from ..errors import OapiError, to_ec2

    try:
        return _run(steps, perform, dry_run)
    except OapiError as err:
        raise to_ec2(err) from None


def run(translate: Translator, params: dict, ctx: Context, perform: Callable[[Call], dict]) -> dict:
    """Run ``translate`` on ``params``: what every front end calls (DryRun is handled here)."""
    ctx.dry_run = bool(params.get("DryRun"))
    return drive(translate(dict(params), ctx), perform, ctx.dry_run)


def placeholder_answers(record: Callable[[Call], None] = lambda call: None) -> Callable[[Call], object]:
    """A ``perform`` for ``osc-shim translate``: nothing is sent, each call (given to ``record``) is
    answered with a placeholder that stands for whatever OUTSCALE would answer."""
    from .placeholders import Symbolic

    def perform(call: Call):
        record(call)
        return Symbolic(call.action)

    return perform


def look(steps, read: Callable[[Call], dict], otherwise=None):
    """Run a reconciliation plan's lookup (``operations.reconcile``): the same protocol as a translator,
    its reads done by ``read``; ``otherwise`` when a read error escapes the plan."""
    from ..errors import OapiError

    try:
        return _run(steps, read)
    except OapiError:
        return otherwise
