"""The EC2 Query protocol, server side, driven by botocore's EC2 service model.

Two directions, no hand-written templates:

* ``parse_request`` turns the form-encoded request boto3, the AWS CLI or any
  SDK sends (``Action=RegisterImage&Version=2016-11-15&Name=...``) into the
  operation name and the botocore-shaped params dict that
  ``client.register_image(**params)`` takes -- the same thing the CLI plugin
  hands the shim.
* ``serialize_result`` / ``serialize_error`` write the XML documents botocore's
  ``EC2QueryParser`` reads back into the same result dict / ``ClientError``.

Wire rules (those of ``botocore.serialize.EC2Serializer`` read backwards):
a member's wire name is its ``queryName``, else its ``locationName`` with the
first letter upper-cased, else the member name; lists are ``Prefix.N`` (1-based,
no ``member``/``item`` level); maps ``Prefix.entry.N.key``/``.value``; booleans
``true``/``false``; timestamps ISO 8601; blobs base64.  On output, members are
written under their ``locationName`` (else the member name), list items as
``<item>``, timestamps as ``2021-09-29T11:04:43.000Z``.

A request the model does not describe is answered with EC2's own error codes:
``MissingAction``, ``InvalidAction``, ``UnknownParameter``,
``InvalidParameterValue``, ``MissingParameter`` -- never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import functools
import math
import re
from collections.abc import Mapping as _Mapping
from typing import Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

from osc_shim.errors import Ec2Error, clip

EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Top-level keys that are protocol, not operation input.  The X-Amz-* ones
# belong to query-string (presigned) authentication, the others to SigV2.
RESERVED_KEYS = frozenset({"Action", "Version"})
AUTH_QUERY_KEYS = frozenset({
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
    "AWSAccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
    "Timestamp", "Expires", "SecurityToken",
})

_INT_RANGES = {"integer": (-(2 ** 31), 2 ** 31 - 1), "long": (-(2 ** 63), 2 ** 63 - 1)}
_TRUE = {"true": True, "false": False}


# ---------------------------------------------------------------- the model --

@functools.lru_cache(maxsize=1)
def service_model():
    """botocore's EC2 service model (loaded once, read-only afterwards)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


@functools.lru_cache(maxsize=None)
def operation_model(name: str):
    return service_model().operation_model(name)


@functools.lru_cache(maxsize=1)
def operation_names() -> frozenset:
    return frozenset(service_model().operation_names)


def wire_name(shape, member_name: str) -> str:
    """The name a member travels under in an EC2 Query *request*."""
    ser = shape.serialization
    if "queryName" in ser:
        return ser["queryName"]
    if "name" in ser:
        name = ser["name"]
        return name[0].upper() + name[1:]
    return member_name


# Shapes are not hashable by value in every botocore version: key the cache by name.
_WIRE_CACHE: dict = {}


def _members_by_wire(shape) -> dict:
    table = _WIRE_CACHE.get(shape.name)
    if table is None:
        table = {wire_name(ms, name): (name, ms) for name, ms in shape.members.items()}
        _WIRE_CACHE[shape.name] = table
    return table


# ----------------------------------------------------------------- parsing --

def _unknown(path: str) -> Ec2Error:
    return Ec2Error("UnknownParameter", f"The parameter {clip(path)} is not recognized")


def _full_key(path: str, node) -> str:
    """The first complete wire key under ``path`` (to name an unknown parameter as it was sent)."""
    while isinstance(node, dict) and node:
        key = next(iter(node))
        path, node = f"{path}.{key}", node[key]
    return path


def _bad_value(path: str, value, why: str) -> Ec2Error:
    return Ec2Error("InvalidParameterValue", f"Value ({clip(value)}) for parameter {clip(path)} is invalid. {why}")


def decode_form(body) -> List[Tuple[str, str]]:
    """Form-urlencoded bytes (or str) -> (key, value) pairs; bad encoding is an EC2 error."""
    if not body:
        return []
    try:
        text = body if isinstance(body, str) else body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                         encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Ec2Error("InvalidParameterValue",
                       "The request body is not valid application/x-www-form-urlencoded UTF-8 text.") from None


