"""FCU face: volumes, snapshots and tags, over the same stores as the OAPI face.

A snapshot made by OAPI ``CreateSnapshot`` (or by ``CreateImage``) is the one
``DescribeSnapshots`` lists here, and the reverse; tags written by either face
are read back by both.  Volumes answer ``creating`` when made and are
``available`` (or ``in-use`` when attached) at the next read; attachments
answer ``attaching``/``detaching`` and are settled at the next read.
Snapshots are ``completed`` at once, as the OAPI face makes them.
"""

from __future__ import annotations

from .errors import Ec2Error
from .fcu_common import (ID_KINDS, RESOURCE_TYPES, apply_tag_specifications, check_id, filtered, not_found, own,
                         page, tag_set, when)
from .models import Account
from .store import Cloud

GROUP_ALL = "all"
NO_VOLUME = "vol-ffffffff"  # what EC2 shows as the volume of a copied or imported snapshot


# -- volumes ---------------------------------------------------------------------------------

def _attachments(cloud: Cloud, vol) -> list:
    if not vol.vm_id:
        return []
    return [{"VolumeId": vol.volume_id, "InstanceId": vol.vm_id, "Device": vol.device_name, "State": "attached",
             "AttachTime": when(vol.created_at), "DeleteOnTermination": vol.delete_on_vm_deletion}]


def volume_view(cloud: Cloud, vol) -> dict:
    view = {"VolumeId": vol.volume_id, "Size": vol.size, "SnapshotId": vol.snapshot_id,
            "AvailabilityZone": vol.subregion or cloud.subregions[0], "State": "in-use" if vol.vm_id else "available",
            "CreateTime": when(vol.created_at), "VolumeType": vol.volume_type, "Encrypted": False,
            "Attachments": _attachments(cloud, vol), "Tags": tag_set(cloud, vol.volume_id),
            "MultiAttachEnabled": False}
    if vol.iops:
        view["Iops"] = vol.iops
    return view


def create_volume(cloud: Cloud, caller: Account, params: dict) -> dict:
    from .models import Volume

    zone = params.get("AvailabilityZone") or cloud.subregions[0]
    if zone not in cloud.subregions:
        raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{zone}]")
    size, snapshot_id = params.get("Size"), params.get("SnapshotId") or ""
    if snapshot_id:
        check_id(snapshot_id, "snap-")
        snap = cloud.snapshots.get(snapshot_id)
        if snap is None or not cloud.can_use_snapshot(snap, caller.account_id):
            raise not_found(snapshot_id)
        if size is not None and size < snap.volume_size:
            raise Ec2Error("InvalidParameterValue", f"Volume of {size}GiB is too small; minimum is "
                                                    f"{snap.volume_size}GiB.")
        size = size or snap.volume_size
    if size is None:
        raise Ec2Error("MissingParameter", "The request must contain the parameter size or snapshotId")
    if not 1 <= size <= 14901:
        raise Ec2Error("InvalidParameterValue", f"Volume of {size}GiB is out of range (1-14901 GiB).")
    vol = Volume(cloud.new_id("vol-"), caller.account_id, size, params.get("VolumeType") or "standard",
                 params.get("Iops"), subregion=zone, snapshot_id=snapshot_id, created_at=cloud.now(),
                 delete_on_vm_deletion=False)
    cloud.volumes[vol.volume_id] = vol
    apply_tag_specifications(cloud, params.get("TagSpecifications"), "volume", vol.volume_id)
    return dict(volume_view(cloud, vol), State="creating")


VOLUME_FILTERS = {
    "volume-id": lambda v: [v["VolumeId"]],
    "status": lambda v: [v["State"]],
    "size": lambda v: [v["Size"]],
    "snapshot-id": lambda v: [v["SnapshotId"]],
    "availability-zone": lambda v: [v["AvailabilityZone"]],
    "volume-type": lambda v: [v["VolumeType"]],
    "encrypted": lambda v: [v["Encrypted"]],
    "attachment.instance-id": lambda v: [a["InstanceId"] for a in v["Attachments"]],
    "attachment.device": lambda v: [a["Device"] for a in v["Attachments"]],
    "attachment.status": lambda v: [a["State"] for a in v["Attachments"]],
}


