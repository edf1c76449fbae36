"""EC2 Query answers, server side: a botocore-shaped result -> the XML botocore's ``EC2QueryParser`` reads.

``serialize_result`` / ``serialize_error`` write the documents botocore reads
back into the same result dict / ``ClientError``.  Members are written under
their ``locationName`` (else the member name), in the result dict's order, list
items as ``<item>``, booleans ``true``/``false``, timestamps as
``2021-09-29T11:04:43.000Z``, blobs base64; members the model does not know
(``ResponseMetadata``) and ``None`` values are left out.
"""

from __future__ import annotations

import base64
import datetime as _dt
import math
import re
from collections.abc import Mapping as _Mapping
from typing import Mapping, Optional

from osc_shim.errors import Ec2Error

from .ec2_model import operation_model

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
_STRING_KINDS = ("string", "character")
_INTEGER_KINDS = ("integer", "long")
# Member orders a structure writer compiles straight-line code for; past that (results whose dicts
# come in many orders) it writes with its generic loop.  Translators build a shape's dicts in one
# or a few orders, so a DescribeImages of 1,000 images runs one compiled function 1,000 times.
MAX_ORDERS = 32


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
    if kind in _STRING_KINDS:
        def write_string(out, value, tag):
            value = str(value)
            if _NEEDS_ESCAPE.search(value):
                value = xml_text(value)
            out.append(f"<{tag}>{value}</{tag}>")
        return write_string

    def write_scalar(out, value, tag):
        out.append(f"<{tag}>{_scalar_text(kind, value)}</{tag}>")
    return write_scalar


def _not_a_dict(tag: str, shape, value):
    return TypeError(f"{tag}: expected a dict for structure {shape.name}, got {type(value).__name__}")


def _not_a_list(tag: str, shape_name: str, value):
    return TypeError(f"{tag}: expected a list for {shape_name}, got {type(value).__name__}")


class _StructureWriter:
    """Writes a structure's members in the order of the dict it is given (as botocore's parser reads them
    back, order is the only freedom).  For each order of member names met, straight-line code is
    compiled once (``_compile_order``): one dict read, one escape check and one append per string
    member, booleans and integers written without a call -- what a DescribeImages of 1,000 images
    (~20,000 strings) costs.  ``write_generic`` is the same writing as a loop, for orders past
    ``MAX_ORDERS``."""

    __slots__ = ("shape", "members", "plan", "tags", "orders")

    def __init__(self, shape):
        self.shape = shape
        self.members = shape.members
        self.plan = {}  # member name -> (open tag, close tag, writer or None for a string, tag)
        self.tags = {}  # tag -> (open tag, close tag): a list of 1,000 items has one item tag
        self.orders = {}  # tuple of member names, in the dict's order -> compiled writer

    def __call__(self, out, value, tag):
        if value.__class__ is not dict and not isinstance(value, _Mapping):
            raise _not_a_dict(tag, self.shape, value)
        tags = self.tags.get(tag)
        if tags is None:
            tags = self.tags[tag] = (f"<{tag}>", f"</{tag}>")
        out.append(tags[0])
        self.write_members(out, value)
        out.append(tags[1])

    def write_members(self, out, value) -> None:
        order = tuple(value)
        write = self.orders.get(order)
        if write is None:
            if len(self.orders) >= MAX_ORDERS:
                return self.write_generic(out, value)
            write = self.orders[order] = self._compile_order(order)
        write(out, value)

    def _entry(self, name):
        entry = self.plan.get(name)
        if entry is None:
            mshape = self.members.get(name)
            if mshape is None:
                return None  # ResponseMetadata and anything the model does not know
            tag = _out_name(mshape, name)
            string = mshape.type_name in _STRING_KINDS
            entry = self.plan[name] = (f"<{tag}>", f"</{tag}>", None if string else _writer(mshape), tag)
        return entry

    def write_generic(self, out, value) -> None:
        append = out.append
        search = _NEEDS_ESCAPE.search
        for name, member_value in value.items():
            if member_value is None:
                continue
            entry = self._entry(name)
            if entry is None:
                continue
            if entry[2] is None:
                if member_value.__class__ is not str:
                    member_value = str(member_value)
                if search(member_value):
                    member_value = xml_text(member_value)
                append(entry[0] + member_value + entry[1])
            else:
                entry[2](out, member_value, entry[3])

    def _compile_order(self, order: tuple):
        """Python source for writing a dict whose members come in ``order``; names and tags are
        constants of the function's namespace (``_kN``, ``_oN``...), never text in its source."""
        env = {"str": str, "isinstance": isinstance, "_search": _NEEDS_ESCAPE.search, "_escape": xml_text,
               "_Mapping": _Mapping, "_scalar_text": _scalar_text, "_not_a_dict": _not_a_dict,
               "_not_a_list": _not_a_list, "list": list, "dict": dict, "bytes": bytes}
        lines = ["def write(out, value):", "    append = out.append"]
        for n, name in enumerate(order):
            entry = self._entry(name)
            if entry is None:
                continue
            mshape = self.members[name]
            kind = mshape.type_name
            env.update({f"_k{n}": name, f"_o{n}": entry[0], f"_c{n}": entry[1], f"_t{n}": entry[3]})
            lines += [f"    v = value[_k{n}]", "    if v is not None:"]
            if kind in _STRING_KINDS:
                lines += ["        if v.__class__ is not str:", "            v = str(v)",
                          "        if _search(v):", "            v = _escape(v)",
                          f"        append(_o{n} + v + _c{n})"]
            elif kind == "boolean":
                env[f"_yes{n}"] = f"{entry[0]}true{entry[1]}"
                env[f"_no{n}"] = f"{entry[0]}false{entry[1]}"
                lines += [f"        append(_yes{n} if (v.lower() == 'true' if isinstance(v, str) else v) "
                          f"else _no{n})"]
            elif kind in _INTEGER_KINDS:
                lines += [f"        append(_o{n} + str(int(v)) + _c{n})"]
            elif kind == "structure":
                env[f"_w{n}"], env[f"_s{n}"] = entry[2], mshape
                lines += ["        if v.__class__ is not dict and not isinstance(v, _Mapping):",
                          f"            raise _not_a_dict(_t{n}, _s{n}, v)",
                          f"        append(_o{n})", f"        _w{n}.write_members(out, v)", f"        append(_c{n})"]
            elif kind == "list" and mshape.member.type_name == "structure":
                # A list of structures, item tags and all, written here (one call less per list).
                item = mshape.member
                item_tag = item.serialization.get("name") or "item"
                env.update({f"_w{n}": _writer(item).write_members, f"_s{n}": item, f"_it{n}": item_tag,
                            f"_io{n}": f"<{item_tag}>", f"_ic{n}": f"</{item_tag}>", f"_sh{n}": mshape.name})
                flattened = mshape.serialization.get("flattened")
                lines += ["        if v.__class__ is not list and isinstance(v, (str, bytes, _Mapping)):",
                          f"            raise _not_a_list(_t{n}, _sh{n}, v)"]
                lines += [] if flattened else [f"        append(_o{n})"]
                lines += ["        for e in v:", "            if e is not None:",
                          "                if e.__class__ is not dict and not isinstance(e, _Mapping):",
                          f"                    raise _not_a_dict(_it{n}, _s{n}, e)",
                          f"                append(_io{n})", f"                _w{n}(out, e)", f"                append(_ic{n})"]
                lines += [] if flattened else [f"        append(_c{n})"]
            elif kind in ("list", "map"):
                env[f"_w{n}"] = entry[2]
                lines += [f"        _w{n}(out, v, _t{n})"]
            else:
                env[f"_kind{n}"] = kind
                lines += [f"        append(_o{n} + _scalar_text(_kind{n}, v) + _c{n})"]
        exec(compile("\n".join(lines), f"<EC2 writer {self.shape.name}>", "exec"), env)  # noqa: S102
        return env["write"]


