"""``osc-shim translate -- aws ec2 <command> ...``: the OAPI calls an AWS CLI command becomes.

Nothing is sent.  The command line is parsed by the AWS CLI's own machinery
(awscli's driver, argument tables, shorthand and JSON parsing, botocore's
parameter validation), stopped just before the request would leave, and the
API parameters are handed to the same translator the plugin and the gateway
use (``osc_shim.operations``), driven with symbolic answers: a value OUTSCALE
would return prints as ``<CreateImage.Image.ImageId>``.  The output is each
OAPI call as a JSON body, plus the same call for OUTSCALE's own command-line
tools (``oapi-cli`` and ``osc-cli api``), then the EC2 answer (or the
EC2-style error the command would get).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import Optional

import click

from . import routing, routing_inputs
from .errors import Ec2Error
from .operations import limits
from .operations.base import Context, drive
from .operations.symbolic import Symbolic, json_default

# The AWS CLI's exit status for an error answered by the service.
SERVICE_ERROR_STATUS = 255
USAGE_ERROR_STATUS = 2


class TranslateError(click.ClickException):
    exit_code = USAGE_ERROR_STATUS


@dataclass
class Parsed:
    """What the AWS CLI would have sent: the operation, its API params, the region (``routing``'s)."""

    operation: str
    params: dict
    region: str
    notes: list = field(default_factory=list)
    waiter: Optional[str] = None  # aws ec2 wait <waiter>
    query: Optional[str] = None  # --query, applied to the EC2 answer
    output: Optional[str] = None  # --output (json, text, table, yaml...)
    argv: list = field(default_factory=list)  # the command line as given (after `aws`)
    oapi_endpoint: Optional[str] = None


class _Captured(Exception):
    """Raised at ``before-call``: the request stops here, never signed, never sent."""


class _NeverSend(Exception):
    pass


# Credentials the translation hands botocore so it never walks the credential chain (no
# instance-metadata lookups, no reading of the user's keys): nothing is ever signed with them.
PLACEHOLDER_KEYS = ("TRANSLATE-ONLY", "never-used-nothing-is-sent")


def _error_lines(text: str) -> str:
    """The lines of the AWS CLI's stderr that say what is wrong (not its usage banner)."""
    lines = [l for l in text.splitlines() if l.strip()]
    errors = [l for l in lines if "error" in l.lower() or "invalid" in l.lower() or "unknown" in l.lower()]
    return "\n".join(errors or lines[-3:])


def _command_words(args: list) -> list:
    """The words after ``ec2`` that are not options (``describe-images``; ``wait image-available``)."""
    if "ec2" not in args:
        return []
    return [a for a in args[args.index("ec2") + 1:] if not a.startswith("-")][:2]


def parse_aws_command(argv: list, environ=None) -> Parsed:
    """Parse ``aws ec2 <command> ...`` with the AWS CLI's own parser; return what it would send.

    Region and OAPI endpoint are ``osc_shim.routing``'s, as the plugin gets them for the same
    command line and configuration (judged as if the command targeted OUTSCALE)."""
    environ = os.environ if environ is None else environ
    args = list(argv)
    if args and (args[0] in ("aws", "aws.cmd") or args[0].endswith("/aws")):
        args = args[1:]
    words = _command_words(args)
    if not words:
        raise TranslateError("Give an EC2 command: osc-shim translate -- aws ec2 <command> [options]")
    if "help" in words or args[-1] == "help" or "--help" in args:
        raise TranslateError("help is not a command to translate; run `aws ec2 <command> help` for the AWS help.")

    import awscli.clidriver  # before botocore where possible: awscli aliases its own copy
    from awscli.customizations.history import attach_history_handler
    from awscli.paramfile import LOCAL_PREFIX_MAP, URIArgumentHandler, register_uri_param_handler
    from awscli.plugin import load_plugins
    from botocore.session import Session

    session = Session(awscli.clidriver.EnvironmentVariables)
    # awscli puts its data folder (cli.json, ...) on AWS_DATA_PATH when first imported; make sure
    # this session has it even if the variable was changed since.
    cli_data = os.path.join(os.path.dirname(os.path.abspath(awscli.clidriver.__file__)), "data")
    paths = [p for p in (session.get_config_variable("data_path") or "").split(os.pathsep) if p]
    if cli_data not in paths:
        session.set_config_variable("data_path", os.pathsep.join(paths + [cli_data]))
    events = session.get_component("event_emitter")
    # Only the AWS CLI's built-in handlers: no user plugin, no history database, and
    # parameter files read from file:// / fileb:// only: AWS CLI v1 would download values
    # starting with http(s):// (cli_follow_urlparam); translating never fetches anything
    # (the plugin keeps --image-location verbatim on OUTSCALE the same way).
    load_plugins({}, event_hooks=events)
    events.unregister("session-initialized", attach_history_handler)
    events.unregister("session-initialized", register_uri_param_handler)
    events.register("load-cli-arg", URIArgumentHandler(dict(LOCAL_PREFIX_MAP)))
    captured: dict = {}

    def on_session(session, parsed_args=None, **kwargs):
        if parsed_args is None:
            return
        try:
            decision = routing.decide(routing_inputs.command_from_cli(session, parsed_args, environ),
                                      assume_outscale=True)
        except Exception:  # an unknown --profile: the CLI reports it itself
            decision = routing.decide(routing.Command(command="ec2", explicit_region=parsed_args.region,
                                                      environ=environ), assume_outscale=True)
        captured["decision"] = decision
        if decision.error:
            raise _Captured()
        captured["region"] = decision.region
        session.set_config_variable("region", decision.region)
        parsed_args.region = decision.region
        captured["query"] = getattr(parsed_args, "query", None)
        captured["output"] = getattr(parsed_args, "output", None)
        session.set_credentials(*PLACEHOLDER_KEYS)

    def on_params(params=None, **kwargs):
        captured["params"] = params  # the dict itself: botocore fills ClientToken into it

    def on_call(model=None, **kwargs):
        captured["operation"] = model.name
        raise _Captured()

    def never_send(**kwargs):
        raise _NeverSend("osc-shim translate never sends a request")

    events.register("session-initialized", on_session)
    events.register("before-parameter-build.ec2", on_params)
    events.register_first("before-call", on_call)
    events.register_first("before-send", never_send)

    driver = awscli.clidriver.CLIDriver(session=session)
    out, err = io.StringIO(), io.StringIO()
    argv0 = sys.argv[0] if sys.argv else ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if sys.argv:
                sys.argv[0] = "aws"  # argparse names the program after it in its messages
            driver.main(args)
        except SystemExit:
            pass
        finally:
            if sys.argv:
                sys.argv[0] = argv0
    decision = captured.get("decision")
    if decision is not None and decision.error:
        raise TranslateError(f"the plugin refuses this command, nothing would be sent:\n{decision.error}")
    if "operation" not in captured:
        message = _error_lines(err.getvalue()) or out.getvalue().strip() or "the AWS CLI did not build a request"
        raise TranslateError(f"the AWS CLI refuses this command line:\n{message}")
    query = captured.get("query")
    return Parsed(captured["operation"], dict(captured.get("params") or {}), decision.region,
                  notes=list(decision.notices), waiter=words[1] if words[0] == "wait" and len(words) > 1 else None,
                  query=getattr(query, "expression", query), output=captured.get("output"), argv=args,
                  oapi_endpoint=decision.oapi_endpoint)


# -- rendering --------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _oapi_cli_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        return shlex.quote(json.dumps(value, default=json_default))
    return shlex.quote(str(value))


def _python_literal(value) -> str:
    """osc-cli reads values as Python literals (True/False, "strings", [lists], {dicts})."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_python_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_python_literal(v) for v in value) + "]"
    return json.dumps(str(value))


def _osc_cli_value(value) -> str:
    if isinstance(value, str) and (_NUMBER_RE.match(value) or value in ("True", "False", "None")):
        return shlex.quote(json.dumps(value))  # keep it a string: "123456789012"
    if isinstance(value, (str, Symbolic)):
        return shlex.quote(str(value))
    return shlex.quote(_python_literal(value))


def oapi_cli_line(action: str, body: dict) -> str:
    return " ".join([f"oapi-cli {action}"] + [f"--{k} {_oapi_cli_value(v)}" for k, v in body.items()])


def osc_cli_line(action: str, body: dict) -> str:
    return " ".join([f"osc-cli api {action}"] + [f"--{k} {_osc_cli_value(v)}" for k, v in body.items()])


_SYMBOL_RE = re.compile(r"^<(?P<action>[A-Za-z]+)\.(?P<path>[^<>]+)>$")


def _jq_path(path: str) -> str:
    """``Images[*].ImageId`` (a symbol's path) as jq's ``.Images[].ImageId``."""
    return "." + path.replace("[*]", "[]")


def native_query(t: "Translation") -> Optional[tuple]:
    """(OAPI action, jq filter) giving on OUTSCALE's answer what --query gives on the EC2 answer, or None."""
    if not t.parsed.query or t.error is not None or t.passthrough:
        return None
    import jmespath

    picked = jmespath.search(t.parsed.query, _plain(t.result))
    values = picked if isinstance(picked, list) else [picked]
    found = {(m.group("action"), m.group("path")) for m in (_SYMBOL_RE.match(v) if isinstance(v, str) else None
                                                             for v in values) if m}
    if len(found) != 1 or len(values) != 1:
        return None
    action, path = found.pop()
    return action, _jq_path(path)


def _with_query(line: str, action: str, t: "Translation", query: Optional[tuple]) -> str:
    if query is None or query[0] != action:
        return line
    raw = "-r " if (t.parsed.output or "json") == "text" else ""
    return f"{line} | jq {raw}{shlex.quote(query[1])}"


def _plain(value):
    """JSON-ready copy (symbols as their "<path>" text)."""
    return json.loads(json.dumps(value, default=json_default))


@dataclass
class Translation:
    parsed: Parsed
    endpoint: Optional[str]
    calls: list = field(default_factory=list)
    result: Optional[dict] = None
    error: Optional[Ec2Error] = None
    notes: list = field(default_factory=list)
    passthrough: bool = False  # not translated: the plugin sends it to the endpoint unchanged

    @property
    def outcome(self) -> str:
        """translated (calls printed), passthrough (sent unchanged), or refused (an EC2 error)."""
        if self.passthrough:
            return "passthrough"
        return "refused" if self.error is not None else "translated"

    def native_lines(self, call) -> tuple:
        """The ``oapi-cli`` and ``osc-cli api`` lines of ``call``, --query/--output kept (as a jq filter)."""
        query = native_query(self)
        return (_with_query(oapi_cli_line(call.action, call.body), call.action, self, query),
                _with_query(osc_cli_line(call.action, call.body), call.action, self, query))

    def as_dict(self) -> dict:
        out = {
            "outcome": self.outcome,
            "operation": self.parsed.operation,
            "region": self.parsed.region,
            "endpoint": self.endpoint,
            "params": _plain(self.parsed.params),
            "calls": [{"action": c.action, "body": _plain(c.body),
                       "url": f"{self.endpoint}/{c.action}" if self.endpoint else None,
                       **dict(zip(("oapi_cli", "osc_cli"), self.native_lines(c)))}
                      for c in self.calls],
            "notes": list(self.notes),
        }
        if self.passthrough:
            out["command"] = passthrough_line(self)
        elif self.error is not None:
            out["error"] = {"Code": self.error.code, "Message": self.error.message}
        else:
            out["result"] = _plain(self.result)
        return out


def passthrough_line(t: "Translation") -> str:
    """The command as the plugin runs it when it is not translated: unchanged (--query/--output included)."""
    return " ".join(shlex.quote(a) for a in ["aws", *t.parsed.argv])


def translate_command(argv: list, environ=None) -> Translation:
    parsed = parse_aws_command(argv, environ)
    translator = routing.translator(parsed.operation)
    out = Translation(parsed, parsed.oapi_endpoint, notes=list(parsed.notes))
    if parsed.waiter:
        out.notes.append(f"aws ec2 wait {parsed.waiter} repeats this {parsed.operation} call (every 15 s, at most 40 times, "
                         "as botocore's waiter model says) until its condition holds.")
    if translator is None:
        out.passthrough = True
        out.notes.append(f"{parsed.operation} is not translated: on OUTSCALE the plugin sends it unchanged to the "
                         f"endpoint (FCU, OUTSCALE's EC2-compatible API, https://fcu.{parsed.region}.outscale.com).")
        return out
    ctx = Context(region=parsed.region, warn=out.notes.append)

    def perform(call):
        out.calls.append(call)
        return Symbolic(call.action)

    try:
        limits.check(parsed.operation, parsed.params)
        out.result = drive(translator(dict(parsed.params), ctx), perform)
    except Ec2Error as err:
        out.error = err
    return out


def render_text(t: Translation) -> str:
    p = t.parsed
    if t.passthrough:
        lines = [f"# {p.operation} passes through unchanged. Nothing was sent."]
        lines += [f"# note: {note}" for note in t.notes]
        return "\n".join(lines + [passthrough_line(t)])
    lines = [f"# {p.operation} -> {len(t.calls)} OUTSCALE API call(s), region {p.region}. Nothing was sent."]
    for note in t.notes:
        lines.append(f"# note: {note}")
    for i, call in enumerate(t.calls, 1):
        lines.append("")
        lines.append(f"## {i}. {call.action}" + (f"    POST {t.endpoint}/{call.action}" if t.endpoint else ""))
        lines.append(json.dumps(call.body, indent=2, default=json_default))
        lines.extend(t.native_lines(call))
    lines.append("")
    if t.error is not None:
        lines.append(f"# The command gets this error{' (if OUTSCALE accepts the calls above)' if t.calls else ''}:")
        lines.append(f"An error occurred ({t.error.code}) when calling the {p.operation} operation: {t.error.message}")
    else:
        lines.append("# EC2 answer (<Action.Member> stands for what OUTSCALE returns):")
        lines.append(json.dumps(t.result, indent=4, default=json_default))
        if p.query or p.output:
            lines.append(f"# --query/--output apply to it as in `aws`{_query_note(t)}")
    return "\n".join(lines)


def _query_note(t: "Translation") -> str:
    if not t.parsed.query:
        return "."
    if native_query(t):
        return "; the jq filter on the native lines gives the same value from OUTSCALE's answer."
    return f"; --query {t.parsed.query} has no single equivalent path in OUTSCALE's answers."