def describe_volumes(cloud: Cloud, caller: Account, params: dict) -> dict:
    ids = params.get("VolumeIds") or []
    for vid in ids:
        own(cloud, caller, vid, "vol-")
    views = [volume_view(cloud, v) for v in cloud.volumes.values()
             if v.account_id == caller.account_id and (not ids or v.volume_id in ids)]
    return page(filtered(views, params.get("Filters"), VOLUME_FILTERS), params, "Volumes")


def attach_volume(cloud: Cloud, caller: Account, params: dict) -> dict:
    from .fcu_instances import _find

    vol = own(cloud, caller, params["VolumeId"], "vol-")
    vm = _find(cloud, caller, params["InstanceId"])
    if vol.vm_id:
        raise Ec2Error("VolumeInUse", f"{vol.volume_id} is already attached to an instance")
    if vol.subregion and vol.subregion != vm.subregion:
        raise Ec2Error("InvalidVolume.ZoneMismatch", f"The volume '{vol.volume_id}' is not in the same availability "
                                                     f"zone as instance '{vm.vm_id}'")
    used = {cloud.volumes[v].device_name for v in vm.volume_ids if v in cloud.volumes}
    if params["Device"] in used:
        raise Ec2Error("InvalidParameterValue", f"Invalid value '{params['Device']}' for unixDevice. "
                                                "Attachment point is already in use")
    vol.vm_id, vol.device_name = vm.vm_id, params["Device"]
    vm.volume_ids.append(vol.volume_id)
    return {"VolumeId": vol.volume_id, "InstanceId": vm.vm_id, "Device": vol.device_name, "State": "attaching",
            "AttachTime": when(cloud.now()), "DeleteOnTermination": False}


def detach_volume(cloud: Cloud, caller: Account, params: dict) -> dict:
    vol = own(cloud, caller, params["VolumeId"], "vol-")
    if not vol.vm_id or (params.get("InstanceId") and params["InstanceId"] != vol.vm_id):
        raise Ec2Error("IncorrectState", f"Volume '{vol.volume_id}' is in the 'available' state.")
    vm = cloud.vms.get(vol.vm_id)
    answer = {"VolumeId": vol.volume_id, "InstanceId": vol.vm_id, "Device": vol.device_name, "State": "detaching",
              "AttachTime": when(vol.created_at), "DeleteOnTermination": vol.delete_on_vm_deletion}
    if vm is not None and vol.volume_id in vm.volume_ids:
        vm.volume_ids.remove(vol.volume_id)
    vol.vm_id = None
    return answer


def delete_volume(cloud: Cloud, caller: Account, params: dict) -> dict:
    vol = own(cloud, caller, params["VolumeId"], "vol-")
    if vol.vm_id:
        raise Ec2Error("VolumeInUse", f"Volume {vol.volume_id} is currently attached to {vol.vm_id}")
    del cloud.volumes[vol.volume_id]
    cloud.tags.pop(vol.volume_id, None)
    return {}


# -- snapshots -------------------------------------------------------------------------------

def snapshot_view(cloud: Cloud, snap) -> dict:
    view = {"SnapshotId": snap.snapshot_id, "VolumeId": snap.volume_id or NO_VOLUME, "State": snap.state,
            "StartTime": when(snap.created_at), "Progress": f"{snap.progress}%", "OwnerId": snap.account_id,
            "Description": snap.description, "VolumeSize": snap.volume_size, "Encrypted": False,
            "Tags": tag_set(cloud, snap.snapshot_id), "StorageTier": "standard"}
    alias = cloud.alias_of(snap.account_id)
    if alias:
        view["OwnerAlias"] = alias
    return view


def _usable(cloud: Cloud, caller: Account, snapshot_id: str):
    check_id(snapshot_id, "snap-")
    snap = cloud.snapshots.get(snapshot_id)
    if snap is None or not cloud.can_use_snapshot(snap, caller.account_id):
        raise not_found(snapshot_id)
    return snap


def create_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    vol = own(cloud, caller, params["VolumeId"], "vol-")
    snap = cloud.add_snapshot(caller.account_id, vol.size, params.get("Description") or "", volume_id=vol.volume_id)
    apply_tag_specifications(cloud, params.get("TagSpecifications"), "snapshot", snap.snapshot_id)
    return snapshot_view(cloud, snap)


