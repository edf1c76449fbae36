"""What a translator is, and the small engine that checks EC2 members.

A translator is a generator ``translate(params, ctx)``: it yields ``Call``s
(OAPI action + JSON body), receives each OAPI answer (or has the OAPI error
thrown into it), and returns the botocore-shaped EC2 result.  It performs no
I/O, so the same function serves the plugin, the gateway, ``osc-shim
translate`` (which feeds it symbolic answers) and the unit tests.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable, Generator, Optional

from ..errors import unsupported_parameter


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


@dataclass
class Context:
    region: str
    now: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    warn: Callable[[str], None] = lambda message: None
    # Images deregistered recently by this caller (osc_shim.deregistered.Scoped): answered as gone,
    # not unknown.  None: nothing remembered (unit tests, osc-shim translate).
    deregistered: Optional[object] = None


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


def _run(steps, perform: Callable[[Call], dict]):
    """The loop every generator of calls is run by: each Call goes to ``perform``, its answer is sent
    back, an ``OapiError`` it raises is thrown in (the generator may handle it).  Returns the
    generator's value; an OapiError it lets escape propagates."""
    from ..errors import OapiError

    try:
        call = next(steps)
        while True:
            try:
                answer = perform(call)
            except OapiError as err:
                err.action = err.action or call.action
                call = steps.throw(err)
            else:
                call = steps.send(answer)
    except StopIteration as done:
        return done.value


def drive(steps, perform: Callable[[Call], dict]) -> dict:
    """Run a translator: hand each Call to ``perform`` and feed the answer back.

    An OAPI error raised by ``perform`` is thrown into the translator (which may
    handle it); one it lets escape becomes the matching EC2 error.
    """
    from ..errors import OapiError, to_ec2

    try:
        return _run(steps, perform)
    except OapiError as err:
        raise to_ec2(err) from None


def look(steps, read: Callable[[Call], dict], otherwise=None):
    """Run a reconciliation plan's lookup (``operations.reconcile``): the same protocol as a translator,
    its reads done by ``read``; ``otherwise`` when a read error escapes the plan."""
    from ..errors import OapiError

    try:
        return _run(steps, read)
    except OapiError:
        return otherwise
