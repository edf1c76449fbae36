"""EC2's and OUTSCALE's length limits on string members: one table, checked before anything is sent.

``check(operation, params)`` runs for every operation, ahead of its translator (``core.call`` and
``osc-shim translate`` both call it), so a 900,000-character Description never reaches OAPI, and the
error quotes a short prefix of the value (``errors.clip``), never the value whole.

A rule names a member by the path of member names that ends at it (list positions left out): the first
rule whose path ends the member's path, and whose operations include the call's, applies; any other
string gets ``ANY_STRING`` (no EC2 string member the shim translates comes near it: a pre-signed URL
with a session token is ~2 KB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import Ec2Error, clip

IMAGE_CREATES = frozenset({"RegisterImage", "CreateImage", "CopyImage"})


@dataclass(frozen=True)
class Limit:
    path: tuple                         # member names ending at the string, e.g. ("Tags", "Key")
    most: int                           # characters
    source: str                         # where the limit comes from (for the docs and the message)
    operations: Optional[frozenset] = None  # None: every operation
    code: str = "InvalidParameterValue"


LIMITS = (
    Limit(("Name",), 128, "EC2 and OUTSCALE image names are 3-128 characters", IMAGE_CREATES,
          "InvalidAMIName.Malformed"),
    Limit(("Description", "Value"), 255, "EC2 descriptions are at most 255 characters"),
    Limit(("Description",), 255, "EC2 descriptions are at most 255 characters"),
    Limit(("Tags", "Key"), 128, "tag keys are at most 128 characters"),
    Limit(("Tags", "Value"), 256, "tag values are at most 256 characters"),
    Limit(("Filters", "Name"), 255, "filter names are at most 255 characters"),
    Limit(("Filters", "Values"), 1024, "filter values are at most 1,024 characters"),
)
ANY_STRING = 16384


def limit_for(operation: str, path: tuple) -> Optional[Limit]:
    for rule in LIMITS:
        if path[-len(rule.path):] == rule.path and (rule.operations is None or operation in rule.operations):
            return rule
    return None


def check(operation: str, params) -> None:
    """Raise EC2's error for the first string of ``params`` (botocore-shaped) over its limit."""
    _walk(operation, params, (), "")


def _walk(operation: str, value, path: tuple, shown: str) -> None:
    if isinstance(value, str):
        rule = limit_for(operation, path)
        most = rule.most if rule is not None else ANY_STRING
        if len(value) > most:
            why = rule.source if rule is not None else f"strings are at most {ANY_STRING} characters"
            raise Ec2Error(rule.code if rule is not None else "InvalidParameterValue",
                           f"Value ({clip(value)}) for parameter {shown} is invalid: it is {len(value)} characters "
                           f"long; {why}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            _walk(operation, item, path + (name,), f"{shown}.{clip(name)}" if shown else clip(name))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value, 1):
            _walk(operation, item, path, f"{shown}.{index}")