def split_action(pairs: Iterable[Tuple[str, str]]) -> Tuple[str, List[Tuple[str, str]]]:
    """Pull ``Action`` out of the pairs (and drop ``Version`` and query-authentication keys).

    Raises ``MissingAction``, or ``InvalidAction`` for a name outside the EC2
    model.  An authentication key is dropped only when the operation has no
    input member of that name.
    """
    pairs = list(pairs)
    actions = {value for key, value in pairs if key == "Action"}
    if len(actions) > 1:
        raise Ec2Error("InvalidParameterValue", "The parameter Action is given more than once.")
    action = actions.pop() if actions else None
    if not action:
        raise Ec2Error("MissingAction", "The request is missing an action or a required parameter.")
    if action not in operation_names():
        raise Ec2Error("InvalidAction", f"The action {clip(action)} is not valid for this web service.")
    shape = operation_model(action).input_shape
    members = _members_by_wire(shape) if shape is not None else {}
    rest = [(key, value) for key, value in pairs
            if key not in RESERVED_KEYS and (key not in AUTH_QUERY_KEYS or key in members)]
    return action, rest


def parse_params(operation: str, pairs: Iterable[Tuple[str, str]]) -> dict:
    """Wire pairs (without Action/Version) -> botocore-shaped params for ``operation``."""
    shape = operation_model(operation).input_shape
    tree: dict = {}
    for key, value in pairs:
        parts = key.split(".")
        if "" in parts:
            raise _unknown(key)
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise _unknown(key)
            node = child
        last = parts[-1]
        if last in node:
            if isinstance(node[last], dict):
                raise _unknown(".".join(parts))
            raise Ec2Error("InvalidParameterValue", f"The parameter {clip(key)} is given more than once.")
        node[last] = value
    if shape is None:
        if tree:
            raise _unknown(_full_key(next(iter(tree)), tree[next(iter(tree))]))
        return {}
    return _parse_structure(shape, tree, "")


def _parse(shape, node, path: str):
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(node, dict):
            raise _bad_value(path, node, f"Expected the structure {path}.<Member>.")
        return _parse_structure(shape, node, path + ".")
    if kind == "list":
        if not isinstance(node, dict):
            raise _bad_value(path, node, f"Expected a list: {path}.1, {path}.2, ...")
        return _parse_list(shape, node, path)
    if kind == "map":
        if not isinstance(node, dict):
            raise _bad_value(path, node, f"Expected a map: {path}.entry.N.key / .value")
        return _parse_map(shape, node, path)
    if isinstance(node, dict):
        raise _unknown(_full_key(path, node))
    return _parse_scalar(kind, node, path)


def _parse_structure(shape, node: dict, prefix: str) -> dict:
    table = _members_by_wire(shape)
    out = {}
    for wire, sub in node.items():
        entry = table.get(wire)
        if entry is None:
            raise _unknown(_full_key(prefix + wire, sub))
        name, mshape = entry
        out[name] = _parse(mshape, sub, prefix + wire)
    for required in shape.required_members:
        if required not in out:
            raise Ec2Error(
                "MissingParameter",
                f"The request must contain the parameter {prefix}{wire_name(shape.members[required], required)}",
            )
    return out


def _list_index(key: str, path: str) -> int:
    if not key.isdigit() or key.startswith("0") or not key.isascii():
        raise _unknown(f"{path}.{key}")
    return int(key)


def _parse_list(shape, node: dict, path: str) -> list:
    items = sorted((_list_index(k, path), k, v) for k, v in node.items())
    member = shape.member
    return [_parse(member, v, f"{path}.{k}") for _, k, v in items]


def _parse_map(shape, node: dict, path: str) -> dict:
    flattened = shape.serialization.get("flattened")
    entries = node if flattened else node.get("entry")
    if not flattened and (set(node) - {"entry"}):
        raise _unknown(f"{path}.{sorted(set(node) - {'entry'})[0]}")
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise _bad_value(path, entries, "Expected map entries.")
    kname = wire_name(shape.key, "key")
    vname = wire_name(shape.value, "value")
    base = path if flattened else path + ".entry"
    out = {}
    for _, k, entry in sorted((_list_index(k, base), k, v) for k, v in entries.items()):
        epath = f"{base}.{k}"
        if not isinstance(entry, dict) or kname not in entry:
            raise Ec2Error("MissingParameter", f"The request must contain the parameter {clip(epath)}.{kname}")
        extra = set(entry) - {kname, vname}
        if extra:
            raise _unknown(f"{epath}.{sorted(extra)[0]}")
        key = _parse(shape.key, entry[kname], f"{epath}.{kname}")
        out[key] = _parse(shape.value, entry[vname], f"{epath}.{vname}") if vname in entry else None
    return out


