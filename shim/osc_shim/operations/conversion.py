"""OAPI item -> EC2 item, by a table: EC2 member, OAPI member, how the value changes.

A ``Table`` (``ec2_image.IMAGE_TABLE``, ``snapshots.SNAPSHOT_TABLE``) is read three ways, all compiled
from the same per-member code (``member_lines``), so they cannot disagree:

- ``Table.convert``: the whole EC2 item, members in the table's order, then the constants;
- ``Table.view(item)``: a ``View`` that converts only the members read (the filters of a
  DescribeImages read one or two members of 1,000 images);
- ``Unconverted``: OAPI items handed to a front end that writes EC2's answer itself (the gateway's XML
  writer compiles its own writer from the table, ``gateway/query_serialize.py``); every other front
  end gets converted lists.

For each member: the OAPI member is read (a dotted path reads inside a structure); a placeholder
(``osc-shim translate``) is kept as is; a missing one takes its default or is left out; otherwise
the conversion, whose ``None`` leaves the member out, as EC2 does for what an item does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from .placeholders import Symbolic


# The OAPI "member" of a table whose items are plain values (product codes are strings).
ITSELF = ""


@dataclass(frozen=True, eq=False)
class Table:
    name: str          # the EC2 shape (Image, Snapshot)
    fields: tuple      # (EC2 member, OAPI member or dotted path, conversion or None: unchanged)
    constants: Mapping = field(default_factory=dict)  # EC2 members every item has, whatever OAPI says
    defaults: Mapping = field(default_factory=dict)   # EC2 members always present: value when OAPI has none
    convert: Callable = field(init=False, repr=False)  # item -> EC2 dict (compiled)
    readers: Mapping = field(init=False, repr=False)   # EC2 member -> item -> value or None (compiled)

    def __post_init__(self):
        # A constant is written after the members (the converter's dict.update): never one of them.
        assert not set(self.constants) & {name for name, _, _ in self.fields}, self.name
        object.__setattr__(self, "convert", _compile_converter(self))
        object.__setattr__(self, "readers", _compile_readers(self))

    def view(self, item) -> "View":
        return View(item, self.readers)

    def answer(self, items: list, deferred: bool):
        """``items`` (OAPI's) as the front end takes them: converted, or ``Unconverted`` for one that
        writes EC2's answer itself (``Context.deferred``)."""
        unconverted = Unconverted(items, self)
        return unconverted if deferred else unconverted.converted()

    def __call__(self, item) -> dict:  # a table is the conversion of a member holding one structure
        return self.convert(item)


@dataclass(frozen=True, eq=False)
class ListOf:
    """The conversion of a member holding a list: each item by ``table``; ``or_none``: an empty list
    leaves the member out (EC2 shows no empty tag set).  No list at all converts as an empty one."""

    table: Table
    or_none: bool = False

    def __call__(self, items) -> list:
        convert = self.table.convert
        out = [convert(item) for item in items or ()]
        return out if out or not self.or_none else None


def member_lines(table: Table, n: int, env: dict, store: str, *, prefix: str = "", item: str = "item",
                 convert: bool = True, placeholders: bool = True, variable: bool = False) -> list:
    """Code reading member ``n`` of ``table`` from ``item`` into ``v`` and handing it to ``store``
    (a line template with ``{v}``), or leaving it out.  Names and conversions are constants of the
    function's namespace (``_f<prefix>_N``, ``_c<prefix>_N``...), never text in its source; ``prefix``
    keeps a nested table's apart.  ``convert=False`` hands over OAPI's value (a writer that writes a
    nested table itself); ``placeholders=False`` leaves out the placeholder case (answers that are data);
    ``variable``: ``store`` assigns a variable whose None means "left out" (a plain member is read in one line).
    The caller binds ``get<prefix>`` to ``item.get``."""
    ec2_name, oapi_name, conversion = table.fields[n]
    key = f"{prefix}_{n}"
    plain = (conversion is None or not convert) and ec2_name not in table.defaults
    if plain and variable and oapi_name != ITSELF and "." not in oapi_name:
        env[f"_f{key}"] = oapi_name  # read as it is, None included: the variable's None means absent
        return ["    " + store.format(v=f"get{prefix}(_f{key})")]
    if oapi_name == ITSELF:
        lines = [f"    v = {item}"]
    else:
        first, *rest = oapi_name.split(".")
        env[f"_f{key}"] = first
        lines = [f"    v = get{prefix}(_f{key})"]
        for m, part in enumerate(rest):
            env[f"_f{key}_{m}"] = part
            lines.append(f"    v = v.get(_f{key}_{m}) if v is not None else None")
    lines.append("    if v is None:")
    if ec2_name in table.defaults:
        env[f"_d{key}"] = table.defaults[ec2_name]
        lines.append("        " + store.format(v=f"_d{key}"))
    else:
        lines.append("        pass")
    if conversion is None or not convert:
        lines += ["    else:", "        " + store.format(v="v")]
    else:
        env[f"_c{key}"] = conversion
        lines += ["    elif isinstance(v, Symbolic):", "        " + store.format(v="v")] if placeholders else []
        lines += ["    else:", f"        v = _c{key}(v)", "        if v is not None:",
                  "            " + store.format(v="v")]
    return lines


def reads_members(table: Table) -> bool:
    """Does ``table`` read members of its item (else it reads the item itself: a list of strings)?"""
    return any(oapi_name != ITSELF for _, oapi_name, _ in table.fields)


def member_env(table: Table) -> dict:
    return {"Symbolic": Symbolic, "isinstance": isinstance, "_constants": dict(table.constants)}


def _compile_converter(table: Table):
    """The whole conversion as straight-line code (a DescribeImages of 1,000 images converts 19,000
    members: a loop over the table cost twice as much)."""
    env = member_env(table)
    lines = ["def convert(item):", "    out = {}"] + (["    get = item.get"] if reads_members(table) else [])
    for n, (ec2_name, _, _) in enumerate(table.fields):
        env[f"_e_{n}"] = ec2_name
        lines += member_lines(table, n, env, f"out[_e_{n}] = {{v}}")
    lines += ["    out.update(_constants)", "    return out"]
    exec(compile("\n".join(lines), f"<convert {table.name} from its table>", "exec"), env)  # noqa: S102
    function = env["convert"]
    function.__doc__ = f"One OAPI item -> EC2's ``{table.name}``."
    return function


def _compile_readers(table: Table) -> dict:
    readers = {}
    for n, (ec2_name, _, _) in enumerate(table.fields):
        env = member_env(table)
        lines = ["def read(item):"] + (["    get = item.get"] if reads_members(table) else [])
        lines += member_lines(table, n, env, "return {v}")
        lines.append("    return None")
        exec(compile("\n".join(lines), f"<read {table.name}.{ec2_name}>", "exec"), env)  # noqa: S102
        readers[ec2_name] = env["read"]
    for ec2_name, value in table.constants.items():
        readers[ec2_name] = lambda item, value=value: value
    return readers


class View:
    """An OAPI item read as its EC2 shape, one member at a time (``get`` only: what filters read)."""

    __slots__ = ("item", "readers")

    def __init__(self, item, readers: Mapping):
        self.item, self.readers = item, readers

    def get(self, name: str, default=None):
        reader = self.readers.get(name)
        value = reader(self.item) if reader is not None else None
        return default if value is None else value


class Unconverted:
    """OAPI items a front end writes in EC2's shape itself, by ``table``; ``converted()`` is the list
    every other front end gets (``core.call`` hands these only to a caller that asks for them)."""

    __slots__ = ("items", "table")

    def __init__(self, items: list, table: Table):
        self.items, self.table = items, table

    def converted(self) -> list:
        convert = self.table.convert
        return [convert(item) for item in self.items]

    def __repr__(self) -> str:
        return f"Unconverted({len(self.items)} {self.table.name})"
