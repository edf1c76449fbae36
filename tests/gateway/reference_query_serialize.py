"""The EC2 Query serialiser as it was before its writers were compiled per shape (issue 10), kept
verbatim as the oracle of tests/gateway/test_query_serialize_oracle.py: the compiled writers of
``osc_shim.gateway.query_serialize`` must answer byte for byte what this one answered."""

from __future__ import annotations

import base64
import datetime as _dt
import math
import re
from collections.abc import Mapping as _Mapping
from typing import Mapping, Optional

from osc_shim.gateway.ec2_model import operation_model

EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
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