def _parse_scalar(kind: str, raw: str, path: str):
    if kind in ("string", "character"):
        return raw
    if kind == "boolean":
        value = _TRUE.get(raw.lower())
        if value is None:
            raise _bad_value(path, raw, "Expected true or false.")
        return value
    if kind in _INT_RANGES:
        try:
            value = int(raw.strip(), 10)
        except ValueError:
            raise _bad_value(path, raw, "Expected an integer.") from None
        low, high = _INT_RANGES[kind]
        if not low <= value <= high:
            raise _bad_value(path, raw, "The number is out of range.")
        return value
    if kind in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            raise _bad_value(path, raw, "Expected a number.") from None
    if kind == "timestamp":
        from botocore.utils import parse_timestamp

        try:
            value = parse_timestamp(raw)
        except (ValueError, TypeError, OverflowError):
            raise _bad_value(path, raw, "Expected an ISO 8601 timestamp, e.g. 2024-01-31T12:00:00Z.") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc)
    if kind == "blob":
        try:
            return base64.b64decode(raw.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise _bad_value(path, raw, "Expected base64-encoded data.") from None
    return raw  # pragma: no cover - the EC2 model has no other scalar types


def parse_request(pairs: Iterable[Tuple[str, str]]) -> Tuple[str, dict]:
    """(key, value) pairs of a whole request -> (operation name, params)."""
    action, rest = split_action(pairs)
    return action, parse_params(action, rest)


# ------------------------------------------------------------- serialising --

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape text for an XML element; characters XML 1.0 cannot carry become U+FFFD."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _INVALID_XML.sub("\ufffd", value)


def format_timestamp(value) -> str:
    """EC2's timestamp form: ``2021-09-29T11:04:43.000Z`` (UTC, milliseconds)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    value = value.astimezone(_dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}Z"


def _scalar_text(kind: str, value) -> str:
    if kind == "boolean":
        if isinstance(value, str):
            return "true" if value.lower() == "true" else "false"
        return "true" if value else "false"
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        value = float(value)
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if math.isnan(value):
            return "NaN"
        return repr(value)
    if kind == "timestamp":
        return format_timestamp(value)
    if kind == "blob":
        if isinstance(value, str):
            value = value.encode("utf-8")
        return base64.b64encode(value).decode("ascii")
    return xml_text(str(value))


def _out_name(shape, member_name: str) -> str:
    return shape.serialization.get("name") or member_name


# Writers compiled once per shape object (what is per-operation, not per-request: member tables,
# item tags, scalar kinds), keyed by id() with the shape kept alive beside its writer.  Shape objects
# are stable: the model is loaded once and botocore caches resolved members on their parents.
_WRITERS: dict = {}


def _writer(shape):
    entry = _WRITERS.get(id(shape))
    if entry is not None and entry[0] is shape:
        return entry[1]
    writer = _compile(shape)
    _WRITERS[id(shape)] = (shape, writer)
    return writer


def _compile(shape):
    kind = shape.type_name
    if kind == "structure":
        return _StructureWriter(shape)
    if kind == "list":
        return _list_writer(shape)
    if kind == "map":
        return _map_writer(shape)
    if kind in ("string", "character"):
        def write_string(out, value, tag):
            value = str(value)
            if _NEEDS_ESCAPE.search(value):
                value = xml_text(value)
            out.append(f"<{tag}>{value}</{tag}>")
        return write_string

    def write_scalar(out, value, tag):
        out.append(f"<{tag}>{_scalar_text(kind, value)}</{tag}>")
    return write_scalar


_STRING_KINDS = ("string", "character")


class _StructureWriter:
    """Writes a structure's members.  Strings (most of an answer: a DescribeImages of 1,000 images has
    ~20,000) are written inline, without a call per value: the serialiser's main cost."""

    __slots__ = ("shape", "members", "plan", "tags")

    def __init__(self, shape):
        self.shape = shape
        self.members = shape.members
        self.plan = {}  # member name -> (open tag, close tag, writer or None for a string, tag)
        self.tags = {}  # tag -> (open tag, close tag): a list of 1,000 items has one item tag

    def __call__(self, out, value, tag):
        if value.__class__ is not dict and not isinstance(value, _Mapping):
            raise TypeError(f"{tag}: expected a dict for structure {self.shape.name}, got {type(value).__name__}")
        tags = self.tags.get(tag)
        if tags is None:
            tags = self.tags[tag] = (f"<{tag}>", f"</{tag}>")
        out.append(tags[0])
        self.write_members(out, value)
        out.append(tags[1])

    def write_members(self, out, value) -> None:
        plan = self.plan
        append = out.append
        search = _NEEDS_ESCAPE.search
        for name, member_value in value.items():
            if member_value is None:
                continue
            entry = plan.get(name)
            if entry is None:
                mshape = self.members.get(name)
                if mshape is None:
                    continue  # ResponseMetadata and anything the model does not know
                tag = _out_name(mshape, name)
                string = mshape.type_name in _STRING_KINDS
                entry = plan[name] = (f"<{tag}>", f"</{tag}>", None if string else _writer(mshape), tag)
            if entry[2] is None:
                if member_value.__class__ is not str:
                    member_value = str(member_value)
                if search(member_value):
                    member_value = xml_text(member_value)
                append(entry[0] + member_value + entry[1])
            else:
                entry[2](out, member_value, entry[3])


