"""CreateSnapshot (three uses), ReadSnapshots, UpdateSnapshot, DeleteSnapshot.

Snapshots are ``completed`` at once.  Codes: mixed uses -> 3002; FileLocation
without SnapshotSize -> 7000; bucket missing -> 4002, object missing -> 5037,
pre-signed URL expired -> 4074 invalid-url; SourceRegionName not this region ->
4047; unknown source snapshot -> 5054, volume -> 5064; deleting a snapshot an
image of the caller still uses -> 9002 busy, HTTP 409 (OAPI's code for this is
not documented [?]).
"""

from __future__ import annotations

from . import oos
from .errors import ApiError, bad_value, missing
from .filters import SNAPSHOT_FILTERS, matches, paginate
from .images import apply_permissions, check_not_expired, object_url
from .access import owned, usable_snapshot
from .models import Account
from .store import Cloud
from .views import snapshot_view

USES = {
    "bucket": ("FileLocation", "SnapshotSize"),
    "copy": ("SourceSnapshotId", "SourceRegionName"),
    "volume": ("VolumeId",),
}


def _use_of(params: dict) -> str:
    present = [use for use, members in USES.items() if any(m in params for m in members)]
    if len(present) > 1:
        given = [m for use in present for m in USES[use] if m in params]
        raise ApiError("incompatible-parameters",
                       f"These parameters belong to different ways of creating a snapshot: {', '.join(given)}.")
    if not present:
        raise missing("FileLocation, SourceSnapshotId or VolumeId", "(one of them).")
    return present[0]


def create_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    use = _use_of(params)
    token = params.get("ClientToken")
    if token:  # idempotent retries answer the snapshot the first call made
        for snap in cloud.snapshots.values():
            if snap.client_token == token and snap.account_id == caller.account_id:
                return {"Snapshot": snapshot_view(cloud, snap)}
    desc = params.get("Description", "")
    if use == "bucket":
        for member in USES["bucket"]:
            if member not in params:
                raise missing(member, "when importing a snapshot from a bucket.")
        if params["SnapshotSize"] < 1:
            raise bad_value("SnapshotSize", params["SnapshotSize"], "It is a size in bytes, at least 1.")
        loc = object_url(params["FileLocation"])
        check_not_expired(cloud, loc, "invalid-url", "snapshot file")
        if loc.bucket not in cloud.buckets:
            raise ApiError("bucket-not-found", f"The bucket {loc.bucket!r} does not exist.")
        if cloud.get_object(loc.bucket, loc.key) is None:
            raise ApiError("no-such-object", f"The object {loc.key!r} does not exist in the bucket {loc.bucket!r}.")
        snap = cloud.add_snapshot(caller.account_id, oos.size_in_gib(params["SnapshotSize"]), desc, client_token=token)
    elif use == "copy":
        for member in USES["copy"]:
            if member not in params:
                raise missing(member, "when copying a snapshot.")
        if params["SourceRegionName"] != cloud.region:
            raise bad_value("SourceRegionName", params["SourceRegionName"],
                            f"A snapshot is copied within its region ({cloud.region}).")
        src = usable_snapshot(cloud, caller.account_id, params["SourceSnapshotId"], "SourceSnapshotId")
        snap = cloud.add_snapshot(caller.account_id, src.volume_size, desc or src.description, client_token=token)
    else:
        vol = owned(cloud, caller.account_id, params["VolumeId"], "vol-")
        snap = cloud.add_snapshot(caller.account_id, vol.size, desc, volume_id=vol.volume_id, client_token=token)
    return {"Snapshot": snapshot_view(cloud, snap)}


def read_snapshots(cloud: Cloud, caller: Account, params: dict) -> dict:
    filters = params.get("Filters") or {}
    found = [view for view in (snapshot_view(cloud, s) for s in cloud.snapshots.values()
                               if cloud.can_use_snapshot(s, caller.account_id))
             if matches(view, filters, SNAPSHOT_FILTERS)]
    page, token = paginate(found, params, ["ReadSnapshots", caller.account_id, filters])
    out = {"Snapshots": page}
    if token:
        out["NextPageToken"] = token
    return out


def update_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = owned(cloud, caller.account_id, params["SnapshotId"], "snap-")
    snap.public, snap.volume_accounts = apply_permissions(params["PermissionsToCreateVolume"], snap.public,
                                                          snap.volume_accounts, "PermissionsToCreateVolume")
    return {"Snapshot": snapshot_view(cloud, snap)}


def delete_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = owned(cloud, caller.account_id, params["SnapshotId"], "snap-")
    users = [img.image_id for img in cloud.images.values() if img.account_id == caller.account_id
             and any(b.get("Bsu", {}).get("SnapshotId") == snap.snapshot_id for b in img.block_device_mappings)]
    if users:
        raise ApiError("busy", f"The snapshot {snap.snapshot_id} is used by the image(s) {', '.join(users)}; delete them first.")
    del cloud.snapshots[snap.snapshot_id]
    cloud.tags.pop(snap.snapshot_id, None)
    return {}


HANDLERS = {
    "CreateSnapshot": create_snapshot,
    "ReadSnapshots": read_snapshots,
    "UpdateSnapshot": update_snapshot,
    "DeleteSnapshot": delete_snapshot,
}
