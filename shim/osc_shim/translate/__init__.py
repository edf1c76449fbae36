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

from dataclasses import dataclass, field
from typing import Optional

from .. import routing
from ..errors import Ec2Error
from ..operations import limits
from ..operations.engine import Context, placeholder_answers, run
from .capture import PLACEHOLDER_KEYS, Parsed, TranslateError, USAGE_ERROR_STATUS, parse_aws_command
from .render import (_plain, native_query, oapi_cli_line, osc_cli_line, passthrough_line, render_text,
                     _with_query)

# The AWS CLI's exit status for an error answered by the service.
SERVICE_ERROR_STATUS = 255


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
    try:
        limits.check(parsed.operation, parsed.params)
        out.result = run(translator, parsed.params, ctx, placeholder_answers(out.calls.append))
    except Ec2Error as err:
        out.error = err
    return out

