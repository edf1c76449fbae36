"""How a translation is shown: OUTSCALE's native command lines (``oapi-cli``, ``osc-cli api``),
the jq filter that stands for ``--query``, and the text report."""

from __future__ import annotations

import json
import re
import shlex
from typing import Optional

from ..operations.placeholders import Symbolic, json_default


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


def passthrough_line(t: "Translation") -> str:
    """The command as the plugin runs it when it is not translated: unchanged (--query/--output included)."""
    return " ".join(shlex.quote(a) for a in ["aws", *t.parsed.argv])


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
