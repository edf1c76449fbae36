"""Read* filters and pagination, driven by per-resource tables.

A table maps an OAPI filter name to (how to match, what to read from the
resource's OAPI view).  Within a filter the values are alternatives (OR);
filters combine with AND, as OAPI documents.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import re

from .errors import ApiError

MAX_RESULTS_PER_PAGE = 1000


def _wildcard(pattern: str) -> re.Pattern:
    """OAPI name filters: ``*`` any run, ``?`` one character, everything else literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z", re.S)


def _tag_match(wanted: str, tags: list) -> bool:
    key, sep, value = wanted.partition("=")
    return any(t["Key"] == key and (not sep or t["Value"] == value) for t in tags)


def _date(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _aware(d: _dt.datetime) -> _dt.datetime:
    return d if d.tzinfo else d.replace(tzinfo=_dt.timezone.utc)


# mode -> test(filter value, value read from the view)
MATCHERS = {
    "one": lambda wanted, got: got in wanted,
    "any": lambda wanted, got: any(g in wanted for g in got),
    "wild": lambda wanted, got: got is not None and any(_wildcard(w).match(got) for w in wanted),
    "bool": lambda wanted, got: got == wanted,
    "any_bool": lambda wanted, got: wanted in got,
    "tags": lambda wanted, got: any(_tag_match(w, got) for w in wanted),
    "since": lambda wanted, got: _aware(_date(got)) >= _aware(_date(wanted)),
    "until": lambda wanted, got: _aware(_date(got)) <= _aware(_date(wanted)),
}


def _bsu(view: dict, member: str) -> list:
    return [b["Bsu"][member] for b in view.get("BlockDeviceMappings", []) if member in b.get("Bsu", {})]


def _tag_keys(view):
    return [t["Key"] for t in view.get("Tags", [])]


def _tag_values(view):
    return [t["Value"] for t in view.get("Tags", [])]


# OUTSCALE's product code names are not published with the spec [?]: the one code
# the emulator hands out is named here so ProductCodeNames can match it.
PRODUCT_CODE_NAMES = {"0001": "Linux"}

IMAGE_FILTERS = {
    "AccountAliases": ("one", lambda v: v.get("AccountAlias")),
    "AccountIds": ("one", lambda v: v["AccountId"]),
    "Architectures": ("one", lambda v: v["Architecture"]),
    "BlockDeviceMappingDeleteOnVmDeletion": ("any_bool", lambda v: _bsu(v, "DeleteOnVmDeletion")),
    "BlockDeviceMappingDeviceNames": ("any", lambda v: [b["DeviceName"] for b in v["BlockDeviceMappings"]]),
    "BlockDeviceMappingSnapshotIds": ("any", lambda v: _bsu(v, "SnapshotId")),
    "BlockDeviceMappingVolumeSizes": ("any", lambda v: _bsu(v, "VolumeSize")),
    "BlockDeviceMappingVolumeTypes": ("any", lambda v: _bsu(v, "VolumeType")),
    "BootModes": ("any", lambda v: v["BootModes"]),
    "Descriptions": ("one", lambda v: v["Description"]),
    "FileLocations": ("one", lambda v: v["FileLocation"]),
    "Hypervisors": ("one", lambda v: "xen"),
    "ImageIds": ("one", lambda v: v["ImageId"]),
    "ImageNames": ("wild", lambda v: v["ImageName"]),
    "PermissionsToLaunchAccountIds": ("any", lambda v: v["PermissionsToLaunch"]["AccountIds"]),
    "PermissionsToLaunchGlobalPermission": ("bool", lambda v: v["PermissionsToLaunch"]["GlobalPermission"]),
    "ProductCodeNames": ("any", lambda v: [PRODUCT_CODE_NAMES.get(c, c) for c in v["ProductCodes"]]),
    "ProductCodes": ("any", lambda v: v["ProductCodes"]),
    "RootDeviceNames": ("one", lambda v: v["RootDeviceName"]),
    "RootDeviceTypes": ("one", lambda v: v["RootDeviceType"]),
    "SecureBoot": ("bool", lambda v: v["SecureBoot"]),
    "States": ("one", lambda v: v["State"]),
    "TagKeys": ("any", _tag_keys),
    "TagValues": ("any", _tag_values),
    "Tags": ("tags", lambda v: v["Tags"]),
    "TpmMandatory": ("bool", lambda v: v["TpmMandatory"]),
    "VirtualizationTypes": ("one", lambda v: "hvm"),
}

SNAPSHOT_FILTERS = {
    "AccountAliases": ("one", lambda v: v.get("AccountAlias")),
    "AccountIds": ("one", lambda v: v["AccountId"]),
    "ClientTokens": ("one", lambda v: v.get("ClientToken")),
    "Descriptions": ("one", lambda v: v["Description"]),
    "FromCreationDate": ("since", lambda v: v["CreationDate"]),
    "PermissionsToCreateVolumeAccountIds": ("any", lambda v: v["PermissionsToCreateVolume"]["AccountIds"]),
    "PermissionsToCreateVolumeGlobalPermission": ("bool", lambda v: v["PermissionsToCreateVolume"]["GlobalPermission"]),
    "Progresses": ("one", lambda v: v["Progress"]),
    "SnapshotIds": ("one", lambda v: v["SnapshotId"]),
    "States": ("one", lambda v: v["State"]),
    "TagKeys": ("any", _tag_keys),
    "TagValues": ("any", _tag_values),
    "Tags": ("tags", lambda v: v["Tags"]),
    "ToCreationDate": ("until", lambda v: v["CreationDate"]),
    "VolumeIds": ("one", lambda v: v.get("VolumeId")),
    "VolumeSizes": ("one", lambda v: v["VolumeSize"]),
}

EXPORT_TASK_FILTERS = {
    "ImageIds": ("one", lambda v: v["ImageId"]),
    "TaskIds": ("one", lambda v: v["TaskId"]),
}


def matches(view: dict, filters: dict, table: dict) -> bool:
    for name, wanted in (filters or {}).items():
        mode, read = table[name]  # the schema has already refused unknown filter names
        if not MATCHERS[mode](wanted, read(view)):
            return False
    return True


def _fingerprint(scope) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:16]


def paginate(items: list, params: dict, scope) -> tuple:
    """(page, NextPageToken or None) for ``ResultsPerPage``/``NextPageToken``.

    A token is bound to the call's filters (``scope``): reusing it with others is refused.
    """
    size = params.get("ResultsPerPage")
    if size is not None and not 1 <= size <= MAX_RESULTS_PER_PAGE:
        raise ApiError("invalid-parameter-type",
                       f"ResultsPerPage must be between 1 and {MAX_RESULTS_PER_PAGE}; got {size}.")
    start = 0
    token = params.get("NextPageToken")
    if token:
        try:
            data = json.loads(base64.b64decode(token, validate=True))
            start = int(data["o"])
            if data["s"] != _fingerprint(scope) or start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise ApiError("invalid-parameter-type",
                           "NextPageToken is not a token this call returned with these filters.") from None
    if size is None:
        return items[start:], None
    page = items[start:start + size]
    more = start + size < len(items)
    next_token = base64.b64encode(json.dumps({"o": start + size, "s": _fingerprint(scope)}).encode()).decode()
    return page, (next_token if more else None)
