"""OUTSCALE's published OpenAPI spec as the emulator's contract.

The spec (``outscale.yaml``, shipped in osc-sdk-python) is parsed once per
process.  A small validator of OpenAPI 3.0 schemas (type, properties,
additionalProperties, required, items, enum, pattern, maxLength, oneOf,
nullable, $ref) checks request bodies, so each problem can be answered with
OAPI's own code (3001 unknown parameter, 7000 missing, 4110 wrong type or
value), and checks response bodies in tests.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass
from typing import Optional

from .errors import ApiError

SPEC_PACKAGE = "osc_sdk_python"
SPEC_RESOURCE = ("resources", "outscale.yaml")


@dataclass(frozen=True)
class Problem:
    kind: str  # unknown | missing | value
    path: str
    message: str


# Problem kind -> fault case; the first kind found in this order is answered.
CASE_BY_KIND = {"unknown": "unknown-parameter", "missing": "missing-parameter", "value": "invalid-parameter-type"}

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _json_type(value) -> str:
    if value is None:
        return "null"
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _is_datetime(v: str) -> bool:
    try:
        _dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


_FORMATS = {"date-time": _is_datetime, "date": _is_datetime}


class Spec:
    """The parsed spec: actions and their request / 200-response schemas."""

    def __init__(self, document: dict):
        self.document = document
        self.version = document["info"]["version"]
        self.schemas = document["components"]["schemas"]
        self.requests: dict = {}
        self.responses: dict = {}
        for path, item in document["paths"].items():
            op = item.get("post") or {}
            action = op.get("operationId") or path.strip("/")
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
            self.requests[action] = body.get("schema", {"type": "object", "additionalProperties": False})
            ok = (op.get("responses") or {}).get("200", {}).get("content", {}).get("application/json", {})
            self.responses[action] = ok.get("schema", {"type": "object"})

    @property
    def actions(self):
        return self.requests.keys()

    def resolve(self, schema: dict) -> dict:
        seen = 0
        while "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/components/schemas/") or seen > 32:
                raise ValueError(f"unsupported $ref {ref!r}")
            schema = self.schemas[ref.rsplit("/", 1)[1]]
            seen += 1
        return schema

    def problems(self, schema: dict, value, path: str = "") -> list:
        out: list = []
        self._check(schema, value, path, out)
        return out

    def _check(self, schema: dict, value, path: str, out: list) -> None:
        schema = self.resolve(schema)
        where = path or "(body)"
        if value is None:
            if not schema.get("nullable") and "type" in schema:
                out.append(Problem("value", where, f"{where} must be a {schema['type']}, not null"))
            return
        if "oneOf" in schema:
            matches = sum(1 for alt in schema["oneOf"] if not self.problems(alt, value, path))
            if matches != 1:
                out.append(Problem("value", where, f"{where} matches {matches} of the allowed forms, not exactly one"))
                return
        expected = schema.get("type")
        if expected in _TYPES and not _TYPES[expected](value):
            out.append(Problem("value", where, f"{where} must be of type {expected}, got {_json_type(value)}"))
            return
        if "enum" in schema and value not in schema["enum"]:
            out.append(Problem("value", where, f"{where} must be one of {', '.join(map(str, schema['enum']))}; got {value!r}"))
        if isinstance(value, str):
            if "pattern" in schema and not re.search(schema["pattern"], value):
                out.append(Problem("value", where, f"{where} does not match the pattern {schema['pattern']}"))
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                out.append(Problem("value", where, f"{where} is longer than {schema['maxLength']} characters"))
            check = _FORMATS.get(schema.get("format", ""))
            if check and not check(value):
                out.append(Problem("value", where, f"{where} is not a valid {schema['format']}"))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties", True)
            for key, item in value.items():
                sub = f"{path}.{key}" if path else key
                if key in props:
                    self._check(props[key], item, sub, out)
                elif extra is False:
                    out.append(Problem("unknown", sub, f"{sub} is not a parameter of this call"))
                elif isinstance(extra, dict):
                    self._check(extra, item, sub, out)
            for key in schema.get("required", ()):
                if key not in value:
                    sub = f"{path}.{key}" if path else key
                    out.append(Problem("missing", sub, f"the parameter {sub} is required"))
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self._check(schema["items"], item, f"{where}[{i}]", out)


def _load_document() -> dict:
    import importlib.resources

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    res = importlib.resources.files(SPEC_PACKAGE).joinpath(*SPEC_RESOURCE)
    return yaml.load(res.read_bytes(), Loader=loader)


@functools.lru_cache(maxsize=1)
def spec() -> Spec:
    """The spec, parsed once per process (about half a second with libyaml)."""
    return Spec(_load_document())


def request_error(action: str, body) -> Optional[ApiError]:
    """The OAPI error a request body earns, or None when it is valid."""
    s = spec()
    found = s.problems(s.requests[action], body)
    if not found:
        return None
    for kind, case in CASE_BY_KIND.items():
        first = next((p for p in found if p.kind == kind), None)
        if first:
            more = f" ({len(found) - 1} more problem(s))" if len(found) > 1 else ""
            return ApiError(case, f"{action}: {first.message}.{more}")
    return None  # pragma: no cover


def response_problems(action: str, body: dict, status: int = 200) -> list:
    """What in an answer the spec forbids (errors are held to ErrorResponse)."""
    s = spec()
    schema = s.responses[action] if status == 200 else {"$ref": "#/components/schemas/ErrorResponse"}
    return [p.message for p in s.problems(schema, body)]
