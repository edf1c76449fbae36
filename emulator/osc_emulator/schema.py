"""OUTSCALE's published OpenAPI spec as the emulator's contract.

The spec (``outscale.yaml``, shipped in osc-sdk-python) is parsed once per process.  Bodies are
validated by ``openapi-schema-validator``'s OpenAPI 3.0 validators (over ``jsonschema``): requests
with the write rules, answers with the read rules.  Its errors map to OAPI's own codes: an
unexpected member is 3001 (unknown parameter), a missing one 7000, anything else (type, enum,
pattern, length, format, oneOf) 4110; the first kind found in that order is answered.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from typing import Iterator, Optional

from .errors import ApiError

SPEC_PACKAGE = "osc_sdk_python"
SPEC_RESOURCE = ("resources", "outscale.yaml")
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


@dataclass(frozen=True)
class Problem:
    kind: str  # unknown | missing | value
    path: str
    message: str


# Problem kind -> fault case; the first kind found in this order is answered.
CASE_BY_KIND = {"unknown": "unknown-parameter", "missing": "missing-parameter", "value": "invalid-parameter-type"}


def _is_datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


@functools.lru_cache(maxsize=1)
def format_checker():
    """The formats checked: OAPI's dates, which it takes with or without a time of day.

    The spec's other formats (byte, int64, float, double) are annotations here, as they are
    for the OAPI answers the shim reads: checking them would refuse values OAPI accepts.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name in ("date-time", "date"):
        checker.checks(name)(_is_datetime)
    return checker


def _member(path, name=None) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in [*path, *([name] if name else [])]]
    return "".join(parts).lstrip(".") or "(body)"


def _problems(error) -> Iterator[Problem]:
    """One jsonschema error as Problems, each naming the member as OAPI's messages do."""
    where = _member(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        for key in error.instance:
            if key not in allowed:
                sub = _member(error.absolute_path, key)
                yield Problem("unknown", sub, f"{sub} is not a parameter of this call")
    elif error.validator == "required" and isinstance(error.instance, dict):
        for key in error.validator_value:
            if key not in error.instance:
                sub = _member(error.absolute_path, key)
                yield Problem("missing", sub, f"the parameter {sub} is required")
    else:
        yield Problem("value", where, f"{where}: {error.message}")


class Spec:
    """The parsed spec: actions and their request / 200-response schemas, and their validators."""

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
        self._validators: dict = {}
        self._inlined: dict = {}  # schema name -> inlined copy

    @property
    def actions(self):
        return self.requests.keys()

    def inline(self, schema, seen=()):
        """``schema`` with its ``#/components/schemas/...`` refs replaced by what they name.

        jsonschema resolves a ``$ref`` each time it meets one (10x the cost of a 1,000-image answer);
        OUTSCALE's schemas are not recursive, so they are inlined once.  A recursive ref is kept.
        """
        if isinstance(schema, list):
            return [self.inline(item, seen) for item in schema]
        if not isinstance(schema, dict):
            return schema
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return schema
            found = self._inlined.get(name)
            if found is None:
                found = self._inlined[name] = self.inline(self.schemas[name], (*seen, name))
            return found
        return {key: self.inline(value, seen) if key != "enum" else value for key, value in schema.items()}

    def validator(self, schema: dict, writing: bool):
        """An OpenAPI 3.0 validator of ``schema``, whose ``#/components/...`` refs read this spec."""
        key = (id(schema), writing)
        found = self._validators.get(key)
        if found is None:
            from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

            cls = OAS30WriteValidator if writing else OAS30ReadValidator
            root = {"allOf": [self.inline(schema)], "components": self.document["components"]}
            found = self._validators[key] = (cls(root, format_checker=format_checker()), schema)
        return found[0]

    def problems(self, schema: dict, value, writing: bool = True) -> list:
        errors = self.validator(schema, writing).iter_errors(value)
        return [p for error in errors for p in _problems(error)]


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
    found = s.problems(s.requests[action], body, writing=True)
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
    schema = s.responses[action] if status == 200 else ERROR_SCHEMA
    return [p.message for p in s.problems(schema, body, writing=False)]