def copy_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    if params["SourceRegion"] != cloud.region:
        raise Ec2Error("InvalidParameterValue", f"Value ({params['SourceRegion']}) for parameter SourceRegion is "
                                                f"invalid. Snapshots are copied within {cloud.region}.")
    src = _usable(cloud, caller, params["SourceSnapshotId"])
    snap = cloud.add_snapshot(caller.account_id, src.volume_size, params.get("Description") or src.description)
    apply_tag_specifications(cloud, params.get("TagSpecifications"), "snapshot", snap.snapshot_id)
    return {"SnapshotId": snap.snapshot_id, "Tags": tag_set(cloud, snap.snapshot_id)}


SNAPSHOT_FILTERS = {
    "snapshot-id": lambda v: [v["SnapshotId"]],
    "volume-id": lambda v: [v["VolumeId"]],
    "status": lambda v: [v["State"]],
    "owner-id": lambda v: [v["OwnerId"]],
    "owner-alias": lambda v: [v.get("OwnerAlias")],
    "description": lambda v: [v["Description"]],
    "volume-size": lambda v: [v["VolumeSize"]],
    "progress": lambda v: [v["Progress"]],
    "start-time": lambda v: [v["StartTime"].strftime("%Y-%m-%dT%H:%M:%S.000Z")],
    "encrypted": lambda v: [v["Encrypted"]],
    "storage-tier": lambda v: [v["StorageTier"]],
}


def describe_snapshots(cloud: Cloud, caller: Account, params: dict) -> dict:
    ids = params.get("SnapshotIds") or []
    for sid in ids:
        _usable(cloud, caller, sid)
    owners = [caller.account_id if o == "self" else o for o in params.get("OwnerIds") or []]
    restorable = [caller.account_id if u == "self" else u for u in params.get("RestorableByUserIds") or []]
    found = []
    for snap in cloud.snapshots.values():
        if not cloud.can_use_snapshot(snap, caller.account_id) or (ids and snap.snapshot_id not in ids):
            continue
        if owners and snap.account_id not in owners and cloud.alias_of(snap.account_id) not in owners:
            continue
        if restorable and not any(snap.public or u == snap.account_id or u in snap.volume_accounts
                                  for u in restorable):
            continue
        found.append(snapshot_view(cloud, snap))
    return page(filtered(found, params.get("Filters"), SNAPSHOT_FILTERS), params, "Snapshots")


def delete_snapshot(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = own(cloud, caller, params["SnapshotId"], "snap-")
    users = [i.image_id for i in cloud.images.values()
             if any((m.get("Bsu") or {}).get("SnapshotId") == snap.snapshot_id for m in i.block_device_mappings)]
    if users:
        raise Ec2Error("InvalidSnapshot.InUse", f"The snapshot {snap.snapshot_id} is currently in use by {users[0]}")
    del cloud.snapshots[snap.snapshot_id]
    cloud.tags.pop(snap.snapshot_id, None)
    return {}


def _permission_items(items, where: str):
    accounts, public = [], False
    for item in items or []:
        if item.get("Group") == GROUP_ALL:
            public = True
        elif item.get("UserId"):
            accounts.append(item["UserId"])
        else:
            raise Ec2Error("InvalidParameterValue", f"{where}: each permission names a UserId or the Group all.")
    return accounts, public


def modify_snapshot_attribute(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = own(cloud, caller, params["SnapshotId"], "snap-")
    attribute = params.get("Attribute", "createVolumePermission")
    if attribute != "createVolumePermission":
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute}) for parameter Attribute is invalid. "
                                                "Only createVolumePermission can be modified.")
    structured = params.get("CreateVolumePermission") or {}
    add, add_all = _permission_items(structured.get("Add"), "CreateVolumePermission.Add")
    remove, remove_all = _permission_items(structured.get("Remove"), "CreateVolumePermission.Remove")
    flat = list(params.get("UserIds") or []), GROUP_ALL in (params.get("GroupNames") or [])
    if params.get("OperationType") == "add":
        add, add_all = add + flat[0], add_all or flat[1]
    elif params.get("OperationType") == "remove":
        remove, remove_all = remove + flat[0], remove_all or flat[1]
    elif flat[0] or flat[1]:
        raise Ec2Error("MissingParameter", "The request must contain the parameter OperationType")
    if not (add or add_all or remove or remove_all):
        raise Ec2Error("MissingParameter", "The request must contain the parameter createVolumePermission")
    snap.volume_accounts = [a for a in dict.fromkeys(snap.volume_accounts + add) if a not in remove]
    snap.public = (snap.public or add_all) and not remove_all
    return {}


