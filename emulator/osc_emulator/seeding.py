"""Everything that puts resources into an emulated cloud: the default seed of every region, the
``/_emulator/seed`` document (``SEED_FORMAT``), and one-line helpers for tests, demos and benchmarks
(``seed_manifest``, ``seed_snapshot``: they take an emulator handle or a ``Cloud``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Optional

from .models import OUTSCALE_ACCOUNT_ID
from .oos import make_manifest


def seed_defaults(cloud) -> None:
    """A VM per account (to create images from) and one public OUTSCALE image."""
    for acct in cloud.accounts.values():
        cloud.add_vm(acct.account_id, [{"DeviceName": "/dev/sda1", "VolumeSize": 10}],
                    vm_id=default_vm_id(acct.account_id))
    snap = cloud.add_snapshot(OUTSCALE_ACCOUNT_ID, 10, "Ubuntu 22.04 root volume", snapshot_id="snap-0b0c0a01")
    cloud.add_image(image_id="ami-0b0c0a01", account_id=OUTSCALE_ACCOUNT_ID, name="Ubuntu-22.04-2024.01.01-0",
                   architecture="x86_64", state="available", public=True,
                   file_location="Outscale/Ubuntu-22.04-2024.01.01-0", description="",
                   block_device_mappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                       "DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": 10,
                       "VolumeType": "standard"}}],
                   created_at=1704067200.0)


def seed(cloud, data: dict) -> dict:
    """Add resources described in OAPI-like JSON; return the IDs made.  See ``SEED_FORMAT``."""
    out = {"Buckets": [], "Objects": [], "ManifestUrls": [], "Vms": [], "Snapshots": [], "Images": []}
    with cloud.lock:
        owner = cloud.default_account.account_id
        for bucket in data.get("buckets", ()):
            cloud.create_bucket(bucket)
            out["Buckets"].append(bucket)
        for obj in data.get("objects", ()):
            cloud.put_object(obj["Bucket"], obj["Key"], object_body(obj))
            out["Objects"].append(f"{obj['Bucket']}/{obj['Key']}")
        for m in data.get("manifests", ()):
            out["ManifestUrls"].append(cloud.put_manifest(m["Bucket"], m["Key"], m["Manifest"]))
        for v in data.get("vms", ()):
            vm = cloud.add_vm(v.get("AccountId", owner), v.get("Volumes") or [{"VolumeSize": 10}],
                             v.get("Architecture", "x86_64"), v.get("VmId"), v.get("BootModes"))
            out["Vms"].append(vm.vm_id)
        for s in data.get("snapshots", ()):
            perms = s.get("PermissionsToCreateVolume", {})
            snap = cloud.add_snapshot(s.get("AccountId", owner), s.get("VolumeSize", 10), s.get("Description", ""),
                                     snapshot_id=s.get("SnapshotId"), public=perms.get("GlobalPermission", False),
                                     volume_accounts=list(perms.get("AccountIds", [])))
            out["Snapshots"].append(snap.snapshot_id)
        for i in data.get("images", ()):
            perms = i.get("PermissionsToLaunch", {})
            img = cloud.add_image(
                image_id=i.get("ImageId") or cloud.new_id("ami-"), account_id=i.get("AccountId", owner),
                name=i["ImageName"], architecture=i.get("Architecture", "x86_64"),
                block_device_mappings=i.get("BlockDeviceMappings", []), description=i.get("Description", ""),
                root_device_name=i.get("RootDeviceName", "/dev/sda1"),
                file_location=i.get("FileLocation", f"{i.get('AccountId', owner)}/{i['ImageName']}"),
                boot_modes=i.get("BootModes", ["legacy"]), product_codes=i.get("ProductCodes", ["0001"]),
                state=i.get("State", "available"), public=perms.get("GlobalPermission", False),
                launch_accounts=list(perms.get("AccountIds", [])))
            for tag in i.get("Tags", ()):
                cloud.tags.setdefault(img.image_id, {})[tag["Key"]] = tag["Value"]
            out["Images"].append(img.image_id)
    return out


def default_vm_id(account_id: str) -> str:
    """The VM seeded for each account: a stable ID, so demos can name it."""
    return "i-" + hashlib.sha256(account_id.encode()).hexdigest()[:8]


def object_body(obj: dict) -> bytes:
    if "Json" in obj:
        return json.dumps(obj["Json"]).encode()
    if "BodyBase64" in obj:
        return base64.b64decode(obj["BodyBase64"])
    return str(obj.get("Body", "")).encode()


SEED_FORMAT = """\
{"buckets": ["name", ...],
 "objects": [{"Bucket": "b", "Key": "k", "Body": "text" | "BodyBase64": "..." | "Json": {...}}],
 "manifests": [{"Bucket": "b", "Key": "k", "Manifest": {...manifest...}}],   (answers pre-signed URLs)
 "vms": [{"VmId"?, "AccountId"?, "Architecture"?, "Volumes": [{"DeviceName", "VolumeSize", "VolumeType"?}]}],
 "snapshots": [{"SnapshotId"?, "AccountId"?, "VolumeSize", "Description"?, "PermissionsToCreateVolume"?}],
 "images": [{"ImageId"?, "AccountId"?, "ImageName", "State"?, "BlockDeviceMappings"?, "PermissionsToLaunch"?, ...}]}
AccountId defaults to the first account's."""


def _cloud(target):
    return getattr(target, "cloud", target)


def seed_manifest(target, name: str, bucket: str = "exports", key: Optional[str] = None,
                  architecture: str = "x86_64", expires_in: Optional[int] = None, **manifest_options) -> str:
    """Store an export manifest for an image ``name``; return a pre-signed URL of it.

    The snapshot URLs inside are signed at the emulated clock's time; ``expires_in``
    (seconds, may be negative) sets the manifest URL's validity (default seven days).
    """
    cloud = _cloud(target)
    manifest = make_manifest(name, architecture, region=cloud.region, bucket=bucket, now=cloud.now(),
                             **manifest_options)
    key = key or f"{name}/manifest.json"
    if expires_in is None:
        return cloud.put_manifest(bucket, key, manifest)
    return cloud.put_manifest(bucket, key, manifest, expires_in)


def seed_snapshot(target, size: int = 10, account_id: Optional[str] = None, description: str = "") -> str:
    """A completed snapshot of ``size`` GiB (owned by the first account by default); its ID."""
    cloud = _cloud(target)
    with cloud.lock:
        return cloud.add_snapshot(account_id or cloud.default_account.account_id, size, description).snapshot_id
