"""CreateTags / DeleteTags on the caller's images, snapshots, VMs, volumes and export tasks.

Codes: an ID with an unknown prefix -> 4104; a resource the caller does not own
-> its kind's not-found code (5023, 5054, 5063, 5064, 5058); an empty key, a key
over 255 characters or starting with ``aws:`` -> 4069 invalid-tag-key; a value
over 255 characters -> 4071 invalid-tag-value-length; more than 50 tags on a
resource -> 10041 too-many-tags.  DeleteTags with an empty Value removes the key
whatever its value (the schema makes Value required, so "" is the only way to
say "any"); with a value, only an exact match.
"""

from __future__ import annotations

from .errors import ApiError, missing
from .access import owned_any
from .models import Account
from .store import Cloud

MAX_TAGS_PER_RESOURCE = 50
MAX_TAG_LENGTH = 255
RESERVED_KEY_PREFIXES = ("aws:",)


def _check_call(cloud: Cloud, caller: Account, params: dict) -> list:
    if not params["ResourceIds"]:
        raise missing("ResourceIds", "(at least one ID).")
    if not params["Tags"]:
        raise missing("Tags", "(at least one tag).")
    return [owned_any(cloud, caller.account_id, rid) for rid in params["ResourceIds"]]


def create_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    _check_call(cloud, caller, params)
    for tag in params["Tags"]:
        key, value = tag["Key"], tag["Value"]
        if not key or len(key) > MAX_TAG_LENGTH or key.startswith(RESERVED_KEY_PREFIXES):
            raise ApiError("invalid-tag-key", f"The tag key {key!r} is invalid: 1-{MAX_TAG_LENGTH} characters, "
                                              f"not starting with {', '.join(RESERVED_KEY_PREFIXES)}.")
        if len(value) > MAX_TAG_LENGTH:
            raise ApiError("invalid-tag-value-length", f"The value of the tag {key!r} is longer than {MAX_TAG_LENGTH} characters.")
    for rid in params["ResourceIds"]:
        merged = dict(cloud.tags.get(rid, {}), **{t["Key"]: t["Value"] for t in params["Tags"]})
        if len(merged) > MAX_TAGS_PER_RESOURCE:
            raise ApiError("too-many-tags", f"{rid} would have {len(merged)} tags; the limit is {MAX_TAGS_PER_RESOURCE}.")
    for rid in params["ResourceIds"]:
        cloud.tags.setdefault(rid, {}).update({t["Key"]: t["Value"] for t in params["Tags"]})
    return {}


def delete_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    _check_call(cloud, caller, params)
    for rid in params["ResourceIds"]:
        tags = cloud.tags.get(rid, {})
        for tag in params["Tags"]:
            if tag["Key"] in tags and (tag["Value"] == "" or tags[tag["Key"]] == tag["Value"]):
                del tags[tag["Key"]]
    return {}


# ReadTags (added for the image lifecycle: DeleteTags by key only reads the values first).
# OAPI's Tag.ResourceType for each taggable kind the emulator keeps.
RESOURCE_TYPES = {"ami-": "image", "snap-": "snapshot", "i-": "vm", "vol-": "volume", "image-export-": "task"}
TAG_FILTERS = {
    "Keys": ("one", lambda v: v["Key"]),
    "ResourceIds": ("one", lambda v: v["ResourceId"]),
    "ResourceTypes": ("one", lambda v: v["ResourceType"]),
    "Values": ("one", lambda v: v["Value"]),
}


def _resource_type(resource_id: str) -> str:
    for prefix in sorted(RESOURCE_TYPES, key=len, reverse=True):
        if resource_id.startswith(prefix):
            return RESOURCE_TYPES[prefix]
    return "unknown"


def read_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    """The caller's tags (only resources it owns), filtered and paginated like other Read calls."""
    from .filters import matches, paginate
    from .access import KINDS

    filters = params.get("Filters") or {}
    found = []
    for rid, tags in cloud.tags.items():
        prefix = next((p for p in sorted(KINDS, key=len, reverse=True) if rid.startswith(p)), None)
        resource = getattr(cloud, KINDS[prefix][1]).get(rid) if prefix else None
        if resource is None or resource.account_id != caller.account_id:
            continue
        for key, value in tags.items():
            view = {"Key": key, "ResourceId": rid, "ResourceType": _resource_type(rid), "Value": value}
            if matches(view, filters, TAG_FILTERS):
                found.append(view)
    page, token = paginate(found, params, ["ReadTags", caller.account_id, filters])
    out = {"Tags": page}
    if token:
        out["NextPageToken"] = token
    return out


HANDLERS = {"CreateTags": create_tags, "DeleteTags": delete_tags, "ReadTags": read_tags}
