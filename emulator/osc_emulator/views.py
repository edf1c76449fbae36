"""The emulated cloud's resources in OAPI's shapes (what Read* calls and ``GET /_emulator/state`` show)."""

from __future__ import annotations

import json

from .models import ExportTask, Image, Snapshot, iso


def tag_list(cloud, resource_id: str) -> list:
    return [{"Key": k, "Value": v} for k, v in cloud.tags.get(resource_id, {}).items()]

def image_view(cloud, img: Image) -> dict:
    view = {
        "AccountId": img.account_id, "Architecture": img.architecture,
        "BlockDeviceMappings": json.loads(json.dumps(img.block_device_mappings)),
        "BootModes": list(img.boot_modes), "CreationDate": iso(img.created_at),
        "Description": img.description, "FileLocation": img.file_location, "ImageId": img.image_id,
        "ImageName": img.name, "ImageType": "machine",
        "PermissionsToLaunch": {"GlobalPermission": img.public, "AccountIds": list(img.launch_accounts)},
        "ProductCodes": list(img.product_codes), "RootDeviceName": img.root_device_name,
        "RootDeviceType": "bsu", "SecureBoot": img.secure_boot, "State": img.state,
        "StateComment": dict(img.state_comment), "Tags": tag_list(cloud, img.image_id),
        "TpmMandatory": img.tpm_mandatory,
    }
    alias = cloud.alias_of(img.account_id)
    if alias:
        view["AccountAlias"] = alias
    return view

def snapshot_view(cloud, snap: Snapshot) -> dict:
    view = {
        "AccountId": snap.account_id, "CreationDate": iso(snap.created_at), "Description": snap.description,
        "PermissionsToCreateVolume": {"GlobalPermission": snap.public, "AccountIds": list(snap.volume_accounts)},
        "Progress": snap.progress, "SnapshotId": snap.snapshot_id, "State": snap.state,
        "Tags": tag_list(cloud, snap.snapshot_id), "VolumeSize": snap.volume_size,
    }
    if snap.volume_id:
        view["VolumeId"] = snap.volume_id
    if snap.client_token:
        view["ClientToken"] = snap.client_token
    alias = cloud.alias_of(snap.account_id)
    if alias:
        view["AccountAlias"] = alias
    return view

def task_view(cloud, task: ExportTask) -> dict:
    export = {"DiskImageFormat": task.disk_format, "OsuBucket": task.bucket, "OsuPrefix": task.prefix}
    if task.manifest_url:
        export["OsuManifestUrl"] = task.manifest_url
    return {"Comment": task.comment, "ImageId": task.image_id, "OsuExport": export,
            "Progress": task.progress, "State": task.state, "Tags": tag_list(cloud, task.task_id),
            "TaskId": task.task_id}


def dump(cloud) -> dict:
    """Everything, in OAPI shapes, for tests (never a secret key)."""
    with cloud.lock:
        return {
            "Region": cloud.region,
            "Accounts": [{"AccessKey": a.access_key, "AccountId": a.account_id, "AccountAlias": a.alias}
                         for a in cloud.accounts.values()],
            "Images": [image_view(cloud, i) for i in cloud.images.values()],
            "Snapshots": [snapshot_view(cloud, s) for s in cloud.snapshots.values()],
            "Vms": [{"VmId": vm.vm_id, "AccountId": vm.account_id, "Architecture": vm.architecture,
                     "State": vm.state, "ImageId": vm.image_id,
                     "Volumes": [{"VolumeId": vid, "DeviceName": cloud.volumes[vid].device_name,
                                  "VolumeSize": cloud.volumes[vid].size,
                                  "VolumeType": cloud.volumes[vid].volume_type} for vid in vm.volume_ids]}
                    for vm in list(cloud.vms.values()) + list(cloud.terminated_vms.values())],
            "ImageExportTasks": [dict(task_view(cloud, t), AccountId=t.account_id)
                                 for t in cloud.export_tasks.values()],
            "Objects": [{"Bucket": b, "Key": k, "Size": len(v)} for b, objs in cloud.buckets.items()
                        for k, v in objs.items()],
            "Buckets": sorted(cloud.buckets),
        }
