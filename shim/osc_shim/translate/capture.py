"""The AWS CLI harness of ``osc-shim translate``: what an ``aws ec2 ...`` command line would send.

The command line is parsed by the AWS CLI's own machinery (awscli's driver, argument tables,
shorthand and JSON parsing, botocore's parameter validation) and stopped at ``before-call``,
just before the request would be signed: nothing is ever sent.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass, field
from typing import Optional

import click

from .. import routing, routing_inputs

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
