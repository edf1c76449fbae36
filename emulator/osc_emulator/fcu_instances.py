"""FCU face: RunInstances, DescribeInstances, Stop/Start/TerminateInstances, DescribeInstanceStatus,
DescribeRegions, DescribeAvailabilityZones.

A small VM model with EC2's state names: RunInstances and StartInstances answer
``pending``, StopInstances ``stopping``, TerminateInstances ``shutting-down``;
the next read (DescribeInstances) finds them ``running`` / ``stopped`` /
``terminated``, so ``aws ec2 wait instance-running`` passes at its first poll.
A VM is made from a launchable, available image: one volume per snapshot of
its block device mappings (deleted at termination unless told otherwise).  A
terminated VM is still listed by DescribeInstances, and is gone for the OAPI
face (CreateImage with its VmId: no such VM), as on OUTSCALE.
"""

from __future__ import annotations

from .errors import Ec2Error
from .regions import REGIONS, host
from .fcu_common import apply_tag_specifications, check_id, filtered, not_found, page, tag_set, when
from .models import Account, Volume
from .store import Cloud

STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
SETTLES = {"pending": "running", "stopping": "stopped", "shutting-down": "terminated"}
DEFAULT_TYPE = "m1.small"  # EC2's default instance type, which FCU accepts


def _state(vm) -> dict:
    return {"Code": STATE_CODES[vm.state], "Name": vm.state}


def instance_view(cloud: Cloud, vm) -> dict:
    devices = []
    for vid in vm.volume_ids:
        vol = cloud.volumes.get(vid)
        if vol is not None:
            devices.append({"DeviceName": vol.device_name, "Ebs": {
                "VolumeId": vid, "Status": "attached", "AttachTime": when(vol.created_at or vm.launched_at),
                "DeleteOnTermination": vol.delete_on_vm_deletion}})
    view = {
        "InstanceId": vm.vm_id, "ImageId": vm.image_id, "InstanceType": vm.vm_type, "State": _state(vm),
        "LaunchTime": when(vm.launched_at), "Placement": {"AvailabilityZone": vm.subregion, "Tenancy": "default"},
        "Architecture": vm.architecture, "RootDeviceName": devices[0]["DeviceName"] if devices else "/dev/sda1",
        "RootDeviceType": "ebs", "BlockDeviceMappings": devices, "Tags": tag_set(cloud, vm.vm_id),
        "VirtualizationType": "hvm", "Hypervisor": "xen", "AmiLaunchIndex": 0, "Monitoring": {"State": "disabled"},
        "EbsOptimized": False, "ProductCodes": [], "SecurityGroups": [], "ClientToken": vm.client_token,
        "PrivateDnsName": f"ip-10-0-0-{1 + sum(map(ord, vm.vm_id)) % 250}.{cloud.region}.compute.internal",
        "PrivateIpAddress": f"10.0.0.{1 + sum(map(ord, vm.vm_id)) % 250}",
    }
    if vm.state in ("stopped", "terminated"):
        reason = "Client.UserInitiatedShutdown"
        view["StateReason"] = {"Code": reason, "Message": f"{reason}: User initiated shutdown"}
    return view


def _settle(cloud: Cloud, vm) -> None:
    nxt = SETTLES.get(vm.state)
    if nxt:
        vm.state = nxt


def _find(cloud: Cloud, caller: Account, instance_id: str, *, terminated: bool = False):
    check_id(instance_id, "i-")
    vm = cloud.vms.get(instance_id) or (cloud.terminated_vms.get(instance_id) if terminated else None)
    if vm is None or vm.account_id != caller.account_id:
        if terminated or instance_id not in cloud.terminated_vms:
            raise not_found(instance_id)
        raise Ec2Error("IncorrectInstanceState", f"The instance '{instance_id}' is terminated.")
    return vm


