"""What the FCU face's handlers share: EC2 IDs and not-found errors, filters, pages, tags.

EC2's rules as clients meet them: a malformed ID is ``<Kind>.Malformed``, an
unknown one ``<Kind>.NotFound``; filters are OR within a name, AND between
names, with ``*``/``?`` wildcards and ``\\`` escapes, case-sensitive (``matches``);
``tag:KEY`` and ``tag-key`` work on every resource; ``MaxResults``/``NextToken``
page any listing.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Callable, Dict

from .errors import Ec2Error

# prefix -> (EC2 kind in error codes, what the message calls it, the cloud's store)
ID_KINDS = {
    "i-": ("InvalidInstanceID", "instance ID", "vms"),
    "vol-": ("InvalidVolume", "volume", "volumes"),
    "snap-": ("InvalidSnapshot", "snapshot", "snapshots"),
    "ami-": ("InvalidAMIID", "image id", "images"),
}
_ID_RE = re.compile(r"^(i|vol|snap|ami)-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
# EC2 ResourceType of a tag, by ID prefix (DescribeTags' resource-type).
RESOURCE_TYPES = {"ami-": "image", "snap-": "snapshot", "i-": "instance", "vol-": "volume",
                  "image-export-": "export-image-task"}


def _wildcard(pattern: str) -> "re.Pattern":
    """An EC2 filter value as a regex: ``*`` any run, ``?`` one character, ``\\`` makes the next literal."""
    parts = re.findall(r"\\.|\\$|.", pattern, re.S)
    return re.compile("".join(".*" if p == "*" else "." if p == "?" else re.escape(p[-1]) for p in parts) + r"\Z", re.S)


def _as_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def matches(candidates, patterns) -> bool:
    """Does any candidate value (None never) match any filter value?"""
    return any(value is not None and _wildcard(p).match(_as_text(value)) for value in candidates for p in patterns)


def when(ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)


def not_found(resource_id: str) -> Ec2Error:
    prefix = next(p for p in ID_KINDS if resource_id.startswith(p))
    kind, what, _ = ID_KINDS[prefix]
    code = "InvalidVolume.NotFound" if prefix == "vol-" else f"{kind}.NotFound"
    if prefix == "ami-":
        return Ec2Error(code, f"The image id '[{resource_id}]' does not exist")
    return Ec2Error(code, f"The {what} '{resource_id}' does not exist")


def check_id(resource_id, prefix: str) -> str:
    kind = ID_KINDS[prefix][0]
    if not isinstance(resource_id, str) or not resource_id.startswith(prefix) or not _ID_RE.match(resource_id):
        code = "InvalidParameterValue" if prefix == "vol-" else f"{kind}.Malformed"
        raise Ec2Error(code, f'Invalid id: "{resource_id}" (expecting "{prefix}...")')
    return resource_id


def own(cloud, caller, resource_id, prefix: str):
    """The caller's resource with that ID, or EC2's Malformed / NotFound error."""
    check_id(resource_id, prefix)
    found = getattr(cloud, ID_KINDS[prefix][2]).get(resource_id)
    if found is None or found.account_id != caller.account_id:
        raise not_found(resource_id)
    return found


def tag_set(cloud, resource_id: str) -> list:
    return [{"Key": k, "Value": v} for k, v in cloud.tags.get(resource_id, {}).items()]


def apply_tag_specifications(cloud, specs, resource_type: str, resource_id: str) -> None:
    """``TagSpecifications`` of a create: the tags of ``resource_type`` go on the new resource."""
    for spec in specs or []:
        if spec.get("ResourceType") == resource_type:
            cloud.tags.setdefault(resource_id, {}).update(
                {t["Key"]: t.get("Value") or "" for t in spec.get("Tags") or []})


def filtered(views: list, filters, table: Dict[str, Callable]) -> list:
    """The views every filter matches; ``table``: filter name -> view -> candidate values."""
    rules = []
    for f in filters or []:
        name, values = f.get("Name"), f.get("Values") or []
        if isinstance(name, str) and name.startswith("tag:") and len(name) > 4:
            key = name[4:]
            read = (lambda key: lambda v: [t["Value"] for t in v.get("Tags") or [] if t["Key"] == key])(key)
        elif name == "tag-key":
            read = lambda v: [t["Key"] for t in v.get("Tags") or []]  # noqa: E731
        elif name in table:
            read = table[name]
        else:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
        rules.append((read, values))
    return [v for v in views if all(matches(read(v), values) for read, values in rules)]


def page(items: list, params: dict, key: str) -> dict:
    """``{key: items}`` cut by MaxResults / NextToken (an offset: the store keeps its order)."""
    start = 0
    token = params.get("NextToken")
    if token:
        if not token.isdigit() or int(token) > len(items):
            raise Ec2Error("InvalidNextToken", f"The token '{token[:40]}' is invalid.")
        start = int(token)
    size = params.get("MaxResults")
    if size is None:
        return {key: items[start:]}
    if size < 5 or size > 1000:
        raise Ec2Error("InvalidParameterValue", f"Value ({size}) for parameter maxResults is invalid. "
                                                "Expecting a value between 5 and 1000.")
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out
