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
from osc_shim.operations.conversion import ListOf, Table, member_env, member_lines, reads_members
from osc_shim.operations.conversion import Unconverted as _Unconverted

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
        constants of the function's namespace (``_kN``, ``_oN``...), never text in its source.

        With two string members or more, the escape check is made once over all of them (one
        search over their text instead of one per member: an Image has a dozen): when it finds
        something, the dict is written by the same code checking member by member."""
        strings = [n for n, name in enumerate(order)
                   if self._entry(name) is not None and self.members[name].type_name in _STRING_KINDS]
        safe = self._compile_order_code(order, ())
        if len(strings) < 2:
            return safe
        return self._compile_order_code(order, strings, safe)

    def _compile_order_code(self, order: tuple, checked_at_once, safe=None):
        env = {"str": str, "isinstance": isinstance, "_search": _NEEDS_ESCAPE.search, "_escape": xml_text,
               "_Mapping": _Mapping, "_scalar_text": _scalar_text, "_not_a_dict": _not_a_dict,
               "_not_a_list": _not_a_list, "list": list, "dict": dict, "bytes": bytes, "_safe": safe}
        lines = ["def write(out, value):", "    append = out.append"]
        if checked_at_once:
            # What each string member writes is str(v) (its text, whatever its class): checked as such.
            lines += [f"    s{n} = value[_k{n}]" for n in checked_at_once]
            lines += ["    if _search(f\"" + "".join(f"{{s{n}!s}}" for n in checked_at_once) + "\"):",
                      "        return _safe(out, value)"]
        for n, name in enumerate(order):
            entry = self._entry(name)
            if entry is None:
                continue
            mshape = self.members[name]
            kind = mshape.type_name
            env.update({f"_k{n}": name, f"_o{n}": entry[0], f"_c{n}": entry[1], f"_t{n}": entry[3]})
            if n in checked_at_once:
                lines += [f"    v = s{n}", "    if v is not None:", "        if v.__class__ is not str:",
                          "            v = str(v)", f"        append(f\"{{_o{n}}}{{v}}{{_c{n}}}\")"]
                continue
            lines += [f"    v = value[_k{n}]", "    if v is not None:"]
            if kind in _STRING_KINDS:
                lines += ["        if v.__class__ is not str:", "            v = str(v)",
                          "        if _search(v):", "            v = _escape(v)",
                          f"        append(f\"{{_o{n}}}{{v}}{{_c{n}}}\")"]
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
                env.update({"_Unconverted": _Unconverted, "_write_unconverted": _write_unconverted})
                # OAPI items the translator left for this writer to write as EC2's (conversion.Unconverted)
                lines += ["        if v.__class__ is _Unconverted:"]
                lines += [] if flattened else [f"            append(_o{n})"]
                lines += [f"            _write_unconverted(out, v, _s{n}, _io{n}, _ic{n})"]
                lines += [] if flattened else [f"            append(_c{n})"]
                lines += ["        elif v.__class__ is not list and isinstance(v, (str, bytes, _Mapping)):",
                          f"            raise _not_a_list(_t{n}, _sh{n}, v)", "        else:"]
                body = [] if flattened else [f"        append(_o{n})"]
                body += ["        for e in v:", "            if e is not None:",
                          "                if e.__class__ is not dict and not isinstance(e, _Mapping):",
                          f"                    raise _not_a_dict(_it{n}, _s{n}, e)",
                          f"                append(_io{n})", f"                _w{n}(out, e)", f"                append(_ic{n})"]
                body += [] if flattened else [f"        append(_c{n})"]
                lines += ["    " + line for line in body]
            elif kind in ("list", "map"):
                env[f"_w{n}"] = entry[2]
                lines += [f"        _w{n}(out, v, _t{n})"]
            else:
                env[f"_kind{n}"] = kind
                lines += [f"        append(_o{n} + _scalar_text(_kind{n}, v) + _c{n})"]
        exec(compile("\n".join(lines), f"<EC2 writer {self.shape.name}>", "exec"), env)  # noqa: S102
        return env["write"]


# -- items still in OAPI's shape (operations.conversion.Unconverted) --------------------------------

_FROM_TABLE: dict = {}  # (id(item shape), id(table)) -> (shape, table, writer): compiled once


def _write_unconverted(out: list, value: _Unconverted, item_shape, item_open: str, item_close: str) -> None:
    """The items of ``value`` as EC2 items, written straight from OAPI's: what converting each with
    ``value.table`` and writing the result gives, byte for byte, without building the EC2 dicts (a
    DescribeImages of 1,000 images).  An item whose text needs escaping is converted and written the
    usual way."""
    key = (id(item_shape), id(value.table))
    entry = _FROM_TABLE.get(key)
    if entry is None or entry[0] is not item_shape or entry[1] is not value.table:
        entry = _FROM_TABLE[key] = (item_shape, value.table, _compile_from_table(item_shape, value.table))
    write, convert, usual = entry[2], value.table.convert, _writer(item_shape).write_members
    append = out.append
    for item in value.items:
        append(item_open)
        if not write(out, item):
            usual(out, convert(item))
        append(item_close)


def _compile_from_table(shape, table):
    """``write(out, item)``: ``shape``'s members read from an OAPI item by ``table``'s member code
    (``conversion.member_lines``: the same reads, defaults and conversions as ``table.convert``), in
    the table's order, then the constants (written once, here, by the usual writer).  A member whose
    conversion is a nested table (block devices, tags, product codes) is written from OAPI's items by
    the same code, one level down.  Consecutive texts go out as one f-string (an image is ~40 elements).
    When a string member needs escaping, what was written is taken back and ``write`` returns False."""
    env = {"str": str, "int": int, "isinstance": isinstance, "_search": _NEEDS_ESCAPE.search,
           "_scalar_text": _scalar_text}
    lines = ["def write(out, item):", "    mark = len(out)", "    append = out.append"]
    lines += _render(_table_code(shape, table, "item", "", env))
    lines.append("    return True")
    exec(compile("\n".join(lines), f"<EC2 writer {shape.name} from {table.name}'s table>", "exec"), env)  # noqa: S102
    return env["write"]


def _nested(shape, conversion) -> bool:
    """Is ``conversion`` a table this writer can inline for ``shape`` (a structure, or a list of them)?"""
    if isinstance(conversion, Table):
        return shape.type_name == "structure"
    return (isinstance(conversion, ListOf) and shape.type_name == "list" and shape.member.type_name == "structure"
            and not shape.serialization.get("flattened"))


def _render(ops: list) -> list:
    """``_table_code``'s operations as lines: runs of texts joined into one ``append(f"...")``."""
    lines, run = [], []
    for kind, what in ops + [("code", [])]:
        if kind == "text":
            run.append(what)
            continue
        if run:
            lines.append("    append(f\"" + "".join("{" + expr + "}" for expr in run) + "\")")
            run = []
        lines += what
    return lines


