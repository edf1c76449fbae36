"""Finding a caller's resources by ID, with OAPI's not-found codes.

A malformed ID (wrong prefix) -> 4104 invalid-id-prefix; an ID the caller cannot
see -> 5023 image / 5054 snapshot / 5063 VM / 5064 volume / 5058 task.  A
resource another account owns but shares is "seen" for reading and copying,
and "not found" for changing it (OAPI does not say which code it answers
there [?]; not-found keeps the owner's resources undisclosed).
"""

from __future__ import annotations

from .errors import ApiError
from .store import Cloud

# prefix -> (what, store attribute, not-found case, OAPI parameter name)
KINDS = {
    "ami-": ("image", "images", "no-such-image", "ImageId"),
    "snap-": ("snapshot", "snapshots", "no-such-snapshot", "SnapshotId"),
    "i-": ("VM", "vms", "no-such-vm", "VmId"),
    "vol-": ("volume", "volumes", "no-such-volume", "VolumeId"),
    "image-export-": ("export task", "export_tasks", "no-such-task", "ExportTaskId"),
}


def check_prefix(resource_id: str, prefix: str, param: str) -> None:
    if not resource_id.startswith(prefix) or len(resource_id) == len(prefix):
        raise ApiError("invalid-id-prefix", f"The ID {resource_id!r} given for {param} is malformed: it must start with {prefix!r}.")


def _not_found(prefix: str, resource_id: str) -> ApiError:
    _, _, case, param = KINDS[prefix]
    return ApiError(case, f"The {param} '{resource_id}' doesn't exist.")


def owned(cloud: Cloud, account_id: str, resource_id: str, prefix: str, param: str = ""):
    """The caller's own resource, or the right error."""
    check_prefix(resource_id, prefix, param or KINDS[prefix][3])
    found = getattr(cloud, KINDS[prefix][1]).get(resource_id)
    if found is None or found.account_id != account_id:
        raise _not_found(prefix, resource_id)
    return found


def launchable_image(cloud: Cloud, account_id: str, image_id: str, param: str = "ImageId"):
    check_prefix(image_id, "ami-", param)
    img = cloud.images.get(image_id)
    if img is None or not cloud.can_launch(img, account_id):
        raise _not_found("ami-", image_id)
    return img


def usable_snapshot(cloud: Cloud, account_id: str, snapshot_id: str, param: str = "SnapshotId"):
    check_prefix(snapshot_id, "snap-", param)
    snap = cloud.snapshots.get(snapshot_id)
    if snap is None or not cloud.can_use_snapshot(snap, account_id):
        raise _not_found("snap-", snapshot_id)
    return snap


def owned_any(cloud: Cloud, account_id: str, resource_id: str):
    """A taggable resource of the caller, whatever its kind."""
    for prefix in sorted(KINDS, key=len, reverse=True):
        if resource_id.startswith(prefix):
            return owned(cloud, account_id, resource_id, prefix, "ResourceIds")
    raise ApiError("invalid-id-prefix", f"The resource ID {resource_id!r} has no prefix this API can tag "
                                        f"({', '.join(sorted(KINDS))}).")