def describe_snapshot_attribute(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = own(cloud, caller, params["SnapshotId"], "snap-")
    attribute = params["Attribute"]
    if attribute == "createVolumePermission":
        perms = [{"UserId": a} for a in snap.volume_accounts] + ([{"Group": GROUP_ALL}] if snap.public else [])
        return {"SnapshotId": snap.snapshot_id, "CreateVolumePermissions": perms}
    if attribute == "productCodes":
        return {"SnapshotId": snap.snapshot_id, "ProductCodes": []}
    raise Ec2Error("InvalidParameterValue", f"Value ({attribute}) for parameter Attribute is invalid.")


def reset_snapshot_attribute(cloud: Cloud, caller: Account, params: dict) -> dict:
    snap = own(cloud, caller, params["SnapshotId"], "snap-")
    if params["Attribute"] != "createVolumePermission":
        raise Ec2Error("InvalidParameterValue", f"Value ({params['Attribute']}) for parameter Attribute is invalid.")
    snap.volume_accounts, snap.public = [], False
    return {}


# -- tags ------------------------------------------------------------------------------------

def _taggable(cloud: Cloud, caller: Account, resource_id: str):
    prefix = next((p for p in sorted(ID_KINDS, key=len, reverse=True) if resource_id.startswith(p)), None)
    if prefix is None:
        raise Ec2Error("InvalidID", f"The ID '{resource_id}' is not valid")
    return own(cloud, caller, resource_id, prefix)


def create_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    for rid in params["Resources"]:
        _taggable(cloud, caller, rid)
    for tag in params["Tags"]:
        if not tag.get("Key") or tag["Key"].lower().startswith("aws:"):
            raise Ec2Error("InvalidParameterValue", f"Tag key {tag.get('Key')!r} is invalid: 1-128 characters, "
                                                    "not starting with aws:.")
    for rid in params["Resources"]:
        cloud.tags.setdefault(rid, {}).update({t["Key"]: t.get("Value") or "" for t in params["Tags"]})
    return {}


def delete_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    for rid in params["Resources"]:
        _taggable(cloud, caller, rid)
    for rid in params["Resources"]:
        tags = cloud.tags.get(rid, {})
        for tag in params.get("Tags") or [{"Key": k} for k in list(tags)]:
            if tag["Key"] in tags and (tag.get("Value") is None or tags[tag["Key"]] == tag["Value"]):
                del tags[tag["Key"]]
    return {}


TAG_FILTERS = {
    "key": lambda v: [v["Key"]],
    "value": lambda v: [v["Value"]],
    "resource-id": lambda v: [v["ResourceId"]],
    "resource-type": lambda v: [v["ResourceType"]],
}


def describe_tags(cloud: Cloud, caller: Account, params: dict) -> dict:
    found = []
    for rid, tags in cloud.tags.items():
        prefix = next((p for p in sorted(RESOURCE_TYPES, key=len, reverse=True) if rid.startswith(p)), None)
        store = {"image-export-": "export_tasks"}.get(prefix) or (ID_KINDS[prefix][2] if prefix else None)
        resource = getattr(cloud, store).get(rid) if store else None
        if resource is None or resource.account_id != caller.account_id:
            continue
        found += [{"ResourceId": rid, "ResourceType": RESOURCE_TYPES[prefix], "Key": k, "Value": v}
                  for k, v in tags.items()]
    views = filtered([dict(v, Tags=[{"Key": v["Key"], "Value": v["Value"]}]) for v in found],
                     params.get("Filters"), TAG_FILTERS)
    return page([{k: v[k] for k in ("ResourceId", "ResourceType", "Key", "Value")} for v in views], params, "Tags")


HANDLERS = {
    "CreateVolume": create_volume,
    "DescribeVolumes": describe_volumes,
    "AttachVolume": attach_volume,
    "DetachVolume": detach_volume,
    "DeleteVolume": delete_volume,
    "CreateSnapshot": create_snapshot,
    "CopySnapshot": copy_snapshot,
    "DescribeSnapshots": describe_snapshots,
    "DeleteSnapshot": delete_snapshot,
    "ModifySnapshotAttribute": modify_snapshot_attribute,
    "DescribeSnapshotAttribute": describe_snapshot_attribute,
    "ResetSnapshotAttribute": reset_snapshot_attribute,
    "CreateTags": create_tags,
    "DeleteTags": delete_tags,
    "DescribeTags": describe_tags,
}
