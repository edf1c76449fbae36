"""EC2's Query protocol as the FCU face speaks it, read from botocore's EC2 model (a library).

In: a form-encoded body (``Action=DescribeVolumes&Version=...&VolumeId.1=vol-...``) becomes the
operation name and botocore-shaped params.  Out: a result dict becomes the XML document botocore's
EC2 parser reads back, and an Ec2Error becomes EC2's ``<Response><Errors>`` document.

Wire names (EC2's rules): a member travels as its ``queryName``, else its ``locationName``
capitalised, else its own name; list items as ``Name.N`` (from 1); booleans ``true``/``false``.
Answers name members by ``locationName`` and list items ``<item>``; timestamps are ISO 8601 UTC.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
from typing import List, Tuple
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .errors import Ec2Error

NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
PROTOCOL_KEYS = frozenset({"Action", "Version"})
# Query-string authentication parameters: protocol, unless the operation has a member of that name.
AUTH_KEYS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                       "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "AWSAccessKeyId",
                       "Signature", "SignatureMethod", "SignatureVersion", "Timestamp", "Expires"})
MOST_QUOTED = 64  # longest part of a name or value an error message repeats


def _quoted(text) -> str:
    text = str(text)
    return text if len(text) <= MOST_QUOTED else text[:MOST_QUOTED] + "…"


@functools.lru_cache(maxsize=1)
def ec2_model():
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


_WIRE_MEMBERS: dict = {}  # structure name -> its table (shapes are not hashable in every botocore)


def _members(shape) -> dict:
    """wire name -> (member name, member shape) of a request structure."""
    found = _WIRE_MEMBERS.get(shape.name)
    if found is not None:
        return found
    out = {}
    for name, member in shape.members.items():
        ser = member.serialization
        wire = ser.get("queryName") or (ser["name"][:1].upper() + ser["name"][1:] if "name" in ser else name)
        out[wire] = (name, member)
    _WIRE_MEMBERS[shape.name] = out
    return out


# -- reading a request ---------------------------------------------------------------------------

def _unknown(key: str) -> Ec2Error:
    return Ec2Error("UnknownParameter", f"The parameter {_quoted(key)} is not recognized")


def _invalid(key: str, value, why: str) -> Ec2Error:
    return Ec2Error("InvalidParameterValue", f"Value ({_quoted(value)}) for parameter {_quoted(key)} is invalid. {why}")


def read_request(body: bytes) -> Tuple[str, dict]:
    """(EC2 operation name, params) of a form-encoded request body."""
    try:
        pairs = parse_qsl(body.decode("utf-8") if isinstance(body, bytes) else body,
                          keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Ec2Error("InvalidParameterValue",
                       "The request body is not valid application/x-www-form-urlencoded UTF-8 text.") from None
    actions = {value for key, value in pairs if key == "Action"}
    if len(actions) > 1:
        raise Ec2Error("InvalidParameterValue", "The parameter Action is given more than once.")
    action = next(iter(actions), "")
    if not action:
        raise Ec2Error("MissingAction", "The request is missing an action or a required parameter.")
    if action not in ec2_model().operation_names:
        raise Ec2Error("InvalidAction", f"The action {_quoted(action)} is not valid for this web service.")
    shape = ec2_model().operation_model(action).input_shape
    known = _members(shape) if shape is not None else {}
    tree: dict = {}
    for key, value in pairs:
        if key in PROTOCOL_KEYS or (key in AUTH_KEYS and key not in known):
            continue
        *parents, last = key.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict) or not part:
                raise _unknown(key)
        if not last or last in node:
            raise _unknown(key) if not last or isinstance(node[last], dict) else \
                Ec2Error("InvalidParameterValue", f"The parameter {_quoted(key)} is given more than once.")
        node[last] = value
    if shape is None:
        if tree:
            raise _unknown(next(iter(tree)))
        return action, {}
    return action, _structure(shape, tree, "")


def _first_key(path: str, node) -> str:
    while isinstance(node, dict) and node:
        key = next(iter(node))
        path, node = f"{path}.{key}", node[key]
    return path


def _value(shape, node, path: str):
    kind = shape.type_name
    if kind in ("structure", "list", "map"):
        if not isinstance(node, dict):
            raise _invalid(path, node, f"Expected {path}.<member or index>.")
        if kind == "structure":
            return _structure(shape, node, path + ".")
        if kind == "list":
            return [_value(shape.member, node[k], f"{path}.{k}") for k in _indexes(node, path)]
        entries = node.get("entry") or {}
        if set(node) - {"entry"} or not isinstance(entries, dict):
            raise _unknown(_first_key(path, node))
        out = {}
        for k in _indexes(entries, path + ".entry"):
            entry = entries[k]
            if not isinstance(entry, dict) or "key" not in entry or set(entry) - {"key", "value"}:
                raise _unknown(_first_key(f"{path}.entry.{k}", entry))
            out[entry["key"]] = _value(shape.value, entry["value"], f"{path}.entry.{k}.value") if "value" in entry else None
        return out
    if isinstance(node, dict):
        raise _unknown(_first_key(path, node))
    return _scalar(kind, node, path)


def _indexes(node: dict, path: str) -> List[str]:
    for key in node:
        if not (key.isascii() and key.isdigit()) or key.startswith("0"):
            raise _unknown(f"{path}.{key}")
    return sorted(node, key=int)


def _structure(shape, node: dict, prefix: str) -> dict:
    table = _members(shape)
    out = {}
    for wire, sub in node.items():
        if wire not in table:
            raise _unknown(_first_key(prefix + wire, sub))
        name, member = table[wire]
        out[name] = _value(member, sub, prefix + wire)
    wires = {name: wire for wire, (name, _) in table.items()}
    for name in shape.required_members:
        if name not in out:
            raise Ec2Error("MissingParameter", f"The request must contain the parameter {prefix}{wires[name]}")
    return out


def _scalar(kind: str, raw: str, path: str):
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise _invalid(path, raw, "Expected true or false.")
        return raw.lower() == "true"
    if kind in ("integer", "long"):
        bits = 31 if kind == "integer" else 63
        try:
            number = int(raw.strip(), 10)
        except ValueError:
            raise _invalid(path, raw, "Expected an integer.") from None
        if not -(2 ** bits) <= number < 2 ** bits:
            raise _invalid(path, raw, "The number is out of range.")
        return number
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise _invalid(path, raw, "Expected a number.") from None
    if kind == "timestamp":
        try:
            when = _dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise _invalid(path, raw, "Expected an ISO 8601 timestamp, e.g. 2024-01-31T12:00:00Z.") from None
        return (when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    if kind == "blob":
        try:
            return base64.b64decode(raw.encode("ascii"), validate=True)
        except ValueError:
            raise _invalid(path, raw, "Expected base64-encoded data.") from None
    return raw


# -- writing an answer ---------------------------------------------------------------------------

def _text(value: str) -> str:
    """XML text; characters XML 1.0 cannot carry become U+FFFD."""
    clean = "".join(c if c in "\t\n" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff"
                    else "\ufffd" for c in value)
    return escape(clean).replace("\r", "&#13;")


def _timestamp(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        value = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    value = (value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _write(out: list, shape, value, tag: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{tag}>")
        _write_members(out, shape, value)
        out.append(f"</{tag}>")
    elif kind == "list":
        item = shape.member.serialization.get("name") or "item"
        out.append(f"<{tag}>")
        for element in value:
            if element is not None:
                _write(out, shape.member, element, item)
        out.append(f"</{tag}>")
    elif kind == "map":
        out.append(f"<{tag}>")
        for k, v in value.items():
            out.append("<entry>")
            _write(out, shape.key, k, "key")
            if v is not None:
                _write(out, shape.value, v, "value")
            out.append("</entry>")
        out.append(f"</{tag}>")
    else:
        if kind == "boolean":
            text = "true" if (value.lower() == "true" if isinstance(value, str) else value) else "false"
        elif kind == "timestamp":
            text = _timestamp(value)
        elif kind == "blob":
            text = base64.b64encode(value.encode("utf-8") if isinstance(value, str) else value).decode("ascii")
        else:
            text = _text(str(value))
        out.append(f"<{tag}>{text}</{tag}>")


def _write_members(out: list, shape, value: dict) -> None:
    for name, member_value in value.items():
        member = shape.members.get(name)
        if member is not None and member_value is not None:  # ResponseMetadata and the like are not written
            _write(out, member, member_value, member.serialization.get("name") or name)


def write_result(action: str, result: dict, request_id: str) -> bytes:
    shape = ec2_model().operation_model(action).output_shape
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<{action}Response xmlns="{NAMESPACE}">',
           f"<requestId>{_text(request_id)}</requestId>"]
    if shape is None:
        out.append("<return>true</return>")
    elif result:
        _write_members(out, shape, result)
    out.append(f"</{action}Response>")
    return "".join(out).encode("utf-8")


def write_error(error: Ec2Error, request_id: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{_text(error.code)}</Code>'
            f"<Message>{_text(error.message)}</Message></Error></Errors>"
            f"<RequestID>{_text(request_id)}</RequestID></Response>").encode("utf-8")