def _list_writer(shape):
    member = shape.member
    item_tag = member.serialization.get("name") or "item"
    item_open, item_close = f"<{item_tag}>", f"</{item_tag}>"
    flattened = shape.serialization.get("flattened")
    name = shape.name
    item_writer = []  # compiled on first use: shapes may be recursive
    structures = member.type_name == "structure"
    strings = member.type_name in _STRING_KINDS

    def write_list(out, value, tag):
        if value.__class__ is not list and isinstance(value, (str, bytes, _Mapping)):
            raise _not_a_list(tag, name, value)
        if not item_writer:
            item_writer.append(_writer(member))
        write_item = item_writer[0]
        if not flattened:
            out.append(f"<{tag}>")
        append = out.append
        if structures:  # a structure's open and close tags written here, its members by its writer
            write_members = write_item.write_members
            for element in value:
                if element is not None:
                    if element.__class__ is not dict and not isinstance(element, _Mapping):
                        raise _not_a_dict(item_tag, member, element)
                    append(item_open)
                    write_members(out, element)
                    append(item_close)
        elif strings:
            search = _NEEDS_ESCAPE.search
            for element in value:
                if element is not None:
                    element = str(element)
                    if search(element):
                        element = xml_text(element)
                    append(item_open + element + item_close)
        else:
            for element in value:
                if element is not None:
                    write_item(out, element, item_tag)
        if not flattened:
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


def serialize_result(operation: str, result: Optional[Mapping], request_id: str) -> bytes:
    """The EC2 XML document for a successful ``operation`` returning ``result``."""
    shape = operation_model(operation).output_shape
    out = [XML_DECLARATION, f'<{operation}Response xmlns="{EC2_NAMESPACE}">',
           f"<requestId>{xml_text(request_id)}</requestId>"]
    if shape is None:
        out.append("<return>true</return>")  # what EC2 answers for operations without output
    elif result:
        _writer(shape).write_members(out, result)
    out.append(f"</{operation}Response>")
    return "".join(out).encode("utf-8")


def serialize_error(error: Ec2Error, request_id: str) -> bytes:
    """EC2's error document; send it with ``error.status``."""
    return (
        f"{XML_DECLARATION}<Response><Errors><Error><Code>{xml_text(str(error.code))}</Code>"
        f"<Message>{xml_text(str(error.message))}</Message></Error></Errors>"
        f"<RequestID>{xml_text(request_id)}</RequestID></Response>"
    ).encode("utf-8")
