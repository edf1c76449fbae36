"""EC2 filters: the matching rules every Describe* translator shares.

EC2 semantics: ``*``/``?`` wildcards (``\\`` escapes), OR within a filter, AND between
filters, always applied to the EC2-shaped answer.  Where OAPI has a filter that can only
return a superset, a ``Server`` rule says how it is also sent, so OUTSCALE narrows first
(``Narrowing``, ``server_filter``).  Each operation's table of filters lives with it
(``describe_images.FILTERS``, ``snapshots.SNAPSHOT_FILTERS``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import Ec2Error
from .engine import Handled, check_members
from .placeholders import is_symbolic

FILTER_MEMBERS = {
    "Name": Handled("the filter name, see FILTERS"),
    "Values": Handled("alternatives (OR), with * and ? wildcards"),
}


# -- wildcards ------------------------------------------------------------------------------

def has_wildcard(pattern: str) -> bool:
    return any(c in pattern for c in "*?\\")


@functools.lru_cache(maxsize=256)  # a filter's values are matched against every image of the answer
def wildcard(pattern: str) -> re.Pattern:
    """EC2 filter values: ``*`` any run, ``?`` one character, ``\\`` escapes; case-sensitive."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def matches(candidates, patterns) -> bool:
    """Does any candidate value match any pattern?  A symbolic value (translate) matches."""
    if is_symbolic(candidates):
        return True
    for value in candidates:
        if is_symbolic(value):
            return True
        if value is None:
            continue
        if any(wildcard(p).match(_text(value)) for p in patterns):
            return True
    return False



def passes(filters: list, view: dict, answer) -> bool:
    """Does ``view`` (the EC2 shape of OAPI's ``answer``) pass every one of ``filters`` (``check_filters``'
    list)?  A placeholder answer does: it stands for the ones that pass."""
    return is_symbolic(answer) or all(matches(rule.read(view), values) for _, rule, values in filters)


# -- rules -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    """The OAPI filter an EC2 filter is also sent as.

    ``many``: OAPI reads a many-valued attribute (tags, devices): only one value is sent.
    ``single``: OAPI takes one value (a boolean): only one value is sent, converted.
    ``convert``: EC2 value -> OAPI value; None means "cannot be sent".
    ``wildcards``: OAPI matches ``*``/``?`` itself.
    """

    name: str
    many: bool = False
    single: bool = False
    convert: Optional[Callable] = None
    wildcards: bool = False


@dataclass(frozen=True)
class Filter:
    read: Callable  # EC2 Image -> candidate values
    server: Optional[Server] = None
    note: str = ""



# -- what is sent to OAPI ----------------------------------------------------------------------

class Narrowing:
    """OAPI Filters being built; a member set twice keeps only the values both allow."""

    def __init__(self):
        self.filters: dict = {}
        self._dropped: set = set()

    def add(self, name: str, value):
        if name in self._dropped:
            return
        if name not in self.filters:
            self.filters[name] = value
            return
        old = self.filters[name]
        if isinstance(old, list) and isinstance(value, list):
            both = [v for v in old if v in value]
            if both:
                self.filters[name] = both
                return
        # Contradictory or not combinable: leave it to the answer.
        del self.filters[name]
        self._dropped.add(name)


def server_filter(rule: Filter, values: list, narrowing: Narrowing, tag_key: Optional[str] = None):
    if tag_key is not None:
        # tag:KEY=VALUE -> Tags ["KEY=VALUE"] for one plain value; several -> the key only.
        if len(values) == 1 and not has_wildcard(values[0]) and not has_wildcard(tag_key) \
                and "=" not in tag_key:
            narrowing.add("Tags", [f"{tag_key}={values[0]}"])
        elif not has_wildcard(tag_key):
            narrowing.add("TagKeys", [tag_key])
        return
    server = rule.server
    if server is None:
        return
    if any(has_wildcard(v) for v in values) and not (
            server.wildcards and not any("\\" in v for v in values)):
        return
    if (server.many or server.single) and len(values) != 1:
        return
    converted = [server.convert(v) if server.convert else v for v in values]
    if any(c is None for c in converted):
        return
    if server.many and len(narrowing.filters.get(server.name, [])) >= 1:
        return  # a second value on a many-valued attribute: OAPI might AND them
    narrowing.add(server.name, converted[0] if server.single else converted)


def check_filters(operation: str, filters, rule_for) -> list:
    """EC2 Filters -> [(name, rule, values)]: each one named, with values, its rule read by ``rule_for``."""
    out = []
    for i, f in enumerate(filters or [], 1):
        check_members(operation, FILTER_MEMBERS, f, f"Filter.{i}.")
        name = f.get("Name")
        if not name:
            raise Ec2Error("MissingParameter", f"The request must contain the parameter Filter.{i}.Name")
        values = [str(v) for v in f.get("Values") or []]
        if not values:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' needs at least one value")
        out.append((name, rule_for(name), values))
    return out
