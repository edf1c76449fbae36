"""EC2 Query requests, server side: form-encoded pairs -> (operation, botocore-shaped params).

``parse_request`` turns the form-encoded request boto3, the AWS CLI or any SDK
sends (``Action=RegisterImage&Version=2016-11-15&Name=...``) into the operation
name and the params dict that ``client.register_image(**params)`` takes -- the
same thing the CLI plugin hands the shim.

Wire rules (those of ``botocore.serialize.EC2Serializer`` read backwards): a
member's wire name is its ``queryName``, else its ``locationName`` with the
first letter upper-cased, else the member name; lists are ``Prefix.N`` (1-based,
no ``member``/``item`` level); maps ``Prefix.entry.N.key``/``.value``; booleans
``true``/``false``; timestamps ISO 8601; blobs base64.

A request the model does not describe is answered with EC2's own error codes:
``MissingAction``, ``InvalidAction``, ``UnknownParameter``,
``InvalidParameterValue``, ``MissingParameter`` -- never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from typing import Iterable, List, Tuple
from urllib.parse import parse_qsl

from osc_shim.errors import Ec2Error, clip

from .ec2_model import operation_model, operation_names

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
    members = {}
    if any(key in AUTH_QUERY_KEYS for key, _ in pairs):  # a query-signed request: only then is the model read
        shape = operation_model(action).input_shape      # (a forwarded action's is in botocore's whole model)
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