def run_instances(cloud: Cloud, caller: Account, params: dict) -> dict:
    low, high = params["MinCount"], params["MaxCount"]
    if low < 1 or high < low:
        raise Ec2Error("InvalidParameterValue", f"MinCount ({low}) must be at least 1 and at most MaxCount ({high}).")
    if not params.get("ImageId"):
        raise Ec2Error("MissingParameter", "The request must contain the parameter ImageId")
    image_id = check_id(params["ImageId"], "ami-")
    image = cloud.images.get(image_id)
    if image is None or not cloud.can_launch(image, caller.account_id):
        raise not_found(image_id)
    cloud.settle_image(image)
    if image.state != "available":
        raise Ec2Error("InvalidAMIID.Unavailable", f"The image {image_id} is {image.state}, not available.")
    token = params.get("ClientToken") or ""
    if token:  # idempotent: the same token answers the reservation it made
        made = [vm for vm in cloud.vms.values() if vm.client_token == token and vm.account_id == caller.account_id]
        if made:
            return _reservation(cloud, caller, made)
    zone = (params.get("Placement") or {}).get("AvailabilityZone") or cloud.subregions[0]
    if zone not in cloud.subregions:
        raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{zone}]")
    volumes = [{"DeviceName": m.get("DeviceName", image.root_device_name), "SnapshotId": m["Bsu"].get("SnapshotId", ""),
                "VolumeSize": m["Bsu"].get("VolumeSize") or 10, "VolumeType": m["Bsu"].get("VolumeType", "standard")}
               for m in image.block_device_mappings if m.get("Bsu")] or [{"DeviceName": image.root_device_name,
                                                                          "VolumeSize": 10}]
    reservation = cloud.new_id("r-")
    vms = []
    for _ in range(high):
        vm = cloud.add_vm(caller.account_id, volumes, image.architecture, boot_modes=list(image.boot_modes))
        vm.image_id, vm.vm_type, vm.state = image.image_id, params.get("InstanceType") or DEFAULT_TYPE, "pending"
        vm.reservation_id, vm.subregion, vm.client_token = reservation, zone, token
        for vid in vm.volume_ids:
            cloud.volumes[vid].subregion = zone
            apply_tag_specifications(cloud, params.get("TagSpecifications"), "volume", vid)
        apply_tag_specifications(cloud, params.get("TagSpecifications"), "instance", vm.vm_id)
        vms.append(vm)
    return _reservation(cloud, caller, vms)


def _reservation(cloud: Cloud, caller: Account, vms: list) -> dict:
    return {"ReservationId": vms[0].reservation_id, "OwnerId": caller.account_id, "Groups": [],
            "Instances": [instance_view(cloud, vm) for vm in vms]}


INSTANCE_FILTERS = {
    "instance-id": lambda v: [v["InstanceId"]],
    "instance-state-name": lambda v: [v["State"]["Name"]],
    "instance-state-code": lambda v: [v["State"]["Code"]],
    "image-id": lambda v: [v["ImageId"]],
    "instance-type": lambda v: [v["InstanceType"]],
    "availability-zone": lambda v: [v["Placement"]["AvailabilityZone"]],
    "architecture": lambda v: [v["Architecture"]],
    "reservation-id": lambda v: [v["_reservation"]],
    "block-device-mapping.volume-id": lambda v: [m["Ebs"]["VolumeId"] for m in v["BlockDeviceMappings"]],
    "client-token": lambda v: [v["ClientToken"]],
}


def describe_instances(cloud: Cloud, caller: Account, params: dict) -> dict:
    ids = params.get("InstanceIds") or []
    for iid in ids:
        _find(cloud, caller, iid, terminated=True)
    mine = [vm for vm in list(cloud.vms.values()) + list(cloud.terminated_vms.values())
            if vm.account_id == caller.account_id and (not ids or vm.vm_id in ids)]
    for vm in mine:
        _settle(cloud, vm)
    views = [dict(instance_view(cloud, vm), _reservation=vm.reservation_id) for vm in mine]
    views = filtered(views, params.get("Filters"), INSTANCE_FILTERS)
    out = page(views, params, "Instances")
    reservations = {}
    for view in out.pop("Instances"):
        rid = view.pop("_reservation")
        reservations.setdefault(rid, {"ReservationId": rid, "OwnerId": caller.account_id, "Groups": [],
                                      "Instances": []})["Instances"].append(view)
    out["Reservations"] = list(reservations.values())
    return out