def _list_writer(shape):
    member = shape.member
    item_tag = member.serialization.get("name") or "item"
    flattened = shape.serialization.get("flattened")
    name = shape.name
    item_writer = []  # compiled on first use: shapes may be recursive

    def write_list(out, value, tag):
        if isinstance(value, (str, bytes, _Mapping)):
            raise TypeError(f"{tag}: expected a list for {name}, got {type(value).__name__}")
        if not item_writer:
            item_writer.append(_writer(member))
        write_item = item_writer[0]
        if flattened:
            for element in value:
                if element is not None:
                    write_item(out, element, item_tag)
            return
        out.append(f"<{tag}>")
        for element in value:
            if element is not None:
                write_item(out, element, item_tag)
        out.append(f"</{tag}>")
    return write_list


def _map_writer(shape):
    def write_map(out, value, tag):
        _write_map(out, shape, value, tag)
    return write_map


def _write_map(out: list, shape, value, tag: str) -> None:
    key_tag = shape.key.serialization.get("name") or "key"
    value_tag = shape.value.serialization.get("name") or "value"
    flattened = shape.serialization.get("flattened")
    if not flattened:
        out.append(f"<{tag}>")
    for k, v in value.items():
        out.append(f"<{tag}>" if flattened else "<entry>")
        _write(out, shape.key, k, key_tag)
        if v is not None:
            _write(out, shape.value, v, value_tag)
        out.append(f"</{tag}>" if flattened else "</entry>")
    if not flattened:
        out.append(f"</{tag}>")


def _write(out: list, shape, value, tag: str) -> None:
    _writer(shape)(out, value, tag)


def _write_members(out: list, shape, value: Mapping) -> None:
    _writer(shape).write_members(out, value)


def serialize_result(operation: str, result: Optional[Mapping], request_id: str) -> bytes:
    """The EC2 XML document for a successful ``operation`` returning ``result``."""
    shape = operation_model(operation).output_shape
    out = [XML_DECLARATION, f'<{operation}Response xmlns="{EC2_NAMESPACE}">',
           f"<requestId>{xml_text(request_id)}</requestId>"]
    if shape is None:
        out.append("<return>true</return>")  # what EC2 answers for operations without output
    elif result:
        _write_members(out, shape, result)
    out.append(f"</{operation}Response>")
    return "".join(out).encode("utf-8")


def serialize_error(error: Ec2Error, request_id: str) -> bytes:
    """EC2's error document; send it with ``error.status``."""
    return (
        f"{XML_DECLARATION}<Response><Errors><Error><Code>{xml_text(str(error.code))}</Code>"
        f"<Message>{xml_text(str(error.message))}</Message></Error></Errors>"
        f"<RequestID>{xml_text(request_id)}</RequestID></Response>"
    ).encode("utf-8")