def _table_code(shape, table, item: str, prefix: str, env: dict) -> list:
    """Operations (``("code", lines)`` at one indent, ``("text", expression)``) writing ``item`` by
    ``table`` as ``shape``'s members; see ``_compile_from_table``."""
    env.update(member_env(table))
    members = shape.members
    reads = [f"    get{prefix} = {item}.get"] if reads_members(table) else []
    strings, ops = [], []
    for n, (ec2_name, _, conversion) in enumerate(table.fields):
        mshape = members.get(ec2_name)
        if mshape is None:
            continue  # the model does not know it: the usual writer leaves it out too
        key = f"{prefix}_{n}"
        var = f"m{key}"
        nested = _nested(mshape, conversion)
        code = member_lines(table, n, env, f"{var} = {{v}}", prefix=prefix, item=item, convert=not nested,
                            placeholders=False, variable=True)
        reads += code if len(code) == 1 else [f"    {var} = None"] + code
        tag = _out_name(mshape, ec2_name)
        kind = mshape.type_name
        # (_f, _d, _c + key are the member code's: reads, defaults, conversions)
        env.update({f"_open{key}": f"<{tag}>", f"_close{key}": f"</{tag}>", f"_t{key}": tag})
        if nested:
            if kind == "list":
                item_shape = mshape.member
                item_tag = item_shape.serialization.get("name") or "item"
                env.update({f"_io{key}": f"<{item_tag}>", f"_ic{key}": f"</{item_tag}>"})
                reads_item, *writes = _table_code(item_shape, conversion.table, f"e{key}", key, env)
                body = _render([reads_item, ("text", f"_io{key}")] + writes + [("text", f"_ic{key}")])
                loop = [f"    for e{key} in {var} or ():"]  # as ListOf reads it
                block = _render([("text", f"_open{key}"), ("code", loop),
                                 ("code", ["    " + line for line in body]), ("text", f"_close{key}")])
            else:
                reads_item, *writes = _table_code(mshape, conversion, var, key, env)
                block = _render([reads_item, ("text", f"_open{key}")] + writes + [("text", f"_close{key}")])
            test = var if kind == "list" and conversion.or_none else f"{var} is not None"
            ops.append(("code", [f"    if {test}:"] + ["    " + line for line in block]))
        elif kind in _STRING_KINDS:
            strings.append(var)
            ops += [("text", f"_open{key} if {var} is not None else ''"), ("text", f"'' if {var} is None else {var}"),
                    ("text", f"_close{key} if {var} is not None else ''")]  # no text built per member
        elif kind == "boolean":
            env[f"_yes{key}"], env[f"_no{key}"] = f"<{tag}>true</{tag}>", f"<{tag}>false</{tag}>"
            ops.append(("text", f"'' if {var} is None else _yes{key} if ({var}.lower() == 'true' "
                                f"if isinstance({var}, str) else {var}) else _no{key}"))
        elif kind in _INTEGER_KINDS:
            ops.append(("text", f"'' if {var} is None else _open{key} + str(int({var})) + _close{key}"))
        elif kind in ("structure", "list", "map"):
            env[f"_w{key}"] = _writer(mshape)
            ops.append(("code", [f"    if {var} is not None:", f"        _w{key}(out, {var}, _t{key})"]))
        else:
            env[f"_kind{key}"] = kind
            ops.append(("text", f"'' if {var} is None else _open{key} + _scalar_text(_kind{key}, {var}) + _close{key}"))
    if strings:  # str(m) is what the usual writer writes of a string member: checked as such
        reads += ["    if _search(f\"" + "".join(f"{{{var}!s}}" for var in strings) + "\"):",
                  "        del out[mark:]", "        return False"]
    if table.constants:
        tail = []
        _writer(shape).write_members(tail, dict(table.constants))
        env[f"_tail{prefix}"] = "".join(tail)
        ops.append(("text", f"_tail{prefix}"))
    return [("code", reads)] + ops


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