def describe_instance_status(cloud: Cloud, caller: Account, params: dict) -> dict:
    answer = describe_instances(cloud, caller, {"InstanceIds": params.get("InstanceIds")})
    statuses = []
    for res in answer["Reservations"]:
        for inst in res["Instances"]:
            running = inst["State"]["Name"] == "running"
            if not running and not params.get("IncludeAllInstances"):
                continue
            ok = {"Status": "ok" if running else "not-applicable",
                  "Details": [{"Name": "reachability", "Status": "passed"}] if running else []}
            statuses.append({"InstanceId": inst["InstanceId"], "InstanceState": inst["State"],
                             "AvailabilityZone": inst["Placement"]["AvailabilityZone"],
                             "InstanceStatus": ok, "SystemStatus": ok})
    return page(statuses, params, "InstanceStatuses")


def _change(cloud: Cloud, caller: Account, ids: list, move) -> list:
    vms = [_find(cloud, caller, iid, terminated=move is _terminate) for iid in ids]
    out = []
    for vm in vms:
        _settle(cloud, vm)
        before = _state(vm)
        move(cloud, vm)
        out.append({"InstanceId": vm.vm_id, "PreviousState": before, "CurrentState": _state(vm)})
    return out


def _stop(cloud: Cloud, vm) -> None:
    if vm.state == "running":
        vm.state = "stopping"


def _start(cloud: Cloud, vm) -> None:
    if vm.state == "stopped":
        vm.state = "pending"
    elif vm.state == "stopping":
        raise Ec2Error("IncorrectInstanceState", f"The instance '{vm.vm_id}' is not in a state from which it can "
                                                 "be started.")


def _terminate(cloud: Cloud, vm) -> None:
    if vm.state == "terminated":
        return
    vm.state = "shutting-down"
    cloud.vms.pop(vm.vm_id, None)
    cloud.terminated_vms[vm.vm_id] = vm
    for vid in list(vm.volume_ids):
        vol: Volume = cloud.volumes.get(vid)
        if vol is None:
            continue
        if vol.delete_on_vm_deletion:
            del cloud.volumes[vid]
            cloud.tags.pop(vid, None)
        else:
            vol.vm_id = None
    vm.volume_ids = []  # a terminated instance lists no devices


def stop_instances(cloud: Cloud, caller: Account, params: dict) -> dict:
    return {"StoppingInstances": _change(cloud, caller, params["InstanceIds"], _stop)}


def start_instances(cloud: Cloud, caller: Account, params: dict) -> dict:
    return {"StartingInstances": _change(cloud, caller, params["InstanceIds"], _start)}


def terminate_instances(cloud: Cloud, caller: Account, params: dict) -> dict:
    return {"TerminatingInstances": _change(cloud, caller, params["InstanceIds"], _terminate)}


def describe_regions(cloud: Cloud, caller: Account, params: dict) -> dict:
    names = params.get("RegionNames") or []
    unknown = [n for n in names if n not in REGIONS]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Invalid region: {unknown[0]}")
    views = [{"RegionName": r, "Endpoint": host("fcu", r),
              "OptInStatus": "opt-in-not-required"} for r in REGIONS if not names or r in names]
    return {"Regions": filtered(views, params.get("Filters"), {
        "region-name": lambda v: [v["RegionName"]], "endpoint": lambda v: [v["Endpoint"]],
        "opt-in-status": lambda v: [v["OptInStatus"]]})}


def describe_availability_zones(cloud: Cloud, caller: Account, params: dict) -> dict:
    names = params.get("ZoneNames") or []
    unknown = [n for n in names if n not in cloud.subregions]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"The zone '{unknown[0]}' does not exist in region {cloud.region}.")
    views = [{"ZoneName": z, "ZoneId": z, "State": "available", "RegionName": cloud.region, "Messages": [],
              "ZoneType": "availability-zone", "OptInStatus": "opt-in-not-required", "GroupName": cloud.region}
             for z in cloud.subregions if not names or z in names]
    return {"AvailabilityZones": filtered(views, params.get("Filters"), {
        "zone-name": lambda v: [v["ZoneName"]], "zone-id": lambda v: [v["ZoneId"]],
        "region-name": lambda v: [v["RegionName"]], "state": lambda v: [v["State"]]})}


HANDLERS = {
    "RunInstances": run_instances,
    "DescribeInstances": describe_instances,
    "DescribeInstanceStatus": describe_instance_status,
    "StopInstances": stop_instances,
    "StartInstances": start_instances,
    "TerminateInstances": terminate_instances,
    "DescribeRegions": describe_regions,
    "DescribeAvailabilityZones": describe_availability_zones,
}
